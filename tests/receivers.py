"""Real local receivers for the worker's deliveries: an HTTP server for webhooks and an SMTP
server (aiosmtpd) for e-mail, both on 127.0.0.1 with a random port."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class WebhookReceiver:
    """Records every POST (path, headers, raw body) and answers the queued status codes
    (200 once the queue is empty)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: deque[int] = deque()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.received.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body})
                    status = receiver.answers.popleft() if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailReceiver:
    """An aiosmtpd server keeping every message it receives (as ``email.message`` objects).

    ``tls="starttls"`` offers STARTTLS (``smtp://``), ``tls="implicit"`` speaks TLS from the
    first byte (``smtps://``), both with ``certificate`` (see :func:`certificates`). With
    ``users`` it asks for AUTH (only over TLS). ``sessions`` records, per message, whether it
    came over TLS and who logged in."""

    def __init__(self, *, tls: str | None = None, certificate: Certificates | None = None,
                 users: dict[str, str] | None = None) -> None:
        import ssl

        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[Any] = []
        self.sessions: list[dict[str, Any]] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                from email import message_from_bytes, policy

                parsed = message_from_bytes(envelope.content, policy=policy.default)
                receiver.messages.append((envelope.rcpt_tos, parsed))
                login = session.auth_data
                receiver.sessions.append({
                    "tls": session.ssl is not None  # after STARTTLS; implicit TLS below
                    or server.transport.get_extra_info("ssl_object") is not None,
                    "login": login.decode() if isinstance(login, bytes) else login})
                return "250 Message accepted for delivery"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         auth_data: Any) -> Any:
            login, password = auth_data.login.decode(), auth_data.password.decode()
            ok = users is not None and users.get(login) == password
            return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

        context = None
        if tls:
            assert certificate is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certificate.cert_file, certificate.key_file)
        smtp_options: dict[str, Any] = {}
        if tls == "starttls":
            smtp_options["tls_context"] = context
        if users is not None:
            # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS is TLS from byte one
            smtp_options.update(authenticator=authenticate, auth_require_tls=tls != "implicit")
        self.port = _free_port()
        scheme = "smtps" if tls == "implicit" else "smtp"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port,
            ssl_context=context if tls == "implicit" else None, server_hostname="localhost",
            **smtp_options)

    def __enter__(self) -> MailReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass(frozen=True)
class Certificates:
    ca_file: str  # the private CA's certificate: what SURVEY_SMTP_CA_FILE names
    cert_file: str  # the server's certificate (127.0.0.1 and localhost), signed by the CA
    key_file: str


def certificates(directory: Path) -> Certificates:
    """A private CA and a server certificate it signed, made now with ``cryptography``."""
    import ipaddress
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Survey test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(
              digital_signature=True, key_cert_sign=True, crl_sign=True,
              content_commitment=False, key_encipherment=False, data_encipherment=False,
              key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    files = Certificates(str(directory / "ca.pem"), str(directory / "server.pem"),
                         str(directory / "server-key.pem"))
    Path(files.ca_file).write_bytes(ca.public_bytes(pem))
    Path(files.cert_file).write_bytes(cert.public_bytes(pem))
    Path(files.key_file).write_bytes(key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return files
