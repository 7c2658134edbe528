"""supportchat: a self-hosted, real-time customer support chat server.

Importing the package loads nothing heavy, so ``supportchat serve`` and ``wsgi.py`` can apply
gevent's monkey patching before Flask, SQLAlchemy or any driver is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from ``config`` (tests) or the environment."""
    from .app import create_app as build

    return build(config)
