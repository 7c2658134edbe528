"""Start-up: configuration errors in one line, development secrets, liveness and readiness
(PROTOCOL.md §3.8, §6)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from support.apps import PG_ADMIN_URL, base_config, make_app, run_command

SERVE = [sys.executable, "-m", "supportchat", "serve"]
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/x"


def serve_and_fail(config: dict[str, str]) -> list[str]:
    """Run ``supportchat serve``, expect it to stop by itself with an error; its stderr lines."""
    result = run_command(SERVE, config, timeout=30)
    assert result.returncode != 0, result.stdout
    return result.stderr.strip().splitlines()


def test_production_without_secret_key_refuses_to_start(tmp_path):
    config = base_config(tmp_path / "instance", SUPPORTCHAT_ENV="production")
    del config["SECRET_KEY"]
    lines = serve_and_fail(config)
    assert len(lines) == 1
    assert "SECRET_KEY" in lines[0]
    # Production never falls back to generated secrets.
    assert not (tmp_path / "instance" / "secrets.json").exists()


def test_production_without_base_url_refuses_to_start(tmp_path):
    lines = serve_and_fail(base_config(tmp_path / "instance", SUPPORTCHAT_ENV="production"))
    assert len(lines) == 1
    assert lines[0].startswith("supportchat: BASE_URL: must be set"), lines[0]


def test_an_invalid_setting_is_named_in_one_line(tmp_path):
    lines = serve_and_fail(base_config(tmp_path / "instance", PORT="eighty"))
    assert len(lines) == 1
    assert "PORT" in lines[0]


def test_an_unreachable_database_stops_start_up_in_one_line(tmp_path):
    lines = serve_and_fail(
        base_config(
            tmp_path / "instance",
            UNREACHABLE_DATABASE,
            SUPPORTCHAT_ENV="production",
            BASE_URL="https://support.example.com",
        )
    )
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0]


def _development_app(instance: Path):
    from supportchat import create_app

    return create_app(
        {"INSTANCE_PATH": str(instance), "DATABASE_URL": f"sqlite:///{instance.parent / 'dev.db'}"}
    )


def test_development_generates_secrets_once_and_keeps_them(tmp_path):
    instance = tmp_path / "instance"
    first = _development_app(instance)
    path = instance / "secrets.json"
    stored = path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # secrets are for the owner only
    for name in ("SECRET_KEY", "JWT_SECRET", "AUTH_REFRESH_SECRET"):
        assert json.loads(stored)[name] == first.config[name]
        assert len(first.config[name]) >= 32
    second = _development_app(instance)
    assert path.read_text() == stored
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert second.config["JWT_SECRET"] == first.config["JWT_SECRET"]


def test_healthz_and_readyz_answer(tmp_path, database_url):
    client = make_app(base_config(tmp_path / "instance", database_url)).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def _take_database_away(app, database_url: str) -> None:
    """Make the database unreachable for ``app``: drop it (PostgreSQL) or put a directory
    where its file was (SQLite; root ignores file permissions, so chmod would not do)."""
    from supportchat.extensions import db

    with app.app_context():
        db.engine.dispose()
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.database + suffix).unlink(missing_ok=True)
        Path(url.database).mkdir()
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{url.database}" WITH (FORCE)'))
    admin.dispose()


def test_readyz_names_the_database_when_it_is_down(tmp_path, database_url):
    app = make_app(base_config(tmp_path / "instance", database_url))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    _take_database_away(app, database_url)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("failing")
    assert client.get("/healthz").status_code == 200  # alive, only not ready


def test_a_running_server_answers_healthz_and_readyz(live_server):
    assert requests.get(live_server.url + "/healthz", timeout=5).json() == {"status": "ok"}
    ready = requests.get(live_server.url + "/readyz", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok"}
