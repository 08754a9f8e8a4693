"""A fast path for simple templates: literal text and bare ``{{ name }}`` variables only."""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.template import Context, Template
from django.template.base import TextNode, VariableNode, render_value_in_context


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


def render_plan(plan: Plan, values: dict, context: Context, plain_ints: bool) -> str | None:
    """Render like Django would; None (render the template instead) if a name is missing.

    Strings (and ints, if ``plain_ints``) are written directly, strings escaped if
    ``context.autoescape``; any other value goes through Django's render_value_in_context
    (localisation) with ``context``'s settings.
    """
    out = []
    escape = context.autoescape
    for part in plan:
        if type(part) is str:
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
