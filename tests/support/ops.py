"""Helpers for the operations tests: Redis (the shared one, or one a test can stop), a
failover TCP proxy standing in for a load balancer, metrics and JSON log readers."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from .apps import ROOT, free_port, require
from .socket_clients import ADMIN, _form_token

SHARED_REDIS = "redis://127.0.0.1:6379/0"
WAIT = 15.0


def eventually(check: Callable[[], object], timeout: float = WAIT, what: str = "condition"):
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.05)


@pytest.fixture
def shared_redis():
    """Settings for the local Redis, with a key prefix and channel no other test uses."""
    client = redis.Redis.from_url(SHARED_REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        require(False, f"Redis not reachable at {SHARED_REDIS}: {type(exc).__name__}")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield {"REDIS_URL": SHARED_REDIS, "REDIS_PREFIX": prefix}
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


class OwnRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and start."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> OwnRedis:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        eventually(lambda: _answers(client), what="redis-server answering")
        client.close()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    """A started redis-server the test can stop and start again (same port)."""
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = OwnRedis(tmp_path).start()
    yield server
    server.stop()


class FailoverProxy:
    """A TCP load balancer in miniature: each new connection goes to the first backend that
    accepts it, so clients of a process that died reconnect to the next one."""

    def __init__(self, backends: list[int]):
        self.backends = backends
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._route, args=(client,), daemon=True).start()

    def _route(self, client: socket.socket) -> None:
        for port in self.backends:
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                continue
            upstream.settimeout(None)
            threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
            _pipe(client, upstream)
            return
        client.close()

    def close(self) -> None:
        self._listener.close()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass  # either side closed: the connection is over
    finally:
        for end in (source, target):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already shut


def failed_login(url: str) -> int:
    """The status of a sign-in with a wrong password (a rate-limited route)."""
    session = requests.Session()
    token = _form_token(session.get(url + "/agent/login", timeout=WAIT).text)
    return session.post(
        url + "/agent/login",
        timeout=WAIT,
        allow_redirects=False,
        data={"email": ADMIN["email"], "password": "wrong password", "csrf_token": token},
    ).status_code


def metrics(url: str, token: str | None = None) -> dict[tuple[str, tuple], float]:
    """``/metrics`` parsed: ``{(sample name, sorted label pairs): value}``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(url + "/metrics", headers=headers, timeout=WAIT)
    assert response.status_code == 200, response.text
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sample(samples: dict, name: str, **labels: str) -> float:
    """One sample's value, 0 when absent (a labelled series appears on first use)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def json_lines(text: str) -> list[dict]:
    """Every line of a log as JSON; fails on the first line that is not."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"log line {number} is not JSON: {line!r}") from None
    return lines


def dockerfile_exec_form(instruction: str) -> list[str]:
    """The exec-form (JSON) arguments of a Dockerfile instruction, its last occurrence."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found = re.findall(rf"^{instruction}\b.*?(\[.*\])\s*$", text, re.MULTILINE)
    return json.loads(found[-1])
