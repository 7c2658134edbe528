"""The ``supportchat`` command (also ``flask --app supportchat …``): serve, agents, database."""

from __future__ import annotations

import sys


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
    try:
        group.main(prog_name="supportchat")
    except Exception as exc:  # start-up errors are one line, not a traceback
        from .config import ConfigError
        from .app import StartupError

        if isinstance(exc, (ConfigError, StartupError)):
            sys.exit(f"supportchat: {exc}")
        raise


def register(app) -> None:
    """Add supportchat's commands to the app's ``flask`` command group."""
    import click
    from flask_migrate import upgrade

    from .app import check_backends
    from .errors import AppError
    from .services import agents

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
        try:
            agent = agents.create_agent(email, name, password, role)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"Created {agent.role} {agent.email}.")

    @app.cli.command("serve")
    @click.option("--host", default=None, help="Address to listen on (default: HOST or 127.0.0.1).")
    @click.option("--port", type=int, default=None, help="Port (default: PORT or 5000).")
    def serve(host: str | None, port: int | None) -> None:
        """Apply migrations, make sure an admin exists, and serve with gevent."""
        from .server import make_server

        check_backends(app)
        upgrade(directory=app.extensions["migrate"].directory)
        created = agents.ensure_first_admin(app.config["ADMIN_EMAIL"], app.config["ADMIN_PASSWORD"])
        if created and not app.config["ADMIN_PASSWORD"]:
            click.echo(f"Created the first admin: {created[0]} / password: {created[1]}\n"
                       "  (shown once; change it or create your own admin)")
        host = host or app.config["HOST"]
        port = port or app.config["PORT"]
        server = make_server(app, host, port)
        click.echo(f"supportchat serving on http://{host}:{port}/agent/login "
                   f"(database: {_redacted(app.config['DATABASE_URL'])})", err=False)
        sys.stdout.flush()
        server.serve_forever()


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
