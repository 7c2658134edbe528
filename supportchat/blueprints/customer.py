"""Customer pages: the hosted chat page and the embed script (PROTOCOL.md §3.3)."""

from flask import Blueprint, current_app, render_template, send_from_directory

from ..services import settings

bp = Blueprint("customer", __name__)

# A new widget release reaches every embedding site within minutes.
WIDGET_MAX_AGE = 300


@bp.get("/chat")
def chat_page():
    """The widget, full page, branded from the settings."""
    branding = settings.branding()
    # The admin's CSS goes inside <style>: "<" is CSS-escaped so "</style>" cannot end it.
    custom_css = str(branding["customCss"]).replace("<", "\\3c ")
    return render_template("chat.html", branding=branding, custom_css=custom_css)


@bp.get("/widget.js")
def widget_js():
    """The embed script, loadable from any site (also ones with cross-origin isolation)."""
    response = send_from_directory(current_app.static_folder, "widget.js", max_age=WIDGET_MAX_AGE)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
