"""Unbound Flask extensions, bound to an application in ``create_app``."""

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every relational model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
csrf = CSRFProtect()
socketio = SocketIO()
# Limits are declared on the routes; storage and defaults come from the app config.
limiter = Limiter(key_func=get_remote_address)
