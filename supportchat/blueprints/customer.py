"""Customer pages: the hosted chat page, the embed loader and the widget's modules (PROTOCOL.md §3.3)."""

import functools
import hashlib
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)

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


@bp.get("/static/v/<version>/<path:filename>")
def widget_module(version: str, filename: str):
    """A widget module of one release, importable from any site."""
    if not filename.startswith(MODULE_FILES):
        abort(404)
    current = widget_version(current_app.static_folder)
    if version != current:
        # A loader cached before a release still names the old one: send it to the current one.
        response = redirect(url_for("customer.widget_module", version=current, filename=filename))
    else:
        response = send_from_directory(current_app.static_folder, filename)
        response.headers["Cache-Control"] = MODULES_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _cross_origin(response)
