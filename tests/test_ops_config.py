"""``supportchat check-config`` and ``supportchat init-deploy``, run as an operator runs them,
and the container files kept in step with the settings and the commands they name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from support.apps import ROOT
from support.ops import dockerfile_exec_form
from supportchat import config

SECRETS = (
    "SECRET_KEY",
    "JWT_SECRET",
    "AUTH_REFRESH_SECRET",
    "IDENTITY_HMAC_SECRET",
    "METRICS_TOKEN",
    "POSTGRES_PASSWORD",
    "ADMIN_PASSWORD",
)


def supportchat(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the supportchat command with exactly ``env`` (plus PATH)."""
    return subprocess.run(
        [sys.executable, "-m", "supportchat", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd or ROOT,
        env={"PATH": os.environ["PATH"], **(env or {})},
    )


def read_env(path: Path) -> dict[str, str]:
    """The NAME=value lines of a .env file (comments skipped)."""
    pairs = (
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {name: value for name, value in pairs}


def test_check_config_shows_each_setting_with_its_source_and_masks_secrets(tmp_path):
    env = {
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "s" * 40,
        "PORT": "8080",
        "DATABASE_URL": "postgresql://chat:db-password-123@db.internal/chat",
    }
    result = supportchat("check-config", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = {
        name: (source, value)
        for name, source, value in re.findall(
            r"^([A-Z][A-Z0-9_]+) +(default|environment|instance file) +(.*)$",
            result.stdout,
            re.MULTILINE,
        )
    }
    assert set(rows) == {setting.name for setting in config.SETTINGS}
    assert rows["PORT"] == ("environment", "8080")
    assert rows["LOG_LEVEL"] == ("default", "info")
    assert rows["SECRET_KEY"] == ("environment", "******** (40 characters)")
    assert rows["JWT_SECRET"][0] == "instance file"  # generated for development
    assert rows["DATABASE_URL"] == ("environment", "postgresql+psycopg://chat:***@db.internal/chat")
    assert "s" * 40 not in result.stdout and "db-password-123" not in result.stdout


def test_check_config_fails_on_unsafe_production_settings(tmp_path):
    env = {
        "INSTANCE_PATH": str(tmp_path),
        "SUPPORTCHAT_ENV": "production",
        "SECRET_KEY": "change-me-secret-key",
        "JWT_SECRET": "j" * 40,
        "AUTH_REFRESH_SECRET": "r" * 40,
        "ALLOWED_ORIGINS": "*",
        "BASE_URL": "http://support.example.com",
        "WEB_CONCURRENCY": "4",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
    }
    result = supportchat("check-config", env=env)
    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    named = [line.split()[1].rstrip(":") for line in errors]
    assert named == ["SECRET_KEY", "ALLOWED_ORIGINS", "BASE_URL", "DATABASE_URL"]


def test_check_config_only_warns_in_development(tmp_path):
    result = supportchat(
        "check-config", env={"INSTANCE_PATH": str(tmp_path), "ALLOWED_ORIGINS": "*"}
    )
    assert result.returncode == 0
    assert "warning: ALLOWED_ORIGINS" in result.stdout


def test_check_config_names_an_invalid_setting(tmp_path):
    result = supportchat(
        "check-config", env={"INSTANCE_PATH": str(tmp_path), "WEB_CONCURRENCY": "many"}
    )
    assert result.returncode == 1
    assert result.stdout.startswith("error: WEB_CONCURRENCY: invalid value")


def test_env_example_documents_every_setting_and_is_flagged_until_filled(tmp_path):
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert {setting.name for setting in config.SETTINGS} <= documented
    env = {**read_env(ROOT / ".env.example"), "INSTANCE_PATH": str(tmp_path)}
    result = supportchat("check-config", env=env)
    assert result.returncode == 1
    assert "error: SECRET_KEY: looks like a placeholder" in result.stdout


def test_init_deploy_writes_a_deployment_with_fresh_secrets_that_passes_check_config(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    for directory in (first, second):
        result = supportchat("init-deploy", str(directory), "--name", "acme")
        assert result.returncode == 0, result.stderr
    files = sorted(path.name for path in first.iterdir())
    assert files == [".env", "README.md", "docker-compose.yml", "nginx.conf"]
    one, two = read_env(first / ".env"), read_env(second / ".env")
    for name in SECRETS:
        assert len(one[name]) >= 16 and one[name] != two[name], name
    assert len({one[name] for name in SECRETS}) == len(SECRETS)
    assert one["POSTGRES_PASSWORD"] in one["DATABASE_URL"]
    assert (one["REDIS_URL"], one["COMPOSE_PROFILES"], one["REDIS_PREFIX"]) == (
        "redis://redis:6379/0",
        "redis",
        "acme",
    )
    assert (first / ".env").stat().st_mode & 0o777 == 0o600
    assert "build:" not in (first / "docker-compose.yml").read_text()
    checked = supportchat("check-config", env={**one, "INSTANCE_PATH": str(tmp_path)})
    assert checked.returncode == 0, checked.stdout


def test_init_deploy_without_redis_leaves_it_off(tmp_path):
    result = supportchat("init-deploy", str(tmp_path / "solo"), "--name", "solo", "--no-redis")
    assert result.returncode == 0, result.stderr
    env = read_env(tmp_path / "solo" / ".env")
    assert "REDIS_URL" not in env and "COMPOSE_PROFILES" not in env
    assert "Redis is off" in (tmp_path / "solo" / "README.md").read_text()


def test_init_deploy_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "deployment"
    assert supportchat("init-deploy", str(target), "--name", "acme").returncode == 0
    kept = (target / ".env").read_text()
    refused = supportchat("init-deploy", str(target), "--name", "acme")
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert (target / ".env").read_text() == kept
    forced = supportchat("init-deploy", str(target), "--name", "acme", "--force")
    assert forced.returncode == 0
    assert (target / ".env").read_text() != kept


def test_docker_healthcheck_command_passes_only_against_a_ready_server(live_server):
    command = dockerfile_exec_form("HEALTHCHECK")
    assert "http://127.0.0.1:5000/readyz" in command[-1]
    assert command[0] == "python"  # the image's virtualenv Python, as ours here
    against = [
        sys.executable,
        *command[1:-1],
        command[-1].replace(":5000/", f":{live_server.port}/"),
    ]
    assert subprocess.run(against, timeout=30).returncode == 0
    live_server.stop()
    assert subprocess.run(against, capture_output=True, timeout=30).returncode != 0
