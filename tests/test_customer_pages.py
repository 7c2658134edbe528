"""The customer pages' HTTP side: the embed script and the hosted chat page (PROTOCOL.md §3.3)."""

import re

from supportchat.services import settings


def modules_path(loader: str) -> str:
    """The versioned folder of widget modules that the loader imports from."""
    match = re.search(r'"(/static/v/[0-9a-f]{16}/)"', loader)
    assert match, loader
    return match.group(1)


def test_the_embed_script_is_javascript_any_site_may_load(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert (
        client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]}).status_code
        == 304
    )


def test_the_loader_names_modules_any_site_may_import_and_cache_for_good(client):
    modules = modules_path(client.get("/widget.js").get_data(as_text=True))
    for name in ("widget/main.js", "widget/chat.js", "shared/helpers.js", "socket.io.esm.min.js"):
        response = client.get(modules + name)
        assert response.status_code == 200, name
        assert response.mimetype == "text/javascript"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Only the widget's own files: not the dashboard, not the loader's source.
    assert client.get(modules + "dashboard/main.js").status_code == 404
    assert client.get(modules + "widget.js").status_code == 404


def test_modules_are_served_without_their_whole_line_comments(client):
    modules = modules_path(client.get("/widget.js").get_data(as_text=True))
    served = client.get(modules + "widget/launcher.js").get_data(as_text=True)
    assert "export function buildShell(options, onToggle) {" in served
    assert "* @param {() => void} onToggle the launcher was pressed" not in served
    assert "/**" not in served
    assert '"http://www.w3.org/2000/svg"' in served  # "//" inside a string stays
    assert "--_focus: var(--cs-focus-ring, #60a5fa);" in served  # template literals stay
    assert client.get(modules + "socket.io.esm.min.js").data.startswith(b"/*!")  # as it is
    again = client.get(modules + "widget/launcher.js")
    assert (
        client.get(
            modules + "widget/launcher.js", headers={"If-None-Match": again.headers["ETag"]}
        ).status_code
        == 304
    )


def test_only_the_widget_s_own_files_are_served_from_the_versioned_path(client):
    modules = modules_path(client.get("/widget.js").get_data(as_text=True))
    for name in ("widget/../dashboard/main.js", "widget/../../config.py", "widget/nothing.js"):
        assert client.get(modules + name).status_code == 404, name


def test_a_loader_cached_before_a_release_is_sent_to_the_current_modules(client):
    modules = modules_path(client.get("/widget.js").get_data(as_text=True))
    response = client.get("/static/v/0123456789abcdef/widget/main.js")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(modules + "widget/main.js")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_chat_page_shows_the_branding_without_letting_it_become_markup(app, client):
    with app.app_context():
        settings.update(
            {
                "branding": {
                    "title": '"><script>alert(1)</script>',
                    "customCss": "p > b { color: red } </style><script>x()</script>",
                }
            }
        )
    page = client.get("/chat").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert 'data-title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "p > b { color: red } \\3c /style>\\3c script>x()\\3c /script>" in page  # CSS intact
    assert page.count("</style>") == 2  # the page's own, and the one closing the custom CSS


def test_pages_have_an_icon_and_browsers_asking_for_favicon_ico_find_it(client):
    for path in ("/chat", "/agent/login"):
        assert 'rel="icon" href="/static/favicon.svg"' in client.get(path).get_data(as_text=True)
    asked = client.get("/favicon.ico")
    assert (asked.status_code, asked.headers["Location"]) == (301, "/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
