"""Customer pages: the hosted chat page, the embed loader and the widget's modules (PROTOCOL.md §3.3)."""

import functools
import hashlib
import posixpath
import re
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.security import safe_join

from ..services import settings

bp = Blueprint("customer", __name__)

# A new widget release reaches every embedding site within minutes: the loader is short-cached
# and names the release's modules, whose URLs change with their content (so cached for a year).
WIDGET_MAX_AGE = 300
MODULES_CACHE = "public, max-age=31536000, immutable"
# What the versioned path serves: the widget's modules, the helpers it shares with the
# dashboard, and the Socket.IO client the websocket transport loads.
MODULE_FILES = ("widget/", "shared/", "socket.io.esm.min.js")
MODULES_PLACEHOLDER = "__SUPPORTCHAT_MODULES__"
# Comments that fill whole lines (one /* … */ or // each): they explain the source to its
# readers and were a fifth of what every customer downloaded (about 10 KB of 43 KB gzipped).
# Code, strings and comments after code are left as they are.
COMMENT_LINES = re.compile(r"^[ \t]*(?:/\*(?:[^*]|\*(?!/))*\*/|//[^\n]*)[ \t]*\n", re.MULTILINE)


@functools.cache
def widget_version(static_folder: str) -> str:
    """A hash of every file the versioned path serves (computed once per process)."""
    root = Path(static_folder)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if path.is_file() and name.startswith(MODULE_FILES):
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _cross_origin(response: Response) -> Response:
    """Any site may load and import it (also sites with cross-origin isolation)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own; pages link the SVG itself."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/chat")
def chat_page():
    """The widget, full page, branded from the settings."""
    branding = settings.branding()
    # The admin's CSS goes inside <style>: "<" is CSS-escaped so "</style>" cannot end it.
    custom_css = str(branding["customCss"]).replace("<", "\\3c ")
    return render_template("chat.html", branding=branding, custom_css=custom_css)


@bp.get("/widget.js")
def widget_js():
    """The embed loader, pointing at this release's modules."""
    version = widget_version(current_app.static_folder)
    loader = (Path(current_app.static_folder) / "widget.js").read_text(encoding="utf-8")
    modules = f"{request.script_root}/static/v/{version}/"
    response = Response(loader.replace(MODULES_PLACEHOLDER, modules), mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = WIDGET_MAX_AGE
    response.add_etag()
    return _cross_origin(response.make_conditional(request))


@functools.cache
def widget_module_text(static_folder: str, filename: str) -> bytes:
    """A widget module as served: its whole-line comments left out (the minified Socket.IO
    client as it is)."""
    source = (Path(static_folder) / filename).read_bytes()
    if filename == "socket.io.esm.min.js":
        return source
    return COMMENT_LINES.sub("", source.decode("utf-8")).encode("utf-8")


@bp.get("/static/v/<version>/<path:filename>")
def widget_module(version: str, filename: str):
    """A widget module of one release, importable from any site."""
    path = safe_join(current_app.static_folder, filename)
    name = posixpath.normpath(filename)
    if path is None or not name.startswith(MODULE_FILES) or not name.endswith(".js"):
        abort(404)
    current = widget_version(current_app.static_folder)
    if version != current:
        # A loader cached before a release still names the old one: send it to the current one.
        response = redirect(url_for("customer.widget_module", version=current, filename=name))
    else:
        if not Path(path).is_file():
            abort(404)
        text = widget_module_text(current_app.static_folder, name)
        response = Response(text, mimetype="text/javascript")
        response.headers["Cache-Control"] = MODULES_CACHE
        response.add_etag()
        response = response.make_conditional(request)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _cross_origin(response)
