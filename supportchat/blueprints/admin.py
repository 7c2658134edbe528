"""Admin pages (PROTOCOL.md §3.2, §3.7): agents, settings, blocklist, Monitor and the
database. Each page is a server-rendered shell whose module (static/admin/*.js) works
through the admin JSON API with the token cookie and its CSRF double submit."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import AppError
from ..extensions import db
from ..services import agents, audit
from .pages import agent_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


class AgentForm(FlaskForm):
    """A new agent account."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=1024)])
    role = SelectField("Role", choices=[("agent", "Agent"), ("admin", "Admin")])


@bp.get("/")
@agent_page(admin=True)
def index():
    """Agents and a form to add one."""
    return _page(AgentForm())


@bp.post("/agents")
@agent_page(admin=True)
def create_agent():
    """Create an agent account from the form."""
    form = AgentForm()
    if not form.validate():
        return _page(form, status=400)
    try:
        agent = agents.create_agent(
            form.email.data, form.name.data, form.password.data, form.role.data
        )
    except AppError as error:
        return _page(form, error=error.message, status=error.status)
    audit.record(
        g.actor.id,
        "agent.create",
        agent.id,
        request.remote_addr,
        {"email": agent.email, "role": agent.role},
    )
    flash(f"Created {agent.role} {agent.email}.")
    return redirect(url_for("admin.index"), code=303)


def _page(form: AgentForm, error: str | None = None, status: int = 200):
    page = render_template(
        "admin/index.html", form=form, agents=agents.list_agents(), actor=g.actor, error=error
    )
    return make_response(page, status)


@bp.get("/settings")
@agent_page(admin=True)
def settings_page():
    """Branding, behaviour and AI settings with a preview of the widget."""
    return render_template("admin/settings.html", actor=g.actor)


@bp.get("/blocklist")
@agent_page(admin=True)
def blocklist_page():
    """The blocklist editor."""
    return render_template("admin/blocklist.html", actor=g.actor)


@bp.get("/monitor")
@agent_page(admin=True)
def monitor_page():
    """Tickets, their messages and files, and sending as an admin."""
    return render_template("admin/monitor.html", actor=g.actor)


@bp.get("/database")
@agent_page(admin=True)
def database_page():
    """The schema revision, and the button that creates or upgrades the schema."""
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    migrate = current_app.extensions["migrate"]
    heads = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory)).get_heads()
    return render_template(
        "admin/database.html", actor=g.actor, current=current, newest=", ".join(sorted(heads))
    )
