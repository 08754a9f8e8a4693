"""Per-recipient rendering of a campaign's subject, text and HTML templates (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template import Context, Template, TemplateSyntaxError

from mailer.campaigns.exceptions import InvalidTemplate
from mailer.campaigns.fanout.plans import Plan, ints_render_plainly, plan_of, render_plan

UNSUBSCRIBE_VARIABLE = "unsubscribe_url"
# The fast path reads only a Context's settings (autoescape, use_l10n, use_tz): share these.
PLAIN, ESCAPED = Context(autoescape=False), Context(autoescape=True)


@dataclass(frozen=True)
class Templates:
    """A campaign's compiled templates (compile once per chunk, render per recipient).

    ``plans`` holds the fast path of each simple part (see mailer.campaigns.fanout.plans).
    """

    subject: Template
    text: Template
    html: Template | None
    uses_unsubscribe_url: bool
    plans: dict[str, Plan] = field(default_factory=dict)
    plain_ints: bool = False


@dataclass(frozen=True)
class Rendered:
    """One recipient's message: a one-line subject, the text body and the HTML body ("" if none)."""

    subject: str
    text: str
    html: str


def compile_templates(subject: str, text: str, html: str = "") -> Templates:
    """Compile the three templates; InvalidTemplate names the one that does not compile."""
    sources = (subject, text, html)
    compiled = {
        "subject": compile_one("subject", subject),
        "text": compile_one("text", text),
        "html": compile_one("html", html) if html.strip() else None,
    }
    plans = {part: plan_of(t) for part, t in compiled.items() if t is not None}
    return Templates(
        **compiled,
        uses_unsubscribe_url=any(UNSUBSCRIBE_VARIABLE in source for source in sources),
        plans={part: plan for part, plan in plans.items() if plan is not None},
        plain_ints=ints_render_plainly(ESCAPED),
    )


def compile_one(part: str, source: str) -> Template:
    """Compile one template; InvalidTemplate names the part."""
    try:
        return Template(source)
    except TemplateSyntaxError as exc:
        raise InvalidTemplate(f"The {part} template does not compile: {exc}") from None


def render(templates: Templates, context: dict) -> Rendered:
    """Render for one recipient; any error a template tag or filter raises propagates."""
    subject = _render_part(templates, "subject", context, autoescape=False)
    text = _render_part(templates, "text", context, autoescape=False)
    html = _render_part(templates, "html", context, autoescape=True) if templates.html else ""
    return Rendered(" ".join(subject.split()), text, html)


def _render_part(templates: Templates, part: str, values: dict, autoescape: bool) -> str:
    plan = templates.plans.get(part)
    if plan is not None:
        fast = render_plan(plan, values, ESCAPED if autoescape else PLAIN, templates.plain_ints)
        if fast is not None:
            return fast
    return getattr(templates, part).render(Context(values, autoescape=autoescape))
