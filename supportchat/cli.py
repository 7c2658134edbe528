"""The ``supportchat`` console script: its entry point and the commands that need no
application (the application's own commands are in commands.py)."""

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

    group = FlaskGroup(
        name="supportchat",
        create_app=lambda: create_app(),
        add_version_option=False,
        load_dotenv=False,
        help="supportchat: self-hosted real-time customer support chat.",
    )
    for command in standalone_commands():
        group.add_command(command)
    try:
        group.main(prog_name="supportchat")
    except Exception as exc:  # start-up errors are one line, not a traceback
        from .config import ConfigError
        from .ops.startup import StartupError

        if isinstance(exc, (ConfigError, StartupError)):
            sys.exit(f"supportchat: {exc}")
        raise


def standalone_commands() -> list:
    """Commands that work without an application: the configuration may be the very problem."""
    import click

    from .ops import deploy

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
