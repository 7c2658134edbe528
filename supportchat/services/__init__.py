"""Business rules, written once and shared by the HTTP and Socket.IO doors."""

from flask import current_app

from ..stores import TicketStore


def store() -> TicketStore:
    """The ticket store of the running application."""
    return current_app.extensions["supportchat.store"]


def setting(name: str):
    """One configuration value of the running application."""
    return current_app.config[name]
