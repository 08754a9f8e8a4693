"""``mailer_campaign create|send|pause|resume|cancel|retry-failed|status NAME``: for scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mailer.campaigns import control
from mailer.campaigns.authoring import Draft, create_with_audience
from mailer.campaigns.exceptions import AudienceImportError, CampaignError
from mailer.campaigns.models import Campaign
from mailer.campaigns.progress import Progress, progress

CONTROL = {
    "send": "start sending (or schedule) a draft",
    "pause": "hold queued mail within seconds",
    "resume": "continue a paused campaign",
    "cancel": "stop for good: unsent recipients are recorded as cancelled",
    "retry-failed": "queue only the failed recipients again",
}


class Command(BaseCommand):
    help = "Create, control and watch bulk campaigns."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a draft campaign and its audience")
        create.add_argument("name")
        create.add_argument("--audience", required=True, metavar="FILE.csv",
                            help="CSV with an email column; other columns are template context")
        create.add_argument("--subject", required=True, metavar="TEMPLATE")
        create.add_argument("--text", required=True, metavar="FILE", help="text body template")
        create.add_argument("--html", metavar="FILE", help="HTML body template")
        create.add_argument("--from", dest="from_email", default="", metavar="ADDRESS")
        for action, text in CONTROL.items():
            actions.add_parser(action, help=text).add_argument("name")
        status = actions.add_parser("status", help="counts per recipient state, rate and ETA")
        status.add_argument("name")
        status.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "create":
                self._create(options)
            elif action == "status":
                self._status(options["name"], options["json"])
            else:
                self._control(action, options["name"])
        except AudienceImportError as exc:
            self._import_failed(options["audience"], exc)
        except CampaignError as exc:
            raise CommandError(_one_line(exc)) from None

    def _create(self, options: dict[str, Any]) -> None:
        draft = Draft(
            name=options["name"], subject=options["subject"], text=_read(options["text"]),
            html=_read(options["html"]) if options["html"] else "",
            from_email=options["from_email"],
        )
        path = options["audience"]
        try:
            with open(path, encoding="utf-8-sig", newline="") as csv_file:
                campaign = create_with_audience(draft, csv_file)
        except OSError as exc:
            raise CommandError(f"{path}: cannot read it ({exc.strerror}).") from None
        count = campaign.audience.members.count()
        self.stdout.write(f"{campaign.name}: draft created for {count} recipients.")

    def _control(self, action: str, name: str) -> None:
        campaign_id = Campaign.objects.by_name(name).id
        if action == "cancel":
            count = control.cancel(campaign_id)
            self.stdout.write(f"{name}: cancelled ({count} recipients unsent).")
        elif action == "retry-failed":
            count = control.retry_failed(campaign_id)
            self.stdout.write(f"{name}: {count} failed recipients requeued.")
        else:
            campaign = getattr(control, action)(campaign_id)
            self.stdout.write(f"{name}: {campaign.status}.")

    def _status(self, name: str, as_json: bool) -> None:
        report = progress(Campaign.objects.by_name(name))
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), sort_keys=True))
        else:
            self.stdout.write("\n".join(_lines(report)))

    def _import_failed(self, path: str, exc: AudienceImportError) -> None:
        for line in exc.lines:
            self.stderr.write(f"{path} {line}")
        raise CommandError(f"{path}: {len(exc.lines)} bad line(s); nothing was created.")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read it ({getattr(exc, 'strerror', exc)}).") from None


def _one_line(exc: CampaignError) -> str:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return " ".join(" ".join(messages).split())


def _lines(report: Progress) -> list[str]:
    rows = [("campaign", f"{report.campaign} ({report.status})"), *report.counts.items(),
            ("total", report.total), ("delivered", report.delivered),
            ("opened", report.opened), ("clicked", report.clicked),
            ("rate", report.rate_label), ("limit", f"{report.limit_rate:g}/s"),
            ("eta", report.eta_label)]
    if report.waiting_for_quota_until:
        rows.append(("quota wait", report.waiting_for_quota_until.isoformat()))
    return [f"{name:<10}  {value}" for name, value in rows]
