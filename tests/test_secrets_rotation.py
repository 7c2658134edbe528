"""Rotating SECRET_KEY (docs/operations.md): secrets sealed under an old key open while it is
in SECRET_KEY_PREVIOUS, ``supportchat reseal-secrets`` moves them to the new key, and a key
that is missing or wrong is named in the error instead of crashing or reading as empty."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from support.apps import base_config, make_app, run_command

SUPPORTCHAT = str(Path(sys.executable).parent / "supportchat")
KEY_A, KEY_B, KEY_C = ("key-a-" + "a" * 40, "key-b-" + "b" * 40, "key-c-" + "c" * 40)
AI_KEY, HOOK_SECRET = "sk-rotate-me-0123456789", "whsec-rotate-me-0123456789"


@pytest.fixture
def config_with(tmp_path, database_url):
    """The configuration of one install under a given SECRET_KEY (and previous keys)."""

    def config(secret_key: str, previous: str = "") -> dict[str, str]:
        return base_config(
            tmp_path / "instance",
            database_url,
            SECRET_KEY=secret_key,
            SECRET_KEY_PREVIOUS=previous,
            WEBHOOK_ALLOW_PRIVATE="true",
        )

    return config


@pytest.fixture
def sealed_under_a(config_with):
    """The AI key and a webhook secret stored by a server running with key A."""
    from supportchat.services import settings, webhooks

    app = make_app(config_with(KEY_A))
    with app.app_context():
        settings.update({"ai": {"apiKey": AI_KEY}})
        hook = webhooks.create("http://127.0.0.1:9/hook", ["ticket.created"], HOOK_SECRET)
        return hook.id


def stored(config: dict[str, str]) -> dict[str, str]:
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            ai = conn.execute(text("SELECT secret FROM settings WHERE key = 'ai'")).scalar_one()
            hook = conn.execute(text("SELECT secret FROM webhooks")).scalar_one()
    finally:
        engine.dispose()
    return {"ai": ai, "webhook": hook}


def opened(config: dict[str, str], hook_id: str) -> tuple[str | None, str]:
    """What a server started with ``config`` reads: the AI key and the webhook's secret."""
    from supportchat.services import secrets_box, settings, webhooks

    app = make_app(config)
    with app.app_context():
        return settings.secret("ai"), secrets_box.unseal(
            webhooks.get(hook_id).secret, webhooks.SECRET_PURPOSE
        )


def reseal(config: dict[str, str]):
    return run_command([SUPPORTCHAT, "reseal-secrets"], config)


def test_a_new_key_with_the_old_one_as_previous_opens_and_reseal_moves_everything(
    config_with, sealed_under_a
):
    before = stored(config_with(KEY_A))
    assert AI_KEY not in before["ai"] and HOOK_SECRET not in before["webhook"]
    rotated = config_with(KEY_B, previous=f"{KEY_C}, {KEY_A}")
    assert opened(rotated, sealed_under_a) == (AI_KEY, HOOK_SECRET)

    result = reseal(rotated)
    assert result.returncode == 0, result.stderr
    assert "2 secret(s) resealed under SECRET_KEY, 0 already were" in result.stdout
    after = stored(rotated)
    assert after["ai"] != before["ai"] and after["webhook"] != before["webhook"]
    assert opened(config_with(KEY_B), sealed_under_a) == (AI_KEY, HOOK_SECRET)  # B alone

    again = reseal(rotated)  # idempotent: nothing left to move, nothing rewritten
    assert again.returncode == 0, again.stderr
    assert "0 secret(s) resealed under SECRET_KEY, 2 already were" in again.stdout
    assert stored(rotated) == after


@pytest.mark.parametrize("previous", ["", KEY_C], ids=["no-previous-key", "wrong-previous-key"])
def test_a_missing_or_wrong_previous_key_is_named_and_changes_nothing(
    config_with, sealed_under_a, previous
):
    from supportchat.errors import AppError

    before = stored(config_with(KEY_A))
    rotated = config_with(KEY_B, previous=previous)
    with pytest.raises(AppError) as raised:
        opened(rotated, sealed_under_a)
    assert raised.value.code == "internal"
    assert "SECRET_KEY_PREVIOUS" in raised.value.message
    assert "reseal-secrets" in raised.value.message

    result = reseal(rotated)
    assert result.returncode == 1
    assert "nothing changed: 2 secret(s) open with neither SECRET_KEY nor SECRET_KEY_PREVIOUS" in (
        result.stderr
    )
    assert "settings.ai" in result.stderr and "Traceback" not in result.stderr
    assert stored(rotated) == before
    assert opened(config_with(KEY_A), sealed_under_a) == (AI_KEY, HOOK_SECRET)
