"""Uploads: what is stored, what is refused, and who may fetch it back."""

from __future__ import annotations

import io

import pytest

from supportchat.errors import AppError
from supportchat.services import files, messages, tickets, uploads
from supportchat.services.tickets import Session

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def refused(code: str, call, *args, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.to_dict()
    return caught.value


def test_an_upload_is_kept_byte_for_byte_under_a_signed_link(ctx, customer):
    ticket = tickets.accessible(
        ctx, customer, messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    )
    stored = uploads.save(ctx, customer, ticket, "../../photo.png", io.BytesIO(PNG))
    assert (stored["name"], stored["type"], stored["size"]) == ("photo.png", "image/png", len(PNG))
    meta, stream = uploads.downloadable(ctx, stored["id"])
    with stream:
        assert stream.read() == PNG
    link = stored["url"].split("?", 1)[1]
    params = dict(part.split("=", 1) for part in link.split("&"))
    assert files.check_signature(ctx, meta.id, params["exp"], params["sig"])
    assert not files.check_signature(ctx, meta.id, params["exp"], "0" * 64)


def test_markup_posing_as_text_and_files_over_the_limit_are_refused(make_ctx, customer):
    ctx = make_ctx(MAX_UPLOAD_MB="1")
    ticket = tickets.accessible(
        ctx, customer, messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    )
    refused(
        "unsupported_media_type",
        uploads.save,
        ctx,
        customer,
        ticket,
        "a.txt",
        io.BytesIO(b"<svg onload=alert(1)>"),
    )
    error = refused(
        "too_large",
        uploads.save,
        ctx,
        customer,
        ticket,
        "big.txt",
        io.BytesIO(b"a" * (1024 * 1024 + 1)),
    )
    assert error.details["limit"] == 1024 * 1024
    refused("invalid", uploads.save, ctx, customer, ticket, "empty.txt", io.BytesIO(b""))


def test_a_closed_conversation_takes_no_files(ctx, customer, ana):
    ticket = tickets.accessible(
        ctx, customer, messages.write(ctx, customer, "Hi", session=Session("s-1")).ticket_id
    )
    closed = tickets.close(ctx, ana, ticket.id)
    refused("ticket_closed", uploads.save, ctx, customer, closed, "a.png", io.BytesIO(PNG))
