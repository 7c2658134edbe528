"""Domain errors: one exception type carrying a PROTOCOL.md §1 code; each door maps it."""

from __future__ import annotations

from typing import Any

STATUS_BY_CODE = {
    "invalid": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "blocked": 403,
    "not_found": 404,
    "ticket_closed": 409,
    "conflict": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "unavailable": 503,
    "internal": 500,
}


class AppError(Exception):
    """A failure the caller can act on, with a code from PROTOCOL.md §1."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        assert code in STATUS_BY_CODE, code
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        """The HTTP status that goes with the code."""
        return STATUS_BY_CODE[self.code]

    def to_dict(self) -> dict[str, Any]:
        """The ``error`` object of the documented error shape."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            error["details"] = self.details
        return error


def not_found(what: str = "ticket") -> AppError:
    """The answer for an unknown resource or one the caller may not know exists."""
    return AppError("not_found", f"No such {what}.")
