"""The one-click endpoint: POST unsubscribes (no login, no CSRF), GET only confirms, bad → 400."""

import pytest
from django.test import Client

from mailer.models import Unsubscribe
from mailer.suppression.unsubscribe import make_token

pytestmark = pytest.mark.django_db
ONE_CLICK = "List-Unsubscribe=One-Click"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def client() -> Client:
    return Client(enforce_csrf_checks=True)


def url(token: str) -> str:
    return f"/mail/unsubscribe/{token}"


def test_one_click_post_unsubscribes_at_once_without_csrf_or_login(client):
    token = make_token("Jane@Example.com", "newsletter")
    response = client.post(url(token), ONE_CLICK, content_type=FORM)
    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    row = Unsubscribe.objects.get()
    assert (row.address, row.reason, row.scope) == ("jane@example.com", "unsubscribed", "bulk")


def test_one_click_post_as_multipart_works_too(client):
    response = client.post(url(make_token("jane@example.com", "news")),
                           {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and Unsubscribe.objects.count() == 1


def test_a_repeated_post_is_harmless(client):
    token = make_token("jane@example.com", "newsletter")
    for _ in range(2):
        response = client.post(url(token), ONE_CLICK,
                               content_type=FORM)
        assert response.status_code == 200
    assert Unsubscribe.objects.count() == 1


def test_get_shows_a_confirm_form_and_changes_nothing(client):
    token = make_token("jane@example.com", "newsletter")
    response = client.get(url(token))
    assert response.status_code == 200
    body = response.content.decode()
    assert "jane@example.com" in body and '<form method="post">' in body
    assert 'name="List-Unsubscribe" value="One-Click"' in body
    assert client.head(url(token)).status_code == 200
    assert not Unsubscribe.objects.exists()
    assert "no-cache" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("token", ["garbage", "W1siamFuZUBleGFtcGxlLmNvbSIsIm4iXV0:forged"])
def test_bad_or_forged_tokens_get_a_clear_400_and_change_nothing(client, token):
    for response in (client.get(url(token)),
                     client.post(url(token), ONE_CLICK,
                                 content_type=FORM)):
        assert response.status_code == 400
        assert b"This unsubscribe link is not valid" in response.content
    assert not Unsubscribe.objects.exists()


def test_a_token_for_one_address_cannot_unsubscribe_another(client):
    jane = make_token("jane@example.com", "newsletter")
    bob = make_token("bob@example.com", "newsletter")
    spliced = f"{bob.rsplit(':', 1)[0]}:{jane.rsplit(':', 1)[1]}"
    response = client.post(url(spliced), ONE_CLICK, content_type=FORM)
    assert response.status_code == 400 and not Unsubscribe.objects.exists()


def test_a_post_without_the_one_click_body_is_refused(client):
    response = client.post(url(make_token("jane@example.com", "newsletter")), "",
                           content_type=FORM)
    assert response.status_code == 400
    assert b"List-Unsubscribe=One-Click" in response.content
    assert not Unsubscribe.objects.exists()


def test_no_redirect_and_other_methods_refused(client):
    token = make_token("jane@example.com", "newsletter")
    assert client.put(url(token)).status_code == 405
    response = client.post(url(token), ONE_CLICK, content_type=FORM)
    assert response.status_code == 200 and "Location" not in response
