"""Shared fixtures: configurations, databases (SQLite and PostgreSQL), apps and live servers.

PostgreSQL-backed tests skip with a reason when no server answers, unless CI=true, where
a missing server is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("SUPPORTCHAT_TEST_PG",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail in CI, when a required backend is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (mandatory with CI=true)")
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_config(instance: Path, database_url: str | None = None, **overrides) -> dict[str, str]:
    """A complete configuration that needs nothing from the environment."""
    instance.mkdir(parents=True, exist_ok=True)
    config = {
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "JWT_SECRET": "test-jwt-secret-" + "y" * 32,
        "AUTH_REFRESH_SECRET": "test-refresh-secret-" + "z" * 32,
        "DATABASE_URL": database_url or f"sqlite:///{instance / 'test.db'}",
        "LOG_LEVEL": "warning",
    }
    config.update({key: str(value) for key, value in overrides.items()})
    return config


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means the server is not there
        require(False, f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"sc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """Each test that uses this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory):
    """A MongoDB server's URI: SUPPORTCHAT_TEST_MONGO_URI, else an nx-27017 started here."""
    from mongo_server import TEST_MONGO_URI, NxServer, answers

    if TEST_MONGO_URI:
        require(answers(TEST_MONGO_URI, 5000), f"MongoDB not reachable at {TEST_MONGO_URI}")
        yield TEST_MONGO_URI
        return
    server = NxServer(tmp_path_factory.mktemp("mongo"))
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        require(False, f"nx-27017 could not be started: {exc}")
    yield server.uri
    server.stop()


@pytest.fixture
def mongo_uri(mongo_server):
    """A fresh MongoDB database for one test (its name in the URI), dropped afterwards."""
    from mongo_server import drop_database, with_database

    uri = with_database(mongo_server, f"sc_test_{uuid.uuid4().hex[:12]}")
    yield uri
    drop_database(uri)


def make_app(config: dict[str, str]):
    """An application with its schema migrated."""
    from flask_migrate import upgrade

    from supportchat import create_app

    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


@pytest.fixture
def app_builder(tmp_path):
    """``app_builder(database_url=None, **config)``: migrated apps, disposed at the end."""
    made = []

    def build(database_url: str | None = None, **overrides):
        made.append(make_app(base_config(tmp_path / f"instance-{len(made)}", database_url,
                                         **overrides)))
        return made[-1]

    yield build
    from supportchat.extensions import db

    for built in made:
        with built.app_context():
            db.engine.dispose()


@pytest.fixture
def build(app_builder, database_url):
    """``build(**config)``: an app on this test's database (SQLite, then PostgreSQL)."""
    return lambda **overrides: app_builder(database_url, **overrides)


@pytest.fixture
def app(app_builder):
    """An application on a fresh SQLite database."""
    return app_builder(TESTING="true")


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
                        pytest.param("mongo", marks=pytest.mark.mongo)])
def ticket_store(request, tmp_path):
    """``(app, store)``: the app's ticket store on SQLite, PostgreSQL and MongoDB, inside an
    app context."""
    database_url = (request.getfixturevalue("postgres_url") if request.param == "postgres"
                    else f"sqlite:///{tmp_path / 'test.db'}")
    mongo = {"MONGO_URI": request.getfixturevalue("mongo_uri")} if request.param == "mongo" else {}
    app = make_app(base_config(tmp_path / "instance", database_url, **mongo))
    with app.app_context():
        store = app.extensions["supportchat.store"]
        yield app, store
        from supportchat.extensions import db

        db.engine.dispose()
        if mongo:
            store.close()


def create_account(app, email="ana@example.com", name="Ana", password="correct horse 1",
                   role="agent"):
    """Create an agent account directly through the service."""
    from supportchat.services import agents

    with app.app_context():
        agents.create_agent(email, name, password, role)
    return {"email": email, "name": name, "password": password, "role": role}


def run_command(argv: list[str], config: dict[str, str], stdin: str = "",
                timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a command beside ``config["INSTANCE_PATH"]`` with ``config`` as supportchat's whole
    configuration: settings in the caller's environment are left out."""
    from supportchat.config import SETTINGS

    names = {name for setting in SETTINGS for name in (setting.name, *setting.aliases)}
    env = {key: value for key, value in os.environ.items()
           if key not in names and not key.startswith("FLASK_")}
    env.update(config)
    return subprocess.run(argv, env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout, cwd=Path(config["INSTANCE_PATH"]).parent)


def stop_process(process: subprocess.Popen | None, gently: bool = True) -> None:
    """SIGTERM and wait (SIGKILL after 10 s), or SIGKILL at once; nothing if already gone."""
    if process is None or process.poll() is not None:
        return
    if gently:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
            return
        except subprocess.TimeoutExpired:
            pass  # ignored SIGTERM: killed below
    process.kill()
    process.wait()


@dataclass
class LiveServer:
    """A real ``supportchat serve`` process (gevent) on a loopback port."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> "LiveServer":
        """Start the process and wait until /healthz answers."""
        env = {**os.environ, **self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = Path(self.env["INSTANCE_PATH"]) / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "supportchat", "serve"],
                                        env=env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=str(ROOT))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start within {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        stop_process(self.process)

    def kill(self) -> None:
        """SIGKILL: the process dies mid-whatever it was doing."""
        stop_process(self.process, gently=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


@pytest.fixture
def live_server_factory(tmp_path):
    """Start live servers with a configuration; all are stopped at the end of the test."""
    servers: list[LiveServer] = []

    def start(database_url: str | None = None, **overrides) -> LiveServer:
        instance = tmp_path / f"instance-{len(servers)}"
        env = base_config(instance, database_url, ADMIN_EMAIL="admin@example.com",
                          ADMIN_PASSWORD="admin-password-1", **overrides)
        server = LiveServer(env)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(live_server_factory, database_url):
    """A live server on each database backend."""
    return live_server_factory(database_url)
