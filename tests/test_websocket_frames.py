"""WebSocket frames at the edge of the gevent server (supportchat/ops/websocket.py): a message
over the size limit is refused with close code 1009 before its payload is read, invalid UTF-8
with 1007, and masked frames of every length reach Engine.IO intact."""

from __future__ import annotations

import json
import os
import socket
import struct
import time
import uuid

import pytest
import websocket

from supportchat.ops.websocket import unmask

LIMIT = 64 * 1024  # MAX_EVENT_BYTES


@pytest.fixture
def server(live_server_factory):
    return live_server_factory()


def engine_socket(server) -> websocket.WebSocket:
    """A raw Engine.IO WebSocket: the open packet read, nothing else sent."""
    ws = websocket.create_connection(
        server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket", timeout=5
    )
    assert ws.recv().startswith("0{")
    return ws


def guest_socket(server) -> websocket.WebSocket:
    """A raw WebSocket with the /guest namespace joined."""
    ws = engine_socket(server)
    ws.send("40/guest," + json.dumps({"clientId": str(uuid.uuid4())}))
    assert ws.recv().startswith("40/guest,{")
    return ws


def acknowledgement(ws: websocket.WebSocket, number: int = 1) -> dict:
    """The acknowledgement of the event sent with ``number`` on /guest."""
    while True:
        packet = ws.recv()
        if packet.startswith(f"43/guest,{number}["):
            return json.loads(packet[len(f"43/guest,{number}") :])[0]


def call(ws: websocket.WebSocket, event: str, data: dict) -> dict:
    """Emit an event with an acknowledgement on /guest and return the acknowledgement."""
    ws.send("42/guest,1" + json.dumps([event, data]))
    return acknowledgement(ws)


def close_code(ws: websocket.WebSocket) -> int:
    """The code of the close frame the server sends next (skipping Engine.IO pings)."""
    while True:
        frame = ws.recv_frame()
        if frame.opcode == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", frame.data[:2])[0]


def frame_header(opcode: int, length: int, fin: bool = True) -> bytes:
    """A client frame's header (masked, as clients must) announcing ``length`` bytes."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return bytes([first, 0x80 | length]) + os.urandom(4)
    return bytes([first, 0x80 | 127]) + struct.pack("!Q", length) + os.urandom(4)


def test_a_frame_announcing_more_than_the_limit_is_refused_before_its_payload(server):
    ws = engine_socket(server)
    started = time.monotonic()
    ws.sock.sendall(frame_header(websocket.ABNF.OPCODE_TEXT, 10 * 1024 * 1024))
    # Nothing of the 10 MiB is sent: the server answers on the header alone.
    assert close_code(ws) == 1009
    assert time.monotonic() - started < 3
    ws.close()


def test_fragments_that_add_up_past_the_limit_are_refused(server):
    ws = engine_socket(server)
    ws.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_TEXT, data="4" + "x" * 40_000))
    ws.send_frame(websocket.ABNF(fin=0, opcode=websocket.ABNF.OPCODE_CONT, data="x" * 30_000))
    assert close_code(ws) == 1009
    ws.close()


def test_a_message_at_the_limit_is_read(server):
    ws = guest_socket(server)
    head, tail = '42/guest,1["ticket:create",{"text":"', '"}]'
    packet = head + "x" * (LIMIT - len(head) - len(tail)) + tail
    assert len(packet.encode()) == LIMIT
    ws.send(packet)  # read whole, and refused by the application, not the transport
    assert acknowledgement(ws)["error"]["code"] == "too_large"
    ws.close()


def test_text_that_is_not_utf8_is_refused_with_1007(server):
    ws = engine_socket(server)
    ws.send_frame(websocket.ABNF.create_frame(b"4\xff\xfe", websocket.ABNF.OPCODE_TEXT))
    assert close_code(ws) == 1007
    ws.close()


@pytest.mark.parametrize("text", ["a", "héllo", "é" * 1000 + "!", "x" * 126])
def test_masked_frames_of_any_length_arrive_intact(server, text):
    ws = guest_socket(server)  # websocket-client masks with a random key, as browsers do
    ack = call(ws, "ticket:create", {"text": text})
    assert ack["ok"] is True and json.dumps(text)[1:-1] in json.dumps(ack)
    ws.close()


def test_unmask_is_the_rfc_xor():
    for size in (0, 1, 3, 4, 5, 126, 70_001):
        payload, mask = os.urandom(size), os.urandom(4)
        expected = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        assert unmask(payload, mask) == expected


def test_a_connection_closed_inside_a_frame_ends_quietly(server):
    ws = engine_socket(server)
    ws.sock.sendall(frame_header(websocket.ABNF.OPCODE_TEXT, 100) + b"4ab")
    ws.sock.shutdown(socket.SHUT_RDWR)
    ws.sock.close()
    assert engine_socket(server).connected  # the server still serves
