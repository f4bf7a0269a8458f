"""The Jinja2 environment: i18n, filters and the page helper every controller uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar import Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from markupsafe import Markup, escape

from assembly import i18n
from assembly.languages.services import shown_in_context
from assembly.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"


def paragraphs(text: str | None) -> Markup:
    """Plain text with line breaks as escaped paragraphs: no user HTML is ever rendered."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in str(text).replace("\r\n", "\n").split("\n\n") if b.strip()]
    html = "".join(
        "<p>" + "<br>\n".join(str(escape(line)) for line in block.split("\n")) + "</p>"
        for block in blocks
    )
    return Markup(html)  # noqa: S704  (every piece was escaped above)


def create_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.template_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["paragraphs"] = paragraphs
    env.filters["datetime"] = i18n.format_datetime
    env.filters["clock"] = i18n.format_clock
    env.filters["number"] = i18n.format_number
    env.filters["money"] = i18n.format_money
    env.filters["currency_name"] = i18n.currency_name
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["current_locale"] = i18n.current_locale.get
    env.globals["text_direction"] = i18n.text_direction
    env.globals["needs_review"] = i18n.needs_review
    env.globals["easy_read"] = i18n.easy_read.get
    env.globals["display_language"] = i18n.display_language
    env.globals["shown"] = _shown
    env.globals["language_options"] = i18n.language_options
    return env


@pass_context
def _shown(
    context: Context, kind: str, subject_id: int, field: str, text: str, language: str = ""
) -> Any:
    """A text in the reader's language when translated (see assembly.languages)."""
    translations = context.get("translations")
    return shown_in_context(translations or None, kind, subject_id, field, text, language)


def create_template_engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(create_environment())


def page(template_name: str, *, status_code: int = 200, **context: Any) -> Template:
    return Template(template_name=template_name, context=context, status_code=status_code)


def template_environment(request: Request[Any, Any, Any]) -> Environment:
    """The app's own Jinja environment, for a fragment rendered ahead of its page."""
    engine = request.app.template_engine
    assert isinstance(engine, JinjaTemplateEngine)
    return engine.engine
