"""The application's own commands (``supportchat <command>``, ``flask --app supportchat
<command>``): serve, prepare, create-agent, migrate-tickets, reseal-secrets. Registered by ``create_app``."""

from __future__ import annotations

import sys


def register(app) -> None:
    """Add supportchat's commands to the app's ``flask`` command group."""

    import logging

    import click
    from flask_migrate import upgrade

    from .errors import AppError
    from .ops.startup import check_backends
    from .services import agents

    def prepare_database() -> None:
        """Fail in one line when the database is down, then bring its schema up to date."""
        check_backends(app)
        upgrade(directory=app.extensions["migrate"].directory)

    @app.cli.command("create-agent")
    @click.option("--email", required=True, help="Sign-in email, unique.")
    @click.option("--name", required=True, help="Name customers and colleagues see.")
    @click.option(
        "--role", type=click.Choice(["agent", "admin"]), default="agent", show_default=True
    )
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

    def first_admin() -> tuple[str, str] | None:
        prepare_database()
        return agents.ensure_first_admin(app.config["ADMIN_EMAIL"], app.config["ADMIN_PASSWORD"])

    def announce_generated(created: tuple[str, str] | None) -> None:
        """Print a generated first-admin password, the one time it can be seen."""
        if created and not app.config["ADMIN_PASSWORD"]:
            click.echo(
                f"Created the first admin: {created[0]} / password: {created[1]}\n"
                "  (shown once; change it or create your own admin)"
            )

    @app.cli.command("prepare")
    def prepare() -> None:
        """Apply migrations and make sure an admin exists (gunicorn.conf.py runs this once
        before starting workers; serve does it itself)."""
        announce_generated(first_admin())

    @app.cli.command("serve")
    @click.option("--host", default=None, help="Address to listen on (default: HOST or 127.0.0.1).")
    @click.option("--port", type=int, default=None, help="Port (default: PORT or 5000).")
    def serve(host: str | None, port: int | None) -> None:
        """Apply migrations, make sure an admin exists, and serve with gevent until SIGTERM."""
        from .ops import server

        created = first_admin()
        host = host or app.config["HOST"]
        port = port or app.config["PORT"]
        if app.config["LOG_FORMAT"] == "text":
            click.echo(_banner(app.config, host, port, created), err=True)
        else:  # every line JSON for the log pipeline; a generated password still shown once
            announce_generated(created)
            logging.getLogger(__name__).info(
                "supportchat serving on http://%s:%s/agent/login",
                host,
                port,
                extra={"database": _redacted(app.config["DATABASE_URL"])},
            )
        server.run(app, host, port)

    @app.cli.command("reseal-secrets")
    def reseal_secrets() -> None:
        """Seal every stored secret (AI key, webhook and TOTP secrets) under SECRET_KEY, opening
        old ones with SECRET_KEY_PREVIOUS; safe to run again. docs/operations.md explains."""
        from .services.secrets_rotation import reseal_all

        prepare_database()
        outcome = reseal_all()
        if outcome.unreadable:
            raise click.ClickException(
                f"nothing changed: {len(outcome.unreadable)} secret(s) open with neither "
                f"SECRET_KEY nor SECRET_KEY_PREVIOUS ({', '.join(outcome.unreadable)}). Add the "
                "key they were sealed under to SECRET_KEY_PREVIOUS and run this again, or "
                "enter those secrets again."
            )
        for name in outcome.resealed:
            click.echo(f"resealed {name}")
        click.echo(
            f"{len(outcome.resealed)} secret(s) resealed under SECRET_KEY, "
            f"{outcome.current} already were; SECRET_KEY_PREVIOUS can now be emptied."
        )

    @app.cli.command("migrate-tickets")
    @click.option(
        "--to",
        "target",
        type=click.Choice(["mongo", "sql"]),
        required=True,
        help="Where tickets go; they are read from the other store.",
    )
    def migrate_tickets(target: str) -> None:
        """Copy tickets, messages and file metadata between SQL and MongoDB (re-runnable)."""
        from .extensions import db
        from .stores import migrate

        if not app.config["MONGO_URI"]:
            raise click.ClickException("MONGO_URI: set it to the MongoDB to copy to or from.")
        prepare_database()
        sql_side = migrate.SqlSide(db.engine)
        mongo_side = migrate.MongoSide(app.extensions["supportchat.store"])  # MONGO_URI's store
        source, destination = (
            (sql_side, mongo_side) if target == "mongo" else (mongo_side, sql_side)
        )
        mismatched = []
        for kind in migrate.KINDS:
            written = 0
            with click.progressbar(length=source.count(kind), label=f"{kind:<8}") as bar:
                for read, copied in migrate.copy(source, destination, kind):
                    bar.update(read)
                    written += copied
            have, got = source.count(kind), destination.count(kind)
            click.echo(
                f"{kind}: copied {written}; {have} in {source.name}, {got} in {destination.name}"
            )
            if have != got:
                mismatched.append(kind)
        if mismatched:
            raise click.ClickException(
                f"counts differ for {', '.join(mismatched)}: the "
                f"{destination.name} store holds records the source "
                "does not, or a write failed; compare them before use."
            )


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _banner(config: dict, host: str, port: int, created: tuple[str, str] | None) -> str:
    """What a person starting the server needs to read first: where to go and how to sign in."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    origin = (config["BASE_URL"] or f"http://{shown}:{port}").rstrip("/")
    if created and config["ADMIN_PASSWORD"]:
        admin = f"{created[0]} (from ADMIN_EMAIL and ADMIN_PASSWORD)"
    elif created:
        admin = f"{created[0]} / password: {created[1]}  (generated: shown once, change it)"
    else:
        admin = "the accounts already in the database (supportchat create-agent adds one)"
    tickets = f"MongoDB {config['MONGO_DB']!r}" if config["MONGO_URI"] else "the same database"
    return "\n".join(
        [
            "",
            f"  supportchat is ready: open {origin}/agent/login",
            f"  first admin  {admin}",
            f"  database     {_redacted(config['DATABASE_URL'])}; tickets in {tickets}",
            f'  widget       <script src="{origin}/widget.js" async></script>',
            "  stop         Ctrl+C",
            "",
        ]
    )
