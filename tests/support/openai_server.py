"""A real HTTP server on a loopback port speaking the OpenAI chat completions API, standing in
for the AI provider (xAI, OpenAI, a local model server): scripted answers, tool calls, delays
and failures, and a record of every request it got."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from .http import QuietHandler


@dataclass
class Reply:
    """One scripted answer: ``text``, a ``tool`` call, an HTTP ``status`` error, or a 200 whose
    body is the ``plain`` text instead of JSON (a server that is no chat completions API), after
    ``delay`` seconds. Unscripted requests get ``Answer: <the last user message>``."""

    text: str | None = None
    tool: str | None = None
    status: int = 200
    delay: float = 0.0
    plain: str | None = None


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])


@dataclass
class OpenAIServer:
    """Start with ``start()``; ``url`` is the base URL to configure (…/v1)."""

    script: deque[Reply] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)
    model: str = "test-model"
    default_delay: float = 0.0

    def start(self) -> OpenAIServer:
        owner = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {name.lower(): value for name, value in self.headers.items()}
                owner.requests.append(Received(self.path, headers, body))
                reply = owner.script.popleft() if owner.script else Reply()
                time.sleep(reply.delay or owner.default_delay)
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "no such route"}})
                if reply.status != 200:
                    message = f"scripted failure {reply.status}"
                    return self._send(reply.status, {"error": {"message": message}})
                if reply.plain is not None:
                    return self._send(200, reply.plain)
                self._send(200, owner.completion(body, reply))

            def _send(self, status: int, payload: dict | str) -> None:
                plain = isinstance(payload, str)
                data = payload.encode() if plain else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain" if plain else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def completion(self, body: dict, reply: Reply) -> dict[str, Any]:
        users = [item["content"] for item in body.get("messages", []) if item["role"] == "user"]
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if reply.tool:
            message["tool_calls"] = [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": reply.tool, "arguments": "{}"},
                }
            ]
            finish = "tool_calls"
        else:
            message["content"] = reply.text if reply.text is not None else f"Answer: {users[-1]}"
            finish = "stop"
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
        }

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
