"""Uploads and downloads (PROTOCOL.md §3.5): types by content, the size limit while
streaming, names that never become paths, signed expiring links."""

from __future__ import annotations

import io
import re
import select
import socket
import struct
import time
import uuid
import zipfile
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from support.http import error_of
from support.socket_clients import WAIT

CLIENT = str(uuid.uuid4())


def png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>" if name.endswith(".xml") else "content")
    return buffer.getvalue()


ALLOWED = [
    ("photo.png", png(), "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + b"\x00" * 64, "image/jpeg"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    ("pic.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 24, "image/webp"),
    ("invoice.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf"),
    ("notes.txt", "Order A-17 arrived damaged — photos follow.\n".encode(), "text/plain"),
    ("orders.csv", b"id,total\nA-17,19.90\n", "text/csv"),
    ("logs.zip", zipped("app.log"), "application/zip"),
    (
        "letter.docx",
        zipped("[Content_Types].xml", "_rels/.rels", "word/document.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]
REFUSED = [
    ("innocent.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120),  # a Linux executable
    ("innocent.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120),  # a Windows executable
    ("page.txt", b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"),
    ("page.html", b"\n  <html><body onload=alert(1)></body></html>"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("logo.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ("data.bin", bytes(range(256)) * 4),
]


def upload(client, data: bytes, name: str, session_id="s-1", client_id=None, **fields):
    form = {
        "file": (io.BytesIO(data), name),
        "sessionId": session_id,
        "clientId": client_id or CLIENT,
        **fields,
    }
    return client.post("/api/chat/upload", data=form, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    return [path for path in Path(app.config["UPLOAD_DIR"]).rglob("*") if path.is_file()]


@pytest.mark.parametrize("name, data, kind", ALLOWED, ids=[item[0] for item in ALLOWED])
def test_allowed_types_are_stored_and_served_back_byte_for_byte(client, name, data, kind):
    response = upload(client, data, name)
    assert response.status_code == 201, response.get_data(as_text=True)
    stored = response.get_json()["file"]
    assert set(stored) == {"id", "name", "size", "type", "url"}
    assert (stored["name"], stored["size"], stored["type"]) == (name, len(data), kind)
    download = client.get(stored["url"])
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"].split(";")[0] == kind
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("inline" if kind.startswith("image/") else "attachment")


@pytest.mark.parametrize(
    "name, data", REFUSED, ids=["elf", "pe", "html", "html-ws", "svg", "svg-xml", "binary"]
)
def test_executables_markup_and_unknown_binaries_are_refused_whatever_their_name(
    client, name, data
):
    error = error_of(upload(client, data, name), 415, "unsupported_media_type")
    assert error["details"]["type"]
    assert stored_files(client.application) == []


def test_a_text_file_with_binary_bytes_past_the_first_8_kib_is_refused_and_not_kept(client):
    data = b"line of text\n" * 1000 + b"\x00\x01\x02 binary tail"
    error_of(upload(client, data, "notes.txt"), 415, "unsupported_media_type")
    assert stored_files(client.application) == []


def test_a_traversal_name_is_only_a_label_and_the_bytes_stay_in_the_upload_folder(client):
    response = upload(client, b"root:x:0:0\n", "../../etc/passwd")
    assert response.status_code == 201
    stored = response.get_json()["file"]
    assert stored["name"] == "passwd.txt"
    files = stored_files(client.application)
    assert [path.name for path in files] == [stored["id"]]
    upload_dir = Path(client.application.config["UPLOAD_DIR"]).resolve()
    assert files[0].resolve().is_relative_to(upload_dir)
    assert client.get(stored["url"]).data == b"root:x:0:0\n"


def test_a_file_over_the_limit_is_too_large_and_leaves_nothing_behind(build):
    client = build(MAX_UPLOAD_MB="1").test_client()
    error = error_of(upload(client, b"a" * (1024 * 1024 + 1), "big.txt"), 413, "too_large")
    assert error["details"]["field"] == "file"
    assert stored_files(client.application) == []


def test_an_empty_file_is_invalid(client):
    assert error_of(upload(client, b"", "empty.txt"), 400, "invalid")["details"]["field"] == "file"


def test_an_upload_without_a_file_or_a_conversation_is_invalid(client):
    response = client.post(
        "/api/upload",
        data={"sessionId": "s-1", "clientId": CLIENT},
        content_type="multipart/form-data",
    )
    assert error_of(response, 400, "invalid")["details"]["field"] == "file"
    response = client.post(
        "/api/upload",
        data={"file": (io.BytesIO(b"hi"), "a.txt"), "clientId": CLIENT},
        content_type="multipart/form-data",
    )
    assert error_of(response, 400, "invalid")["details"]["field"] == "sessionId"


def test_uploading_into_another_customers_session_is_not_found(client, guest):
    assert upload(client, b"mine", "a.txt", session_id="mine").status_code == 201
    error_of(
        upload(client, b"theirs", "b.txt", session_id="mine", client_id=guest), 404, "not_found"
    )


def test_a_closed_conversation_takes_no_more_files(client):
    assert upload(client, b"first", "a.txt").status_code == 201
    from supportchat.context import current
    from supportchat.services import actors, tickets

    with client.application.app_context():
        ticket = tickets.for_session(current(), actors.guest(CLIENT), "s-1")
        tickets.close(current(), actors.agent("a-1", "agent", "Ana"), ticket.id)
    error_of(upload(client, b"second", "b.txt"), 409, "ticket_closed")


def test_an_agent_uploads_to_a_ticket_with_a_token(client, agent):
    ticket_id = client.post(
        "/api/chat", json={"clientId": CLIENT, "sessionId": "s-1", "message": "hi"}
    ).get_json()["ticketId"]
    form = {"file": (io.BytesIO(png()), "screenshot.png"), "ticketId": ticket_id}
    refused = client.post("/api/upload", data=dict(form), content_type="multipart/form-data")
    error_of(refused, 401, "unauthorized")
    form["file"] = (io.BytesIO(png()), "screenshot.png")
    response = client.post(
        "/api/upload", data=form, content_type="multipart/form-data", headers=agent.headers
    )
    assert response.status_code == 201 and response.get_json()["file"]["type"] == "image/png"


def test_an_uploaded_file_travels_with_a_message_as_a_signed_link(client):
    stored = upload(client, b"%PDF-1.4\n%%EOF\n", "invoice.pdf").get_json()["file"]
    response = client.post(
        "/api/chat",
        json={"clientId": CLIENT, "sessionId": "s-1", "message": "", "attachments": [stored["id"]]},
    )
    attachment = response.get_json()["message"]["attachments"][0]
    assert {key: attachment[key] for key in ("id", "name", "type")} == {
        "id": stored["id"],
        "name": "invoice.pdf",
        "type": "application/pdf",
    }
    assert client.get(attachment["url"]).data == b"%PDF-1.4\n%%EOF\n"


def test_a_file_of_another_conversation_cannot_be_attached(client):
    stored = upload(client, b"secret", "a.txt", session_id="other").get_json()["file"]
    response = client.post(
        "/api/chat",
        json={
            "clientId": CLIENT,
            "sessionId": "s-1",
            "message": "look",
            "attachments": [stored["id"]],
        },
    )
    assert error_of(response, 400, "invalid")["details"]["field"] == "attachments"


def signed(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.mark.parametrize("tamper", ["expired", "forged", "other-file", "unsigned"])
def test_expired_or_tampered_download_links_are_refused(client, tamper):
    stored = upload(client, b"private notes", "notes.txt").get_json()["file"]
    other = upload(client, b"other notes", "other.txt").get_json()["file"]
    path, params = signed(stored["url"])
    if tamper == "expired":
        from supportchat.context import current
        from supportchat.services import files

        with client.application.test_request_context():
            path, params = signed(
                files.signed_url(
                    current(), stored["id"], "notes.txt", now=time.time() - files.LINK_SECONDS - 1
                )
            )
    elif tamper == "forged":
        params["sig"] = params["sig"][:-1] + ("0" if params["sig"][-1] != "0" else "1")
    elif tamper == "other-file":
        params = signed(other["url"])[1]
    else:
        params = {}
    error_of(client.get(path, query_string=params), 401, "unauthorized")


@pytest.mark.parametrize(
    "exp, sig",
    [
        ("\u00b2", "x"),
        ("1" * 4301, "0" * 64),
        ("\u0661" * 10, "0" * 64),
        ("99999999999", "\u00e9" * 64),
        ("-1", "0" * 64),
        (" 9999999999", "0" * 64),
    ],
    ids=["superscript", "4301-digits", "arabic-digits", "non-ascii-sig", "negative", "space"],
)
def test_malformed_download_links_are_refused_not_crashed_on(client, exp, sig):
    stored = upload(client, b"private notes", "notes.txt").get_json()["file"]
    path = signed(stored["url"])[0]
    error_of(client.get(path, query_string={"exp": exp, "sig": sig}), 401, "unauthorized")


@pytest.mark.parametrize(
    "name, saved",
    [
        ("notes.html", "notes.txt"),
        ("invoice.pdf.html", "invoice.txt"),
        ("run.bat", "run.txt"),
        ("evil.js", "evil.txt"),
        ("a.txt\x00.html", "a.txt"),
        ("script.js.txt", "script.txt"),
        ("run.bat. ", "run.txt"),
        ("readme", "readme.txt"),
        ("orders.v2", "orders.v2.txt"),
    ],
)
def test_download_names_end_in_the_sniffed_type_and_never_in_something_that_runs(
    client, name, saved
):
    response = upload(client, b"hello\n<script>alert(1)</script>\n", name)
    assert response.status_code == 201
    stored = response.get_json()["file"]
    assert (stored["name"], stored["type"]) == (saved, "text/plain")
    disposition = client.get(stored["url"]).headers["Content-Disposition"]
    assert disposition == f"attachment; filename={saved}"


def test_a_pdf_named_as_a_picture_downloads_as_a_pdf(client):
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    stored = upload(client, pdf, "scan.png").get_json()["file"]
    assert stored["name"] == "scan.pdf"
    assert (
        client.get(stored["url"]).headers["Content-Disposition"] == "attachment; filename=scan.pdf"
    )


def test_an_agents_token_opens_a_file_without_a_signature(client, agent):
    stored = upload(client, b"private notes", "notes.txt").get_json()["file"]
    path = signed(stored["url"])[0]
    response = client.get(path, headers=agent.headers)
    assert response.status_code == 200 and response.data == b"private notes"


def test_too_many_uploads_from_one_client_are_rate_limited(build):
    client = build(MESSAGE_RATE_LIMIT="2 per minute").test_client()
    headers = {"X-Client-Id": CLIENT}
    for index in range(2):
        response = client.post(
            "/api/chat/upload",
            headers=headers,
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(b"x"), f"{index}.txt"), "sessionId": "s-1"},
        )
        assert response.status_code == 201
    response = client.post(
        "/api/chat/upload",
        headers=headers,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"x"), "3.txt"), "sessionId": "s-1"},
    )
    error_of(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


# Live server: an endless body


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))


def test_an_endless_chunked_upload_is_cut_off_early_without_filling_memory(live_server_factory):
    server = live_server_factory(MAX_UPLOAD_MB="1")
    assert requests.get(server.url + "/healthz", timeout=WAIT).ok
    before = rss_kib(server.process.pid)
    offered = 1024**3  # what the client would send if nobody stopped it: 1 GiB
    boundary = "endless"
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="sessionId"\r\n\r\ns-1\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="clientId"\r\n\r\n'
        f'{CLIENT}\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="huge.txt"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    chunk = b"A" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as sock:
        sock.sendall(
            (
                f"POST /api/chat/upload HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            ).encode()
        )
        sock.sendall(b"%x\r\n%s\r\n" % (len(preamble), preamble))
        while sent < offered and not select.select([sock], [], [], 0)[0]:
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b'"too_large"' in response
    # Refused after about the 2 MB body limit plus what the sockets buffer, not the whole GiB.
    assert sent < 64 * 1024 * 1024, sent
    assert rss_kib(server.process.pid) - before < 32 * 1024


def read_response(sock: socket.socket) -> bytes:
    """One HTTP response with a JSON body, read with a deadline."""
    response = b""
    deadline = time.monotonic() + WAIT
    while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
        assert time.monotonic() < deadline, response
        response += sock.recv(65536)
    return response


def test_a_body_declared_over_the_limit_is_refused_before_any_of_it_is_sent(live_server_factory):
    server = live_server_factory(MAX_UPLOAD_MB="1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as sock:
        sock.sendall(
            (
                f"POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                "Content-Type: multipart/form-data; boundary=x\r\n"
                f"Content-Length: {2 * 1024**3}\r\n\r\n"
            ).encode()
        )
        response = read_response(sock)
    assert response.startswith(b"HTTP/1.1 413") and b'"too_large"' in response
