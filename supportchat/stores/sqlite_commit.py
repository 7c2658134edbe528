"""The SQLite store commits its batches of messages on a thread, so gevent's loop keeps serving.

SQLite's driver syncs the disk inside ``commit``, a C call that holds the whole process under
gevent: no socket is served until the disk answers (2 ms typically and 116 ms at p99 on one
of our machines, 0.2 ms here; bench/RESULTS.md). On a thread the call releases the GIL and
only the committing greenlet waits.

Only the group commit's batches go there, one at a time, on a thread pool of their own. A
greenlet waiting for its commit still holds SQLite's write lock, and another greenlet that
writes meanwhile waits for it inside SQLite, stopping the loop until the commit is done.
That wait is short as long as the thread never needs the loop: gevent's shared pool does
(a free slot comes back only when the loop delivers an earlier result), and committing every
transaction through it deadlocked under load. The statements stay on the loop too: they
are mostly Python (SQLAlchemy), and running them on a thread cost more in GIL handovers
than it saved.
"""

from __future__ import annotations

from gevent import monkey
from gevent.threadpool import ThreadPool
from sqlalchemy import Connection


class ThreadCommit:
    """``commit(conn)``: ``conn.commit()`` on a thread in a gevent process, directly otherwise."""

    def __init__(self):
        self._pool: ThreadPool | None = None  # made by the first commit, in the loop's thread

    def __call__(self, conn: Connection) -> None:
        if not monkey.is_module_patched("threading"):
            return conn.commit()
        if self._pool is None:
            self._pool = ThreadPool(1)
        done = self._pool.spawn(conn.commit)
        try:
            return done.get()
        finally:
            # A greenlet killed meanwhile still waits: the connection is never used by two
            # threads at once, and the transaction's outcome is known when this returns.
            done.wait()
