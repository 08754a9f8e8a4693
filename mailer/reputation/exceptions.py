"""The reputation guard's errors: configuration, resuming, and campaign control."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError

from mailer.exceptions import MailerError


class ReputationError(MailerError):
    """Root of every error the reputation guard raises on purpose."""


class ReputationConfigurationError(ReputationError, ImproperlyConfigured):
    """A MAILROOM_REPUTATION_* setting is wrong; the message names it and what to set."""


class NoteRequired(ReputationError, ValidationError):
    """Resuming bulk mail needs a note saying what the operator looked at."""


class NotHeld(ReputationError, ValueError):
    """Bulk mail is not held: there is nothing to resume."""


class ResumeNotAllowed(ReputationError, PermissionDenied):
    """The user may not resume bulk mail (needs reputation.resume_bulk)."""


class CampaignControlError(ReputationError):
    """The campaigns app could not pause a campaign (the message says which and why)."""
