"""Every admin action and custom admin URL, walked as a staff user who may only view.

Each state-changing action must not be offered to such a user, and POSTing it anyway, or
GETting and POSTing any custom admin URL, must change nothing in the database. A custom URL
that is not a known read-only page must refuse the POST outright (403 or 405). New actions and
URLs are walked automatically: an admin page added later is covered without editing this test.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import ModelAdmin
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, reverse
from post_office import mail
from post_office.models import STATUS, Email

from mailer.campaigns import audiences, control
from mailer.campaigns.authoring import Draft, create_campaign
from mailer.models import Delivery, Unsubscribe
from mailer.reputation.models import GuardEvent

pytestmark = pytest.mark.usefixtures("redis_client")

# Actions a view-only user may run because they change nothing (they only read).
READ_ONLY_ACTIONS = {("mailer", "unsubscribe", "export_csv")}
# Custom admin URLs that only show something: a POST to them must still change nothing.
READ_ONLY_URLS = {
    "post_office_email_image",
    "post_office_email_preview",
    "reputation_dashboard_changelist",
}
# Bookkeeping a page view may write: showing progress syncs recipients with their emails.
BOOKKEEPING = {"campaigns.Campaign": {"synced_at", "fully_synced_at"}}
STANDARD_SUFFIXES = ("_changelist", "_add", "_history", "_delete", "_change")


@pytest.fixture
def world(db) -> None:
    """One of each thing an admin action could change."""
    audience = audiences.create_audience("walk", io.StringIO("email\na@example.com\n"))
    draft = Draft(
        name="draft", subject="Hi", text="Hello", html="", from_email="News <news@example.com>"
    )
    create_campaign(draft, audience)
    running = create_campaign(Draft(**{**draft.__dict__, "name": "running"}), audience)
    control.send(running.id)
    Unsubscribe.objects.create(address="gone@example.com", reason="hard_bounce")
    sent = mail.send("to@example.com", "from@example.com", subject="s", message="m")
    Email.objects.filter(pk=sent.pk).update(status=STATUS.sent)
    Delivery.objects.create(email_id=sent.pk, state="sent", ses_message_id="walk-1")
    failed = mail.send("to@example.com", "from@example.com", subject="f", message="m")
    Email.objects.filter(pk=failed.pk).update(status=STATUS.failed)
    GuardEvent.objects.create(action=GuardEvent.Action.HELD, reason="walk")


@pytest.fixture
def viewer(world) -> Client:
    """A staff user holding every view permission and nothing else."""
    user = User.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(user)
    for model, _model_admin in registered():  # views may create a singleton row on first use
        client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return client


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table the project's models own."""
    return {
        model._meta.label: [
            {k: v for k, v in row.items() if k not in BOOKKEEPING.get(model._meta.label, ())}
            for row in model._default_manager.order_by("pk").values()
        ]
        for model in apps.get_models()
        if model._meta.managed and model._meta.app_label not in {"sessions", "admin"}
    }


def registered() -> Iterator[tuple[type[models.Model], ModelAdmin]]:
    yield from admin.site._registry.items()


def walk_actions() -> Iterator[tuple[type[models.Model], str]]:
    for model, model_admin in registered():
        for _func, name, _description in model_admin._get_base_actions():
            yield model, name


def test_the_walk_covers_the_known_state_changes(db):
    actions = {(m._meta.model_name, name) for m, name in walk_actions()}
    urls = {name for _m, _a, name, _k in walk_urls(db_ids=False)}
    assert {
        ("campaign", "send_campaigns"),
        ("campaign", "retry_failed"),
        ("unsubscribe", "remove_suppressions"),
        ("email", "requeue"),
    } <= actions
    assert {"mailer_unsubscribe_import", "campaigns_audience_import", "reputation_resume"} <= urls
    assert any("resend" in name for name in urls)


def test_a_view_only_user_can_run_no_state_changing_action(viewer):
    before = snapshot()
    for model, name in walk_actions():
        key = (model._meta.app_label, model._meta.model_name, name)
        pks = (
            [str(pk) for pk in model._default_manager.values_list("pk", flat=True)]
            if model._meta.managed
            else []
        )
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = viewer.get(changelist)
        offered = (
            {choice for choice, _label in page.context["action_form"].fields["action"].choices}
            if page.status_code == 200 and page.context.get("action_form")
            else set()
        )
        if key not in READ_ONLY_ACTIONS:
            assert name not in offered, f"{key} is offered to a view-only user"
        response = viewer.post(
            changelist,
            {
                "action": name,
                "_selected_action": pks or ["1"],
                "apply": "1",
                "note": "walk",
                "post": "yes",
            },
        )
        assert response.status_code in (200, 302, 403), key
        assert snapshot() == before, f"{key} changed something for a view-only user"


def walk_urls(db_ids: bool = True) -> Iterator[tuple[type[models.Model], ModelAdmin, str, dict]]:
    """The custom (non-CRUD) admin URLs, with arguments naming existing rows."""
    for model, model_admin in registered():
        for pattern in model_admin.get_urls():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            if pattern.name.endswith(STANDARD_SUFFIXES) and not pattern.name.startswith(
                "reputation_dashboard"
            ):
                continue
            kwargs = {}
            for arg in pattern.pattern.regex.groupindex:
                if arg == "content_id":
                    kwargs[arg] = "0" * 32
                else:
                    rows = model._default_manager.order_by("pk")
                    first = rows.first() if db_ids and model._meta.managed else None
                    kwargs[arg] = first.pk if first else 1
            yield model, model_admin, pattern.name, kwargs


def test_a_view_only_user_changes_nothing_through_custom_admin_urls(viewer):
    before = snapshot()
    upload = "email\nwalk@example.com\n"
    for _model, _model_admin, name, kwargs in walk_urls():
        url = reverse(f"admin:{name}", kwargs=kwargs)
        got = viewer.get(url)
        assert got.status_code in (200, 302, 403, 404, 405), (name, got.status_code)
        assert snapshot() == before, f"GET {name} changed something"
        posted = viewer.post(
            url,
            {
                "note": "walk",
                "scope": "all",
                "apply": "1",
                "confirm": "1",
                "campaigns": [c for c in range(1, 10)],
                "file": SimpleUploadedFile("a.csv", upload.encode()),
                "csv_file": SimpleUploadedFile("b.csv", upload.encode()),
            },
        )
        if name not in READ_ONLY_URLS:
            assert posted.status_code in (403, 405), (name, posted.status_code)
        assert snapshot() == before, f"POST {name} changed something"
