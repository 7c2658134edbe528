"""The ``supportchat`` command (also ``flask --app supportchat …``): serve, agents, database."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    """Entry point of the console script."""
    if sys.argv[1:2] == ["serve"]:
        # Before anything else is imported, so every socket and lock cooperates with gevent.
        from gevent import monkey

        monkey.patch_all()
    from flask.cli import FlaskGroup

    from . import create_app

    group = FlaskGroup(name="supportchat", create_app=lambda: create_app(),
                       add_version_option=False, load_dotenv=False,
                       help="supportchat: self-hosted real-time customer support chat.")
    for command in standalone_commands():
        group.add_command(command)
    try:
        group.main(prog_name="supportchat")
    except Exception as exc:  # start-up errors are one line, not a traceback
        from .config import ConfigError
        from .app import StartupError

        if isinstance(exc, (ConfigError, StartupError)):
            sys.exit(f"supportchat: {exc}")
        raise


def standalone_commands() -> list:
    """Commands that work without an application: the configuration may be the very problem."""
    import click

    from . import deploy

    @click.command("check-config")
    def check_config() -> None:
        """Print every setting with its source (secrets masked) and flag unsafe production
        settings; exit 1 on errors."""
        instance = os.environ.get("INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
        report, errors = deploy.check_config(os.environ, instance)
        click.echo(report)
        if errors:
            sys.exit(1)

    @click.command("init-deploy")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--name", required=True, help="Deployment name: compose project, Redis prefix.")
    @click.option("--no-redis", is_flag=True, help="One app process, no Redis service.")
    @click.option("--force", is_flag=True, help="Overwrite files that already exist.")
    def init_deploy(directory: Path, name: str, no_redis: bool, force: bool) -> None:
        """Write a Docker Compose deployment into DIRECTORY: .env with fresh secrets,
        docker-compose.yml, nginx.conf and README.md."""
        try:
            written = deploy.init_deploy(directory, name, redis=not no_redis, force=force)
        except (FileExistsError, ValueError) as error:
            raise click.ClickException(str(error)) from None
        for path in written:
            click.echo(f"wrote {path}")

    return [check_config, init_deploy]


def register(app) -> None:
    """Add supportchat's commands to the app's ``flask`` command group."""
    import logging

    import click
    from flask_migrate import upgrade

    from .app import check_backends
    from .errors import AppError
    from .services import agents

    def prepare_database() -> None:
        """Fail in one line when the database is down, then bring its schema up to date."""
        check_backends(app)
        upgrade(directory=app.extensions["migrate"].directory)

    @app.cli.command("create-agent")
    @click.option("--email", required=True, help="Sign-in email, unique.")
    @click.option("--name", required=True, help="Name customers and colleagues see.")
    @click.option("--role", type=click.Choice(["agent", "admin"]), default="agent", show_default=True)
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    def create_agent(email: str, name: str, role: str, password_stdin: bool) -> None:
        """Create an agent or admin account."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        prepare_database()  # the first command of a fresh install may well be this one
        try:
            agent = agents.create_agent(email, name, password, role)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Created {agent.role} {agent.email}.")

    @app.cli.command("prepare")
    def prepare() -> None:
        """Apply migrations and make sure an admin exists (gunicorn.conf.py runs this once
        before starting workers; serve does it itself)."""
        prepare_database()
        created = agents.ensure_first_admin(app.config["ADMIN_EMAIL"], app.config["ADMIN_PASSWORD"])
        if created and not app.config["ADMIN_PASSWORD"]:
            click.echo(f"Created the first admin: {created[0]} / password: {created[1]}\n"
                       "  (shown once; change it or create your own admin)")

    @app.cli.command("serve")
    @click.option("--host", default=None, help="Address to listen on (default: HOST or 127.0.0.1).")
    @click.option("--port", type=int, default=None, help="Port (default: PORT or 5000).")
    def serve(host: str | None, port: int | None) -> None:
        """Apply migrations, make sure an admin exists, and serve with gevent until SIGTERM."""
        from . import server

        prepare.callback()
        host = host or app.config["HOST"]
        port = port or app.config["PORT"]
        logging.getLogger(__name__).info(
            "supportchat serving on http://%s:%s/agent/login (database: %s; tickets: %s)", host,
            port, _redacted(app.config["DATABASE_URL"]),
            f"MongoDB {app.config['MONGO_DB']!r}" if app.config["MONGO_URI"] else "same database")
        server.run(app, host, port)

    @app.cli.command("migrate-tickets")
    @click.option("--to", "target", type=click.Choice(["mongo", "sql"]), required=True,
                  help="Where tickets go; they are read from the other store.")
    def migrate_tickets(target: str) -> None:
        """Copy tickets, messages and file metadata between SQL and MongoDB (re-runnable)."""
        from .extensions import db
        from .stores import migrate

        if not app.config["MONGO_URI"]:
            raise click.ClickException("MONGO_URI: set it to the MongoDB to copy to or from.")
        prepare_database()
        sql_side = migrate.SqlSide(db.engine)
        mongo_side = migrate.MongoSide(app.extensions["supportchat.store"])  # MONGO_URI's store
        source, destination = ((sql_side, mongo_side) if target == "mongo"
                               else (mongo_side, sql_side))
        mismatched = []
        for kind in migrate.KINDS:
            written = 0
            with click.progressbar(length=source.count(kind), label=f"{kind:<8}") as bar:
                for read, copied in migrate.copy(source, destination, kind):
                    bar.update(read)
                    written += copied
            have, got = source.count(kind), destination.count(kind)
            click.echo(f"{kind}: copied {written}; {have} in {source.name}, {got} in "
                       f"{destination.name}")
            if have != got:
                mismatched.append(kind)
        if mismatched:
            raise click.ClickException(f"counts differ for {', '.join(mismatched)}: the "
                                       f"{destination.name} store holds records the source "
                                       "does not, or a write failed; compare them before use.")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
