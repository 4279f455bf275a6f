"""Real servers on loopback for sink tests: an HTTP receiver and an SMTP server.

Both run in background threads of the test process, bind 127.0.0.1 only and stop
at the end of their ``with`` block.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@attrs.define
class Received:
    """One request the HTTP receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class HttpReceiver:
    """What arrived, and how to answer: ``statuses`` in turn, then 200."""

    statuses: list[int] = attrs.field(factory=list)
    delay_s: float = 0.0
    requests: list[Received] = attrs.field(factory=list)
    url: str = ""


@contextmanager
def http_receiver(
    statuses: Sequence[int] = (), delay_s: float = 0.0
) -> Iterator[HttpReceiver]:
    """Serve POSTs on a free loopback port; yield the record of what arrived."""
    receiver = HttpReceiver(statuses=list(statuses), delay_s=delay_s)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                receiver.requests.append(
                    Received(self.path, dict(self.headers.items()), body)
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/alerts"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@attrs.define
class Mailbox:
    """What the SMTP server received."""

    port: int
    messages: list[Envelope] = attrs.field(factory=list)
    logins: list[tuple[bytes, bytes]] = attrs.field(factory=list)


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        self.box.messages.append(envelope)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *, tls_context: ssl.SSLContext | None = None, password: bytes | None = None
) -> Iterator[Mailbox]:
    """Run aiosmtpd on loopback; with ``tls_context`` it requires STARTTLS and AUTH."""
    box = Mailbox(port=free_port())

    def authenticate(
        server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == password
        if ok:
            box.logins.append((data.login, data.password))
        return AuthResult(success=ok, handled=False)

    options: dict[str, Any] = {}
    if tls_context is not None:
        options = {
            "tls_context": tls_context,
            "require_starttls": True,
            "authenticator": authenticate,
            "auth_require_tls": True,
        }
    controller = Controller(
        _Handler(box), hostname="127.0.0.1", port=box.port, **options
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def self_signed_tls(directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Return (server context, client context trusting it) for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client
