"""Rendering: one-line subjects, plain text unescaped, HTML escaped, errors propagate."""

from __future__ import annotations

import pytest

from mailer.campaigns.exceptions import InvalidTemplate
from mailer.campaigns.fanout.render import compile_templates, render


def test_text_is_not_escaped_and_html_is():
    templates = compile_templates("Hi {{ name }}\n !", "Dear {{ name }}", "<b>{{ name }}</b>")
    rendered = render(templates, {"name": "Tom & <Jerry>"})
    assert rendered.subject == "Hi Tom & <Jerry> !"
    assert rendered.text == "Dear Tom & <Jerry>"
    assert rendered.html == "<b>Tom &amp; &lt;Jerry&gt;</b>"


def test_no_html_template_renders_no_html():
    templates = compile_templates("s", "t", "  ")
    assert templates.html is None and render(templates, {}).html == ""


def test_unsubscribe_url_use_is_detected():
    assert not compile_templates("s", "t").uses_unsubscribe_url
    assert compile_templates("s", "t", "<a href='{{ unsubscribe_url }}'>").uses_unsubscribe_url


def test_a_syntax_error_names_the_template():
    with pytest.raises(InvalidTemplate, match="The html template does not compile"):
        compile_templates("s", "t", "{% endif %}")


def test_a_render_error_propagates_for_the_caller_to_record():
    templates = compile_templates("s", "{% include name %}")
    with pytest.raises(Exception, match="missing.html"):
        render(templates, {"name": "missing.html"})
