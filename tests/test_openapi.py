"""The API document: complete, valid OpenAPI 3.1, readable, and true of a live server."""

from __future__ import annotations

import html
import time
import uuid

import hypothesis
import pytest
import requests
import schemathesis
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Served, but not operations of the API: static files and the description itself.
NOT_DOCUMENTED = {"/static/<path:filename>", "/api/openapi.json", "/api/docs"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation: valid requests, then requests that break the schema.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}
STATIC_TOKEN = "static-admin-token-" + "t" * 24
PERSONAL = {"/api/admin/preferences"}  # routes of an agent's own account


def test_every_route_is_in_the_api_document_with_its_methods(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.rule not in NOT_DOCUMENTED
    }
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item}
    flask_paths = {
        (path.replace("<path:", "<").replace("<", "{").replace(">", "}"), method)
        for path, method in served
    }
    assert documented == flask_paths
    assert len(documented) >= 34


def test_the_api_document_is_valid_openapi_3_1(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(spec).validate()


def test_the_document_describes_bodies_with_the_schemas_the_handlers_parse(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    post = spec["paths"]["/api/chat"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ChatPost"
    }
    chat_post = spec["components"]["schemas"]["ChatPost"]
    assert set(chat_post["required"]) == {"sessionId", "message"}
    assert chat_post["properties"]["attachments"]["maxItems"] == 10
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert "ticket_closed" in error["properties"]["code"]["enum"]
    assert post["responses"]["429"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }


def test_the_docs_page_lists_every_operation_with_text_escaped(app):
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in item:
            assert f"{method.upper()} {html.escape(path)}" in text
    # "Bearer <access token>" reaches the page as text, not markup.
    assert "Bearer &lt;access token&gt;" in text and "<access token>" not in text


@pytest.mark.slow
def test_a_live_server_answers_every_operation_only_as_documented(live_server_factory):
    # Limits off: generated requests reach their handlers rather than stop at the limiter.
    server = live_server_factory(
        AUTH_BEARER_TOKEN=STATIC_TOKEN, MESSAGE_RATE_LIMIT="off", LOGIN_RATE_LIMIT="off"
    )
    guest = str(uuid.uuid4())
    seeded = requests.post(
        server.url + "/api/chat",
        headers={"X-Client-Id": guest},
        json={"sessionId": "s-1", "message": "Hello"},
        timeout=10,
    )
    assert seeded.status_code == 200
    token = requests.post(
        server.url + "/api/admin/auth/token",
        timeout=10,
        json={"email": "admin@example.com", "password": "admin-password-1"},
    ).json()["accessToken"]
    schema = schemathesis.openapi.from_url(server.url + "/api/openapi.json")
    failures: list[str] = []
    succeeded: set[str] = set()
    limited: set[str] = set()
    sent = operations = 0
    started = time.monotonic()
    # Writes first, so that reads find conversations the generated requests opened.
    order = ["POST", "PUT", "PATCH", "GET", "DELETE"]
    for operation in sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda operation: order.index(operation.method.upper()),
    ):
        operations += 1
        # The static token acts on /api/admin/* only, and no generated request can revoke it;
        # the admin's access token covers the agent routes elsewhere and the preferences (the
        # static token is no one's account); the guest writes in.
        static = operation.path.startswith("/api/admin/") and operation.path not in PERSONAL
        bearer = STATIC_TOKEN if static else token
        headers = {"Authorization": f"Bearer {bearer}", "X-Client-Id": guest}
        for mode, examples in EXAMPLES.items():

            @hypothesis.settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                nonlocal sent
                if isinstance((case.query or {}).get("wait"), int):
                    case.query["wait"] = min(case.query["wait"], 1)  # a long poll, kept short
                sent += 1
                response = case.call(
                    base_url=server.url, headers=headers, timeout=15, allow_redirects=False
                )
                if response.status_code < 300:
                    succeeded.add(operation.label)
                if response.status_code == 429:
                    limited.add(operation.label)
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing in this operation's request can break its schema
            # Every operation is tried; the failures are reported together at the end.
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    print(
        f"schemathesis: {operations} operations, {sent} requests, "
        f"{time.monotonic() - started:.0f} s"
    )
    assert operations >= 34
    assert not limited, f"rate limited with every limit off: {limited}"
    errors = [line for line in server.log().splitlines() if '"level": "error"' in line]
    assert not errors, "the server logged errors:\n" + "\n".join(errors[:5])
    assert not failures, "\n\n".join(failures) + "\n\nserver log:\n" + server.log()[-4000:]
    # The credentials worked: the guest's and the admin's routes were reached, not only refused.
    assert {
        "POST /api/chat",
        "GET /api/admin/sessions",
        "GET /api/conversations",
        "PUT /api/admin/settings",
        "GET /api/admin/agents",
        "PUT /api/admin/preferences",
    } <= succeeded, succeeded
    # Conversations with messages, which random session ids rarely find, match too.
    read = requests.get(
        server.url + "/api/chat",
        params={"sessionId": "s-1"},
        timeout=10,
        headers={"X-Client-Id": guest},
    )
    assert read.status_code == 200 and read.json()["messages"]
    schema["/api/chat"]["GET"].validate_response(read)
    listed = requests.get(
        server.url + "/api/admin/sessions",
        timeout=10,
        headers={"Authorization": f"Bearer {STATIC_TOKEN}"},
    )
    assert listed.json()["sessions"]
    schema["/api/admin/sessions"]["GET"].validate_response(listed)
