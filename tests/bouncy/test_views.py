"""The webhook over HTTP: accepted messages, every rejection path, DEBUG on and off.

Every test that POSTs runs twice: through Django's handler (the view behind the middleware) and
through the WSGI application gunicorn serves, whose own route answers the webhook's POSTs
outside the middleware (``bouncy.wsgi``): both must give the same answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from bouncy import processing, sns
from bouncy.models import Bounce, Complaint, Delivery, Event, Notification
from tests.support.files import ses_manifest, ses_text
from tests.support.sns import OTHER_TOPIC, SNS_CERT_URL, TOPIC, body, sign, string_to_sign
from tests.support.wsgi import post_through_wsgi

pytestmark = pytest.mark.django_db
MANIFEST = ses_manifest()
FIXTURE_NAMES = [entry["file"] for entry in MANIFEST]
BOUNCE_PERMANENT = "awsdoc_notification_bounce_permanent_general_no_dsn.json"


@pytest.fixture(params=["django", "route"])
def post(request, client):
    """The ``post`` of conftest (Django's handler), or the same POST through the WSGI route."""
    if request.param == "django":
        return lambda payload: client.post(
            "/mail/bouncy/", data=payload if isinstance(payload, bytes) else body(payload),
            content_type="text/plain; charset=utf-8",
        )

    def through_route(payload):
        response = post_through_wsgi(payload)
        assert response.served_by_route
        return response
    return through_route


def nothing_stored() -> bool:
    return not any(m.objects.exists() for m in (Notification, Bounce, Complaint, Delivery, Event))


def assert_rejected(response, status: int, words: str) -> None:
    text = response.content.decode()
    assert response.status_code == status, text
    assert response["Content-Type"].startswith("text/plain")
    assert text.count("\n") == 1 and words in text, text
    assert "Traceback" not in text
    assert nothing_stored()


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("subject", [None, "Amazon SES Email Event Notification"])
def test_every_aws_payload_is_accepted_and_stored(post, publisher, name, version, subject):
    envelope = publisher.notification(ses_text(name), version=version, subject=subject)
    response = post(envelope)
    assert response.status_code == 200, response.content
    stored = Notification.objects.get()
    entry = next(e for e in MANIFEST if e["file"] == name)
    assert (stored.kind, stored.ses_format) == (entry["kind"], entry["format"])
    assert stored.sns_message_id == envelope["MessageId"]
    assert stored.subject == (subject or "")
    assert stored.body == body(envelope).decode()


def test_a_redelivery_is_answered_200_and_stored_once(post, publisher):
    envelope = publisher.aws("awsdoc_notification_bounce_permanent_general_no_dsn.json")
    first, second = post(envelope), post(envelope)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == b"duplicate\n"
    assert Notification.objects.count() == 1
    assert processing.process_pending(10).notifications == 1
    assert Bounce.objects.count() == 2


def test_get_is_405(client):
    response = client.get("/mail/bouncy/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert nothing_stored()


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"", "not JSON"),
        (b"hello", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "JSON list, not an object"),
        (b'"Notification"', "JSON str"),
        (b"{}", "missing key 'Type'"),
        (b"[" * 5000 + b"]" * 5000, "not JSON"),
        (b'{"notificationType": "Bounce", "mail": {}}', "without its SNS envelope"),
        (b'{"Type": "Spam"}', "unsupported Type 'Spam'"),
        (b'{"Type": ["Notification"]}', "unsupported Type"),
    ],
)
def test_bodies_that_are_not_sns_messages_are_400(post, raw, words):
    assert_rejected(post(raw), 400, words)


@pytest.mark.parametrize(
    "key",
    [
        "MessageId",
        "TopicArn",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
    ],
)
def test_a_missing_key_is_400(post, publisher, key):
    envelope = publisher.aws("awsdoc_event_send.json")
    del envelope[key]
    assert_rejected(post(envelope), 400, f"missing key '{key}'")


@pytest.mark.parametrize(
    "key, value",
    [
        ("MessageId", 12),
        ("Message", {"eventType": "Send"}),
        ("Timestamp", None),
        ("Subject", 7),
        ("Signature", ["x"]),
        ("TopicArn", ""),
    ],
)
def test_a_value_of_the_wrong_type_is_400(post, publisher, key, value):
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope[key] = value
    response = post(envelope)
    assert_rejected(response, 400, repr(key))


def test_a_timestamp_that_is_not_a_time_is_400(post, publisher):
    envelope = publisher.aws("awsdoc_event_send.json", Timestamp="yesterday")
    assert_rejected(post(envelope), 400, "not an ISO 8601 time")


def test_a_confirmation_without_subscribe_url_is_400(post, publisher):
    envelope = publisher.confirmation()
    del envelope["SubscribeURL"]
    assert_rejected(post(envelope), 400, "missing key 'SubscribeURL'")


def test_an_oversize_body_is_413_before_it_is_read(post, settings):
    settings.BOUNCY_MAX_BODY_BYTES = 1024
    assert_rejected(post(b"{" + b" " * 2000 + b"}"), 413, "over 1024 bytes")


