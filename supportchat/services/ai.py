"""The AI provider: one OpenAI-compatible chat completions call (xAI's Grok, OpenAI, or a
local server such as llama.cpp, vLLM or Ollama), through the official ``openai`` package.

The package is imported on the first call (it is most of a process's import time, and many
servers never use it). It talks through httpx over the standard library's sockets, which gevent has
patched in a serving process: a call waiting for the provider parks its greenlet only.
Every call has one deadline, AI_TIMEOUT_SECONDS, retries included; 429 and 5xx answers are
retried AI_RETRIES times with backoff inside it. A circuit breaker per endpoint makes an
outage cost one failed call: while it is open, calls fail at once for BREAKER_SECONDS.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..ops import metrics

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

PRESETS = {"xai": "https://api.x.ai/v1", "openai": "https://api.openai.com/v1"}
BREAKER_SECONDS = 30.0
BACKOFF_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0)
HANDOFF_TOOL = {
    "type": "function",
    "function": {
        "name": "handoff_to_human",
        "description": (
            "Hand the conversation over to a human support agent: when the customer asks for "
            "a person, or when you cannot help."
        ),
        "parameters": {"type": "object", "properties": {}},
    },
}


class ProviderError(Exception):
    """The provider failed, timed out or is cut off by the breaker; the message is the
    provider's own (never the key) and ``outcome`` the metrics label."""

    def __init__(self, message: str, outcome: str):
        super().__init__(message)
        self.outcome = outcome


@dataclass(frozen=True)
class Answer:
    """What the model said: ``text``, or a request for a person (``handoff``)."""

    text: str
    handoff: bool
    model: str
    tokens: int


@dataclass(frozen=True)
class Provider:
    """Where and how to call: from the ``ai`` settings section and the sealed key."""

    base_url: str
    model: str
    key: str | None
    timeout: float
    retries: int
    tools: bool


def provider(section: dict[str, Any], key: str | None, config) -> Provider:
    """The provider of these settings: a given ``baseUrl`` wins over the ``provider`` preset."""
    base_url = section.get("baseUrl") or PRESETS.get(section.get("provider") or "", "")
    return Provider(
        base_url=base_url.rstrip("/"),
        model=section.get("model") or "",
        key=key,
        timeout=float(config["AI_TIMEOUT_SECONDS"]),
        retries=config["AI_RETRIES"],
        tools=config["AI_TOOLS"],
    )


class _Breaker:
    """Per endpoint: open after a failed call, for BREAKER_SECONDS; then one call may try."""

    def __init__(self) -> None:
        self._opened: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> None:
        with self._lock:
            opened = self._opened.get(url)
            if opened is None:
                return
            if time.monotonic() - opened < BREAKER_SECONDS:
                raise ProviderError(
                    "The AI provider failed moments ago; not calling it again yet.", "breaker_open"
                )
            self._opened[url] = time.monotonic()  # half-open: this call tries, others wait

    def failed(self, url: str) -> None:
        with self._lock:
            self._opened[url] = time.monotonic()

    def succeeded(self, url: str) -> None:
        with self._lock:
            self._opened.pop(url, None)


breaker = _Breaker()


def complete(target: Provider, messages: list[dict[str, str]], max_tokens: int = 600) -> Answer:
    """One answer to ``messages`` (system prompt first); ProviderError when there is none."""
    if not target.base_url or not target.model:
        raise ProviderError("AI replies need a provider or base URL and a model.", "failed")
    breaker.check(target.base_url)
    client = _client(target)  # the first one imports openai: not the provider's time
    started = time.monotonic()
    try:
        answer = _call(client, target, messages, max_tokens)
    except ProviderError as error:
        breaker.failed(target.base_url)
        metrics.AI_REQUESTS.labels(error.outcome).inc()
        raise
    finally:
        metrics.AI_SECONDS.observe(time.monotonic() - started)
    breaker.succeeded(target.base_url)
    metrics.AI_TOKENS.inc(answer.tokens)
    metrics.AI_REQUESTS.labels("handoff" if answer.handoff else "answered").inc()
    return answer


