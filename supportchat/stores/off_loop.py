"""Blocking C calls on a native thread, so gevent's loop keeps serving meanwhile.

SQLite's driver waits for the disk (and steps its statements) inside C calls that hold the
whole process under gevent: nothing else runs until they return. On a thread of gevent's
pool those calls release the GIL, so the loop serves sockets, and the second core steps the
statements, while the caller's greenlet waits cooperatively for the result.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TypeVar

from gevent import get_hub, monkey

T = TypeVar("T")


def off_loop(function: Callable[..., T]) -> Callable[..., T]:
    """``function`` run on gevent's thread pool in a gevent process (in the caller's context:
    Flask's application context included); called directly otherwise."""

    def run(*args) -> T:
        if not monkey.is_module_patched("threading"):
            return function(*args)
        result = get_hub().threadpool.spawn(contextvars.copy_context().run, function, *args)
        try:
            return result.get()
        finally:
            result.wait()  # a killed caller still waits: the call's effects are known when it returns

    return run
