"""Applications, accounts, commands and live ``supportchat serve`` processes for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "SUPPORTCHAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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
        "LOG_FORMAT": "json",  # tests read log lines as JSON
    }
    config.update({key: str(value) for key, value in overrides.items()})
    return config


def make_app(config: dict[str, str]):
    """An application with its schema migrated."""
    from flask_migrate import upgrade

    from supportchat import create_app

    app = create_app(config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


def create_account(
    app, email="ana@example.com", name="Ana", password="correct horse 1", role="agent"
):
    """Create an agent account directly through the service."""
    from supportchat.services import agents

    with app.app_context():
        agents.create_agent(email, name, password, role)
    return {"email": email, "name": name, "password": password, "role": role}


def run_command(
    argv: list[str], config: dict[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run a command beside ``config["INSTANCE_PATH"]`` with ``config`` as supportchat's whole
    configuration: settings in the caller's environment are left out."""
    from supportchat.config import SETTINGS

    names = {name for setting in SETTINGS for name in (setting.name, *setting.aliases)}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in names and not key.startswith("FLASK_")
    }
    env.update(config)
    return subprocess.run(
        argv,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(config["INSTANCE_PATH"]).parent,
    )


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

    def start(self, timeout: float = 90) -> LiveServer:
        """Start the process and wait until /healthz answers."""
        env = {**os.environ, **self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log_path = Path(self.env["INSTANCE_PATH"]) / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supportchat", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(ROOT),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # not listening or not ready
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


def audit_events(app, action: str | None = None) -> list[tuple]:
    """The audit trail as (actor, action, target, address, details), oldest first."""
    from sqlalchemy import select

    from supportchat.extensions import db
    from supportchat.models import AuditEvent

    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [
            (event.actor, event.action, event.target, event.address, event.details)
            for event in db.session.scalars(query)
        ]
