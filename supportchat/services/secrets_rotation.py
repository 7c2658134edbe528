"""Moving every stored secret to the current SECRET_KEY (``supportchat reseal-secrets``):
the settings' secrets (the AI key), webhook secrets and TOTP secrets, each opened with
SECRET_KEY or SECRET_KEY_PREVIOUS and sealed again under SECRET_KEY (secrets_box.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from ..models import Setting, TwoFactor, Webhook
from . import secrets_box
from .webhooks import SECRET_PURPOSE


@dataclass
class Outcome:
    resealed: list[str] = field(default_factory=list)  # e.g. "settings.ai", "webhook 3f…"
    current: int = 0  # already under SECRET_KEY
    unreadable: list[str] = field(default_factory=list)


def reseal_all() -> Outcome:
    """Seal every stored secret under SECRET_KEY in one transaction; when any cannot be
    opened with the configured keys nothing is written and ``unreadable`` names them."""
    outcome = Outcome()
    for row, purpose, name in _stored():
        try:
            again = secrets_box.reseal(row.secret, purpose)
        except AppError:
            outcome.unreadable.append(name)
            continue
        if again is None:
            outcome.current += 1
        else:
            row.secret = again
            outcome.resealed.append(name)
    if outcome.unreadable:
        db.session.rollback()
        outcome.resealed = []
    else:
        db.session.commit()
    return outcome


def _stored():
    """(row, purpose, name) of every sealed value; an empty ``settings.secret`` marks a
    secret cleared on purpose and holds nothing."""
    for setting in db.session.scalars(select(Setting).where(Setting.secret != "")):
        yield setting, f"settings.{setting.key}", f"settings.{setting.key}"
    for hook in db.session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id)):
        yield hook, SECRET_PURPOSE, f"webhook {hook.id}"
    for enrolled in db.session.scalars(select(TwoFactor)):
        yield enrolled, "totp", f"two-factor secret of agent {enrolled.agent_id}"
