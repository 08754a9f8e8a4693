"""The webhook's own WSGI route (``bouncy.wsgi``): what it hands to Django, and its database care.

The answers themselves are tested in test_views.py, through both routes.
"""

from __future__ import annotations

import psycopg
import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.test import RequestFactory

from bouncy.models import Notification
from bouncy.wsgi import WebhookRoute
from mailer.demo.stack import free_port
from tests.support.workers import database_url
from tests.support.wsgi import call_wsgi, post_through_wsgi

BOUNCE = "awsdoc_notification_bounce_permanent_general_no_dsn.json"


@pytest.mark.django_db
def test_a_get_and_other_paths_go_to_django():
    got = call_wsgi(RequestFactory().get("/mail/bouncy/").environ)
    assert got.status_code == 405 and not got.served_by_route
    elsewhere = RequestFactory().post("/mail/bouncy/x", b"{}", content_type="text/plain")
    other = call_wsgi(elsewhere.environ)
    assert other.status_code == 404 and not other.served_by_route


@pytest.mark.django_db
def test_a_host_not_allowed_is_refused_by_django_and_nothing_stored(publisher):
    response = post_through_wsgi(publisher.aws(BOUNCE), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")  # Django's "Bad Request" page
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_plain_http_is_redirected_by_django_when_ssl_redirect_is_on(
    publisher, settings
):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    app = WebhookRoute(get_wsgi_application())  # middleware reads the settings when built
    plain = post_through_wsgi(publisher.aws(BOUNCE), app)
    assert plain.status_code == 301  # SecurityMiddleware's answer, as before
    assert plain["Location"] == "https://testserver/mail/bouncy/"
    assert not Notification.objects.exists()
    secure = post_through_wsgi(publisher.aws(BOUNCE), app, HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200 and secure.served_by_route
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_no_health_check_query_per_request(publisher, monkeypatch):
    """Django's request signals arm a ``SELECT 1`` (``is_usable``) before each request's first
    query; the route does not (it retries on a dead connection instead, below)."""
    checks: list[bool] = []
    is_usable = connection.is_usable
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or is_usable())
    for _ in range(5):
        assert post_through_wsgi(publisher.aws(BOUNCE)).status_code == 200
    assert checks == [] and Notification.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_connection_that_died_while_idle_costs_no_request(publisher):
    assert post_through_wsgi(publisher.aws(BOUNCE)).status_code == 200
    terminate(connection.connection.info.backend_pid)
    response = post_through_wsgi(publisher.aws(BOUNCE))
    assert response.status_code == 200, response.content
    assert Notification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_database_that_is_down_is_503_so_sns_retries(publisher):
    assert post_through_wsgi(publisher.aws(BOUNCE)).status_code == 200
    terminate(connection.connection.info.backend_pid)
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        response = post_through_wsgi(publisher.aws(BOUNCE))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port
    assert response.status_code == 503 and response.served_by_route
    assert response["Retry-After"] == "60"
    assert response.content == b"the database is unavailable\n"
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_connection_past_conn_max_age_is_closed_after_the_request(publisher):
    assert post_through_wsgi(publisher.aws(BOUNCE)).status_code == 200
    assert connection.connection is not None
    connection.close_at = 0.0  # past CONN_MAX_AGE
    assert post_through_wsgi(publisher.aws(BOUNCE)).status_code == 200
    assert connection.connection is None


def terminate(pid: int) -> None:
    with psycopg.connect(database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
