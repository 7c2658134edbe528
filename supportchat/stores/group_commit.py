"""Group commit: appends that arrive together share one transaction and one durable commit.

The first append becomes the leader and writes everything queued behind it; each append
returns only after the commit that stored it. A commit waits for the disk, and under gevent
SQLite's wait stops the whole process, so one commit per message capped the server at the
disk's commit rate (bench/RESULTS.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from . import Message, NewMessage

BATCH_LIMIT = 256  # appends per group commit


class Append:
    """One append waiting in the group-commit queue."""

    __slots__ = ("ticket_id", "new", "outcome", "error", "done", "wake")

    def __init__(self, ticket_id: str, new: NewMessage):
        self.ticket_id, self.new = ticket_id, new
        self.outcome: tuple[Message, bool] | None = None
        self.error: BaseException | None = None
        self.done = False
        self.wake = threading.Event()


class GroupCommit:
    """The queue of appends waiting for a commit; ``store_batch`` writes one batch in one
    transaction and sets each append's ``outcome`` or ``error``."""

    def __init__(self, store_batch: Callable[[list[Append]], None]):
        self._store_batch = store_batch
        self._mutex = threading.Lock()
        self._queue: list[Append] = []
        self._writing = False  # a leader is writing a batch

    def append(self, ticket_id: str, new: NewMessage) -> tuple[Message, bool]:
        """Queue one append and return its outcome once a commit stored it (or raise its error)."""
        item = Append(ticket_id, new)
        with self._mutex:
            self._queue.append(item)
            lead = not self._writing
            self._writing = True
        if not lead:
            try:
                item.wake.wait()  # set when stored, or when the lead passes to this append
            except BaseException:  # this greenlet is being killed: nobody may wait on it
                self._abandon(item)
                raise
        if not item.done:
            self._write_batch(item)
        if item.error is not None:
            raise item.error
        return item.outcome

    def _write_batch(self, mine: Append) -> None:
        """As the leader: store the queued appends with one commit, then pass the lead on."""
        batch: list[Append] = []
        try:
            time.sleep(0)  # let appends that are already on their way join this batch
            with self._mutex:
                batch, self._queue = self._queue[:BATCH_LIMIT], self._queue[BATCH_LIMIT:]
            self._store_batch(batch)
        finally:
            with self._mutex:
                if mine in self._queue:  # interrupted before taking its batch: leave the queue
                    self._queue.remove(mine)
                    batch.append(mine)
                if self._queue:
                    self._queue[0].wake.set()  # not done: it leads the next batch
                else:
                    self._writing = False
            for item in batch:
                if item.outcome is None and item.error is None:  # the leader was interrupted
                    item.error = RuntimeError("the append was interrupted before its commit")
                item.done = True
                item.wake.set()

    def _abandon(self, item: Append) -> None:
        """Take a still-queued append out, passing on the lead if it had been handed it."""
        with self._mutex:
            if item not in self._queue:
                return  # already in a batch being written
            handed_lead = item.wake.is_set()
            self._queue.remove(item)
            if handed_lead:
                if self._queue:
                    self._queue[0].wake.set()
                else:
                    self._writing = False
