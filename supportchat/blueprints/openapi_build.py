"""The OpenAPI 3.1 document built from the routes Flask knows and the pydantic schemas the
handlers parse with (blueprints/openapi.py serves it). Imported on the first request for it:
openapi_pydantic's models are a tenth of a second of every process start otherwise."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
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

from .. import responses
from ..errors import STATUS_BY_CODE
from .openapi_routes import DOCS, HTML, JSON, REDIRECT, TEXT, Doc

# The public contract's version (HTTP routes, events, error shape), not the package's.
CONTRACT_VERSION = "1.1"
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
BLOCKED = 403  # a blocked address gets it on every route
UNAVAILABLE = 503  # a database or Redis that does not answer


def build(app: Flask) -> dict[str, Any]:
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
        Parameter(name=name, param_in="path", required=True, param_schema=TEXT)
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
        return Response(description=kind, content={kind: MediaType(media_type_schema=TEXT)})
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
        else {JSON: error, HTML: MediaType(media_type_schema=TEXT)}
    )
    return Response(description=f"Error: {codes}.", content=content)
