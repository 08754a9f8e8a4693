"""``permissions.acting_user``: the user an audit record names; an anonymous request is refused."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from mailer import permissions


@pytest.mark.django_db
def test_the_acting_user_is_the_requests_user():
    request = RequestFactory().post("/")
    request.user = User.objects.create_user("ops", is_staff=True)
    assert permissions.acting_user(request) == request.user


def test_an_anonymous_request_has_no_acting_user():
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        permissions.acting_user(request)