def test_an_oversize_signed_message_is_413(post, publisher, settings):
    envelope = publisher.aws("awsdoc_event_click.json")
    settings.BOUNCY_MAX_BODY_BYTES = len(body(envelope)) - 1
    assert_rejected(post(envelope), 413, "over")


def test_an_altered_message_is_403(post, publisher):
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope["Message"] = envelope["Message"].replace("recipient@", "victim@")
    assert_rejected(post(envelope), 403, "signature does not match")


def test_a_subject_added_after_signing_is_403(post, publisher):
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope["Subject"] = "added"
    assert_rejected(post(envelope), 403, "signature does not match")


def test_a_signature_by_another_key_is_403(post, publisher, ca):
    now = datetime.now(UTC)
    impostor = ca.issue(now - timedelta(days=1), now + timedelta(days=1))
    envelope = publisher.aws("awsdoc_event_send.json")
    sign(envelope, impostor.key)
    assert_rejected(post(envelope), 403, "signature does not match")


def test_a_v1_signature_labelled_v2_is_403(post, publisher):
    envelope = publisher.aws("awsdoc_event_send.json", version="1")
    envelope["SignatureVersion"] = "2"
    assert_rejected(post(envelope), 403, "signature does not match")


@pytest.mark.parametrize(
    "signature, status, words",
    [
        ("", 400, "'Signature' is empty"),
        ("not base64!", 403, "Signature is not base64"),
        ("QUJD", 403, "signature does not match"),
    ],
)
def test_a_missing_or_garbled_signature_is_refused(
    post, publisher, signature, status, words
):
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope["Signature"] = signature
    assert_rejected(post(envelope), status, words)


@pytest.mark.parametrize("version", ["3", "0", "", "1.0", "SHA256"])
def test_an_unknown_signature_version_is_400_without_network(
    post, publisher, cert_server, version
):
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope["SignatureVersion"] = version
    assert_rejected(post(envelope), 400, "SignatureVersion")
    assert cert_server.hits == []


def test_an_unknown_topic_is_403_without_network(post, publisher, cert_server):
    envelope = publisher.aws("awsdoc_event_send.json", TopicArn=OTHER_TOPIC)
    assert_rejected(post(envelope), 403, "not in BOUNCY_TOPIC_ARN")
    assert cert_server.hits == []


def test_a_topic_changed_after_signing_is_403(post, publisher, settings):
    settings.BOUNCY_TOPIC_ARN = [TOPIC, OTHER_TOPIC]
    envelope = publisher.aws("awsdoc_event_send.json")
    envelope["TopicArn"] = OTHER_TOPIC
    assert_rejected(post(envelope), 403, "signature does not match")


@pytest.mark.parametrize(
    "path",
    [
        "https://sns.s3-us-west-2.amazonaws.com/SimpleNotificationService-0123abcd.pem",
        "https://evil.example/SimpleNotificationService-0123abcd.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123abcd.pem",
        "http://127.0.0.2:{port}/SimpleNotificationService-0123abcd.pem",
    ],
)
def test_a_cert_url_on_another_host_is_403_and_never_fetched(
    post, publisher, cert_server, path
):
    url = path.format(port=cert_server.port)
    envelope = publisher.aws("awsdoc_event_send.json", cert_url=url)
    assert_rejected(post(envelope), 403, "not an SNS certificate URL")
    assert cert_server.hits == []


def test_an_http_cert_url_on_the_sns_host_is_403(post, publisher, leaf):
    url = SNS_CERT_URL.replace("https://", "http://")
    cache.set(sns.cache_key(url), leaf.pem)  # even a cached certificate is not used
    envelope = publisher.aws("awsdoc_event_send.json", cert_url=url)
    assert_rejected(post(envelope), 403, "not an SNS certificate URL")


def test_an_expired_certificate_is_403(post, publisher, ca):
    old = ca.issue(datetime(2020, 1, 1, tzinfo=UTC), datetime(2021, 1, 1, tzinfo=UTC))
    envelope = publisher.aws("awsdoc_event_send.json", leaf=old)
    assert_rejected(post(envelope), 403, "not valid at Timestamp")


def test_a_certificate_not_yet_valid_is_403(post, publisher, ca):
    later = datetime.now(UTC) + timedelta(days=1)
    future = ca.issue(later, later + timedelta(days=30))
    envelope = publisher.aws("awsdoc_event_send.json", leaf=future)
    assert_rejected(post(envelope), 403, "not valid at Timestamp")


def test_a_certificate_that_is_not_pem_is_403(post, publisher, cert_server):
    url = cert_server.serve("/SimpleNotificationService-bad.pem", b"-----BEGIN NOTHING-----")
    envelope = publisher.aws("awsdoc_event_send.json", cert_url=url)
    assert_rejected(post(envelope), 403, "not a PEM X.509 certificate")


def test_a_certificate_that_does_not_exist_is_403(post, publisher, cert_server):
    url = cert_server.url("/SimpleNotificationService-missing.pem")
    envelope = publisher.aws("awsdoc_event_send.json", cert_url=url)
    assert_rejected(post(envelope), 403, "answered HTTP 404")


