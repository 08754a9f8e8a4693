"""The operator's main flows in a real browser, against a live server holding what a real run
leaves behind: a campaign sent by a Celery worker through the SES sandbox, whose mailbox
simulator's bounces and complaints came back through the webhook and suppressed addresses."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model

from bouncy.models import Bounce, Complaint
from mailer import aws
from mailer.campaigns import control
from mailer.campaigns.authoring import Draft, create_with_audience
from mailer.campaigns.models import Campaign
from mailer.campaigns.progress import progress
from mailer.models import Unsubscribe, UnsubscribeRemoval
from mailer.reputation import refresh
from mailer.sandbox import SESSandbox
from tests.support.browser import WIDTH
from tests.support.sandbox import trust_feedback_from
from tests.support.waiting import wait_until
from tests.support.workers import kill

SIM = "simulator.amazonses.com"
PASSWORD = "correct horse battery"
BOUNCED = f"bounce+list2@{SIM}"
LISTS = [
    "/admin/bouncy/notification/",
    "/admin/bouncy/complaint/",
    "/admin/bouncy/delivery/",
    "/admin/mailer/delivery/",
    "/admin/mailer/unsubscriberemoval/",
    "/admin/campaigns/campaignrecipient/",
    "/admin/post_office/email/",
]


def audience_csv(successes: int, bounces: int = 0, complaints: int = 0) -> io.StringIO:
    rows = [f"success+list{i}@{SIM}" for i in range(successes)]
    rows += [f"bounce+list{i}@{SIM}" for i in range(bounces)]
    rows += [f"complaint+list{i}@{SIM}" for i in range(complaints)]
    return io.StringIO("email\n" + "\n".join(rows) + "\n")


@pytest.fixture
def ran(live_server, settings, start_worker):
    """A finished campaign with its feedback, and one sending with no worker left to send it."""
    box = SESSandbox(feedback_url=f"{live_server.url}/mail/bouncy/", feedback_delay=0).start()
    trust_feedback_from(box, settings)
    worker = start_worker(env={"AWS_SES_ENDPOINT_URL": box.url})
    draft = Draft("Welcome", "Welcome, {{ email }}", "Hello from the test.")
    sent = create_with_audience(draft, audience_csv(40, bounces=4, complaints=2))
    control.send(sent.id)
    wait_until(
        lambda: Bounce.objects.count() == 4 and Complaint.objects.count() == 2,
        120,
        "the campaign's bounces and complaints did not come back through the webhook",
    )
    # the campaign page's progress reconciles recipients with their emails, and ends it
    done = lambda: progress(Campaign.objects.get(pk=sent.id)).status == "done"  # noqa: E731
    wait_until(done, 60, "the campaign did not end")
    kill(worker)  # the next campaign stays "sending": there is no worker to send it
    later = create_with_audience(Draft("Spring sale", "Sale", "Sale!"), audience_csv(30))
    control.send(later.id)
    refresh.run()  # the snapshot beat takes every minute
    get_user_model().objects.create_superuser("operator", "op@example.com", PASSWORD)
    yield live_server.url
    box.stop()
    aws.reset_client()


def log_in(page, base: str) -> None:
    page.goto(f"{base}/admin/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert page.locator("#site-name").inner_text() == "Mailroom"


def assert_fits(page) -> None:
    """The page, and its main table if it has one, within the 1,400 px window."""
    widths = page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const box = table ? (table.closest('.results') || table.parentElement) : null;
            return {page: document.documentElement.scrollWidth,
                    table: table ? table.scrollWidth : 0, box: box ? box.clientWidth : 0};
        }"""
    )
    assert widths["page"] <= WIDTH, widths
    assert widths["table"] <= widths["box"], widths


def message(page) -> str:
    return page.locator("ul.messagelist").inner_text()


def test_operator_flows(ran, page):
    log_in(page, ran)

    # The dashboard says the guard has not judged yet, and why, instead of "ok".
    page.goto(f"{ran}/admin/reputation/dashboard/")
    guard = page.locator("#guard-level").inner_text()
    assert re.fullmatch(r"not judged yet: \d+ of 1,000 recipients", guard), guard
    assert page.locator("#held-bulk").inner_text() == "0"
    assert_fits(page)

    # Pause and resume a campaign from its own page; nothing on it can be edited any more.
    page.goto(f"{ran}/admin/campaigns/campaign/")
    assert_fits(page)
    page.click("text=Spring sale")
    assert page.locator("input[name=_save]").count() == 0
    assert page.locator("#id_subject").count() == 0
    page.click("#campaign-controls input[value=Pause]")
    assert "Campaign paused" in message(page)
    assert Campaign.objects.get(name="Spring sale").status == "paused"
    assert "0/s (paused)" in page.locator(".campaign-rate").inner_text()
    page.click("#campaign-controls input[value=Resume]")
    assert "Campaign resumed" in message(page)
    assert Campaign.objects.get(name="Spring sale").status == "sending"

    # Remove a suppression with a note.
    page.goto(f"{ran}/admin/mailer/unsubscribe/?q=bounce%2Blist1%40{SIM}")
    assert_fits(page)
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "remove_suppressions")
    page.click("button[name=index]")
    page.fill("textarea[name=note]", "The customer fixed their mailbox.")
    page.click("input[value=Remove]")
    assert "Removed 1 suppressed addresses" in message(page)
    removal = UnsubscribeRemoval.objects.get(address=f"bounce+list1@{SIM}")
    assert removal.note == "The customer fixed their mailbox."
    assert not Unsubscribe.objects.filter(address=f"bounce+list1@{SIM}").exists()

    # A bounce's facts are on the list; its notification links to the email and suppression.
    page.goto(f"{ran}/admin/bouncy/bounce/")
    assert_fits(page)
    row = page.locator("#result_list tr", has_text=BOUNCED)
    assert "550 5.1.1 user unknown" in row.inner_text()
    assert "Welcome" in row.inner_text()  # its campaign
    row.locator("td.field-when a").click()
    facts = page.locator(".bouncy-facts").inner_text()
    assert BOUNCED in facts and "hard bounce 5.1.1" in facts
    assert page.locator("details", has_text="Raw JSON").get_attribute("open") is None
    assert_fits(page)
    page.click("a:text-matches('^email #')")
    assert "/admin/post_office/email/" in page.url
    assert BOUNCED in page.content()
    page.go_back()
    page.click(f"text=suppression of {BOUNCED}")
    assert "/admin/mailer/unsubscribe/" in page.url
    assert page.locator(".field-address .readonly").inner_text() == BOUNCED

    # Every other list an operator reads fits the window too.
    for path in LISTS:
        page.goto(f"{ran}{path}")
        assert page.locator("#result_list tbody tr").count() > 0, path
        assert_fits(page)
