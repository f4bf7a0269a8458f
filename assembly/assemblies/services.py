"""Assembly rules: listing, access, creation and editing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from assembly.accounts.viewer import Viewer
from assembly.assemblies.forms import (
    AssemblyInput,
    QuestionsError,
    check_questions,
    is_valid_time_zone,
    keep_option_values,
    question_values,
)
from assembly.audit.services import record_event
from assembly.budgets.services import check_currency
from assembly.db.models import (
    Account,
    Assembly,
    InviteCode,
    Participant,
    ResearchGrant,
    ResponderGrant,
)
from assembly.errors import InvalidInput, NotAllowed, NotFound
from assembly.forms_common import normalise_email, normalise_text, slugify
from assembly.i18n import LANGUAGES, _l


async def list_public_assemblies(db: AsyncSession) -> list[Assembly]:
    query = select(Assembly).where(Assembly.status == "published").order_by(Assembly.title)
    return list((await db.scalars(query)).all())


async def list_assemblies_for(db: AsyncSession, viewer: Viewer) -> list[Assembly]:
    """Assemblies a signed-in account works on: all for admins, its own for the others."""
    account = viewer.require_account()
    query = select(Assembly).order_by(Assembly.created_at.desc())
    if viewer.is_admin:
        return list((await db.scalars(query)).all())
    if account.role == "researcher":
        granted = select(ResearchGrant.assembly_id).where(ResearchGrant.account_id == account.id)
        return list((await db.scalars(query.where(Assembly.id.in_(granted)))).all())
    if account.role == "responder":
        answers = select(ResponderGrant.assembly_id).where(ResponderGrant.account_id == account.id)
        return list((await db.scalars(query.where(Assembly.id.in_(answers)))).all())
    return list((await db.scalars(query.where(Assembly.facilitators.any(id=account.id)))).all())


def is_facilitator_of(viewer: Viewer, assembly: Assembly) -> bool:
    if viewer.account is None:
        return False
    if viewer.is_admin:
        return True
    return viewer.is_facilitator and any(f.id == viewer.account.id for f in assembly.facilitators)


async def is_researcher_of(db: AsyncSession, viewer: Viewer, assembly: Assembly) -> bool:
    if viewer.account is None:
        return False
    if viewer.is_admin:
        return True
    if viewer.account.role != "researcher":
        return False
    grant = await db.scalar(
        select(ResearchGrant.id).where(
            ResearchGrant.assembly_id == assembly.id,
            ResearchGrant.account_id == viewer.account.id,
        )
    )
    return grant is not None


async def get_assembly(db: AsyncSession, slug: str, *, topics: bool = True) -> Assembly:
    """The assembly by slug; ``topics=False`` for a page about one topic, which then does not
    load every topic with its practices (using ``assembly.topics`` there is an error)."""
    query = select(Assembly).where(Assembly.slug == slug)
    if not topics:
        query = query.options(raiseload(Assembly.topics))
    assembly = await db.scalar(query)
    if assembly is None:
        raise NotFound()
    return assembly


async def get_visible_assembly(
    db: AsyncSession, slug: str, viewer: Viewer, *, topics: bool = True
) -> Assembly:
    """An assembly the viewer may read: published ones for all, others for their people only.

    A draft is reported as missing rather than forbidden, so its existence does not leak.
    """
    assembly = await get_assembly(db, slug, topics=topics)
    if assembly.status == "published":
        return assembly
    if is_facilitator_of(viewer, assembly) or viewer.participant_in(assembly.id) is not None:
        return assembly
    if await is_researcher_of(db, viewer, assembly):
        return assembly
    raise NotFound()


async def get_managed_assembly(db: AsyncSession, slug: str, viewer: Viewer) -> Assembly:
    """An assembly the viewer facilitates; anyone else is refused.

    Other facilitators are told a draft is missing (404), not forbidden (403): otherwise the
    answer would confirm which slugs of unpublished assemblies exist.
    """
    viewer.require_facilitator()
    assembly = await get_assembly(db, slug)
    if not is_facilitator_of(viewer, assembly):
        if assembly.status != "published":
            raise NotFound()
        raise NotAllowed()
    return assembly


# --- creating and editing ---------------------------------------------------------------

# "new" is a page of its own under /manage/assemblies, so no assembly may take it as a slug.
RESERVED_SLUGS = frozenset({"new", "tokens"})
EDITABLE_STATUSES = ("draft", "published")
MAX_TITLE_LENGTH = 200
MAX_PLACE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 20_000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class AssemblyFields:
    title: str
    place: str
    language: str
    time_zone: str
    description: str
    demographic_questions: list[dict[str, Any]]
    status: str
    currency: str = "NOK"


def assembly_form_values(assembly: Assembly) -> dict[str, str]:
    """The form's values for an existing assembly, as the person would type them."""
    return {
        "title": assembly.title,
        "slug": assembly.slug,
        "place": assembly.place,
        "language": assembly.language,
        "time_zone": assembly.time_zone,
        "description": assembly.description,
        **question_values(assembly.demographic_questions),
        "status": assembly.status,
        "currency": assembly.currency,
    }


