"""The suppression admin: filters, search, counts, audited removal, manual add, CSV in and out."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from post_office.models import Email

from mailer.models import Delivery, Unsubscribe, UnsubscribeRemoval

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/mailer/unsubscribe/"
IMPORT = "/admin/mailer/unsubscribe/import/"
Reason, Scope = Unsubscribe.Reason, Unsubscribe.Scope


@pytest.fixture
def rows() -> dict[str, Unsubscribe]:
    old = timezone.now() - timedelta(days=40)
    specs = [
        ("hard@example.com", Reason.HARD_BOUNCE, Scope.ALL, timezone.now()),
        ("angry@example.com", Reason.COMPLAINT, Scope.ALL, timezone.now()),
        ("news@other.org", Reason.UNSUBSCRIBED, Scope.BULK, old),
        ("gone@other.org", Reason.HARD_BOUNCE, Scope.ALL, old),
    ]
    return {a: Unsubscribe.objects.create(address=a, reason=r, scope=s, created_at=c,
                                          source="bouncy notification #12: Permanent bounce")
            for a, r, s, c in specs}


def listed(response) -> list[str]:
    return sorted(row.address for row in response.context["cl"].result_list)


def test_counts_per_reason_follow_the_filters(admin_client, rows):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    counts = {row["label"]: row["count"] for row in response.context["reason_counts"]}
    assert counts == {"hard bounce": 2, "complaint": 1, "unsubscribed": 1}
    assert "hard bounce: <strong>2</strong>" in response.content.decode()
    filtered = admin_client.get(CHANGELIST, {"scope__exact": "all"})
    assert {r["label"]: r["count"] for r in filtered.context["reason_counts"]} == {
        "hard bounce": 2, "complaint": 1}


def test_filters_by_reason_scope_and_date(admin_client, rows):
    assert listed(admin_client.get(CHANGELIST, {"reason__exact": "hard_bounce"})) == [
        "gone@other.org", "hard@example.com"]
    assert listed(admin_client.get(CHANGELIST, {"scope__exact": "bulk"})) == ["news@other.org"]
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    since = str(midnight - timedelta(days=7))
    recent = admin_client.get(CHANGELIST, {"created_at__gte": since})
    assert listed(recent) == ["angry@example.com", "hard@example.com"]


def test_search_by_address_part_address_and_domain(admin_client, rows):
    assert listed(admin_client.get(CHANGELIST, {"q": "@Other.ORG"})) == [
        "gone@other.org", "news@other.org"]
    assert listed(admin_client.get(CHANGELIST, {"q": "HARD@example.com"})) == ["hard@example.com"]
    assert listed(admin_client.get(CHANGELIST, {"q": "angr"})) == ["angry@example.com"]
    assert listed(admin_client.get(CHANGELIST, {"q": "@"})) == []


def test_source_links_to_the_bouncy_notification(admin_client, rows):
    body = admin_client.get(CHANGELIST).content.decode()
    assert '<a href="/admin/bouncy/notification/12/change/" title="bouncy notification #12' in body


def test_remove_asks_for_a_note_then_removes_with_an_audit_record(admin_client, admin_user, rows):
    chosen = [rows["hard@example.com"].pk, rows["news@other.org"].pk]
    post = {"action": "remove_suppressions", "_selected_action": chosen}
    page = admin_client.post(CHANGELIST, {**post, "index": "0"})
    assert page.status_code == 200 and page.context["title"] == "Remove from the suppression list"
    assert b"Remove <strong>2</strong> addresses" in page.content
    assert Unsubscribe.objects.count() == 4

    no_note = admin_client.post(CHANGELIST, {**post, "apply": "1", "note": "  "})
    assert no_note.status_code == 200 and no_note.context["form"].errors["note"]
    assert Unsubscribe.objects.count() == 4 and not UnsubscribeRemoval.objects.exists()

    done = admin_client.post(CHANGELIST, {**post, "apply": "1", "note": "asked by phone"})
    assert done.status_code == 302
    assert sorted(Unsubscribe.objects.values_list("address", flat=True)) == [
        "angry@example.com", "gone@other.org"]
    audits = UnsubscribeRemoval.objects.order_by("address")
    assert [(a.address, a.reason, a.note, a.removed_by) for a in audits] == [
        ("hard@example.com", "hard_bounce", "asked by phone", admin_user),
        ("news@other.org", "unsubscribed", "asked by phone", admin_user),
    ]
    assert all(timezone.now() - a.removed_at < timedelta(minutes=1) for a in audits)


def test_remove_across_all_filtered_rows(admin_client, rows):
    post = {"action": "remove_suppressions", "select_across": "1",
            "_selected_action": [rows["gone@other.org"].pk], "apply": "1", "note": "domain fixed"}
    response = admin_client.post(CHANGELIST + "?q=%40other.org", post)
    assert response.status_code == 302
    assert sorted(UnsubscribeRemoval.objects.values_list("address", flat=True)) == [
        "gone@other.org", "news@other.org"]
    assert Unsubscribe.objects.count() == 2


def test_rows_cannot_be_deleted_without_the_audit(admin_client, rows):
    pk = rows["hard@example.com"].pk
    assert admin_client.get(f"{CHANGELIST}{pk}/delete/").status_code == 403
    actions = admin_client.get(CHANGELIST).context["action_form"].fields["action"].choices
    names = [name for name, _label in actions]
    assert "delete_selected" not in names and "remove_suppressions" in names


def test_staff_only_and_permissions():
    assert Client().get(CHANGELIST).status_code == 302  # to the login page
    staff = User.objects.create_user("viewer", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_unsubscribe"))
    client = Client()
    client.force_login(staff)
    response = client.get(CHANGELIST)
    names = [n for n, _ in response.context["action_form"].fields["action"].choices]
    assert "remove_suppressions" not in names and "export_csv" in names
    assert client.get(IMPORT).status_code == 403
    assert client.get(CHANGELIST + "add/").status_code == 403


def test_add_manually_normalises_and_records_the_admin(admin_client, admin_user):
    response = admin_client.post(CHANGELIST + "add/", {
        "address": "  Someone@Example.COM ", "scope": "bulk", "note": "asked at the desk"})
    assert response.status_code == 302
    row = Unsubscribe.objects.get()
    assert (row.address, row.reason, row.scope) == ("someone@example.com", "manual", "bulk")
    assert row.source == f"admin user {admin_user.username}" and row.note == "asked at the desk"
    again = admin_client.post(CHANGELIST + "add/", {"address": "SOMEONE@example.com",
                                                    "scope": "all"})
    assert again.status_code == 200
    assert "already exists" in str(again.context["adminform"].form.errors)
    bad = admin_client.post(CHANGELIST + "add/", {"address": "nope", "scope": "all"})
    assert "cannot be used" in str(bad.context["adminform"].form.errors["address"])


def test_export_csv(admin_client, rows):
    response = admin_client.post(CHANGELIST, {
        "action": "export_csv", "index": "0",
        "_selected_action": [rows["hard@example.com"].pk, rows["news@other.org"].pk]})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["address"], r["reason"], r["scope"]) for r in table] == [
        ("hard@example.com", "hard_bounce", "all"), ("news@other.org", "unsubscribed", "bulk")]
    assert table[0]["created_at"] == rows["hard@example.com"].created_at.isoformat()


def upload(text: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_import_a_good_file(admin_client, admin_user, rows):
    text = ("email,scope,expires_at,note\n"
            "New@Example.com,,,\n"
            "later@example.com,bulk,2031-01-01,asked\n"
            "hard@example.com,,,\n")
    response = admin_client.post(IMPORT, {"file": upload(text), "scope": "all"})
    assert response.status_code == 302
    new = Unsubscribe.objects.get(address="new@example.com")
    later = Unsubscribe.objects.get(address="later@example.com")
    assert (new.reason, new.scope, new.source) == ("imported", "all",
                                                    f"CSV import list.csv by {admin_user.username}")
    assert (later.scope, later.expires_at.year, later.note) == ("bulk", 2031, "asked")
    assert Unsubscribe.objects.get(address="hard@example.com").reason == "hard_bounce"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Imported 3 rows: 2 added, 0 strengthened, 1 already suppressed."]


def test_import_with_bad_rows_reports_each_line_and_imports_nothing(admin_client):
    text = ("address,scope,expires_at\n"
            "good@example.com,,\n"
            "not-an-address,,\n"
            "fine@example.com,everything,\n"
            ",all,\n"
            "ok@example.com,all,next tuesday\n"
            "x@example.com,all,,extra\n")
    response = admin_client.post(IMPORT, {"file": upload(text), "scope": "all"})
    assert response.status_code == 200
    errors = response.context["line_errors"]
    assert errors == [
        "line 3: 'not-an-address' cannot be used: it needs a local part, an @ and a domain.",
        "line 4: scope 'everything' is not one of all, bulk",
        "line 5: no address",
        "line 6: expires_at 'next tuesday' is not a date or date-time (use ISO 8601)",
        "line 7: expected 3 fields, found 4",
    ]
    assert "Nothing was imported" in response.content.decode()
    assert not Unsubscribe.objects.exists()


@pytest.mark.parametrize(("content", "error"), [
    (b"name\nx@example.com\n",
     "line 1: the header needs an 'address' or 'email' column (found: name)."),
    (b"address\n", "the file has no rows below its header"),
    (b"address\n\xff\xfe@example.com\n", "The file is not UTF-8 text"),
])
def test_import_of_an_unusable_file(admin_client, content, error):
    file = SimpleUploadedFile("bad.csv", content, content_type="text/csv")
    response = admin_client.post(IMPORT, {"file": file, "scope": "all"})
    assert response.status_code == 200
    assert response.context["line_errors"][0].startswith(error)
    assert not Unsubscribe.objects.exists()


def test_import_page_is_linked_from_the_changelist(admin_client):
    body = admin_client.get(CHANGELIST).content.decode()
    assert 'href="/admin/mailer/unsubscribe/import/"' in body
    assert admin_client.get(IMPORT).status_code == 200


def test_the_email_admin_shows_dropped_recipients(admin_client):
    email = Email.objects.create(from_email="f@example.com", to=["a@example.com", "b@example.com"],
                                 message="hi", subject="s")
    Delivery.objects.create(email=email, state="sent", dropped=[
        {"address": "a@example.com", "reason": "hard_bounce"}])
    body = admin_client.get(f"/admin/post_office/email/{email.pk}/change/").content.decode()
    assert "dropped recipients" in body.lower() and "a@example.com (hard_bounce)" in body
    suppressed = admin_client.get("/admin/post_office/email/", {"delivery__state": "sent"})
    assert suppressed.status_code == 200 and list(suppressed.context["cl"].result_list) == [email]


def test_import_and_remove_have_their_own_permissions(rows):
    staff = User.objects.create_user("adder", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(
        codename__in=["view_unsubscribe", "add_unsubscribe", "delete_unsubscribe"]))
    client = Client()
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 403
    names = [n for n, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert "remove_suppressions" not in names

    staff.user_permissions.add(*Permission.objects.filter(
        codename__in=["import_unsubscribe", "remove_unsubscribe"]))
    staff = User.objects.get(pk=staff.pk)  # a fresh permission cache
    client.force_login(staff)
    assert client.get(IMPORT).status_code == 200
    names = [n for n, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert "remove_suppressions" in names
