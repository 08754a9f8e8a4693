"""``mailer_status``'s text: every figure under a label that says what it counts."""

import re
from io import StringIO

import pytest
from django.core.mail import send_mail
from django.core.management import call_command


@pytest.mark.django_db
def test_text_output_names_each_figure_for_what_it_is(redis_client):
    send_mail("Hi", "Body", None, ["a@example.com"])
    out = StringIO()
    call_command("mailer_status", stdout=out)
    text = out.getvalue()
    assert "Emails\n" in text and "SES answers counted by the workers\n" in text
    assert "  daily quota exceeded (retried)" in text and "ses_daily_quota" not in text
    assert re.search(r"\n  account paused \(quota or errors\) +no\n", text)
    line = next(ln for ln in text.splitlines() if ln.startswith("  queued "))
    assert line.split()[-1] == "1"
    assert "reputation guard  not judged yet: 0 of 1000 recipients" in text
