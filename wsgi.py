"""WSGI entry point for gunicorn: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from gevent import monkey

monkey.patch_all()  # before any other import, so sockets, locks and drivers cooperate

import sys  # noqa: E402

from supportchat import create_app  # noqa: E402
from supportchat.config import ConfigError  # noqa: E402
from supportchat.ops.startup import StartupError, check_backends  # noqa: E402

try:
    app = create_app()
    check_backends(app)
except (ConfigError, StartupError) as exc:
    sys.exit(f"supportchat: {exc}")
