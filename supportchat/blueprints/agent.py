"""Agent sign-in, sign-out and the dashboard (PROTOCOL.md §3.2)."""

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_jwt_extended import decode_token, unset_jwt_cookies
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_wtf import FlaskForm
from jwt import PyJWTError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length

from ..services import agents, auth
from . import login_limits, two_factor
from .pages import agent_page

bp = Blueprint("agent", __name__, url_prefix="/agent")


class LoginForm(FlaskForm):
    """Email and password, with Flask-WTF's CSRF token."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    # InputRequired, not DataRequired: a password of spaces is a password (the API takes it).
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


def _account_key() -> str:
    try:
        email = request.form.get("email", "")
    except RequestEntityTooLarge:
        email = ""  # the view answers 413; a key function must not raise
    return "login-account:" + email.strip().lower()


@bp.get("/login")
def login_form():
    """The sign-in page."""
    form = LoginForm(next=request.args.get("next", ""))
    return render_template("agent/login.html", form=form)


@bp.post("/login")
@login_limits.guarded(_account_key)
def login():
    """Check the password; on success set the token cookies and go where the agent was going."""
    form = LoginForm()
    if not form.validate():
        return render_template(
            "agent/login.html", form=form, error="Enter your email and password."
        ), 400
    agent = agents.authenticate(form.email.data, form.password.data)
    if agent is None:
        return render_template(
            "agent/login.html", form=form, error="Invalid email or password"
        ), 401
    return two_factor.after_password(agent, form.next.data)


@bp.post("/logout")
def logout():
    """Revoke the session's token family and clear the cookies (CSRF-checked by Flask-WTF)."""
    for name in ("JWT_ACCESS_COOKIE_NAME", "JWT_REFRESH_COOKIE_NAME"):
        token = request.cookies.get(current_app.config[name])
        try:
            # Expired tokens are revoked too: their family may still hold a live refresh token.
            auth.revoke(decode_token(token, allow_expired=True), request.remote_addr)
            break
        except (JWTExtendedException, PyJWTError):
            continue  # a missing or forged cookie has nothing to revoke
    response = redirect(url_for("agent.login_form"), code=303)
    unset_jwt_cookies(response)
    return response


@bp.get("/dashboard")
@agent_page
def dashboard():
    """The agent's inbox."""
    return make_response(render_template("agent/dashboard.html", actor=g.actor))


@bp.get("/")
def index():
    """``/agent/`` is the dashboard."""
    return redirect(url_for("agent.dashboard"))
