"""Can an admin check the AI provider from the settings page? (PROTOCOL.md §3.7
``POST /api/admin/settings/ai/test``; a real chat completions server on loopback.)"""

from __future__ import annotations

import pytest

from support.http import error_of, sign_in
from support.openai_server import OpenAIServer, Reply

KEY = "sk-admin-test-key"


@pytest.fixture
def provider():
    server = OpenAIServer(model="grok-test").start()
    yield server
    server.stop()


def configure(client, admin, **ai) -> None:
    response = client.put("/api/admin/settings", headers=admin.headers, json={"ai": ai})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_admin_check_reports_model_and_latency_or_the_providers_error(client, admin, provider):
    configure(client, admin, provider="xai", baseUrl=provider.url, model="grok-test", apiKey=KEY)
    answer = client.post("/api/admin/settings/ai/test", headers=admin.headers)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is True and body["model"] == "grok-test" and body["error"] is None
    assert 0 <= body["latencyMs"] < 5000
    (sent,) = provider.requests
    assert sent.path == "/v1/chat/completions" and sent.headers["authorization"] == f"Bearer {KEY}"

    provider.script.extend([Reply(status=401)])
    failed = client.post("/api/admin/settings/ai/test", headers=admin.headers).get_json()
    assert failed["ok"] is False and "401" in failed["error"]
    assert "scripted failure 401" in failed["error"] and KEY not in str(failed)

    provider.script.extend([Reply(plain="ok")])  # a 200 that is no chat completion
    odd = client.post("/api/admin/settings/ai/test", headers=admin.headers)
    assert odd.status_code == 200
    assert odd.get_json()["ok"] is False
    assert odd.get_json()["error"] == "The AI provider's answer was not a chat completion."


def test_without_a_model_the_check_says_what_is_missing(client, admin):
    body = client.post("/api/admin/settings/ai/test", headers=admin.headers).get_json()
    assert body["ok"] is False and "model" in body["error"]


def test_only_admins_may_run_the_check(client):
    error_of(client.post("/api/admin/settings/ai/test"), 401, "unauthorized")
    agent = sign_in(client, "agent")
    error_of(client.post("/api/admin/settings/ai/test", headers=agent.headers), 403, "forbidden")
