"""The HTTP API described as OpenAPI 3.1 (built in openapi_build.py): JSON at
/api/openapi.json, a readable page at /api/docs."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template

bp = Blueprint("openapi", __name__, url_prefix="/api")


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
        from .openapi_build import build

        cached = app.extensions["supportchat.openapi"] = build(app)
    return cached


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
