"""Two-factor sign-in for agents and admins: TOTP (RFC 6238) with one-time recovery codes.

The secret is sealed at rest (secrets_box); recovery codes are kept as password hashes and
each works once; a TOTP code works once too (its time step is remembered). Both doors
(/agent/login and POST /api/admin/auth/token) ask ``verify`` after the password.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import time

import pyotp
import segno
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utcnow
from ..errors import AppError
from ..extensions import db
from ..models import Agent, TwoFactor
from . import audit, ratelimit, secrets_box

ISSUER = "supportchat"
RECOVERY_CODES = 10
DEVICE_COOKIE = "cs_2fa_device"


def enrolled(agent: Agent) -> bool:
    """Whether the agent signs in with a second factor."""
    record = db.session.get(TwoFactor, agent.id)
    return record is not None and record.confirmed_at is not None


def required(agent: Agent) -> bool:
    """Whether the agent must enrol before signing in (admins, with REQUIRE_2FA_FOR_ADMINS)."""
    return (
        agent.role == "admin"
        and current_app.config["REQUIRE_2FA_FOR_ADMINS"]
        and not enrolled(agent)
    )


def begin(agent: Agent) -> str:
    """A fresh secret waiting for its first code (any earlier pending one is replaced); the
    ``otpauth://`` URI authenticator apps read from the QR code. AppError ``conflict`` when
    the agent is already enrolled."""
    record = db.session.get(TwoFactor, agent.id)
    if record is not None and record.confirmed_at is not None:
        raise AppError("conflict", "Two-factor sign-in is already set up for this account.")
    secret = pyotp.random_base32()
    if record is None:
        record = TwoFactor(agent_id=agent.id, secret="", recovery_hashes=[], last_step=0)
        db.session.add(record)
    record.secret = secrets_box.seal(secret, "totp")
    db.session.commit()
    return pyotp.TOTP(secret).provisioning_uri(name=agent.email, issuer_name=ISSUER)


def pending_uri(agent: Agent) -> str | None:
    """The URI of the secret waiting for its first code, if any."""
    record = db.session.get(TwoFactor, agent.id)
    if record is None or record.confirmed_at is not None:
        return None
    secret = secrets_box.unseal(record.secret, "totp")
    return pyotp.TOTP(secret).provisioning_uri(name=agent.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, drawn here (no third-party service sees the secret)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        scale=5,
        border=2,
        xmldecl=False,
        svgns=True,
        title="Two-factor sign-in QR code",
    )
    return out.getvalue().decode()


def confirm(agent: Agent, code: str, address: str | None) -> list[str]:
    """Finish enrolment with a first code from the app; the recovery codes, shown once."""
    record = db.session.get(TwoFactor, agent.id)
    if record is None or record.confirmed_at is not None:
        raise AppError("conflict", "Start two-factor set-up again.")
    _throttle(agent)
    step = _totp_step(record, code)
    if step is None:
        audit.record(agent.id, "auth.2fa.refused", agent.id, address, {"stage": "enrol"})
        raise AppError(
            "unauthorized",
            "That code is not right; enter the current 6-digit code from your authenticator app.",
            {"field": "code"},
        )
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    record.recovery_hashes = [generate_password_hash(code) for code in codes]
    record.last_step, record.confirmed_at = step, utcnow()
    db.session.commit()
    audit.record(agent.id, "auth.2fa.enrol", agent.id, address)
    return codes


def second_step(agent: Agent, code: str | None, address: str | None) -> None:
    """After a correct password on the token API: AppError ``forbidden`` for an admin who
    must enrol first, ``verify`` for an enrolled agent, nothing for the others."""
    if required(agent):
        raise AppError(
            "forbidden",
            "Set up two-factor sign-in first: sign in at /agent/login and follow the set-up steps.",
            {"reason": "two_factor_enrolment_required"},
        )
    if enrolled(agent):
        verify(agent, code, address)


def verify(agent: Agent, code: str | None, address: str | None) -> None:
    """Accept a current TOTP code or an unused recovery code for an enrolled agent; AppError
    ``unauthorized`` otherwise, ``rate_limited`` after too many tries."""
    if not code:
        raise AppError(
            "unauthorized",
            "Enter the 6-digit code from your authenticator app (or a recovery code).",
            {"field": "totp", "reason": "two_factor_required"},
        )
    record = db.session.get(TwoFactor, agent.id)
    _throttle(agent)
    step = _totp_step(record, code)
    if step is not None:
        record.last_step = step
        db.session.commit()
        audit.record(agent.id, "auth.2fa.ok", agent.id, address)
        return
    cleaned = code.strip().lower().replace("-", "").replace(" ", "")
    for stored in record.recovery_hashes:
        if check_password_hash(stored, cleaned):
            record.recovery_hashes = [other for other in record.recovery_hashes if other != stored]
            db.session.commit()
            audit.record(
                agent.id,
                "auth.2fa.recovery",
                agent.id,
                address,
                {"left": len(record.recovery_hashes)},
            )
            return
    audit.record(agent.id, "auth.2fa.refused", agent.id, address, {"stage": "sign-in"})
    raise AppError(
        "unauthorized",
        "That code is not right; enter the current code from your "
        "authenticator app, or an unused recovery code.",
        {"field": "totp", "reason": "two_factor_invalid"},
    )


def _totp_step(record: TwoFactor, code: str) -> int | None:
    """The time step a 6-digit code belongs to (now, or one step either side for clock
    drift), if it is right and later than the last one used."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secrets_box.unseal(record.secret, "totp"))
    now = int(time.time() // totp.interval)
    for step in (now, now - 1, now + 1):
        if step > record.last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _throttle(agent: Agent) -> None:
    # Six digits are guessable only with many tries: every try counts, per account.
    ratelimit.check("two-factor code", agent.id)


# Remembered devices: a signed cookie naming the agent and their current enrolment.


def remember_token(agent: Agent) -> str:
    """The value of the device cookie that spares this agent codes on this browser."""
    return _serializer().dumps({"a": agent.id, "e": _enrolment_stamp(agent)})


def remembered(agent: Agent, token: str | None) -> bool:
    """Whether ``token`` is a device cookie of this agent's current enrolment, unexpired."""
    days = current_app.config["TWO_FACTOR_REMEMBER_DAYS"]
    if not token or not days:
        return False
    try:
        data = _serializer().loads(token, max_age=days * 24 * 3600)
    except BadSignature:
        return False
    return (
        isinstance(data, dict)
        and data.get("a") == agent.id
        and data.get("e") == _enrolment_stamp(agent)
    )


def _enrolment_stamp(agent: Agent) -> str:
    # A new enrolment (a new sealed secret) forgets every remembered device.
    record = db.session.get(TwoFactor, agent.id)
    return hashlib.sha256((record.secret if record else "").encode()).hexdigest()[:16]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="supportchat-2fa-device")