def _clean_fields(values: AssemblyInput, errors: dict[str, Any]) -> AssemblyFields:
    title = normalise_text(values.title)
    if not title:
        errors["title"] = _l("Enter a title.")
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = _l("The title can have at most 200 characters.")
    place = normalise_text(values.place)
    if len(place) > MAX_PLACE_LENGTH:
        errors["place"] = _l("The place can have at most 200 characters.")
    language = values.language
    if language not in LANGUAGES:
        errors["language"] = _l("Choose a language from the list.")
    time_zone = values.time_zone.strip()
    if not is_valid_time_zone(time_zone):
        errors["time_zone"] = _l("Choose a time zone from the list.")
    description = normalise_text(values.description)
    if len(description) > MAX_DESCRIPTION_LENGTH:
        errors["description"] = _l("The description can have at most 20,000 characters.")
    questions: list[dict[str, Any]] = []
    try:
        questions = check_questions(values.questions)
    except QuestionsError as exc:
        errors.update(exc.errors)
    status = values.status
    if status not in EDITABLE_STATUSES:
        errors["status"] = _l("Choose draft or published.")
    currency = check_currency(values.currency or "NOK")
    if currency is None:
        errors["currency"] = _l("Choose the currency of the assembly's budgets.")
    return AssemblyFields(
        title, place, language, time_zone, description, questions, status, currency or "NOK"
    )


async def _slug_taken(db: AsyncSession, slug: str) -> bool:
    return await db.scalar(select(Assembly.id).where(Assembly.slug == slug)) is not None


