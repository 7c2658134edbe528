"""The JSON codec of Socket.IO and Engine.IO packets: orjson, with the stdlib's interface."""

from __future__ import annotations

import json
from typing import Any

import orjson


def dumps(value: Any, **_options: Any) -> str:
    """Compact JSON text (the packet encoders pass ``separators``; orjson is always compact)."""
    return orjson.dumps(value).decode()


def loads(text: str | bytes, **_options: Any) -> Any:
    """Parse JSON text. What orjson refuses but the stdlib reads (an unpaired surrogate
    escape such as a browser's half emoji, NaN) is read the stdlib's way, so the event still
    reaches its handler and gets an ``invalid`` ack instead of vanishing without one."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
