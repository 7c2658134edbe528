"""Real receivers on loopback ports: an HTTP webhook receiver and an SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import ThreadingHTTPServer

from .apps import free_port
from .http import QuietHandler


@dataclass
class Received:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def verified(self, secret: str) -> bool:
        """Check the signature the way a receiver's documentation would tell it to."""
        timestamp = self.headers["X-Supportchat-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(self.headers["X-Supportchat-Signature"], "sha256=" + expected)


@dataclass
class WebhookReceiver:
    """An HTTP server recording every POST; ``script`` answers the next requests in turn
    (a status, ("slow", seconds) or ("redirect", location)), then 200."""

    script: list = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    port: int = 0  # 0: any free port
    tls: bool = False  # serve HTTPS with a self-signed certificate for 127.0.0.1

    def __post_init__(self):
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver.lock:
                    step = receiver.script.pop(0) if receiver.script else 200
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                status, location = step, None
                if isinstance(step, tuple) and step[0] == "slow":
                    time.sleep(step[1])
                    status = 200
                elif isinstance(step, tuple) and step[0] == "redirect":
                    status, location = 302, step[1]
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                answer = b"x" * 100_000  # a large body is read only up to a small limit
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                try:
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client stopped reading

        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        if self.tls:
            self.server.socket = self_signed_context().wrap_socket(
                self.server.socket, server_side=True
            )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self, type: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if type is None or r.json["type"] == type]

    def wait_for(self, count: int, type: str | None = None, timeout: float = 30) -> list[Received]:
        """At least ``count`` requests (of ``type``), waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(type)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(self.events(type))} requests of {type}, wanted {count}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed_context():
    """A TLS server context with a fresh self-signed certificate for 127.0.0.1."""
    import datetime
    import ipaddress
    import ssl
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as pem:
        pem.write(cert.public_bytes(serialization.Encoding.PEM))
        pem.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem.name)
    return context


class MailReceiver:
    """An SMTP server (aiosmtpd) on a loopback port keeping every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        receiver = self
        self.messages: list[EmailMessage] = []

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's
                parsed = message_from_bytes(envelope.original_content, policy=policy.default)
                receiver.messages.append(parsed)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.messages)} emails, wanted {count}")

    def close(self) -> None:
        self.controller.stop()
