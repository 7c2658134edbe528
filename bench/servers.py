"""Processes under test: the baseline relay and ``supportchat serve`` on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/supportchat-bench"))
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-admin-password-1"
# A database number the tests (db 0) do not use: flushed before every multi-process start.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def raise_fd_limit() -> None:
    """Soft open-files limit up to the hard one: 10,000 sockets need 10,000 descriptors."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """Started server processes (one, or several joined by Redis) and how to reach them."""

    kind: str  # relay | sqlite | postgres
    processes: list[subprocess.Popen]
    ports: list[int]
    log_path: Path  # every process of the server appends to it
    database_url: str | None = None
    token: str | None = None

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def pid(self) -> int:
        return self.pids[0]

    def cpu_seconds(self) -> float:
        """CPU time of all processes together."""
        return sum(cpu_seconds(pid) for pid in self.pids)

    def rss_mb(self) -> float:
        """Resident memory of all processes together."""
        return sum(rss_mb(pid) for pid in self.pids)

    def wait_ready(self, process: subprocess.Popen, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{self.kind} server exited:\n{self.log_path.read_text()[-3000:]}"
                )
            try:
                if requests.get(url + "/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass  # not listening yet
            time.sleep(0.1)
        raise RuntimeError(f"{self.kind} server did not start in {timeout}s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def server_env(instance: Path, database_url: str) -> dict[str, str]:
    """supportchat's configuration for a benchmark: auth and storage on, rate limits off."""
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "JWT_SECRET": "bench-jwt-secret-" + "y" * 32,
        "AUTH_REFRESH_SECRET": "bench-refresh-secret-" + "z" * 32,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "MESSAGE_RATE_LIMIT": "off",
        "CONNECT_RATE_LIMIT": "off",
        "NEW_CONVERSATION_RATE_LIMIT": "off",  # thousands of tickets from one address
        "MAX_CONNECTIONS_PER_ADDRESS": "0",  # and a thousand sockets from it
        "ACCESS_TOKEN_MINUTES": "240",
        "LOG_LEVEL": "warning",
    }


@contextmanager
def database(backend: str) -> Iterator[tuple[str, Path]]:
    """A fresh database URL and instance folder for one server, removed afterwards."""
    instance = WORK / f"{backend}-{uuid.uuid4().hex[:8]}"
    instance.mkdir(parents=True)
    if backend == "sqlite":
        yield f"sqlite:///{instance / 'bench.db'}", instance
    else:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield (
                make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False),
                instance,
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    shutil.rmtree(instance, ignore_errors=True)


def _spawn(argv: list[str], env: dict[str, str], log_path: Path, cwd: Path) -> subprocess.Popen:
    log = open(log_path, "ab")
    return subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(cwd),
        preexec_fn=raise_fd_limit,
    )


@contextmanager
def running(
    kind: str, database_url: str | None = None, instance: Path | None = None, processes: int = 1
) -> Iterator[Server]:
    """Start the relay or supportchat, wait for /healthz, log an agent in; stop afterwards.

    ``processes`` > 1 starts that many supportchat processes on the same database, joined by
    Redis, one after the other: each migrates the database at start, and only the first may
    find it empty. The Redis database is flushed of earlier runs' state (presence, limits);
    the key prefix is fresh too, because pub/sub channels are shared by all databases."""
    WORK.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in range(processes)]
    if kind == "relay":
        assert processes == 1, "the relay has no message queue"
        log_path = WORK / f"relay-{ports[0]}.log"
        argv = [sys.executable, str(BENCH / "baseline" / "relay.py"), str(ports[0])]
        env, cwd = {}, ROOT
    else:
        log_path = instance / f"server-{ports[0]}.log"
        env = {**server_env(instance, database_url), "HOST": "127.0.0.1"}
        if processes > 1:
            redis.Redis.from_url(REDIS_URL).flushdb()
            env |= {"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"bench-{uuid.uuid4().hex[:8]}"}
        # `python -m` imports the package from the working directory: another checkout
        # (a branch, an experiment) can be measured against the same baseline.
        argv = [sys.executable, "-m", "supportchat", "serve"]
        cwd = Path(os.environ.get("BENCH_SUPPORTCHAT_DIR", ROOT))
    server = Server(kind, [], ports, log_path, database_url)
    try:
        for port in ports:
            server.processes.append(_spawn(argv, {**env, "PORT": str(port)}, log_path, cwd))
            server.wait_ready(server.processes[-1], f"http://127.0.0.1:{port}")
        if kind != "relay":
            server.token = agent_token(server.url)
        yield server
    finally:
        server.stop()


def agent_token(url: str) -> str:
    """An access token for the bench admin: the admin token API when it exists, else the
    login form (CSRF token scraped from the page, the JWT taken from the cookie)."""
    response = requests.post(
        url + "/api/admin/auth/token",
        json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        timeout=10,
    )
    if response.ok:
        return response.json()["accessToken"]
    session = requests.Session()
    page = session.get(url + "/agent/login", timeout=10).text
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = session.post(
        url + "/agent/login",
        allow_redirects=False,
        timeout=10,
        data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf},
    )
    if response.status_code != 303 or "token" not in session.cookies:
        raise RuntimeError(f"agent login failed: {response.status_code}")
    return session.cookies["token"]
