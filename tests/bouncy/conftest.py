"""Fixtures for bouncy: a test CA, a certificate server on 127.0.0.1, really signed SNS messages
(the helpers behind them are in tests/support/sns.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from bouncy import sns
from tests.support.sns import (
    TOPIC,
    CertificateAuthority,
    CertServer,
    Leaf,
    SnsFactory,
    body,
    cert_handler,
)


@pytest.fixture(scope="session")
def ca() -> CertificateAuthority:
    return CertificateAuthority()


@pytest.fixture(scope="session")
def leaf(ca: CertificateAuthority) -> Leaf:
    """Valid from yesterday for a year."""
    now = datetime.now(UTC)
    return ca.issue(now - timedelta(days=1), now + timedelta(days=365))


@pytest.fixture(scope="session")
def _cert_server_session() -> Iterator[CertServer]:
    state = CertServer("127.0.0.1", 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), cert_handler(state))
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


@pytest.fixture
def publisher(leaf: Leaf, cert_server: CertServer) -> SnsFactory:
    return SnsFactory(leaf, cert_server)


@pytest.fixture
def post(client: Any) -> Any:
    """POST an envelope (dict) or raw bytes to the webhook as SNS does (text/plain)."""
    def _post(payload: dict | bytes) -> Any:
        data = body(payload) if isinstance(payload, dict) else payload
        return client.post("/mail/bouncy/", data=data, content_type="text/plain; charset=utf-8")
    return _post
