"""The customer pages' HTTP side: the embed script and the hosted chat page (PROTOCOL.md §3.3)."""


from supportchat.services import settings


def test_the_embed_script_is_javascript_any_site_may_load(client):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "max-age=300" in response.headers["Cache-Control"]
    assert b"window.SupportChat = SupportChat" in response.data


def test_the_chat_page_shows_the_branding_without_letting_it_become_markup(app, client):
    with app.app_context():
        settings.update({"branding": {"title": '"><script>alert(1)</script>',
                                      "customCss": "p > b { color: red } </style><script>x()</script>"}})
    page = client.get("/chat").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert 'data-title="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    assert "p > b { color: red } \\3c /style>\\3c script>x()\\3c /script>" in page  # CSS intact
    assert page.count("</style>") == 2  # the page's own, and the one closing the custom CSS
