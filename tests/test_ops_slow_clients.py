"""Slow and greedy clients: a client trickling its headers is cut off at the header deadline,
and one address cannot hold more than its share of connections, under ``supportchat serve``
and under gunicorn; everyone else is served meanwhile."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from support.apps import base_config
from support.ops import WAIT, eventually, json_lines

PARTIAL = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def trickle(port: int) -> socket.socket:
    """A connection that has sent part of its headers and keeps sending one byte a while."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    conn.sendall(PARTIAL)
    return conn


def seconds_until_closed(conn: socket.socket, limit: float = 10.0) -> float:
    """Send a header byte every 0.2 s until the server closes the connection."""
    started = time.monotonic()
    conn.settimeout(0.2)
    while time.monotonic() - started < limit:
        try:
            conn.sendall(b"X")
            if conn.recv(4096) == b"":
                break
        except TimeoutError:
            continue
        except OSError:
            break
        break  # an answer (400): the server gave up on the headers
    return time.monotonic() - started


def closed_at_once(port: int) -> bool:
    conn = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    conn.settimeout(2)
    try:
        return conn.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    finally:
        conn.close()


def test_serve_cuts_off_clients_that_trickle_their_headers(live_server_factory):
    server = live_server_factory(HEADER_TIMEOUT="1", LOG_LEVEL="info")
    slow = [trickle(server.port) for _ in range(20)]
    assert requests.get(server.url + "/healthz", timeout=WAIT).ok  # others are served
    waited = seconds_until_closed(slow[0])
    assert 0.5 < waited < 4, waited
    for conn in slow:
        conn.close()
    json_lines(server.log())  # the cut-offs are logged as JSON lines, like everything else


def test_serve_caps_the_connections_of_one_address(live_server_factory):
    server = live_server_factory(MAX_CONNECTIONS_PER_ADDRESS="5", HEADER_TIMEOUT="30")
    held = [trickle(server.port) for _ in range(5)]
    time.sleep(0.3)  # the server has accepted them
    assert closed_at_once(server.port)
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/healthz", timeout=WAIT)
    for conn in held:
        conn.close()
    eventually(lambda: _answers(server.url), what="the address served again")


def test_a_cap_is_not_applied_behind_a_proxy(live_server_factory):
    server = live_server_factory(
        MAX_CONNECTIONS_PER_ADDRESS="2", TRUSTED_PROXIES="1", HEADER_TIMEOUT="30"
    )
    held = [trickle(server.port) for _ in range(4)]
    assert requests.get(server.url + "/healthz", timeout=WAIT).ok
    for conn in held:
        conn.close()


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/healthz", timeout=2).ok
    except requests.RequestException:
        return False


@pytest.mark.slow
@pytest.mark.postgres
def test_gunicorn_cuts_off_header_tricklers_and_caps_an_address(tmp_path, postgres_url):
    from test_ops_gunicorn import Gunicorn

    env = base_config(
        tmp_path / "instance",
        postgres_url,
        LOG_LEVEL="info",
        MAX_CONNECTIONS_PER_ADDRESS="4",
        HEADER_TIMEOUT="2",
    )
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    try:
        port = int(server.url.rsplit(":", 1)[1])
        waited = seconds_until_closed(trickle(port))
        assert 1.5 < waited < 4, waited  # HEADER_TIMEOUT bounds the headers, as under serve
        held = [trickle(port) for _ in range(4)]
        time.sleep(0.3)
        assert closed_at_once(port)
        for conn in held:
            conn.close()
        eventually(lambda: _answers(server.url), what="the address served again")
    finally:
        server.process.terminate()
        server.process.wait(WAIT)
