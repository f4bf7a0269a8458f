"""The questionnaire figures a facilitator chose for the assembly summary, e.g. "After
deliberating, 78 % agreed: I felt my views were heard." Small groups are withheld."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly
from assembly.i18n import current_locale
from assembly.i18n import gettext as _
from assembly.questionnaires import analysis, services
from assembly.questionnaires.items import SCALE_KINDS, sub_keys, text_in
from assembly.questionnaires.views import wave_label
from assembly.summaries.blocks import Block, Paragraph, Section, fmt_percent


async def summary_section(db: AsyncSession, assembly: Assembly) -> Section | None:
    chosen = [q for q in await services.list_questionnaires(db, assembly) if q.summary_items]
    if not chosen:
        return None
    answers = await services.submitted_answers(db, [q.id for q in chosen])
    locale = current_locale.get() or assembly.language
    blocks: list[Block] = []
    for q in chosen:
        for item in q.items:
            if item["key"] not in q.summary_items or item["kind"] not in SCALE_KINDS:
                continue
            for key in sub_keys(item):
                share, counted = analysis.agreeing_share(item, key, answers[q.id])
                if share is None:
                    continue
                blocks.append(
                    Paragraph(
                        _(
                            "%(wave)s: %(share)s of %(count)s respondents chose one of the two "
                            "highest answers to “%(question)s”",
                            wave=wave_label(q.wave),
                            share=fmt_percent(share),
                            count=counted,
                            question=text_in(item.get("text"), locale),
                        )
                    )
                )
    if not blocks:
        return None
    return Section(
        "questionnaires", _("What participants said in questionnaires"), "computed", blocks
    )
