"""How config.py reads each kind of value from the environment: every parser takes the text
and returns the value, or raises ValueError with a reason a person can act on."""

from __future__ import annotations

import re
from collections.abc import Callable

from limits import parse_many


def text(value: str) -> str:
    return value.strip()


def int_in(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return parse


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def header_names(value: str) -> list[str]:
    names = comma_list(value)
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", name):
            raise ValueError(f"{name!r} is not an HTTP header name such as X-Org")
    return names


def networks(value: str) -> list[str]:
    from .services.network import parse_network

    entries = comma_list(value)
    for entry in entries:
        parse_network(entry)  # raises ValueError naming the entry
    return entries


def rate(value: str) -> str:
    value = value.strip()
    if value.lower() != "off":
        parse_many(value)  # raises ValueError with the offending part
    return value


def flag(value: str) -> bool:
    value = value.strip().lower()
    if value not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
        raise ValueError("must be true or false")
    return value in ("true", "1", "yes", "on")


def choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def float_in(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        number = float(value)
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return number

    return parse
