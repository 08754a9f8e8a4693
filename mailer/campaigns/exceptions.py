"""The campaign errors: unknown names, forbidden transitions, bad templates and bad CSV lines."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, ValidationError

from mailer.exceptions import MailerError


class CampaignError(MailerError):
    """Root of every error the campaigns app raises on purpose."""


class CampaignNotFound(CampaignError, ObjectDoesNotExist):
    """No campaign (or audience) has that name or id."""


class CampaignExists(CampaignError, ValueError):
    """A campaign or audience with that name exists already."""


class CampaignStateError(CampaignError, ValueError):
    """The action is not allowed in the campaign's current status (the message says why)."""


class InvalidTemplate(CampaignError, ValidationError):
    """A subject, text or HTML template does not compile (the message names which)."""


class InvalidCampaign(CampaignError, ValidationError):
    """A campaign field other than a template is unusable (e.g. the From address)."""


class AudienceImportError(CampaignError, ValidationError):
    """A CSV import with bad lines; ``lines`` has one message per problem; nothing was saved."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__(lines)
        self.lines = lines
