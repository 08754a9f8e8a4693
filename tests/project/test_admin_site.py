"""The admin is Mailroom's: its name, one name per list, no dead links or needless Add buttons."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_site_is_named_mailroom_and_has_no_view_site_link(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>Mailroom administration | Mailroom</title>" in html
    assert ">Mailroom</a>" in html and "Django administration" not in html
    assert "View site" not in html


def test_the_root_leads_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_the_two_delivery_lists_have_distinct_names(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "SES delivery notifications" in html and "Sends (one per email)" in html
    assert ">Deliveries<" not in html
    bouncy_list = admin_client.get("/admin/bouncy/delivery/")
    assert bouncy_list.context["title"] == "SES delivery notifications"


@pytest.mark.parametrize("model", ["attachment", "emailtemplate", "log"])
def test_post_office_lists_an_operator_never_adds_to_have_no_add_button(admin_client, model):
    assert admin_client.get(f"/admin/post_office/{model}/add/").status_code == 403
    html = admin_client.get("/admin/").content.decode()
    assert f'href="/admin/post_office/{model}/add/"' not in html
