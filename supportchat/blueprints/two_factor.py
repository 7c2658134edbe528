"""Two-factor pages: the code step after the password, and enrolment with a QR code.

Between the password and the code, who is signing in lives in Flask's signed session for a
few minutes; no token is issued before the second step.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_jwt_extended import (
    get_jwt,
    set_access_cookies,
    set_refresh_cookies,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_wtf import FlaskForm
from jwt import PyJWTError
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import AppError
from ..extensions import db
from ..models import Agent
from ..services import audit, auth, twofactor
from .pages import safe_next

bp = Blueprint("two_factor", __name__, url_prefix="/agent")

PENDING_SECONDS = 300
_PENDING = "two_factor_pending"


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired(), Length(max=32)])
    remember = BooleanField("Remember this browser")


def after_password(agent: Agent, next_url: str | None):
    """Where a correct password leads: enrolment (an admin who must have 2FA), the code step
    (enrolled, on a browser not remembered), or straight in."""
    target = safe_next(next_url, url_for("agent.dashboard"))
    enrolling = twofactor.required(agent)
    if enrolling or (
        twofactor.enrolled(agent)
        and not twofactor.remembered(agent, request.cookies.get(twofactor.DEVICE_COOKIE))
    ):
        session[_PENDING] = {
            "agent": agent.id,
            "next": target,
            "at": time.time(),
            "enrol": enrolling,
        }
        return redirect(
            url_for("two_factor.setup" if enrolling else "two_factor.code_form"), code=303
        )
    return signed_in(agent, target)


def signed_in(agent: Agent, target: str, response=None):
    """``response`` (a redirect to ``target`` by default) with the agent's token cookies."""
    access, refresh = auth.issue_tokens(agent)
    audit.record(agent.id, "auth.signin", agent.id, request.remote_addr)
    response = response or redirect(target, code=303)
    set_access_cookies(response, access)
    set_refresh_cookies(response, refresh)
    return response


@bp.get("/login/2fa")
def code_form():
    """The second step of signing in."""
    if _pending(enrol=False) is None:
        return redirect(url_for("agent.login_form"))
    return render_template(
        "agent/two_factor.html",
        form=CodeForm(),
        remember_days=current_app.config["TWO_FACTOR_REMEMBER_DAYS"],
    )


@bp.post("/login/2fa")
def check_code():
    """Check the code; on success sign in, and remember the browser when asked."""
    pending = _pending(enrol=False)
    if pending is None:
        return redirect(url_for("agent.login_form"))
    agent, form = pending[0], CodeForm()
    days = current_app.config["TWO_FACTOR_REMEMBER_DAYS"]
    if not form.validate():
        return render_template(
            "agent/two_factor.html",
            form=form,
            remember_days=days,
            error="Enter the code from your authenticator app.",
        ), 400
    try:
        twofactor.verify(agent, form.code.data, request.remote_addr)
    except AppError as error:
        return render_template(
            "agent/two_factor.html", form=form, remember_days=days, error=error.message
        ), error.status
    session.pop(_PENDING, None)
    response = signed_in(agent, pending[1])
    if form.remember.data and days:
        response.set_cookie(
            twofactor.DEVICE_COOKIE,
            twofactor.remember_token(agent),
            max_age=days * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/2fa/setup", methods=["GET", "POST"])
def setup():
    """Enrolment: a QR code (and the secret as text), then a first code, then the recovery
    codes, shown once. For a signed-in agent, or an admin sent here after the password."""
    pending = _pending(enrol=True)
    agent = pending[0] if pending else _signed_in_agent()
    if agent is None:
        return redirect(url_for("agent.login_form", next=url_for("two_factor.setup")))
    if twofactor.enrolled(agent):
        return render_template("agent/two_factor_setup.html", enrolled=True)
    form, error, status = CodeForm(), None, 200
    if request.method == "POST" and form.validate():
        try:
            codes = twofactor.confirm(agent, form.code.data, request.remote_addr)
        except AppError as failure:
            error, status = failure.message, failure.status
        else:
            session.pop(_PENDING, None)
            target = pending[1] if pending else url_for("agent.dashboard")
            page = make_response(
                render_template("agent/two_factor_setup.html", codes=codes, target=target)
            )
            return signed_in(agent, target, page) if pending else page
    uri = twofactor.pending_uri(agent) or twofactor.begin(agent)
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    return render_template(
        "agent/two_factor_setup.html",
        form=form,
        error=error,
        qr=twofactor.qr_svg(uri),
        secret=secret,
    ), status


def _pending(enrol: bool) -> tuple[Agent, str] | None:
    """The agent between password and second step, and where they were going."""
    pending = session.get(_PENDING)
    if (
        not isinstance(pending, dict)
        or bool(pending.get("enrol")) != enrol
        or time.time() - pending.get("at", 0) > PENDING_SECONDS
    ):
        return None
    agent = db.session.get(Agent, pending.get("agent"))
    if agent is None or not agent.active:
        return None
    return agent, pending["next"]


def _signed_in_agent() -> Agent | None:
    try:
        verify_jwt_in_request(locations=["cookies"])
        claims = get_jwt()
        auth.check_role(claims)
        g.jwt_csrf = claims.get("csrf")  # the double-submit field of the enrolment form
    except (JWTExtendedException, PyJWTError, AppError):
        return None
    agent = db.session.get(Agent, claims["sub"])
    return agent if agent is not None and agent.active else None
