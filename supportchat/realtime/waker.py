"""Long-poll wake-ups: the long polls this process holds, and the waker that releases them when
a ticket changes — in this process only, or in every process through Redis pub/sub."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import redis

from ..ops import metrics

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_MAX = 0.5, 10.0  # seconds between attempts to get Redis back, doubling
TYPING_SECONDS = 8.0  # an agent's "typing" shows this long unless renewed or stopped
TOLD_KEPT = 10_000  # long pollers whose last answer a process remembers


class Waiters:
    """Long polls of this process waiting for a ticket's next message."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._waiting: Counter[str] = Counter()
        self._released = False
        self._typing: dict[str, float] = {}  # ticket id → until when an agent is typing
        self._told: OrderedDict[str, Any] = OrderedDict()  # poller → what it last heard

    def wait(self, ticket_id: str, timeout: float, ready: Callable[[], bool]) -> bool:
        """Block this greenlet until ``ready()`` is true, checking it again whenever the ticket
        gets a message, for at most ``timeout`` seconds; return the last ``ready()``."""
        deadline = time.monotonic() + timeout
        self._waiting[ticket_id] += 1
        metrics.LONG_POLLS_WAITING.inc()
        try:
            while True:
                # Listen before checking, so a message stored during the check still wakes us.
                event = self._events.setdefault(ticket_id, threading.Event())
                if ready():
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._released:
                    return False
                event.wait(remaining)
        finally:
            metrics.LONG_POLLS_WAITING.dec()
            self._waiting[ticket_id] -= 1
            if not self._waiting[ticket_id]:  # the last one out forgets the ticket
                del self._waiting[ticket_id]
                self._events.pop(ticket_id, None)

    def wake(self, ticket_id: str) -> None:
        """Release every long poll waiting on the ticket."""
        event = self._events.pop(ticket_id, None)
        if event is not None:
            event.set()

    def set_agent_typing(self, ticket_id: str, typing: bool) -> None:
        """Remember whether an agent is typing in the ticket and wake its long polls."""
        if typing:
            self._typing[ticket_id] = time.monotonic() + TYPING_SECONDS
        else:
            self._typing.pop(ticket_id, None)
        self.wake(ticket_id)

    def agent_typing(self, ticket_id: str) -> bool:
        """Whether an agent is typing in the ticket (as long polls report it)."""
        until = self._typing.get(ticket_id)
        if until is not None and until < time.monotonic():
            del self._typing[ticket_id]
            until = None
        return until is not None

    def told(self, poller: str) -> Any:
        """What this process last answered ``poller`` (None when it does not remember)."""
        return self._told.get(poller)

    def tell(self, poller: str, news: Any) -> None:
        """Remember the answer given to ``poller``, keeping the most recent TOLD_KEPT."""
        self._told[poller] = news
        self._told.move_to_end(poller)
        if len(self._told) > TOLD_KEPT:
            self._told.popitem(last=False)

    def wake_all(self) -> None:
        """Release every long poll to check its ticket again (wake-ups may have been missed)."""
        for ticket_id in list(self._events):
            self.wake(ticket_id)

    def release_all(self) -> None:
        """Answer every long poll now, and later ones at once: the process is stopping."""
        self._released = True
        self.wake_all()


# One per process: long polls are held by the process, whichever app object serves them.
waiters = Waiters()


class LocalWaker:
    """Wakes this process's long polls only (one process, no Redis)."""

    def wake(self, ticket_id: str) -> None:
        """Release the long polls waiting on the ticket."""
        waiters.wake(ticket_id)

    def agent_typing(self, ticket_id: str, typing: bool) -> None:
        """Tell this process's long polls whether an agent is typing in the ticket."""
        waiters.set_agent_typing(ticket_id, typing)

    def start(self) -> None:
        """Nothing to listen to."""


class RedisWaker(LocalWaker):
    """Wakes this process's long polls at once and every other process's through a Redis
    channel; while Redis is away, only this process's."""

    def __init__(self, url: str, prefix: str, options: dict[str, Any]):
        self.channel = f"{prefix}:wake"
        self._origin = uuid.uuid4().hex  # this process's own messages need no second wake
        # Publishing gives up fast (a request is waiting); the listener blocks for as long as
        # the channel is quiet.
        self._publisher = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._listener = redis.Redis.from_url(url, **options)
        self._started = False

    def wake(self, ticket_id: str) -> None:
        super().wake(ticket_id)
        try:
            self._publisher.publish(self.channel, f"{self._origin} {ticket_id}")
        except redis.RedisError as exc:
            # Other processes' long polls then answer at their timeout; clients poll again.
            log.debug("wake-up not published (%s)", type(exc).__name__)

    def agent_typing(self, ticket_id: str, typing: bool) -> None:
        super().agent_typing(ticket_id, typing)
        try:
            self._publisher.publish(self.channel, f"{self._origin} {ticket_id} {int(typing)}")
        except redis.RedisError as exc:
            log.debug("typing not published (%s)", type(exc).__name__)

    def start(self) -> None:
        """Listen for other processes' wake-ups in the background, from now on (once)."""
        if not self._started:
            self._started = True
            threading.Thread(target=self._listen, name="wake-listener", daemon=True).start()

    def _listen(self) -> None:
        delay = RETRY_FIRST
        while True:
            try:
                pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                waiters.wake_all()  # whatever arrived while unsubscribed is checked for now
                delay = RETRY_FIRST
                for message in pubsub.listen():
                    origin, ticket_id, *typing = message["data"].decode().split(" ")
                    if origin == self._origin:
                        continue
                    if typing:
                        waiters.set_agent_typing(ticket_id, typing[0] == "1")
                    else:
                        waiters.wake(ticket_id)
            except Exception:  # whatever broke, the answer is to subscribe again later
                time.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)


def make_waker(config: dict, options: dict[str, Any]) -> LocalWaker:
    """The waker for one application: through Redis when REDIS_URL is set."""
    if config["REDIS_URL"]:
        return RedisWaker(config["REDIS_URL"], config["REDIS_PREFIX"], options)
    return LocalWaker()
