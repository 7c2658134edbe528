"""The production command, ``gunicorn -c gunicorn.conf.py wsgi:app`` (the Dockerfile's CMD),
started for real with two gevent workers joined by Redis and driven by Socket.IO clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from support.apps import ROOT, base_config, free_port
from support.ops import (
    WAIT,
    dockerfile_exec_form,
    eventually,
    json_lines,
    metrics,
    sample,
    shared_redis,  # noqa: F401
)
from support.socket_clients import ADMIN, new_ticket, peers  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


class Gunicorn:
    """A gunicorn process group started with the image's command."""

    def __init__(self, env: dict[str, str], log_path: Path):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        command = dockerfile_exec_form("CMD")
        assert command[0] == "gunicorn"
        executable = str(Path(sys.executable).parent / "gunicorn")  # this virtualenv's
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [executable, *command[1:]],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            )
        eventually(self._healthy, timeout=60, what=f"gunicorn serving:\n{self.log()}")

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log()
        try:
            return requests.get(self.url + "/healthz", timeout=1).ok
        except requests.RequestException:  # not listening yet, or workers still booting
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def gunicorn(tmp_path, postgres_url, shared_redis):
    """Two workers, one PostgreSQL database, Redis, multiprocess metrics; stopped at the end."""
    env = base_config(
        tmp_path / "instance",
        postgres_url,
        ADMIN_EMAIL=ADMIN["email"],
        ADMIN_PASSWORD=ADMIN["password"],
        LOG_LEVEL="info",
        WEB_CONCURRENCY=2,
        SHUTDOWN_TIMEOUT=30,
        PROMETHEUS_MULTIPROC_DIR=tmp_path / "metrics",
        **shared_redis,
    )
    server = Gunicorn(env, tmp_path / "gunicorn.log")
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def test_websocket_clients_on_gunicorn_workers_all_get_every_message(gunicorn, peers):
    # Each connection goes to whichever worker accepts it; with three agents the events cross
    # workers through Redis in nearly every run, and must arrive whichever way they went.
    agents = [peers.agent(gunicorn) for _ in range(3)]
    guest = peers.guest(gunicorn)
    ticket_id = new_ticket(guest, "Hello gunicorn")["ticket"]["id"]
    for agent in agents:
        agent.wait_for("ticket:created", lambda ticket: ticket["id"] == ticket_id)
        agent.ok("ticket:join", {"ticketId": ticket_id})
    sent = guest.send(ticket_id, "Second message")
    for agent in agents:
        agent.wait_for("chat:message", lambda message: message["id"] == sent["id"])
    reply = agents[0].send(ticket_id, "An agent answers")
    guest.wait_for("chat:message", lambda message: message["id"] == reply["id"])

    counted = metrics(gunicorn.url)  # added up over both workers' files
    assert sample(counted, "supportchat_messages_stored_total") == 3
    assert sample(counted, "supportchat_connected_sockets", namespace="/agent") == 3


def test_sigterm_moves_clients_away_and_gunicorn_exits_zero(gunicorn, peers):
    guest = peers.guest(gunicorn, reconnection=True)
    agent = peers.agent(gunicorn, reconnection=True)
    new_ticket(guest, "Still there?")

    gunicorn.process.send_signal(signal.SIGTERM)
    # SHUTDOWN_TIMEOUT is 30 s: exiting sooner means the workers sent their sockets away
    # instead of waiting for them.
    assert gunicorn.process.wait(WAIT) == 0, gunicorn.log()
    for peer in (guest, agent):
        peer.wait_for("disconnect")
    lines = json_lines(gunicorn.log())
    assert not [line for line in lines if "graceful timeout" in line["msg"].lower()]
    assert any(line["logger"] == "gunicorn.error" for line in lines)
