"""The gevent WSGI server behind ``supportchat serve``."""

from __future__ import annotations

from flask import Flask
from gevent.pywsgi import WSGIHandler, WSGIServer


class Handler(WSGIHandler):
    """Closes the connection after a WebSocket session instead of reading its leftover
    frames as if they were the next HTTP request."""

    def run_application(self):
        super().run_application()
        if self.environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            self.close_connection = True


def make_server(app: Flask, host: str, port: int) -> WSGIServer:
    """A gevent server for ``app``; access logs are off (they would carry clientIds)."""
    return WSGIServer((host, port), app, handler_class=Handler, log=None)
