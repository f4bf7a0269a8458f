"""The research page's figures for one assembly: response rates per wave, distributions per
item, paired pre/post change (overall, by demographic stratum) and knowledge gain."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Assembly, Participant, Questionnaire
from assembly.exports.privacy import DEFAULT_K
from assembly.questionnaires import analysis, services
from assembly.questionnaires.items import SCALE_KINDS, Item, sub_keys, text_in
from assembly.questionnaires.views import ItemFigures, item_figures, wave_label


@dataclass
class Block:
    questionnaire: Questionnaire
    title: str
    wave: str
    rate: analysis.Rate
    figures: list[ItemFigures]


@dataclass
class Research:
    blocks: list[Block]
    changes: list[tuple[str, analysis.Change]] = field(default_factory=list)
    by_stratum: list[tuple[str, str, analysis.Change]] = field(default_factory=list)
    knowledge: analysis.Change | None = None
    k: int = DEFAULT_K


def _merge(
    per_version: dict[int, dict[int, dict[str, Any]]], ids: list[int]
) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for qid in ids:
        for pid, answers in per_version.get(qid, {}).items():
            out.setdefault(pid, {}).update(answers)
    return out


async def research_figures(
    db: AsyncSession, assembly: Assembly, locale: str, k: int = DEFAULT_K
) -> Research:
    versions = await services.list_questionnaires(db, assembly, current_only=False)
    answers = await services.submitted_answers(db, [q.id for q in versions])
    eligible = int(
        await db.scalar(
            select(func.count(Participant.id)).where(
                Participant.assembly_id == assembly.id, Participant.withdrawn_at.is_(None)
            )
        )
        or 0
    )
    blocks = [
        Block(
            q,
            f"{text_in(q.title, locale)} (v{q.version})",
            wave_label(q.wave),
            analysis.Rate(q.wave, eligible, len(answers[q.id])),
            item_figures(q.items, answers[q.id], locale, k),
        )
        for q in versions
    ]
    research = Research(blocks, k=k)
    pre_ids = [q.id for q in versions if q.wave == "pre"]
    post_ids = [q.id for q in versions if q.wave == "post"]
    before, after = _merge(answers, pre_ids), _merge(answers, post_ids)
    items: dict[str, Item] = {}
    for q in versions:
        for item in q.items:
            items.setdefault(item["key"], item)
    pre_keys = {i["key"] for q in versions if q.id in pre_ids for i in q.items}
    post_keys = {i["key"] for q in versions if q.id in post_ids for i in q.items}
    strata = await _strata(db, assembly)
    for key in sorted(pre_keys & post_keys):
        item = items[key]
        if item["kind"] not in SCALE_KINDS:
            continue
        for sub in sub_keys(item):
            label = text_in(item.get("text"), locale)
            research.changes.append(
                (label, analysis.paired_change(analysis.pairs_of(sub, before, after), k))
            )
            for question, groups in strata.items():
                for group, change in analysis.change_by_group(
                    sub, before, after, groups, k
                ).items():
                    research.by_stratum.append((label, f"{question}: {group}", change))
    quiz = [
        item for key, item in items.items() if "correct" in item and key in pre_keys & post_keys
    ]
    if quiz:
        research.knowledge = analysis.knowledge_gain(quiz, before, after, k)
    return research


async def _strata(db: AsyncSession, assembly: Assembly) -> dict[str, dict[int, str]]:
    """Each consented demographic answer (the sortition strata's questions), by participant."""
    rows = await db.execute(
        select(Participant.id, Participant.demographics).where(
            Participant.assembly_id == assembly.id, Participant.demographics_consent.is_(True)
        )
    )
    out: dict[str, dict[int, str]] = {}
    for pid, given in rows:
        for question, answer in (given or {}).items():
            if answer:
                out.setdefault(str(question), {})[pid] = str(answer)
    return out
