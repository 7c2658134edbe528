"""Batching: requests that arrive together share one round trip to the database.

Appends share one transaction and one durable commit (group commit); ticket reads by id share
one ``SELECT``. The first request becomes the leader and serves everything queued behind it;
each request returns only once its batch was served (an append: after the commit that stored
it). Under gevent every request that waits for the database is a turn behind each greenlet that
can run: one commit per message capped the server at the disk's commit rate, and one read per
message queued thousands of greenlets for the connection pool, the leader of the next commit
among them (bench/RESULTS.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from . import NewMessage

BATCH_LIMIT = 256  # requests per batch
_UNSERVED = object()


class Request:
    """One request waiting in a batch queue; the batch sets its ``outcome`` or ``error``."""

    __slots__ = ("ticket_id", "outcome", "error", "done", "wake")

    def __init__(self, ticket_id: str):
        self.ticket_id = ticket_id
        self.outcome: Any = _UNSERVED
        self.error: BaseException | None = None
        self.done = False
        self.wake = threading.Event()


class Append(Request):
    """A message to number and store; its outcome is ``(Message, created)``."""

    __slots__ = ("new",)

    def __init__(self, ticket_id: str, new: NewMessage):
        super().__init__(ticket_id)
        self.new = new


class Batcher:
    """The queue of requests waiting for a batch; ``serve`` serves one batch and sets each
    request's ``outcome`` or ``error``."""

    def __init__(self, serve: Callable[[list[Any]], None]):
        self._serve = serve
        self._mutex = threading.Lock()
        self._queue: list[Request] = []
        self._serving = False  # a leader is serving a batch

    def run(self, item: Request) -> Any:
        """Queue one request and return its outcome once a batch served it (or raise its error)."""
        with self._mutex:
            self._queue.append(item)
            lead = not self._serving
            self._serving = True
        if not lead:
            try:
                item.wake.wait()  # set when served, or when the lead passes to this request
            except BaseException:  # this greenlet is being killed: nobody may wait on it
                self._abandon(item)
                raise
        if not item.done:
            self._serve_batch(item)
        if item.error is not None:
            raise item.error
        return item.outcome

    def _serve_batch(self, mine: Request) -> None:
        """As the leader: serve the queued requests in one batch, then pass the lead on."""
        batch: list[Request] = []
        try:
            time.sleep(0)  # let requests that are already on their way join this batch
            with self._mutex:
                batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
            self._serve(batch)
        finally:
            with self._mutex:
                if mine in self._queue:  # interrupted before taking its batch: leave the queue
                    self._queue.remove(mine)
                    batch.append(mine)
                if self._queue:
                    self._queue[0].wake.set()  # not done: it leads the next batch
                else:
                    self._serving = False
            for item in batch:
                if item.outcome is _UNSERVED and item.error is None:  # the leader was interrupted
                    item.error = RuntimeError("the request was interrupted before it was served")
                item.done = True
                item.wake.set()

    def _abandon(self, item: Request) -> None:
        """Take a still-queued request out, passing on the lead if it had been handed it."""
        with self._mutex:
            if item not in self._queue:
                return  # already in a batch being served
            handed_lead = item.wake.is_set()
            self._queue.remove(item)
            if handed_lead:
                if self._queue:
                    self._queue[0].wake.set()
                else:
                    self._serving = False
