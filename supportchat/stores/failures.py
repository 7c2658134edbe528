"""Which exceptions mean a backend is down, so both doors can answer ``unavailable``."""

from __future__ import annotations

from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError

from ..errors import AppError


def unavailable_error(exc: BaseException) -> AppError | None:
    """AppError ``unavailable`` for a database that does not answer, else None."""
    if isinstance(exc, (OperationalError, ConnectionFailure, ServerSelectionTimeoutError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return AppError(
            "unavailable", "The database is not answering right now; please try again in a moment."
        )
    return None
