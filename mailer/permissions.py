"""Every state change the admin offers, and the one permission each needs.

Staff status only lets a user in; each action and custom admin view that changes something
checks one of these with ``user.has_perm`` (superusers have them all), and only on a POST.
View permissions alone never change anything (tests/project/test_admin_permissions.py walks
every action and custom URL as a view-only user).
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

# Campaigns (mailer.campaigns.models.Campaign.Meta.permissions)
SEND_CAMPAIGN = "campaigns.send_campaign"  # send, retry failed recipients
CONTROL_CAMPAIGN = "campaigns.control_campaign"  # pause, resume, cancel
IMPORT_AUDIENCE = "campaigns.change_audience"  # CSV import into an audience

# The suppression list (mailer.models.Unsubscribe.Meta.permissions)
ADD_SUPPRESSION = "mailer.add_unsubscribe"
REMOVE_SUPPRESSION = "mailer.remove_unsubscribe"  # audited removal with a note
IMPORT_SUPPRESSIONS = "mailer.import_unsubscribe"  # CSV import

# The reputation guard (mailer.reputation.models.GuardEvent.Meta.permissions)
RESUME_BULK = "reputation.resume_bulk"

# post_office's queue: re-send or requeue an Email (through Mailroom's queue, recorded)
RESEND_EMAIL = "post_office.change_email"
REQUEUE_EMAIL = RESEND_EMAIL


def allowed(request: HttpRequest, permission: str) -> bool:
    """Whether the request's user holds ``permission`` (staff status alone is not enough)."""
    user = request.user
    return bool(user.is_active and user.is_staff and user.has_perm(permission))


def acting_user(request: HttpRequest) -> User:
    """The request's user, for the audit records that name who acted: the admin site lets only
    staff users in, so anyone else (an anonymous request) is refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
