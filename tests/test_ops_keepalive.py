"""Kept-alive HTTP connections answer at once. pywsgi writes a response's headers and body
separately; with Nagle's algorithm on, the body waited for the client's delayed ACK, and every
request after a connection's first took 40 ms more (seen on every API call and long poll)."""

from __future__ import annotations

import socket

import gevent
from gevent import socket as gsocket

from supportchat.ops.http import Server


def nodelay_of_each_request(app, requests: int) -> list[int]:
    """TCP_NODELAY of the server's side of one kept-alive connection, as each of ``requests``
    requests to /healthz on it saw it: the project's Server for ``app`` on a loopback port, in
    this process."""
    seen: list[int] = []
    inner = app.wsgi_app

    def noting(environ, start_response):
        handler = start_response.__self__  # pywsgi's handler, which holds the connection
        seen.append(handler.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return inner(environ, start_response)

    app.wsgi_app = noting
    server = Server(("127.0.0.1", 0), app)
    server.start()
    try:
        with gevent.Timeout(10):
            client = gsocket.create_connection(("127.0.0.1", server.server_port))
            for _ in range(requests):
                client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while not answer.endswith(b"}\n"):
                    chunk = client.recv(4096)
                    assert chunk, "the server closed the kept-alive connection"
                    answer += chunk
            client.close()
    finally:
        server.stop(timeout=1)
    return seen


def test_responses_on_a_kept_alive_connection_are_not_held_back_by_nagle(app):
    assert nodelay_of_each_request(app, 3) == [1, 1, 1]
