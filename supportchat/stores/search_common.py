"""What the SQL and MongoDB stores' search and canned responses share."""

from __future__ import annotations

from typing import Any

from ..errors import AppError


def customer_text(customer: dict[str, Any]) -> str:
    """The customer's label and identifier values, as the text index reads them."""
    values = [str(value) for value in (customer.get("userIdentifier") or {}).values()]
    return " ".join([customer.get("label") or "", *values]).strip()


def shortcut_taken(shortcut: str) -> AppError:
    """What adding or renaming onto a taken shortcut raises, on every store."""
    return AppError(
        "conflict",
        f"The shortcut '{shortcut}' is taken; choose another one.",
        {"field": "shortcut"},
    )
