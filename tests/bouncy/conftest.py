"""Fixtures for bouncy: a test CA, a certificate server on 127.0.0.1, really signed SNS messages."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.core.cache import cache

from bouncy import sns

SES_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
OTHER_TOPIC = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
SNS_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
_SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                "TopicArn", "Type"),
}


# --- a certificate authority ------------------------------------------------------------------

@dataclass(frozen=True)
class Leaf:
    """A signing certificate issued by the test CA, with its private key."""

    key: rsa.RSAPrivateKey
    pem: bytes


class CertificateAuthority:
    """A throwaway CA that issues SNS-like signing certificates."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bouncy test CA")])
        now = datetime.now(UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=3650))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    def issue(self, not_before: datetime, not_after: datetime) -> Leaf:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(self.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .sign(self.key, hashes.SHA256())
        )
        return Leaf(key, cert.public_bytes(serialization.Encoding.PEM))


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    return CertificateAuthority()


@pytest.fixture(scope="session")
def leaf(ca: CertificateAuthority) -> Leaf:
    """Valid from yesterday for a year."""
    now = datetime.now(UTC)
    return ca.issue(now - timedelta(days=1), now + timedelta(days=365))


# --- an HTTP server for certificates and SubscribeURLs ----------------------------------------

class CertServer:
    """Serves ``routes`` (path → (status, body, delay seconds)) and records every request path."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.routes: dict[str, tuple[int, bytes, float]] = {}
        self.hits: list[str] = []

    def __repr__(self) -> str:
        return f"CertServer({self.netloc})"

    @property
    def netloc(self) -> str:
        return f"{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.netloc}{path}"

    def serve(self, path: str, body: bytes, status: int = 200, delay: float = 0.0) -> str:
        self.routes[path] = (status, body, delay)
        return self.url(path)


def _handler(server: CertServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            server.hits.append(self.path)
            status, body, delay = server.routes.get(self.path, (404, b"not here", 0.0))
            time.sleep(delay)
            try:
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", body.decode())
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def _cert_server_session() -> Iterator[CertServer]:
    state = CertServer("127.0.0.1", 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def cert_server(_cert_server_session: CertServer) -> CertServer:
    _cert_server_session.routes.clear()
    _cert_server_session.hits.clear()
    return _cert_server_session


# --- settings ---------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def bouncy_settings(settings: Any, cert_server: CertServer) -> Any:
    """DEBUG on, our topic allowed, the local cert server a dev host; an empty cache."""
    settings.DEBUG = True
    settings.BOUNCY_TOPIC_ARN = [TOPIC]
    settings.BOUNCY_AUTO_SUBSCRIBE = False
    settings.BOUNCY_DEV_CERT_HOSTS = [cert_server.netloc]
    settings.BOUNCY_CERT_URL_PATTERN = None
    cache.clear()
    sns.forget_certificates()
    return settings


# --- signed SNS messages ----------------------------------------------------------------------

def string_to_sign(envelope: dict[str, str]) -> bytes:
    """Written out from the SNS documentation, independently of bouncy's code."""
    keys = _SIGNED_KEYS[envelope["Type"]]
    return "".join(f"{k}\n{envelope[k]}\n" for k in keys if k in envelope).encode()


def sign(envelope: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Set ``Signature`` for the envelope's SignatureVersion (1: SHA1, 2: SHA256)."""
    algorithm = hashes.SHA1() if envelope["SignatureVersion"] == "1" else hashes.SHA256()
    signature = key.sign(string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    envelope["Signature"] = base64.b64encode(signature).decode()
    return envelope


def ses_text(name: str) -> str:
    return (SES_FIXTURES / name).read_text()


class SnsFactory:
    """Builds SNS envelopes signed by ``leaf``, whose certificate the cert server serves."""

    def __init__(self, leaf: Leaf, server: CertServer) -> None:
        self.leaf, self.server = leaf, server

    def __repr__(self) -> str:
        return "SnsFactory()"

    def cert_url(self, leaf: Leaf | None = None) -> str:
        """Serve ``leaf`` at a fresh path on the dev host and return its URL."""
        name = f"/SimpleNotificationService-{uuid.uuid4().hex}.pem"
        return self.server.serve(name, (leaf or self.leaf).pem)

    def notification(self, message: str | dict, *, version: str = "1", subject: str | None = None,
                     leaf: Leaf | None = None, cert_url: str | None = None,
                     **fields: str) -> dict[str, str]:
        """A signed Notification carrying ``message`` (SES JSON text or a dict)."""
        text = message if isinstance(message, str) else json.dumps(message)
        envelope = self._base("Notification", text, version, cert_url or self.cert_url(leaf))
        if subject is not None:
            envelope["Subject"] = subject
        envelope.update(fields)
        return sign(envelope, (leaf or self.leaf).key)

    def aws(self, name: str, **options: Any) -> dict[str, str]:
        """A signed Notification carrying the AWS-documented SES payload ``name``."""
        return self.notification(ses_text(name), **options)

    def confirmation(self, kind: str = "SubscriptionConfirmation", *, subscribe_url: str = "",
                     **fields: str) -> dict[str, str]:
        """A signed (Un)SubscribeConfirmation; the SubscribeURL defaults to the dev host."""
        url = subscribe_url or self.server.serve(f"/confirm/{uuid.uuid4().hex}", _CONFIRMED)
        envelope = self._base(kind, "You have chosen to subscribe to the topic.", "1",
                              self.cert_url())
        envelope.update(SubscribeURL=url, Token="2336412f37fb687f5d51e6e2425f004a" * 4)
        envelope.update(fields)
        return sign(envelope, self.leaf.key)

    def _base(self, kind: str, message: str, version: str, cert_url: str) -> dict[str, str]:
        return {
            "Type": kind,
            "MessageId": str(uuid.uuid4()),
            "TopicArn": TOPIC,
            "Message": message,
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SignatureVersion": version,
            "SigningCertURL": cert_url,
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }


_CONFIRMED = (b"<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>"
              b"arn:aws:sns:us-east-1:123456789012:ses-feedback:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55"
              b"</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>")


@pytest.fixture
def publisher(leaf: Leaf, cert_server: CertServer) -> SnsFactory:
    return SnsFactory(leaf, cert_server)


def body(envelope: dict[str, str]) -> bytes:
    return json.dumps(envelope).encode()


@pytest.fixture
def post(client: Any) -> Any:
    """POST an envelope (dict) or raw bytes to the webhook as SNS does (text/plain)."""
    def _post(payload: dict | bytes) -> Any:
        data = body(payload) if isinstance(payload, dict) else payload
        return client.post("/mail/bouncy/", data=data, content_type="text/plain; charset=utf-8")
    return _post


@pytest.fixture
def tools() -> Any:
    """Module-level helpers for tests (fixtures keep helpers importable under any import mode)."""
    class Tools:
        TOPIC = TOPIC
        OTHER_TOPIC = OTHER_TOPIC
        SNS_CERT_URL = SNS_CERT_URL
        SES_FIXTURES = SES_FIXTURES
        sign = staticmethod(sign)
        body = staticmethod(body)
        ses_text = staticmethod(ses_text)
        string_to_sign = staticmethod(string_to_sign)
        manifest = staticmethod(lambda: json.loads((SES_FIXTURES / "MANIFEST.json").read_text()))
    return Tools
