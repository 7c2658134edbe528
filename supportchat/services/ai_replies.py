"""AI replies and the hand-off to people (PROTOCOL.md §3.9).

A customer message on a ticket whose bot is active is acknowledged first; then a background
task (its own greenlet, holding no lock while it waits) claims the answer in the store, so of
several processes exactly one answers, asks the provider (services/ai.py) with the system
prompt and the ticket's recent public messages, and stores the answer as a bot message on
the path of every message (messages.append: seq, idempotency, replay). A burst gets one
answer: a task whose message is no longer the customer's latest gives up, before or after
asking. The model asking for a person (tool call or phrase), a failure, a timeout or a cap
hands the ticket over instead: ``botActive`` false, a "Handed over to the team" event, and
``ticket:updated``. Nothing is kept in memory that the store does not also know, so after a
crash ``recover`` answers, or hands over, what was left unanswered.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app

from ..clock import utcnow
from ..context import Context
from ..errors import AppError
from ..extensions import socketio
from ..ops import metrics
from ..stores import Message, NewMessage, Ticket
from . import ai, messages, ratelimit, settings, tickets
from .actors import Actor, require_agent

log = logging.getLogger(__name__)

HANDOFF_TEXT = "Handed over to the team"
HISTORY_MESSAGES = 40
# A customer often sends several short messages in a row: the answer waits this long for the
# last of them, so a burst costs one model call, not one per message.
BURST_SECONDS = 0.4
RECOVER_TICKETS = 10_000


def after_message(ctx: Context, actor: Actor, ticket_id: str, seq: int) -> None:
    """A public message was stored on a ticket whose bot was active: a customer's is
    answered in the background; an agent writing takes the ticket over."""
    if actor.is_agent:
        handoff(ctx, ticket_id, "agent")
    else:
        _answer_soon(current_app._get_current_object(), ticket_id, seq)


def customer_handoff(ctx: Context, actor: Actor, ticket_id: str) -> Ticket:
    """``ticket:handoff``: the customer asks for a person."""
    ticket = tickets.accessible(ctx, actor, ticket_id)
    _require_open(ticket)
    return handoff(ctx, ticket_id, "customer")


def set_active(ctx: Context, actor: Actor, ticket_id: str, active: bool) -> Ticket:
    """``ticket:bot``: an agent turns AI replies on or off for a ticket."""
    require_agent(actor)
    _require_open(tickets.accessible(ctx, actor, ticket_id))
    if not active:
        return handoff(ctx, ticket_id, "agent")
    ticket, changed = ctx.store.set_bot(ticket_id, True)
    if changed:
        tickets.announce(ctx, ticket)
    return ticket


def handoff(ctx: Context, ticket_id: str, reason: str) -> Ticket:
    """Turn the bot off; the one caller that changed it writes the event and tells everyone."""
    ticket, changed = ctx.store.set_bot(ticket_id, False)
    if not changed:
        return ticket
    log.info("ticket %s handed over to the team (%s)", ticket_id, reason)
    system = {"id": "system", "role": "system", "name": _bot_name(ctx)}
    try:
        messages.append(ctx, ticket_id, NewMessage(sender=system, text=HANDOFF_TEXT, kind="event"))
    except AppError as error:  # closed meanwhile: the flag is what matters
        log.info("hand-off event not stored on ticket %s: %s", ticket_id, error.code)
    ticket = ctx.store.get_ticket(ticket_id) or ticket
    tickets.announce(ctx, ticket)
    return ticket


def wait_for_answer(ctx: Context, written: messages.Written) -> list[Message]:
    """POST /api/chat: the AI's answer to the message just written, when it is stored within
    AI_REPLY_WAIT_SECONDS (only this request's greenlet waits, holding nothing)."""
    wait = ctx.config["AI_REPLY_WAIT_SECONDS"]
    if not (wait and written.bot_active and written.message.sender["role"] == "guest"):
        return []
    ticket_id, seq, found = written.ticket_id, written.message.seq, []

    def arrived() -> bool:
        later = ctx.store.messages_after(ticket_id, seq, 50, include_notes=False)
        found[:] = [m for m in later if m.client_msg_id == f"ai-{seq}"]
        return bool(found) or any(m.kind == "event" for m in later)  # answered or handed over

    ctx.publish.waiters.wait(ticket_id, wait, arrived)
    return found


def recover(app: Flask) -> None:
    """At start-up: every active bot's ticket whose latest public message is the customer's
    gets its answer; one that a process had claimed gets a hand-off once that process would
    have answered (it died, or another live process answers it meanwhile)."""
    with app.app_context():
        ctx: Context = app.extensions["supportchat.context"]
        try:
            waiting = ctx.store.bot_tickets(RECOVER_TICKETS)
        except Exception as exc:  # the database is away: nothing to recover from here
            log.warning("AI replies: unanswered messages not checked (%s)", type(exc).__name__)
            return
        for ticket in waiting:
            _recover_ticket(app, ctx, ticket.id)


def _recover_ticket(app: Flask, ctx: Context, ticket_id: str) -> None:
    ticket = ctx.store.get_ticket(ticket_id)
    question = _unanswered(ctx, ticket_id) if ticket and ticket.bot_active else None
    if question is None:
        return
    if ticket.ai_seq < question.seq:
        _answer_soon(app, ticket_id, question.seq)
        return
    # Retries and backoff stay within the timeout; a few seconds more for storing.
    left = ctx.config["AI_TIMEOUT_SECONDS"] + 5 - (utcnow() - question.created_at).total_seconds()
    if left > 0:
        socketio.start_background_task(_recover_later, app, ticket_id, left)
    else:
        handoff(ctx, ticket_id, "restart")


def _recover_later(app: Flask, ticket_id: str, delay: float) -> None:
    socketio.sleep(delay)
    with app.app_context():
        _recover_ticket(app, app.extensions["supportchat.context"], ticket_id)


def recover_soon(app: Flask) -> None:
    """Run ``recover`` in the background of a serving process."""
    socketio.start_background_task(recover, app)


def _answer_soon(app: Flask, ticket_id: str, seq: int) -> None:
    socketio.start_background_task(_answer, app, ticket_id, seq)


def _answer(app: Flask, ticket_id: str, seq: int) -> None:
    """The background task answering the customer message ``seq``."""
    with app.app_context():
        ctx: Context = app.extensions["supportchat.context"]
        try:
            _answer_in(ctx, ticket_id, seq)
        except Exception:
            log.exception("AI reply to ticket %s failed; handing over", ticket_id)
            handoff(ctx, ticket_id, "error")


def _answer_in(ctx: Context, ticket_id: str, seq: int) -> None:
    socketio.sleep(BURST_SECONDS)
    question = _unanswered(ctx, ticket_id)
    if question is None or question.seq != seq:
        return  # a later message came: its own task answers that one (a burst, one answer)
    if not ctx.store.claim_ai(ticket_id, seq):
        return  # answered elsewhere, the bot is off, or the ticket closed
    if not _within_caps(ctx, ticket_id):
        metrics.AI_REQUESTS.labels("capped").inc()
        handoff(ctx, ticket_id, "cap")
        return
    section = ctx.section("ai")
    target = ai.provider(section, settings.secret("ai"), ctx.config)
    _typing(ctx, ticket_id, True)
    try:
        answer = ai.complete(target, _prompt(ctx, ticket_id, section, seq))
    except ai.ProviderError as error:
        log.warning("AI reply to ticket %s: %s; handing over", ticket_id, error.outcome)
        handoff(ctx, ticket_id, error.outcome)
        return
    finally:
        _typing(ctx, ticket_id, False)
    ticket = ctx.store.get_ticket(ticket_id)
    if ticket is None or not ticket.bot_active or ticket.ai_seq != seq:
        return  # handed over, or superseded by a later message while the model wrote
    phrase = ctx.config["AI_HANDOFF_PHRASE"].strip()
    asked = answer.handoff or (phrase and phrase.lower() in answer.text.lower())
    text = answer.text.replace(phrase, "").strip() if phrase else answer.text
    if text:
        new = NewMessage(sender=_bot(ctx), text=text[: ctx.config["MAX_MESSAGE_CHARS"]])
        messages.append(ctx, ticket_id, _keyed(new, seq))
    if asked or not text:
        handoff(ctx, ticket_id, "model")


def _prompt(ctx: Context, ticket_id: str, section: dict[str, Any], seq: int) -> list[dict]:
    """The system prompt, then the recent public messages up to ``seq`` as user (customer)
    and assistant (bot, agents) turns, newest kept within AI_CONTEXT_CHARS. The customer's
    words are only ever user messages, never part of the system prompt."""
    found = ctx.store.messages_before(ticket_id, seq + 1, HISTORY_MESSAGES, include_notes=False)
    budget = ctx.config["AI_CONTEXT_CHARS"]
    turns: list[dict[str, str]] = []
    for message in reversed(found):
        if message.kind != "message" or not message.text:
            continue
        text = message.text if turns else message.text[-budget:]  # the question always goes
        if len(text) > budget:
            break
        budget -= len(text)
        role = "user" if message.sender["role"] == "guest" else "assistant"
        turns.append({"role": role, "content": text})
    system = section.get("systemPrompt") or settings.DEFAULTS["ai"]["systemPrompt"]
    if not ctx.config["AI_TOOLS"]:
        phrase = ctx.config["AI_HANDOFF_PHRASE"]
        system += f"\nTo hand the conversation over to a person, answer with {phrase} only."
    return [{"role": "system", "content": system}, *reversed(turns)]


def _within_caps(ctx: Context, ticket_id: str) -> bool:
    for setting, key in (("AI_TICKET_RATE_LIMIT", ticket_id), ("AI_RATE_LIMIT", "site")):
        value = ctx.config[setting]
        if value.lower() != "off" and not ratelimit.allowed(value, "ai", key):
            return False
    return True


def _unanswered(ctx: Context, ticket_id: str) -> Message | None:
    """The customer's latest message, unless an AI answer or an agent's message follows it
    (an automatic acknowledgement or an event does not answer it)."""
    for message in reversed(ctx.store.messages_before(ticket_id, None, 20, include_notes=False)):
        role = message.sender["role"]
        if role == "agent" or (role == "bot" and (message.client_msg_id or "").startswith("ai-")):
            return None
        if role == "guest" and message.kind == "message":
            return message
    return None


def _typing(ctx: Context, ticket_id: str, on: bool) -> None:
    payload = {"ticketId": ticket_id, "sender": {"role": "bot", "name": _bot_name(ctx)}}
    ctx.publish.to_ticket("typing", ticket_id, {**payload, "typing": on})


def _bot(ctx: Context) -> dict[str, str]:
    return {"id": "bot", "role": "bot", "name": _bot_name(ctx)}


def _bot_name(ctx: Context) -> str:
    return ctx.section("branding")["title"] or "Support"


def _keyed(new: NewMessage, seq: int) -> NewMessage:
    """One answer per customer message, even if two tasks get this far."""
    return NewMessage(sender=new.sender, text=new.text, client_msg_id=f"ai-{seq}")


def _require_open(ticket: Ticket) -> None:
    if ticket.status == "closed":
        raise AppError("ticket_closed", "This ticket is closed; the bot can no longer change.")
