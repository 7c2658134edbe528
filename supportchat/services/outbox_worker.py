"""The delivery worker: one greenlet per serving process sends due deliveries of the outbox.

Claims are leases: a conditional ``UPDATE`` takes a pending delivery only if nobody holds an
unexpired lease on it, so two processes never send the same attempt at once, and a process
that dies mid-attempt leaves a lease that simply runs out. Failures are retried with
exponential backoff and jitter until WEBHOOK_RETRY_HOURS after the event; a webhook whose
delivery fails for that whole window, with no success meanwhile, is turned off with the
reason shown to admins.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from datetime import datetime, timedelta

import gevent
from gevent.pool import Pool
from sqlalchemy import and_, exists, or_, select, update

from ..clock import iso, utcnow
from ..extensions import db
from ..models import Delivery, OutboxEvent, Webhook
from . import mail, messages, webhooks
from .outbox import Outbox

log = logging.getLogger(__name__)

BATCH = 20  # deliveries claimed at once
KEEP = timedelta(days=7)  # how long finished deliveries stay in the log
PRUNE_EVERY = timedelta(minutes=10)
SENDERS = 5  # of them sent at the same time (each holds a database connection at times)
MAX_DELAY_SECONDS = 3600  # the longest wait between two attempts
d, events, hooks = Delivery.__table__, OutboxEvent.__table__, Webhook.__table__


class Worker:
    """Claims and sends deliveries for one application."""

    def __init__(self, app, outbox):
        self.app, self.outbox = app, outbox
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._greenlet = None

    @property
    def lease(self) -> timedelta:
        # connect and read may each take the timeout: the lease outlasts any attempt
        return timedelta(seconds=self.app.config["WEBHOOK_TIMEOUT_SECONDS"] * 2 + 5)

    def start(self) -> None:
        """Run in the background of this process (ops.server.start)."""
        if self._greenlet is None:
            self._greenlet = gevent.spawn(self._loop)

    def _loop(self) -> None:
        pause = self.app.config["OUTBOX_POLL_SECONDS"]
        pruned = utcnow() - PRUNE_EVERY
        while True:
            sent = 0
            try:
                with self.app.app_context():
                    sent = self.run_once()
                    if utcnow() - pruned >= PRUNE_EVERY:
                        pruned = utcnow()
                        self.prune(pruned)
            except Exception:  # a database away for a moment: try again later
                log.exception("outbox delivery round failed")
            gevent.sleep(0 if sent >= BATCH else pause)

    def run_once(self) -> int:
        """Claim the due deliveries and send them side by side; how many were claimed."""
        claimed = self.claim()
        Pool(SENDERS).map(lambda key: self._deliver_in_context(*key), claimed)
        return len(claimed)

    def prune(self, now: datetime) -> None:
        """Forget finished deliveries after KEEP, and then the events whose deliveries are all
        forgotten (services.outbox stores an event only with a delivery)."""
        waited_for = exists().where(d.c.event_id == events.c.id)
        with self.outbox.engine.begin() as conn:
            conn.execute(d.delete().where(d.c.status != "pending", d.c.updated_at < now - KEEP))
            conn.execute(
                events.delete().where(events.c.created_at < now - timedelta(minutes=1), ~waited_for)
            )

    def claim(self, only: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """Lease up to BATCH due deliveries (or the one ``only``) to this worker."""
        now = utcnow()
        free = and_(d.c.status == "pending", or_(d.c.lease_until.is_(None), d.c.lease_until < now))
        with self.outbox.engine.begin() as conn:
            if only is None:
                due = conn.execute(
                    select(d.c.event_id, d.c.target)
                    .where(free, d.c.next_attempt_at <= now)
                    .order_by(d.c.next_attempt_at, d.c.event_id, d.c.target)
                    .limit(BATCH)
                ).all()
            else:
                due = [only]
            claimed = []
            for event_id, target in due:
                taken = conn.execute(
                    update(d)
                    .where(d.c.event_id == event_id, d.c.target == target, free)
                    .values(lease_owner=self.owner, lease_until=now + self.lease)
                )
                if taken.rowcount == 1:
                    claimed.append((event_id, target))
        return claimed

    def _deliver_in_context(self, event_id: str, target: str) -> None:
        with self.app.app_context():
            try:
                self.deliver(event_id, target)
            except Exception:
                log.exception("delivery of %s to %s failed", event_id, target)

    def deliver(self, event_id: str, target: str) -> None:
        """One attempt of a claimed delivery, and its outcome stored. No database connection
        is held while the receiver is waited for."""
        with self.outbox.engine.connect() as conn:
            event = conn.execute(select(events).where(events.c.id == event_id)).first()
            delivery = conn.execute(
                select(d).where(d.c.event_id == event_id, d.c.target == target)
            ).first()
            hook = conn.execute(select(hooks).where(hooks.c.id == target)).first()
        if event is None or delivery is None:
            return
        config = self.app.config
        if target.startswith("mail:"):
            attempt = mail.deliver(config, target, event)
        else:
            if hook is None or not hook.active:
                reason = hook.disabled_reason if hook else None
                self._finish(delivery, "failed", None, 0, reason or "The webhook is turned off.")
                return
            attempt = webhooks.post(config, hook, event)
        if attempt.ok:
            self._finish(delivery, "delivered", attempt.code, attempt.duration_ms, None)
            return
        now = utcnow()
        attempts = delivery.attempts + 1
        delay = min(config["WEBHOOK_RETRY_BASE_SECONDS"] * 2 ** (attempts - 1), MAX_DELAY_SECONDS)
        next_at = now + timedelta(seconds=delay * random.uniform(0.5, 1.5))
        window_end = event.created_at + timedelta(hours=config["WEBHOOK_RETRY_HOURS"])
        if next_at <= window_end:
            self._finish(
                delivery, "pending", attempt.code, attempt.duration_ms, attempt.error, next_at
            )
            return
        self._finish(delivery, "failed", attempt.code, attempt.duration_ms, attempt.error)
        if not target.startswith("mail:"):
            self._disable_if_failing(target, event.created_at, attempt.error)

    def _finish(
        self,
        delivery,
        status: str,
        code: int | None,
        duration_ms: int,
        error: str | None,
        next_at: datetime | None = None,
    ) -> None:
        """Store an attempt's outcome, if this worker still holds the lease."""
        values = {
            "status": status,
            "attempts": d.c.attempts + 1,
            "response_code": code,
            "duration_ms": duration_ms,
            "last_error": error,
            "lease_owner": None,
            "lease_until": None,
            "updated_at": utcnow(),
        }
        if next_at is not None:
            values["next_attempt_at"] = next_at
        with self.outbox.engine.begin() as conn:
            conn.execute(
                update(d)
                .where(
                    d.c.event_id == delivery.event_id,
                    d.c.target == delivery.target,
                    d.c.lease_owner == self.owner,
                )
                .values(values)
            )

    def _disable_if_failing(self, webhook_id: str, since: datetime, error: str | None) -> None:
        """Turn a webhook off when nothing reached it since ``since``."""
        delivered = exists().where(
            d.c.target == webhook_id, d.c.status == "delivered", d.c.updated_at >= since
        )
        hours = self.app.config["WEBHOOK_RETRY_HOURS"]
        reason = (
            f"Turned off at {iso(utcnow())}: every delivery failed for {hours:g} hours. "
            f"Last error: {error}"
        )[:1000]
        with self.outbox.engine.begin() as conn:
            conn.execute(
                update(hooks)
                .where(hooks.c.id == webhook_id, ~delivered)
                .values(active=False, disabled_reason=reason)
            )


def install(app, context, stores: list) -> Outbox:
    """The application's outbox, handed to its stores, and its delivery worker (started by
    ops.server.start in serving processes)."""
    with app.app_context():
        engine = db.engine
    outbox = Outbox(
        engine,
        app.config,
        lambda message: messages.message_view(context, message, for_agent=True),
        context.store.get_tickets,
    )
    for store in stores:
        store.outbox = outbox
    app.extensions["supportchat.outbox"] = outbox
    app.extensions["supportchat.outbox_worker"] = Worker(app, outbox)
    return outbox
