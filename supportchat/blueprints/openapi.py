"""The HTTP API described as OpenAPI 3.1, built from the routes Flask knows and the pydantic
schemas the handlers parse with: JSON at /api/openapi.json, a readable page at /api/docs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template
from openapi_pydantic import (
    Components,
    Header,
    Info,
    MediaType,
    OpenAPI,
    Operation,
    Parameter,
    PathItem,
    RequestBody,
    Response,
    Schema,
    SecurityScheme,
)
from openapi_pydantic.util import PydanticSchema, construct_open_api_with_schema_class
from pydantic import BaseModel

from .. import responses, schemas
from ..errors import STATUS_BY_CODE
from . import webhooks_api as hooks
from .uploads import UploadForm

bp = Blueprint("openapi", __name__, url_prefix="/api")

# The public contract's version (HTTP routes, events, error shape), not the package's.
CONTRACT_VERSION = "1.1"
JSON, HTML, FORM = "application/json", "text/html", "application/x-www-form-urlencoded"
REDIRECT = "redirect"
SECURITY_SCHEMES = {
    "bearer": SecurityScheme(
        type="http",
        scheme="bearer",
        bearerFormat="JWT",
        description=(
            "Authorization: Bearer <access token>, an agent's token from /api/admin/auth/token. "
            "On /api/admin/* the AUTH_BEARER_TOKEN value is accepted too, acting as an admin."
        ),
    ),
    "cookie": SecurityScheme(
        type="apiKey",
        security_scheme_in="cookie",
        name="access_token_cookie",
        description="The dashboard's sign-in cookie; changes also need the "
        "csrf_access_token cookie's value as the X-CSRF-TOKEN header.",
    ),
    "clientId": SecurityScheme(
        type="apiKey",
        security_scheme_in="header",
        name="X-Client-Id",
        description="The customer's clientId (else the cs_client_id "
        "cookie or the clientId parameter); minted on a first message.",
    ),
    "metricsToken": SecurityScheme(
        type="http", scheme="bearer", description="METRICS_TOKEN, when it is set."
    ),
}
AGENT = ({"bearer": []}, {"cookie": []})
GUEST = ({"clientId": []}, {})
BLOCKED = 403  # a blocked address gets it on every route
UNAVAILABLE = 503  # a database or Redis that does not answer


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


_TEXT = {"type": "string"}
LOGIN_FORM = _form(
    FORM,
    {"email": _TEXT, "password": _TEXT, "next": _TEXT, "csrf_token": _TEXT},
    ["email", "password", "csrf_token"],
)
AGENT_FORM = _form(
    FORM,
    {
        "email": _TEXT,
        "name": _TEXT,
        "password": _TEXT,
        "csrf_token": _TEXT,
        "role": {"enum": ["agent", "admin"]},
    },
    ["email", "name", "password"],
)
CODE_FORM = _form(
    FORM, {"code": _TEXT, "remember": _TEXT, "csrf_token": _TEXT}, ["code", "csrf_token"]
)
LOGOUT_FORM = _form(FORM, {"csrf_token": _TEXT}, ["csrf_token"])
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
    "admin_api.read_settings": Doc({200: responses.Settings}, (401,), security=AGENT, tag=ADMIN),
    "admin_api.write_settings": Doc(
        {200: responses.Settings},
        (400, 401, 413),
        body=schemas.SettingsUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.test_ai": Doc({200: responses.AiTest}, (401,), security=AGENT, tag=ADMIN),
    "admin_api.list_agents": Doc({200: responses.AccountList}, (401,), security=AGENT, tag=ADMIN),
    "admin_api.create_agent": Doc(
        {201: responses.AccountBody},
        (400, 401, 409, 413),
        body=schemas.AgentCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.update_agent": Doc(
        {200: responses.AccountBody},
        (400, 401, 404, 409, 413),
        body=schemas.AgentUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.delete_agent": Doc({204: ""}, (401, 404, 409), security=AGENT, tag=ADMIN),
    "admin_api.read_blocklist": Doc({200: responses.Blocklist}, (401,), security=AGENT, tag=ADMIN),
    "admin_api.write_blocklist": Doc(
        {200: responses.Blocklist},
        (400, 401, 413),
        body=schemas.BlocklistUpdate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_api.init_database": Doc(
        {200: responses.SchemaRevision}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_tools.send_message": Doc(
        {201: responses.MessageBody},
        (400, 401, 404, 409, 413, 429),
        body=schemas.AdminMessage,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_tools.list_tokens": Doc(
        {200: responses.ApiTokenList}, (401,), security=AGENT, tag=ADMIN
    ),
    "admin_tools.create_token": Doc(
        {201: responses.ApiTokenBody},
        (400, 401, 413),
        body=schemas.ApiTokenCreate,
        security=AGENT,
        tag=ADMIN,
    ),
    "admin_tools.revoke_token": Doc({204: ""}, (401, 404), security=AGENT, tag=ADMIN),
    "admin_tools.audit_log": Doc(
        {200: responses.AuditPage}, (400, 401), schemas.AuditQuery, security=AGENT, tag=ADMIN
    ),
    "admin_tools.read_report": Doc(
        {200: (responses.Report, "text/csv")},
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
    "canned_api.page": Doc({200: HTML, 302: REDIRECT}, security=({"cookie": []},)),
}
# Served, but not API operations: static files, and this description itself.
UNDOCUMENTED = ("static", "openapi.document", "openapi.page")


@bp.get("/openapi.json")
def document():
    """This API as OpenAPI 3.1."""
    return jsonify(openapi_document(current_app))


@bp.get("/docs")
def page():
    """The API document as a page."""
    spec = openapi_document(current_app)
    return render_template("apidocs/index.html", spec=spec, type_text=type_text)


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document for ``app``'s routes, built once per app."""
    cached = app.extensions.get("supportchat.openapi")
    if cached is None:
        cached = app.extensions["supportchat.openapi"] = _build(app)
    return cached


