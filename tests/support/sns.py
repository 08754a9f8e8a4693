"""Signed SNS messages for tests: a throwaway certificate authority, an HTTP server on
127.0.0.1 serving its certificates (and SubscribeURLs), and envelopes signed as SNS signs them;
the SNS string to sign is written out once, from the SNS documentation, independently of
bouncy's and the sandbox's code, and checks the sandbox's signatures too."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.support.files import ses_text

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
OTHER_TOPIC = "arn:aws:sns:us-east-1:999999999999:someone-elses-topic"
SNS_CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem"
SIGNED_KEYS = {
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


def cert_handler(server: CertServer) -> type[BaseHTTPRequestHandler]:
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


# --- signed SNS messages ----------------------------------------------------------------------

def string_to_sign(envelope: dict[str, str]) -> bytes:
    """Written out from the SNS documentation, independently of bouncy's code."""
    keys = SIGNED_KEYS[envelope["Type"]]
    return "".join(f"{k}\n{envelope[k]}\n" for k in keys if k in envelope).encode()


def sign(envelope: dict[str, str], key: rsa.RSAPrivateKey) -> dict[str, str]:
    """Set ``Signature`` for the envelope's SignatureVersion (1: SHA1, 2: SHA256)."""
    algorithm = hashes.SHA1() if envelope["SignatureVersion"] == "1" else hashes.SHA256()
    signature = key.sign(string_to_sign(envelope), padding.PKCS1v15(), algorithm)
    envelope["Signature"] = base64.b64encode(signature).decode()
    return envelope


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


def body(envelope: dict[str, str]) -> bytes:
    return json.dumps(envelope).encode()


def verify_sns(message: dict[str, str]) -> x509.Certificate:
    """Check an SNS message's signature with the certificate at its SigningCertURL (as SNS
    subscribers do); returns the certificate. Raises InvalidSignature if it does not verify."""
    with urllib.request.urlopen(message["SigningCertURL"], timeout=5) as response:
        certificate = x509.load_pem_x509_certificate(response.read())
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}[message["SignatureVersion"]]
    signature = base64.b64decode(message["Signature"])
    certificate.public_key().verify(
        signature, string_to_sign(message), padding.PKCS1v15(), algorithm
    )
    return certificate
