"""Per-recipient rendering of a campaign's subject, text and HTML templates (no database).

Simple templates (literal text and bare ``{{ name }}`` variables only) get a fast path: a plan
of text and names, rendered without Django's template machinery."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from django.template import Context, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode, render_value_in_context

from mailer.campaigns.exceptions import InvalidTemplate


@dataclass(frozen=True, slots=True)
class Name:
    """A bare variable of the template: looked up in the recipient's context by its name."""

    name: str


Plan = tuple[str | Name, ...]


def plan_of(template: Template) -> Plan | None:
    """The template as literal text and names, or None if it uses tags, filters or dots."""
    parts: list[str | Name] = []
    for node in template.nodelist:
        if type(node) is TextNode:
            parts.append(node.s)
        elif type(node) is VariableNode and (name := _bare_name(node)):
            parts.append(Name(name))
        else:
            return None
    return tuple(parts)


def _bare_name(node: VariableNode) -> str | None:
    expression = node.filter_expression
    var = expression.var
    if expression.filters or not hasattr(var, "lookups") or var.translate:
        return None
    lookups = var.lookups
    return lookups[0] if var.literal is None and lookups and len(lookups) == 1 else None


def ints_render_plainly(context: Context) -> bool:
    """True when Django renders an int as str(int) (no thousand separator), checked now."""
    return render_value_in_context(-12345678, context) == "-12345678"


def render_plan(
    plan: Plan, values: dict[str, Any], context: Context, plain_ints: bool
) -> str | None:
    """Render like Django would; None (render the template instead) if a name is missing.

    Strings (and ints, if ``plain_ints``) are written directly, strings escaped if
    ``context.autoescape``; any other value goes through Django's render_value_in_context
    (localisation) with ``context``'s settings.
    """
    out = []
    escape = context.autoescape
    for part in plan:
        if isinstance(part, str):
            out.append(part)
            continue
        value = values.get(part.name, values)  # ``values`` itself marks a missing name
        if value is values:
            return None
        if type(value) is str:
            out.append(html.escape(value) if escape else value)
        elif type(value) is int and plain_ints:
            out.append(str(value))
        else:
            out.append(render_value_in_context(value, context))
    return "".join(out)


UNSUBSCRIBE_VARIABLE = "unsubscribe_url"
# The fast path reads only a Context's settings (autoescape, use_l10n, use_tz): share these.
PLAIN, ESCAPED = Context(autoescape=False), Context(autoescape=True)


@dataclass(frozen=True)
class Templates:
    """A campaign's compiled templates (compile once per chunk, render per recipient).

    ``plans`` holds the fast path of each simple part (see mailer.campaigns.fanout.render).
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
    compiled: dict[str, Any] = {
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


def render(templates: Templates, context: dict[str, Any]) -> Rendered:
    """Render for one recipient; any error a template tag or filter raises propagates."""
    subject = _render_part(templates, "subject", context, autoescape=False)
    text = _render_part(templates, "text", context, autoescape=False)
    html = _render_part(templates, "html", context, autoescape=True) if templates.html else ""
    return Rendered(" ".join(subject.split()), text, html)


def _render_part(templates: Templates, part: str, values: dict[str, Any], autoescape: bool) -> str:
    plan = templates.plans.get(part)
    if plan is not None:
        fast = render_plan(plan, values, ESCAPED if autoescape else PLAIN, templates.plain_ints)
        if fast is not None:
            return fast
    template: Template = getattr(templates, part)
    return template.render(Context(values, autoescape=autoescape))
