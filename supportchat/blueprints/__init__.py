"""HTTP blueprints: thin doors onto the services."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to ``app``."""
    from .admin import bp as admin
    from .agent import bp as agent
    from .health import bp as health

    for blueprint in (health, agent, admin):
        app.register_blueprint(blueprint)
