"""The ``supportchat`` command: creating accounts, migrating, and the first admin at start-up."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from support.apps import ROOT, LiveServer, base_config, make_app, run_command

BIN = Path(sys.executable).parent
SUPPORTCHAT = str(BIN / "supportchat")
FLASK = str(BIN / "flask")


@pytest.fixture
def config(tmp_path, database_url) -> dict[str, str]:
    """The configuration of a fresh install, on each database."""
    return base_config(tmp_path / "instance", database_url)


def create_agent(config, email, password, role="agent", name="Someone"):
    """``supportchat create-agent … --password-stdin``."""
    return run_command(
        [
            SUPPORTCHAT,
            "create-agent",
            "--email",
            email,
            "--name",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        config,
        stdin=password + "\n",
    )


def sign_in_status(config, email: str, password: str) -> int:
    """The status of a login through the real login form of an app on ``config``'s database."""
    client = make_app({**config, "INSTANCE_PATH": config["INSTANCE_PATH"] + "-check"}).test_client()
    form = client.get("/agent/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    return client.post(
        "/agent/login", data={"csrf_token": token, "email": email, "password": password}
    ).status_code


# --- create-agent --------------------------------------------------------------------------


def test_create_agent_makes_an_account_that_can_sign_in(config):
    result = create_agent(config, "Boss@Example.com", "admin password 1", role="admin")
    assert result.returncode == 0, result.stderr
    assert "Created admin boss@example.com." in result.stdout
    assert "admin password 1" not in result.stdout + result.stderr
    assert sign_in_status(config, "boss@example.com", "admin password 1") == 303


def test_create_agent_refuses_an_email_that_is_taken_in_any_case(config):
    assert create_agent(config, "ana@example.com", "correct horse 1").returncode == 0
    again = create_agent(config, "ANA@Example.com", "another password 1")
    assert again.returncode != 0
    assert "An account for ana@example.com already exists." in again.stderr
    assert sign_in_status(config, "ana@example.com", "another password 1") == 401


def test_create_agent_refuses_a_short_password(config):
    result = create_agent(config, "ana@example.com", "short")
    assert result.returncode != 0
    assert "The password must be at least 8 characters." in result.stderr
    assert sign_in_status(config, "ana@example.com", "short") == 401


def test_create_agent_names_an_unreachable_database(tmp_path):
    config = base_config(tmp_path / "instance", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    result = create_agent(config, "ana@example.com", "correct horse 1")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0]


# --- db upgrade ----------------------------------------------------------------------------


def test_db_upgrade_builds_the_schema_of_a_fresh_database(config):
    for _ in range(2):  # the second run finds nothing to do
        result = run_command([FLASK, "--app", "supportchat", "db", "upgrade"], config)
        assert result.returncode == 0, result.stderr
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    engine = create_engine(config["DATABASE_URL"])
    try:
        tables = set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert {"agents", "tickets", "messages", "files", "auth_tokens", "settings"} <= tables
    assert version == head


# --- serve and the first admin -------------------------------------------------------------


def served_once(config: dict[str, str], instance: str) -> str:
    """Start ``supportchat serve`` until it answers, stop it, and return what it printed."""
    # LOG_FORMAT=text: what a person running it in development sees
    server = LiveServer({**config, "INSTANCE_PATH": instance, "LOG_FORMAT": "text"}).start()
    server.stop()
    return server.log()


def test_serve_on_an_empty_database_prints_a_generated_admin_once(config):
    first = served_once(config, config["INSTANCE_PATH"] + "-1")
    assert "supportchat is ready: open http://127.0.0.1:" in first
    found = re.search(r"first admin  (\S+) / password: (\S+)  \(generated", first)
    assert found, first
    email, password = found.groups()
    second = served_once(config, config["INSTANCE_PATH"] + "-2")
    assert "/ password:" not in second and password not in second
    assert sign_in_status(config, email, password) == 303


def test_serve_creates_the_configured_admin_without_printing_the_password(config):
    chosen = {"ADMIN_EMAIL": "owner@example.com", "ADMIN_PASSWORD": "owner password 1"}
    log = served_once({**config, **chosen}, config["INSTANCE_PATH"])
    assert "owner password 1" not in log
    assert "first admin  owner@example.com (from ADMIN_EMAIL and ADMIN_PASSWORD)" in log
    assert sign_in_status(config, "owner@example.com", "owner password 1") == 303
