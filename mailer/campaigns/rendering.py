"""Per-recipient rendering of a campaign's subject, text and HTML templates (no database)."""

from __future__ import annotations

from dataclasses import dataclass

from django.template import Context, Template, TemplateSyntaxError

from mailer.campaigns.exceptions import InvalidTemplate

UNSUBSCRIBE_VARIABLE = "unsubscribe_url"


@dataclass(frozen=True)
class Templates:
    """A campaign's compiled templates (compile once per chunk, render per recipient)."""

    subject: Template
    text: Template
    html: Template | None
    uses_unsubscribe_url: bool


@dataclass(frozen=True)
class Rendered:
    """One recipient's message: a one-line subject, the text body and the HTML body ("" if none)."""

    subject: str
    text: str
    html: str


def compile_templates(subject: str, text: str, html: str = "") -> Templates:
    """Compile the three templates; InvalidTemplate names the one that does not compile."""
    sources = (subject, text, html)
    return Templates(
        subject=compile_one("subject", subject),
        text=compile_one("text", text),
        html=compile_one("html", html) if html.strip() else None,
        uses_unsubscribe_url=any(UNSUBSCRIBE_VARIABLE in source for source in sources),
    )


def compile_one(part: str, source: str) -> Template:
    """Compile one template; InvalidTemplate names the part."""
    try:
        return Template(source)
    except TemplateSyntaxError as exc:
        raise InvalidTemplate(f"The {part} template does not compile: {exc}") from None


def render(templates: Templates, context: dict) -> Rendered:
    """Render for one recipient; any error a template tag or filter raises propagates."""
    plain = Context(context, autoescape=False)
    subject = " ".join(templates.subject.render(plain).split())
    text = templates.text.render(plain)
    html = templates.html.render(Context(context)) if templates.html else ""
    return Rendered(subject, text, html)
