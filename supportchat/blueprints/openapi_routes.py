"""What each HTTP route reads and answers, for the OpenAPI document (blueprints/openapi.py):
one ``Doc`` per endpoint, keyed by Flask's endpoint name. A route without an entry fails
tests/test_openapi.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .. import admin_responses, responses, schemas, settings_schema
from . import webhooks_api as hooks
from .uploads import UploadForm

JSON, HTML, FORM = "application/json", "text/html", "application/x-www-form-urlencoded"
REDIRECT = "redirect"
AGENT = ({"bearer": []}, {"cookie": []})
GUEST = ({"clientId": []}, {})


@dataclass(frozen=True)
class Doc:
    """What the handler of one endpoint reads and answers, besides its docstring."""

    ok: dict[int, type[BaseModel] | str | tuple]  # status: a response model, a media type,
    # REDIRECT, or a tuple of those
    errors: tuple[int, ...] = ()
    query: type[schemas.Query] | None = None
    body: type[schemas.Payload] | None = None
    form: dict[str, Any] | None = None  # media type and JSON schema of a form body
    security: tuple[dict[str, list], ...] = ()
    tag: str = "pages"


def _form(media_type: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "mediaType": media_type,
        "schema": {"type": "object", "properties": properties, "required": required},
    }


TEXT = {"type": "string"}
LOGIN_FORM = _form(
    FORM,
    {"email": TEXT, "password": TEXT, "next": TEXT, "csrf_token": TEXT},
    ["email", "password", "csrf_token"],
)
AGENT_FORM = _form(
    FORM,
    {
        "email": TEXT,
        "name": TEXT,
        "password": TEXT,
        "csrf_token": TEXT,
        "role": {"enum": ["agent", "admin"]},
    },
    ["email", "name", "password"],
)
CODE_FORM = _form(
    FORM, {"code": TEXT, "remember": TEXT, "csrf_token": TEXT}, ["code", "csrf_token"]
)
LOGOUT_FORM = _form(FORM, {"csrf_token": TEXT}, ["csrf_token"])
UPLOAD_FORM = _form(
    "multipart/form-data",
    {
        "file": {"type": "string", "format": "binary"},
        **UploadForm.model_json_schema()["properties"],
    },
    ["file"],
)

CHAT, ADMIN, AUTH, OPS = "customers", "admin API", "tokens", "operations"
DOCS: dict[str, Doc] = {
    "chat_api.post_message": Doc(
        {200: responses.ChatPosted},
        (400, 404, 409, 413, 429),
        body=schemas.ChatPost,
        security=GUEST,
        tag=CHAT,
    ),
    "chat_api.read_messages": Doc(
        {200: responses.ChatMessages}, (400, 404), schemas.ChatPoll, security=GUEST, tag=CHAT
    ),
    "chat_api.widget_config": Doc({200: responses.ChatConfig}, tag=CHAT),
    "chat_api.typing": Doc(
        {200: responses.Done}, (400, 404, 409), body=schemas.ChatTyping, security=GUEST, tag=CHAT
    ),
    "chat_api.read": Doc(
        {200: responses.Done}, (400, 404), body=schemas.ChatRead, security=GUEST, tag=CHAT
    ),
    "uploads.upload": Doc(
        {201: responses.Uploaded},
        (400, 401, 404, 409, 413, 415, 429),
        form=UPLOAD_FORM,
        security=(*GUEST, *AGENT),
        tag=CHAT,
    ),
    "uploads.download": Doc({200: "*/*"}, (401, 404), tag=CHAT, security=({}, *AGENT)),
    "admin_api.issue_token": Doc(
        {200: responses.Tokens}, (400, 401, 413, 429), body=schemas.TokenRequest, tag=AUTH
    ),
    "admin_api.refresh_token": Doc({200: responses.Tokens}, (401, 429), tag=AUTH, security=AGENT),
    "admin_api.revoke_token": Doc({200: responses.Revoked}, (401, 429), tag=AUTH, security=AGENT),
    "admin_api.inbox": Doc(
        {200: responses.InboxPage}, (400, 401), schemas.InboxQuery, security=AGENT, tag=ADMIN
    ),
    "admin_api.history": Doc(
        {200: responses.HistoryPage},
        (400, 401, 404),
        schemas.HistoryQuery,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.sessions": Doc(
        {200: responses.SessionsPage}, (400, 401), schemas.SessionsQuery, security=AGENT, tag=ADMIN
    ),
    "admin_api.files": Doc(
        {200: responses.FilesPage}, (400, 401, 404), schemas.FilesQuery, security=AGENT, tag=ADMIN
    ),
    "admin_api.read_settings": Doc(
        {200: admin_responses.Settings}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_api.write_settings": Doc(
        {200: admin_responses.Settings},
        (400, 401, 413),
        body=settings_schema.SettingsUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.test_ai": Doc({200: admin_responses.AiTest}, (401,), security=AGENT, tag=ADMIN),
    "admin_api.list_agents": Doc(
        {200: admin_responses.AccountList}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_api.create_agent": Doc(
        {201: admin_responses.AccountBody},
        (400, 401, 409, 413),
        body=schemas.AgentCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.update_agent": Doc(
        {200: admin_responses.AccountBody},
        (400, 401, 404, 409, 413),
        body=schemas.AgentUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.delete_agent": Doc({204: ""}, (401, 404, 409), security=AGENT, tag=ADMIN),
    "admin_api.read_blocklist": Doc(
        {200: admin_responses.Blocklist}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_api.write_blocklist": Doc(
        {200: admin_responses.Blocklist},
        (400, 401, 413),
        body=schemas.BlocklistUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.init_database": Doc(
        {200: admin_responses.SchemaRevision}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_tools.send_message": Doc(
        {201: responses.MessageBody},
        (400, 401, 404, 409, 413, 429),
        body=schemas.AdminMessage,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_tools.list_tokens": Doc(
        {200: admin_responses.ApiTokenList}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_tools.create_token": Doc(
        {201: admin_responses.ApiTokenBody},
        (400, 401, 413),
        body=schemas.ApiTokenCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_tools.revoke_token": Doc({204: ""}, (401, 404), security=AGENT, tag=ADMIN),
    "admin_tools.audit_log": Doc(
        {200: admin_responses.AuditPage}, (400, 401), schemas.AuditQuery, security=AGENT, tag=ADMIN
    ),
    "admin_tools.read_report": Doc(
        {200: (admin_responses.Report, "text/csv")},
        (400, 401),
        schemas.ReportQuery,
        security=AGENT,
        tag=ADMIN,
    ),
    "customer.chat_page": Doc({200: HTML}),
    "customer.favicon": Doc({301: REDIRECT}),
    "customer.widget_js": Doc({200: "text/javascript", 304: ""}),
    "customer.widget_module": Doc({200: "text/javascript", 302: REDIRECT}, (404,)),
    "agent.login_form": Doc({200: HTML}),
    "agent.login": Doc({303: REDIRECT, 400: HTML, 401: HTML}, (413, 429), form=LOGIN_FORM),
    "agent.logout": Doc({303: REDIRECT}, (413,), form=LOGOUT_FORM),
    "agent.index": Doc({302: REDIRECT}),
    "two_factor.code_form": Doc({200: HTML, 302: REDIRECT}),
    "two_factor.check_code": Doc(
        {303: REDIRECT, 302: REDIRECT, 400: HTML, 401: HTML}, (413, 429), form=CODE_FORM
    ),
    "two_factor.setup": Doc(
        {200: HTML, 302: REDIRECT, 303: REDIRECT, 400: HTML, 401: HTML}, (413, 429), form=CODE_FORM
    ),
    "agent.dashboard": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin.index": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin.create_agent": Doc(
        {303: REDIRECT, 302: REDIRECT, 400: HTML, 409: HTML},
        (413,),
        form=AGENT_FORM,
        security=({"cookie": []},),
    ),
    "admin.settings_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin.blocklist_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin.monitor_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin.database_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin_console.tokens_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "admin_console.audit_page": Doc(
        {200: HTML, 302: REDIRECT, 400: HTML}, security=({"cookie": []},)
    ),
    "admin_console.reports_page": Doc(
        {200: HTML, 302: REDIRECT, 400: HTML}, security=({"cookie": []},)
    ),
    "health.healthz": Doc({200: responses.Health}, tag=OPS),
    "health.readyz": Doc({200: responses.Readiness, 503: responses.Readiness}, tag=OPS),
    "health.metrics": Doc(
        {200: "text/plain"}, (401,), security=({}, {"metricsToken": []}), tag=OPS
    ),
    "webhooks_api.list_webhooks": Doc({200: hooks.WebhookList}, (401,), security=AGENT, tag=ADMIN),
    "webhooks_api.create_webhook": Doc(
        {201: hooks.WebhookBody},
        (400, 401, 413),
        body=hooks.WebhookCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "webhooks_api.update_webhook": Doc(
        {200: hooks.WebhookBody},
        (400, 401, 404, 413),
        body=hooks.WebhookUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "webhooks_api.delete_webhook": Doc({204: ""}, (401, 404), security=AGENT, tag=ADMIN),
    "webhooks_api.list_deliveries": Doc(
        {200: hooks.DeliveryList},
        (400, 401, 404),
        query=hooks.DeliveryQuery,
        security=AGENT,
        tag=ADMIN,
    ),
    "webhooks_api.test_webhook": Doc(
        {200: hooks.DeliveryBody}, (401, 404), security=AGENT, tag=ADMIN
    ),
    "webhooks_page.webhooks_page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
    "canned_api.list_canned": Doc({200: responses.CannedList}, (401,), security=AGENT, tag=ADMIN),
    "canned_api.create_canned": Doc(
        {201: responses.CannedBody},
        (400, 401, 403, 409, 413),
        body=schemas.CannedCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "canned_api.update_canned": Doc(
        {200: responses.CannedBody},
        (400, 401, 403, 404, 409, 413),
        body=schemas.CannedUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "canned_api.delete_canned": Doc({204: ""}, (401, 403, 404), security=AGENT, tag=ADMIN),
    "preferences_api.read_preferences": Doc(
        {200: responses.Preferences}, (401, 403), security=AGENT, tag=ADMIN
    ),
    "preferences_api.write_preferences": Doc(
        {200: responses.Preferences},
        (400, 401, 403, 413),
        body=schemas.PreferencesUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "canned_api.page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
}
