"""Files: uploads from the widget and agents, and signed downloads (PROTOCOL.md §3.5)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from flask_jwt_extended import verify_jwt_in_request

from .. import schemas
from ..context import current
from ..errors import AppError
from ..extensions import limiter
from ..services import filenames, files, tickets, uploads
from . import api

bp = Blueprint("uploads", __name__)


class UploadForm(schemas.Payload):
    """The multipart fields beside ``file``: a guest's session, or an agent's ticket."""

    sessionId: schemas.SessionId | None = None
    clientId: str | None = None
    ticketId: schemas.Id | None = None


def _uploader_key() -> str:
    # Counted before the body is read, so a flood of large uploads costs nothing to refuse:
    # per clientId header or cookie, else per address.
    return f"upload:{api.sent_client_id() or request.remote_addr}"


@bp.post("/api/chat/upload")
@bp.post("/api/upload")
@limiter.limit(api.message_limit, key_func=_uploader_key, exempt_when=api.message_limit_off)
def upload():
    """Store a file for a guest's session (opened on first use) or an agent's ticket."""
    sent = request.files.get("file")
    if sent is None:
        raise AppError("invalid", "Send the file as the multipart field 'file'.", {"field": "file"})
    form = schemas.parse(UploadForm, request.form.to_dict())
    ctx = current()
    minted = None
    if form.ticketId is not None:
        actor = api.agent()
        ticket = tickets.accessible(ctx, actor, form.ticketId)
    elif form.sessionId is not None:
        actor, minted = api.guest(form.clientId)
        ticket, _opened = tickets.continue_session(ctx, actor, tickets.Session(form.sessionId))
    else:
        raise AppError(
            "invalid",
            "Send sessionId (customers) or ticketId (agents) with the file.",
            {"field": "sessionId"},
        )
    stored = uploads.save(ctx, actor, ticket, sent.filename, sent.stream)
    response = api.remember_client(jsonify({"file": stored}), minted)
    return response, 201


@bp.get("/uploads/<file_id>/<path:_name>")
def download(file_id: str, _name: str):
    """The file, for a valid unexpired signature or an agent's token. Only raster images are
    shown inline; everything else downloads, and nothing is ever sniffed into HTML."""
    ctx = current()
    if not files.check_signature(
        ctx, file_id, request.args.get("exp", ""), request.args.get("sig", "")
    ):
        if verify_jwt_in_request(optional=True) is None:
            raise AppError(
                "unauthorized",
                "This download link has expired or is not valid; "
                "open the conversation again for a fresh one.",
            )
        api.agent()
    stored, stream = uploads.downloadable(ctx, file_id)
    # Names stored before download_name existed are made safe on the way out.
    response = send_file(
        stream,
        mimetype=stored.type,
        download_name=filenames.download_name(stored.name, stored.type),
        as_attachment=stored.type not in uploads.RASTER_IMAGES,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.content_length = stored.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