_clients: dict[tuple[str, str | None], openai.OpenAI] = {}


def _client(target: Provider) -> openai.OpenAI:
    """One client (and its connection pool) per endpoint and key, kept for the process."""
    found = _clients.get((target.base_url, target.key))
    if found is None:
        import openai

        if len(_clients) > 8:  # settings changed often: forget the old ones
            _clients.clear()
        found = _clients[(target.base_url, target.key)] = openai.OpenAI(
            base_url=target.base_url,
            api_key=target.key or "none",  # local servers need no key; the package wants one
            max_retries=0,  # retried here, within the one deadline
        )
    return found


def _call(client: openai.OpenAI, target: Provider, messages: list[dict], max_tokens: int) -> Answer:
    """The provider's answer within ``target.timeout`` seconds, retries included."""
    import openai

    deadline = time.monotonic() + target.timeout
    options: dict[str, Any] = {"tools": [HANDOFF_TOOL]} if target.tools else {}
    for attempt in range(target.retries + 1):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            completion = client.with_options(timeout=left).chat.completions.create(
                model=target.model, messages=messages, max_tokens=max_tokens, **options
            )
            return _answer(completion, target.model)
        except openai.APITimeoutError:
            break
        except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as e:
            pause = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)]
            if attempt == target.retries or time.monotonic() + pause >= deadline:
                raise ProviderError(_reason(e), "failed") from None
            log.warning("AI provider answered %s; retrying in %.1f s", _status(e), pause)
            time.sleep(pause)
        except openai.APIError as error:
            raise ProviderError(_reason(error), "failed") from None
    raise ProviderError(
        f"The AI provider did not answer within {target.timeout:g} seconds.", "timeout"
    )


def _answer(completion, model: str) -> Answer:
    # A body that is not JSON comes back as its text: not an OpenAI-compatible endpoint.
    if not hasattr(completion, "choices"):
        raise ProviderError("The AI provider's answer was not a chat completion.", "failed")
    if not completion.choices:
        raise ProviderError("The AI provider sent no answer.", "failed")
    message = completion.choices[0].message
    calls = [call.function.name for call in (message.tool_calls or []) if call.type == "function"]
    tokens = completion.usage.total_tokens if completion.usage else 0
    return Answer(
        text=(message.content or "").strip(),
        handoff="handoff_to_human" in calls,
        model=completion.model or model,
        tokens=tokens or 0,
    )


def _status(error: Exception) -> str:
    return str(getattr(error, "status_code", None) or type(error).__name__)


def _reason(error: Exception) -> str:
    """The provider's own error message, short; the key is never in it (it is sent in a
    header, which the package does not echo)."""
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        found = body.get("error", body)
        text = found.get("message") if isinstance(found, dict) else found
        if text:
            return f"The AI provider answered {_status(error)}: {str(text)[:300]}"
    import openai

    if isinstance(error, openai.APIConnectionError):
        return "The AI provider could not be reached."
    return f"The AI provider answered {_status(error)}: {json.dumps(str(error))[:300]}"


def check(target: Provider) -> dict[str, Any]:
    """``POST /api/admin/settings/ai/test``: one short prompt, past the breaker; what it took,
    or the provider's error message."""
    result: dict[str, Any] = {"ok": True, "model": target.model, "error": None}
    started = time.monotonic()
    try:
        if not target.base_url or not target.model:
            raise ProviderError("Set a provider or base URL and a model first.", "failed")
        client = _client(target)
        started = time.monotonic()
        prompt = [{"role": "user", "content": "Reply with the single word: ok"}]
        answer = _call(client, target, prompt, 5)
        result["model"] = answer.model
    except ProviderError as error:
        result.update(ok=False, error=str(error))
    result["latencyMs"] = round((time.monotonic() - started) * 1000)
    return result
