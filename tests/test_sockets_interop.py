"""Can the official JavaScript socket.io-client chat with a python-socketio agent?
(PROTOCOL.md §4: Socket.IO v5 for every client.) Needs Node and npm: skipped locally
without them, mandatory with CI=true."""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from support.apps import require
from support.socket_clients import WAIT, peers  # noqa: F401 (peers: fixture)

pytestmark = pytest.mark.slow  # each test starts server processes

JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable, with tests/js's dependencies installed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require(node is not None and npm is not None, "node and npm are needed for the JS client")
    if not (JS / "node_modules" / "socket.io-client").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return node


class Lines:
    """A child process's stdout, one JSON object per line, read with deadlines."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)

    def next(self, step: str, timeout: float = WAIT * 2) -> dict:
        deadline = time.monotonic() + timeout
        try:
            line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(
                f"the JS client printed nothing for {step!r} within "
                f"{timeout}s; stderr: {self.process.stderr.read()}"
            ) from None
        value = json.loads(line)
        assert value["step"] == step, value
        return value


def test_the_official_javascript_client_chats_as_a_guest(live_server_factory, peers, node):
    server = live_server_factory()
    agent = peers.agent(server)
    process = subprocess.Popen(
        [node, "guest.mjs", server.url],
        cwd=JS,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        lines = Lines(process)
        created = lines.next("created")
        assert uuid.UUID(created["clientId"]).version == 4
        ack = created["ack"]
        assert ack["ok"] is True and ack["ticket"]["status"] == "open"
        assert ack["message"]["text"] == "Hello from JavaScript"
        assert ack["message"]["sender"]["role"] == "guest" and ack["message"]["seq"] == 1
        ticket_id = ack["ticket"]["id"]
        assert agent.wait_for("ticket:created")["id"] == ticket_id

        agent.ok("ticket:join", {"ticketId": ticket_id})
        reply = agent.send(ticket_id, "Hello from Python")
        assert lines.next("reply")["message"] == reply

        sent = lines.next("sent")
        assert sent["ack"]["ok"] is True and sent["ack"]["message"]["seq"] == 3
        assert sent["transport"] == "websocket"  # upgraded from long polling
        heard = agent.wait_for("chat:message", lambda m: m["clientMsgId"] == "js-2")
        assert heard == sent["ack"]["message"]
        assert process.wait(WAIT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
