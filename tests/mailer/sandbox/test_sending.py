"""boto3 v1 and v2 sends against the sandbox, and the quota it reports."""

from __future__ import annotations

from mailer.sandbox import SESSandbox
from tests.support.sandbox import client, post, raw_message


def test_v1_raw_without_destinations_uses_headers_once_each(box, ses):
    raw = raw_message(to="a@example.com, A@example.com", extra="Cc: c@example.com\r\n")
    response = ses.send_raw_email(RawMessage={"Data": raw})
    [message] = box.messages()
    assert message["message_id"] == response["MessageId"]
    assert message["destinations"] == ["a@example.com", "c@example.com"]
    assert message["source"] == "sender@example.com"
    assert message["subject"] == "Hello"
    assert message["api"] == "v1-raw"
    assert message["raw"] == raw.decode()
    assert box.stats()["accepted_recipients"] == 2


def test_v1_raw_with_destinations_includes_bcc_and_config_set(box, ses):
    ses.send_raw_email(
        Source="bounces@example.com",
        Destinations=["to@example.com", "hidden@example.com", "to@example.com"],
        RawMessage={"Data": raw_message()},
        ConfigurationSetName="tracking",
    )
    [message] = box.messages()
    assert message["destinations"] == ["to@example.com", "hidden@example.com"]
    assert message["source"] == "bounces@example.com"
    assert message["configuration_set"] == "tracking"


def test_message_ids_look_like_ses(box, ses):
    message_id = ses.send_raw_email(RawMessage={"Data": raw_message()})["MessageId"]
    head, *middle, tail = message_id.split("-")
    assert len(head) == 16 and int(head, 16) > 0
    assert len(middle) == 5 and tail == "000000"


def test_v1_raw_decodes_encoded_subject_and_folded_headers(box, ses):
    raw = raw_message(to="a@example.com,\r\n b@example.com", subject="=?utf-8?q?h=C3=A9llo?=")
    ses.send_raw_email(RawMessage={"Data": raw})
    [message] = box.messages()
    assert message["subject"] == "héllo"
    assert message["destinations"] == ["a@example.com", "b@example.com"]


def test_v1_send_email_simple(box, ses):
    ses.send_email(
        Source="from@example.com",
        Destination={"ToAddresses": ["to@example.com"], "BccAddresses": ["bcc@example.com"]},
        Message={
            "Subject": {"Data": "Simple"},
            "Body": {"Text": {"Data": "plain body"}, "Html": {"Data": "<p>html body</p>"}},
        },
    )
    [message] = box.messages()
    assert message["api"] == "v1-simple"
    assert message["destinations"] == ["to@example.com", "bcc@example.com"]
    assert message["subject"] == "Simple"
    assert "plain body" in message["raw"] and "<p>html body</p>" in message["raw"]
    assert "bcc@example.com" not in message["raw"]


def test_v2_send_raw(box, sesv2):
    response = sesv2.send_email(Content={"Raw": {"Data": raw_message(to="x@example.com")}})
    [message] = box.messages()
    assert message["message_id"] == response["MessageId"]
    assert message["api"] == "v2-raw"
    assert message["destinations"] == ["x@example.com"]
    assert message["source"] == "sender@example.com"


def test_v2_send_raw_with_destination(box, sesv2):
    sesv2.send_email(
        FromEmailAddress="bounces@example.com",
        Destination={"ToAddresses": ["x@example.com"], "BccAddresses": ["y@example.com"]},
        Content={"Raw": {"Data": raw_message()}},
        ConfigurationSetName="cs",
    )
    [message] = box.messages()
    assert message["destinations"] == ["x@example.com", "y@example.com"]
    assert message["configuration_set"] == "cs"


def test_v2_send_simple(box, sesv2):
    sesv2.send_email(
        FromEmailAddress="from@example.com",
        Destination={"ToAddresses": ["to@example.com"], "CcAddresses": ["cc@example.com"]},
        Content={"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "text"}}}},
    )
    [message] = box.messages()
    assert message["api"] == "v2-simple"
    assert message["destinations"] == ["to@example.com", "cc@example.com"]
    assert message["subject"] == "Hi"


def test_keep_raw_false_stores_no_raw(make_sandbox):
    box = make_sandbox(keep_raw=False)
    client("ses", box).send_raw_email(RawMessage={"Data": raw_message()})
    assert "raw" not in box.messages()[0]


def test_quota_defaults(box, ses, sesv2):
    ses.send_raw_email(RawMessage={"Data": raw_message(to="a@example.com, b@example.com")})
    quota = ses.get_send_quota()
    assert (quota["Max24HourSend"], quota["MaxSendRate"], quota["SentLast24Hours"]) == (
        1_000_000.0,
        1000.0,
        2.0,
    )
    account = sesv2.get_account()
    assert account["SendQuota"] == {
        "Max24HourSend": 1_000_000.0,
        "MaxSendRate": 1000.0,
        "SentLast24Hours": 2.0,
    }
    assert account["SendingEnabled"] and account["ProductionAccessEnabled"]
    assert account["EnforcementStatus"] == "HEALTHY"


def test_quota_reports_configured_limits(make_sandbox):
    box = make_sandbox(max_send_rate=14, max_24h_send=200)
    quota = client("ses", box).get_send_quota()
    assert (quota["Max24HourSend"], quota["MaxSendRate"]) == (200.0, 14.0)
    reported = make_sandbox(max_send_rate=14, reported_max_send_rate=20)
    assert client("sesv2", reported).get_account()["SendQuota"]["MaxSendRate"] == 20.0


def test_identity_actions(ses):
    assert ses.get_account_sending_enabled()["Enabled"] is True
    ses.verify_email_identity(EmailAddress="me@example.com")
    assert ses.list_identities()["Identities"] == ["me@example.com"]
    assert ses.list_identities(IdentityType="Domain")["Identities"] == []
    attributes = ses.get_identity_verification_attributes(Identities=["other@example.com"])
    assert attributes["VerificationAttributes"] == {
        "other@example.com": {"VerificationStatus": "Success"}
    }


def test_on_accept_hook_gets_the_record_and_cannot_break_sending(make_sandbox):
    seen: list[dict] = []

    def hook(record: dict) -> None:
        seen.append(record)
        raise RuntimeError("hook failure is logged, not answered")

    box = make_sandbox(on_accept=hook)
    message_id = client("ses", box).send_raw_email(RawMessage={"Data": raw_message()})["MessageId"]
    assert [record["message_id"] for record in seen] == [message_id]


def test_context_manager_starts_and_stops():
    with SESSandbox() as box:
        client("ses", box).send_raw_email(RawMessage={"Data": raw_message()})
        assert box.url.startswith("http://127.0.0.1:")
    assert len(box.messages()) == 1


def test_v2_raw_data_must_be_base64(box):
    # boto3 always base64-encodes blobs, so post a broken body directly.
    body = b'{"Content": {"Raw": {"Data": "***"}}}'
    status, headers, _ = post(box, "/v2/email/outbound-emails", body)
    assert (status, headers["x-amzn-ErrorType"]) == (400, "BadRequestException")
    assert box.stats()["rejected"] == 1


def test_v1_unknown_action_is_invalid_action(box):
    status, _, body = post(box, "/", b"Action=Nope")
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


def test_v2_unknown_operation_is_404(box, sesv2):
    status, headers, _ = post(box, "/v2/email/nothing-here", b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