def _build(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Operation]] = {}
    seen: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        doc = DOCS.get(rule.endpoint)
        if doc is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation_id = rule.endpoint if rule.endpoint not in seen else f"{rule.endpoint}@{path}"
            seen.add(rule.endpoint)
            view = app.view_functions[rule.endpoint]
            paths.setdefault(path, {})[method.lower()] = _operation(
                doc, path, operation_id, view.__doc__ or "", sorted(rule.arguments)
            )
    spec = OpenAPI(
        openapi="3.1.0",
        info=Info(
            title="supportchat",
            version=CONTRACT_VERSION,
            description=(
                'Every failure answers with the error shape {"error": {"code", "message", '
                '"details"?}}; the Socket.IO events are described in docs/socketio.md.'
            ),
        ),
        paths={path: PathItem(**operations) for path, operations in paths.items()},
        components=Components(securitySchemes=SECURITY_SCHEMES),
    )
    built = construct_open_api_with_schema_class(spec)
    return built.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_unset=True)


def _operation(
    doc: Doc, path: str, operation_id: str, docstring: str, arguments: list[str]
) -> Operation:
    summary, _, rest = " ".join(docstring.split()).partition(". ")
    parameters = [
        Parameter(name=name, param_in="path", required=True, param_schema=_TEXT)
        for name in arguments
    ]
    if doc.query is not None:
        query = doc.query.model_json_schema()
        parameters += [
            Parameter(
                name=name,
                param_in="query",
                param_schema=schema,
                required=name in query.get("required", ()),
            )
            for name, schema in query["properties"].items()
        ]
    body = None
    if doc.body is not None:
        body = RequestBody(
            required=True,
            content={JSON: MediaType(media_type_schema=PydanticSchema(schema_class=doc.body))},
        )
    elif doc.form is not None:
        body = RequestBody(
            required=True,
            content={doc.form["mediaType"]: MediaType(media_type_schema=doc.form["schema"])},
        )
    statuses = {
        **{status: _response(kind) for status, kind in doc.ok.items()},
        **{
            status: _error(status, path)
            for status in (*doc.errors, BLOCKED, UNAVAILABLE)
            if status not in doc.ok
        },
    }
    return Operation(
        operationId=operation_id,
        tags=[doc.tag],
        summary=summary.rstrip(".") + ".",
        description=" ".join(rest.split()) or None,
        parameters=parameters or None,
        requestBody=body,
        responses={str(code): statuses[code] for code in sorted(statuses)},
        security=list(doc.security) or None,
    )


def _response(kind: type[BaseModel] | str | tuple) -> Response:
    if isinstance(kind, tuple):  # one status, several media types (e.g. JSON, or CSV on asking)
        parts = [_response(each) for each in kind]
        return Response(
            description=" Or: ".join(part.description for part in parts),
            content={name: media for part in parts for name, media in (part.content or {}).items()},
        )
    if kind == REDIRECT:
        return Response(
            description="Redirect.",
            headers={"Location": Header(param_schema=Schema(type="string"))},
        )
    if kind == "":
        return Response(description="Done; no body.")
    if isinstance(kind, str):
        return Response(description=kind, content={kind: MediaType(media_type_schema=_TEXT)})
    return Response(
        description=(kind.__doc__ or kind.__name__).strip(),
        content={JSON: MediaType(media_type_schema=PydanticSchema(schema_class=kind))},
    )


def _error(status: int, path: str) -> Response:
    codes = ", ".join(code for code, known in STATUS_BY_CODE.items() if known == status)
    error = MediaType(media_type_schema=PydanticSchema(schema_class=responses.ErrorBody))
    # Our pages answer a browser with an error page, API clients with the error shape.
    content = (
        {JSON: error}
        if path.startswith(("/api/", "/uploads/"))
        else {JSON: error, HTML: MediaType(media_type_schema=_TEXT)}
    )
    return Response(description=f"Error: {codes}.", content=content)


def type_text(schema: dict[str, Any]) -> str:
    """A JSON schema in a few words, for the page: ``string (1–64)``, ``array of Message``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(type_text(option) for option in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_text(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_text(schema['additionalProperties'])}"
    limits = [
        f"{word} {_number(schema[key])}"
        for key, word in (
            ("minLength", "min length"),
            ("maxLength", "max length"),
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("maxItems", "at most"),
            ("pattern", "pattern"),
        )
        if key in schema
    ]
    return f"{kind} ({', '.join(limits)})" if limits else str(kind)


def _number(value: Any) -> Any:
    # openapi-pydantic keeps bounds as floats; 100.0 reads better as 100.
    return int(value) if isinstance(value, float) and value.is_integer() else value