async def _free_slug(db: AsyncSession, base: str) -> str:
    base = base[:70].strip("-") or "assembly"
    candidate, number = base, 1
    while candidate in RESERVED_SLUGS or await _slug_taken(db, candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


async def create_assembly(db: AsyncSession, creator: Account, values: AssemblyInput) -> Assembly:
    """A new assembly with ``creator`` as its first facilitator.

    The slug is made from the title (and numbered when taken) unless the person typed one; a
    typed slug that is taken is an error rather than silently changed, since it is an address.
    """
    errors: dict[str, Any] = {}
    fields = _clean_fields(values, errors)
    typed_slug = values.slug.strip().lower()
    slug = ""
    if typed_slug:
        if not SLUG_PATTERN.match(typed_slug) or len(typed_slug) > 80:
            errors["slug"] = _l("Use small letters, digits and single hyphens (at most 80).")
        elif typed_slug in RESERVED_SLUGS or await _slug_taken(db, typed_slug):
            errors["slug"] = _l("This web address is already taken. Choose another.")
        else:
            slug = typed_slug
    if errors:
        raise InvalidInput(errors)
    if not slug:
        slug = await _free_slug(db, slugify(fields.title, fallback="assembly"))
    assembly = Assembly(
        slug=slug,
        title=fields.title,
        place=fields.place,
        language=fields.language,
        time_zone=fields.time_zone,
        description=fields.description,
        demographic_questions=fields.demographic_questions,
        status=fields.status,
        currency=fields.currency,
        invited_count=0,
        facilitators=[creator],
        topics=[],
    )
    db.add(assembly)
    await db.flush()
    await record_event(
        db,
        "assembly.created",
        actor_kind="account",
        actor_id=creator.id,
        assembly_id=assembly.id,
        subject=assembly,
        status=assembly.status,
    )
    return assembly


async def update_assembly(
    db: AsyncSession, assembly: Assembly, values: AssemblyInput, actor_id: int | None
) -> Assembly:
    """Save the edit form. The slug never changes: it is the assembly's stable address."""
    errors: dict[str, Any] = {}
    fields = _clean_fields(values, errors)
    keep_option_values(fields.demographic_questions, assembly.demographic_questions)
    if errors:
        raise InvalidInput(errors)
    changed = sorted(
        name
        for name in AssemblyFields.__dataclass_fields__
        if getattr(assembly, name) != getattr(fields, name)
    )
    for name in changed:
        setattr(assembly, name, getattr(fields, name))
    await record_event(
        db,
        "assembly.updated",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=assembly,
        changed=changed,
    )
    return assembly


async def set_assembly_status(
    db: AsyncSession, assembly: Assembly, status: str, actor_id: int | None
) -> None:
    if status not in EDITABLE_STATUSES:
        raise InvalidInput({"status": _l("Choose draft or published.")})
    if assembly.status == status:
        return
    previous, assembly.status = assembly.status, status
    await record_event(
        db,
        "assembly.published" if status == "published" else "assembly.unpublished",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=assembly,
        previous=previous,
    )


# --- people: co-facilitators and researchers --------------------------------------------


async def _account_by_email(db: AsyncSession, email: str) -> Account | None:
    return await db.scalar(select(Account).where(Account.email == normalise_email(email)))


async def add_facilitator(
    db: AsyncSession, assembly: Assembly, email: str, actor_id: int | None
) -> Account:
    account = await _account_by_email(db, email)
    if account is None or not account.is_active or account.role != "facilitator":
        raise InvalidInput(
            {"facilitator_email": _l("There is no facilitator account with this e-mail address.")}
        )
    if any(f.id == account.id for f in assembly.facilitators):
        raise InvalidInput(
            {"facilitator_email": _l("This person already facilitates the assembly.")}
        )
    assembly.facilitators.append(account)
    await record_event(
        db,
        "assembly.facilitator_added",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=account,
    )
    return account


async def list_research_grants(db: AsyncSession, assembly: Assembly) -> list[tuple[int, str]]:
    """(account id, e-mail) of every researcher with access, for the overview page."""
    rows = await db.execute(
        select(Account.id, Account.email)
        .join(ResearchGrant, ResearchGrant.account_id == Account.id)
        .where(ResearchGrant.assembly_id == assembly.id)
        .order_by(Account.email)
    )
    return [(row.id, row.email) for row in rows]


async def grant_research_access(
    db: AsyncSession, assembly: Assembly, email: str, actor_id: int | None
) -> ResearchGrant:
    account = await _account_by_email(db, email)
    if account is None or not account.is_active or account.role != "researcher":
        raise InvalidInput(
            {"researcher_email": _l("There is no researcher account with this e-mail address.")}
        )
    exists = await db.scalar(
        select(ResearchGrant.id).where(
            ResearchGrant.assembly_id == assembly.id, ResearchGrant.account_id == account.id
        )
    )
    if exists is not None:
        raise InvalidInput({"researcher_email": _l("This researcher already has access.")})
    grant = ResearchGrant(assembly_id=assembly.id, account_id=account.id, granted_by_id=actor_id)
    db.add(grant)
    await db.flush()
    await record_event(
        db,
        "research.granted",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject=grant,
        account_id=account.id,
    )
    return grant


async def revoke_research_access(
    db: AsyncSession, assembly: Assembly, account_id: int, actor_id: int | None
) -> None:
    grant = await db.scalar(
        select(ResearchGrant).where(
            ResearchGrant.assembly_id == assembly.id, ResearchGrant.account_id == account_id
        )
    )
    if grant is None:
        raise NotFound()
    await db.delete(grant)
    await record_event(
        db,
        "research.revoked",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        subject_type="research_grants",
        subject_id=grant.id,
        account_id=account_id,
    )


# --- the overview page -------------------------------------------------------------------


@dataclass(frozen=True)
class AssemblyOverview:
    participants_online: int
    participants_paper: int
    invitations: dict[str, int]

    @property
    def participants(self) -> int:
        return self.participants_online + self.participants_paper


async def assembly_overview(db: AsyncSession, assembly: Assembly) -> AssemblyOverview:
    rows = await db.execute(
        select(Participant.channel, func.count())
        .where(Participant.assembly_id == assembly.id)
        .group_by(Participant.channel)
    )
    by_channel = {channel: count for channel, count in rows.tuples()}
    now = dt.datetime.now(dt.UTC)
    invites = (
        await db.execute(
            select(InviteCode.used_at, InviteCode.revoked_at, InviteCode.expires_at).where(
                InviteCode.assembly_id == assembly.id
            )
        )
    ).all()
    summary = {"total": len(invites), "unused": 0, "used": 0, "expired": 0, "revoked": 0}
    for used_at, revoked_at, expires_at in invites:
        if revoked_at is not None:
            summary["revoked"] += 1
        elif used_at is not None:
            summary["used"] += 1
        elif expires_at is not None and _aware(expires_at) <= now:
            summary["expired"] += 1
        else:
            summary["unused"] += 1
    return AssemblyOverview(
        participants_online=by_channel.get("online", 0),
        participants_paper=by_channel.get("paper", 0),
        invitations=summary,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
