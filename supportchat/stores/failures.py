"""Which exceptions mean a backend is down, so both doors can answer ``unavailable``."""

from __future__ import annotations

import sys

from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import AppError


def unavailable_error(exc: BaseException) -> AppError | None:
    """AppError ``unavailable`` for a database that does not answer, else None."""
    if (
        isinstance(exc, OperationalError)
        or (isinstance(exc, DBAPIError) and exc.connection_invalidated)
        or _mongo_down(exc)
    ):
        return AppError(
            "unavailable", "The database is not answering right now; please try again in a moment."
        )
    return None


def _mongo_down(exc: BaseException) -> bool:
    """A MongoDB server that does not answer (server selection timing out included). pymongo
    is loaded only with a MongoDB store, and without it no pymongo error can happen: importing
    it here would cost every other process ~20 MB."""
    errors = sys.modules.get("pymongo.errors")
    return errors is not None and isinstance(exc, errors.ConnectionFailure)
