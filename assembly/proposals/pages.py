"""What a topic page shows to the person reading it: phase, proposals, forms and results.

Once reactions have closed, the proposal list is the same for every reader (participants
included, unless a facilitator hid something of theirs, which they alone still see): it
changes only when a proposal or argument does, for instance when a facilitator hides one.
Each process keeps that list rendered, keyed by the topic, language, phase and a version read
from the database on every view, so a topic with hundreds of proposals is not rebuilt for
every reader and several workers never serve a stale list.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.accounts.viewer import Viewer
from assembly.assemblies.services import is_facilitator_of
from assembly.ballots import services as ballots
from assembly.ballots.results import ResultView, describe
from assembly.db.cache import LruCache
from assembly.db.models import Argument, Assembly, ContentTranslation, Participant, Proposal, Topic
from assembly.i18n import current_locale
from assembly.languages import services as languages
from assembly.participants.services import get_participant
from assembly.proposals.phases import (
    ARGUING_PHASES,
    FACILITATOR_RESULT_PHASES,
    PHASE_LABELS,
    PROPOSING_PHASES,
    REACTING_PHASES,
    RESULT_PHASES,
    VOTING_PHASES,
    phase_now,
    schedule_of,
)
from assembly.proposals.services import has_hidden_items, proposal_views

SHARED_LISTS = 32
_shared_lists: LruCache[Markup] = LruCache(SHARED_LISTS)


async def _list_version(db: AsyncSession, topic: Topic) -> tuple[Any, ...]:
    """What changes whenever anything in the topic's proposal list does (reactions aside)."""
    of_topic = Proposal.topic_id == topic.id
    in_topic = Argument.proposal_id.in_(select(Proposal.id).where(of_topic).scalar_subquery())
    row = (
        await db.execute(
            select(
                select(func.count()).where(of_topic).scalar_subquery(),
                select(func.max(Proposal.updated_at)).where(of_topic).scalar_subquery(),
                select(func.count()).select_from(Argument).where(in_topic).scalar_subquery(),
                select(func.max(Argument.updated_at)).where(in_topic).scalar_subquery(),
                # Translations change what a reader sees too.
                select(func.count())
                .select_from(ContentTranslation)
                .where(ContentTranslation.assembly_id == topic.assembly_id)
                .scalar_subquery(),
                select(func.max(ContentTranslation.updated_at))
                .where(ContentTranslation.assembly_id == topic.assembly_id)
                .scalar_subquery(),
            )
        )
    ).one()
    return tuple(row)


async def shared_proposal_list(
    db: AsyncSession, topic: Topic, phase: str, base: str, environment: Environment
) -> Markup:
    """The proposal list as every reader sees it once reactions have closed (see above)."""
    key = (
        db.get_bind().engine.url.render_as_string(hide_password=True),
        topic.id,
        current_locale.get(),
        phase,
        topic.assembly.currency,
        await _list_version(db, topic),
    )
    html = _shared_lists.get(key)
    if html is not None:
        return html
    proposals = await proposal_views(db, topic, None)
    translations = await languages.index_for(db, topic.assembly, current_locale.get())
    template = environment.get_template("proposals/_list.html")
    html = Markup(  # noqa: S704  (rendered by the autoescaping environment)
        template.render(
            proposals=proposals,
            base=base,
            can_react=False,
            can_argue=False,
            can_propose=False,
            assembly=topic.assembly,
            translations=translations,
        )
    )
    _shared_lists.put(key, html)
    return html


async def result_view(db: AsyncSession, topic: Topic, phase: str) -> ResultView:
    titles = await ballots.option_titles(db, topic)
    if phase == "published":
        # Ballots cannot change once published: show what was counted then, reading none.
        stored, counts = ballots.stored_result(topic), ballots.stored_counts(topic)
        if stored is not None and counts is not None:
            return describe(
                stored,
                titles,
                channels=counts[0],
                set_aside=counts[1],
                currency=topic.assembly.currency,
            )
    counted = await ballots.counted_ballots(db, topic)
    stored = ballots.stored_result(topic) if phase == "published" else None
    result = stored or ballots.result_of(topic, counted)
    return describe(
        result,
        titles,
        channels=counted.channels,
        set_aside=counted.set_aside,
        currency=topic.assembly.currency,
    )


async def topic_context(
    db: AsyncSession,
    viewer: Viewer,
    assembly: Assembly,
    topic: Topic,
    *,
    only: int | None = None,
    environment: Environment | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Everything the topic page (or, with ``only``, one proposal's page) shows to ``viewer``.

    Given the template ``environment``, the proposal list may come rendered from the shared
    list (see the module docstring) as ``proposals_html``.
    """
    phase = phase_now(topic)
    facilitating = is_facilitator_of(viewer, assembly)
    participant: Participant | None = await get_participant(
        db, assembly, viewer.participant_in(assembly.id)
    )
    participant_id = participant.id if participant else None
    shows_results = phase in RESULT_PHASES or (facilitating and phase in FACILITATOR_RESULT_PHASES)
    base = f"/assemblies/{assembly.slug}/topics/{topic.slug}"
    # Outside those phases a participant can no longer react, argue or edit, so their list
    # is everyone's unless it holds something of theirs that a facilitator hid.
    shared = (
        environment is not None
        and only is None
        and not facilitating
        and phase not in REACTING_PHASES | ARGUING_PHASES | PROPOSING_PHASES
        and (participant is None or not await has_hidden_items(db, topic, participant.id))
    )
    proposals_html = (
        await shared_proposal_list(db, topic, phase, base, environment)
        if shared and environment is not None
        else None
    )
    context: dict[str, Any] = {
        "assembly": assembly,
        "topic": topic,
        "phase": phase,
        "phase_label": PHASE_LABELS[phase],
        "schedule": schedule_of(topic),
        "participant": participant,
        "facilitating": facilitating,
        "proposals": []
        if proposals_html is not None
        else await proposal_views(db, topic, participant_id, only=only),
        "proposals_html": proposals_html,
        "translations": await languages.index_for(db, assembly, current_locale.get()),
        "can_propose": participant is not None and phase in PROPOSING_PHASES,
        "can_argue": participant is not None and phase in ARGUING_PHASES,
        "can_react": participant is not None and phase in REACTING_PHASES,
        "can_vote": participant is not None and phase in VOTING_PHASES,
        "has_voted": await ballots.has_voted(db, topic, participant_id),
        "result": await result_view(db, topic, phase) if shows_results else None,
        "base": base,
        "values": {"title": "", "body": "", "stance": "", "argument": ""},
        "errors": {},
        "notice": "",
    }
    context.update(extra)
    return context
