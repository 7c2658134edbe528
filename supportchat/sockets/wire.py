"""The JSON codec of Socket.IO and Engine.IO packets: orjson, with the stdlib's interface."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import orjson
from socketio.packet import Packet as SocketIOPacket

# Deeper payloads are refused before any parser sees them (the stdlib's recurses per level).
MAX_DEPTH = 32
# Stands for a payload refused for its depth: the event still reaches dispatch, which acks
# ``invalid``.
TOO_DEEP = object()
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_FIRST_STRING = re.compile(rb'\[\s*("(?:[^"\\]|\\.)*")', re.DOTALL)
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# Binary attachments one event may announce (python-socketio would wait for billions of them,
# holding every one in memory, and take the connection's next events for more).
MAX_ATTACHMENTS = 10


class Packet(SocketIOPacket):
    """Socket.IO's packet, refusing one that announces more than MAX_ATTACHMENTS binary
    attachments (the packet is dropped with one log line; the connection stays)."""

    def decode(self, encoded_packet: Any) -> int:
        count = super().decode(encoded_packet)
        if count > MAX_ATTACHMENTS:
            raise ValueError(
                f"a packet announced {count} binary attachments (at most {MAX_ATTACHMENTS})"
            )
        return count


def dumps(value: Any, **_options: Any) -> str:
    """Compact JSON text (the packet encoders pass ``separators``; orjson is always compact)."""
    return orjson.dumps(value).decode()


def loads(text: str | bytes, **_options: Any) -> Any:
    """Parse JSON text. What orjson refuses but the stdlib reads (an unpaired surrogate
    escape such as a browser's half emoji, NaN) is read the stdlib's way, so the event still
    reaches its handler and gets an ``invalid`` ack instead of vanishing without one. A
    payload nested deeper than MAX_DEPTH becomes ``[event name, TOO_DEEP]``."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(data) > MAX_DEPTH:
        return _too_deep(data)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _depth(data: bytes) -> int:
    """The deepest nesting of brackets outside strings (counted, not parsed)."""
    brackets = _STRINGS.sub(b"", data).translate(
        None, b"".join(bytes([byte]) for byte in range(256) if byte not in _STEP)
    )
    return max(accumulate(_STEP[byte] for byte in brackets), default=0)


def _too_deep(data: bytes) -> Any:
    first = _FIRST_STRING.match(data)
    try:
        name = orjson.loads(first.group(1)) if first else None
    except orjson.JSONDecodeError:
        name = None
    return [name, TOO_DEEP] if data.lstrip()[:1] == b"[" else TOO_DEEP