def test_a_certificate_host_in_trouble_is_503_so_sns_retries(post, publisher, cert_server):
    url = cert_server.serve("/SimpleNotificationService-busy.pem", b"busy", status=503)
    envelope = publisher.aws("awsdoc_event_send.json", cert_url=url)
    response = post(envelope)
    assert_rejected(response, 503, "answered HTTP 503")
    assert response["Retry-After"] == "60"


def test_an_untrusted_subscribe_url_is_403_and_never_fetched(post, publisher, cert_server):
    envelope = publisher.confirmation(
        subscribe_url="https://evil.example/?Action=ConfirmSubscription"
    )
    assert_rejected(post(envelope), 403, "SubscribeURL")
    assert all(not hit.startswith("/confirm") for hit in cert_server.hits)


@pytest.mark.filterwarnings("ignore:No directory at:UserWarning")  # whitenoise, no collectstatic
class TestWithDebugOff:
    """Production settings: same answers; the dev host is refused; certificates come from cache."""

    @pytest.fixture(autouse=True)
    def production(self, settings):
        settings.DEBUG = False

    def test_a_cached_sns_certificate_verifies(self, post, publisher, leaf, cert_server):
        sns.cache_certificate(SNS_CERT_URL, leaf.pem)
        envelope = publisher.aws(
            "awsdoc_event_delivery.json", cert_url=SNS_CERT_URL, version="2"
        )
        assert post(envelope).status_code == 200
        processing.process_pending(10)
        assert Delivery.objects.get().address == "recipient@example.com"

    def test_the_dev_host_is_refused_at_runtime(self, post, publisher, cert_server):
        envelope = publisher.aws("awsdoc_event_send.json")
        assert_rejected(post(envelope), 403, "refused while DEBUG is off")
        assert cert_server.hits == []

    @pytest.mark.parametrize(
        "raw, status",
        [
            (b"hello", 400),
            (b"{}", 400),
            (b'{"Type": "Notification"}', 400),
        ],
    )
    def test_bad_bodies_get_the_same_plain_answer(self, post, raw, status):
        assert_rejected(post(raw), status, "")

    def test_a_bad_signature_is_403(self, post, publisher, leaf):
        sns.cache_certificate(SNS_CERT_URL, leaf.pem)
        envelope = publisher.aws("awsdoc_event_send.json", cert_url=SNS_CERT_URL)
        envelope["Message"] += " "
        assert_rejected(post(envelope), 403, "signature does not match")


def test_a_rejection_is_logged_on_one_line(post, caplog):
    with caplog.at_level("WARNING", logger="bouncy.views"):
        post(b"hello")
    assert any("400 MalformedMessage" in r.getMessage() for r in caplog.records)


def test_a_reason_never_spans_lines(post, publisher):
    envelope = publisher.aws("awsdoc_event_send.json", SigningCertURL="https://x\nSet-Cookie: a=b")
    response = post(envelope)
    assert_rejected(response, 403, "not an SNS certificate URL")
    assert "Set-Cookie" not in response.headers


def test_a_re_signed_canonical_string_with_a_new_message_id_is_refused(post, publisher):
    """A captured notification with a Subject, its Subject folded into MessageId: same signature."""
    captured = publisher.aws(BOUNCE_PERMANENT, subject="Amazon SES Email Event Notification")
    assert post(captured).status_code == 200
    forged = {k: v for k, v in captured.items() if k != "Subject"}
    forged["MessageId"] = f"{captured['MessageId']}\nSubject\n{captured['Subject']}"
    assert string_to_sign(forged) == string_to_sign(captured)

    response = post(forged)

    assert response.status_code == 400 and b"line break" in response.content
    assert Notification.objects.count() == 1
    assert processing.process_pending(10).rows == Bounce.objects.count() == 2


def _ago(**delta: float) -> str:
    moment = datetime.now(UTC) - timedelta(**delta)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_a_notification_older_than_bouncy_max_age_is_refused(post, publisher, settings, caplog):
    settings.BOUNCY_MAX_AGE = 3600
    old = publisher.aws(BOUNCE_PERMANENT, Timestamp=_ago(hours=2))
    with caplog.at_level("WARNING", logger="bouncy.views"):
        response = post(old)
    assert_rejected(response, 400, "older than BOUNCY_MAX_AGE")
    assert "older than BOUNCY_MAX_AGE" in caplog.text


def test_a_notification_within_bouncy_max_age_is_accepted(post, publisher, settings):
    settings.BOUNCY_MAX_AGE = 3600
    assert post(publisher.aws(BOUNCE_PERMANENT, Timestamp=_ago(minutes=50))).status_code == 200


def test_bouncy_max_age_defaults_to_one_hour(post, publisher, settings):
    del settings.BOUNCY_MAX_AGE
    old = publisher.aws(BOUNCE_PERMANENT, Timestamp=_ago(minutes=65))
    assert_rejected(post(old), 400, "older than BOUNCY_MAX_AGE")
