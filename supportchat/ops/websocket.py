"""WebSocket connections under gevent: gevent-websocket (the driver the design card names,
which Engine.IO uses whenever it is installed), with what a public server needs on top: a
bound on message size (close code 1009 as soon as a frame would pass it, before its payload
is read), unmasking and the UTF-8 check at C speed (the library does both a byte at a time in
Python), the origin check before the upgrade, and no log line of its own."""

from __future__ import annotations

import struct

from geventwebsocket.exceptions import ProtocolError, WebSocketError
from geventwebsocket.handler import WebSocketHandler
from geventwebsocket.websocket import Header, Stream, WebSocket

_MESSAGE_START = (WebSocket.OPCODE_TEXT, WebSocket.OPCODE_BINARY)


class MessageTooLarge(Exception):
    """A message's frames would pass the size limit."""


def unmask(payload: bytes, mask: bytes) -> bytes:
    """RFC 6455 §5.3: XOR with the 4-byte key, as one big-integer operation instead of a
    Python loop over bytes."""
    size = len(payload)
    key = (mask * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")


class BoundedWebSocket(WebSocket):
    """gevent-websocket's connection, reading at most ``limit`` bytes per message."""

    __slots__ = ("limit", "room")  # room: bytes the current message may still take

    def __init__(self, environ, stream, handler, limit: int):
        super().__init__(environ, stream, handler)
        self.limit = self.room = limit

    def read_frame(self):
        header = Header.decode_header(self.stream)
        if header.flags:
            raise ProtocolError("reserved bits set: no extension was negotiated")
        if header.opcode in _MESSAGE_START:
            self.room = self.limit
        if header.opcode <= WebSocket.OPCODE_BINARY:  # a data frame, continuations too
            if header.length > self.room:
                raise MessageTooLarge
            self.room -= header.length
        payload = self.raw_read(header.length) if header.length else b""
        if len(payload) != header.length:
            raise WebSocketError("the connection ended inside a frame")
        if header.mask and payload:
            payload = unmask(payload, header.mask)
        return header, payload

    def validate_utf8(self, payload) -> None:
        """Nothing per frame: ``_decode_bytes`` decodes each whole text message in C and
        closes with 1007 when it is not UTF-8."""

    def receive(self):
        try:
            return super().receive()
        except MessageTooLarge:
            self.close(1009)
            return None

    def close(self, code: int = 1000, message: bytes | str = b"") -> None:
        """Send a close frame with its status code (the library's leaves the code out and
        writes a bytes reason as its repr), then let go of the connection."""
        if not self.closed:
            reason = message.encode() if isinstance(message, str) else bytes(message or b"")
            try:
                self.send_frame(struct.pack("!H", code) + reason, self.OPCODE_CLOSE)
            except WebSocketError:
                pass  # the peer is gone: nothing to tell it
        self.closed = True
        self.stream = self.raw_write = self.raw_read = self.environ = None


class WebSocketRequestHandler(WebSocketHandler):
    """pywsgi's request handler, upgrading WebSocket requests to a BoundedWebSocket."""

    def upgrade_websocket(self):
        # gevent-websocket upgrades before the application runs: a page on a site that may
        # not open sockets is not upgraded, and Engine.IO refuses it (400) as over polling.
        from ..sockets.origins import origin_allowed

        environ = self.environ
        if not origin_allowed(self.application.config, environ.get("HTTP_ORIGIN"), environ):
            return None
        return super().upgrade_websocket()

    def upgrade_connection(self):
        refusal = super().upgrade_connection()
        if refusal is None:
            # The library's own object is replaced before any use; marked closed, its
            # finalizer does not write a close frame ahead of the 101 response.
            self.websocket.closed = True
            engine = self.application.extensions["socketio"].server.eio
            self.websocket = BoundedWebSocket(
                self.environ, Stream(self), self, engine.max_http_buffer_size
            )
            self.environ["wsgi.websocket"] = self.websocket
        return refusal

    def run_websocket(self):
        """gevent-websocket's, holding less while the connection stays open (hours, for a
        customer's tab): the request's parsed headers and the 101 response's are let go once
        the response is out (the class defaults stand in), no registry of open clients (nothing
        reads it), and the application is entered through ``__call__``, because calling an
        object (the Flask app, then its Socket.IO middleware) starts a C-level interpreter
        frame that the connection's greenlet keeps in its saved stack. With the rest of the lean
        upgrade (``sockets.internals.lean_websockets``, ``http.READ_BUFFER``) an idle
        connection went from 32.8 to 27.5 KB (bench/RESULTS.md)."""
        del self.headers, self.response_headers
        try:
            list(self.application.wsgi_app.__call__(self.environ, lambda *response: []))
        finally:
            if not self.websocket.closed:
                self.websocket.close()
            self.environ["wsgi.websocket"] = self.websocket = None

    def log_request(self):
        """The app logs each request itself (without query strings)."""
