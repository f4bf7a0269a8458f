"""Joining an assembly with an invite code, the display pseudonym, and consented demographics.

A join is one transaction: the participant row is written, then the code is claimed with a
conditional update (``mark_used``), so two people typing the same code at once cannot both
join with it; the loser's transaction rolls back with a "code already used" message.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import Assembly, InviteCode, Participant
from assembly.db.models.participants import pseudonym_key
from assembly.errors import InvalidInput
from assembly.forms_common import normalise_text
from assembly.i18n import _l
from assembly.invitations.services import (
    InviteStatus,
    check_code,
    find_assembly_by_code,
    mark_used,
    normalise_code,
)
from assembly.participants.return_codes import is_return_code

PSEUDONYM_MIN = 2
PSEUDONYM_MAX = 40

CODE_MESSAGES: dict[InviteStatus, Any] = {
    InviteStatus.MALFORMED: _l(
        "This does not look like an invite code. A code has 16 letters and digits, "
        "for example ABCD-EFGH-JKMN-PQRS. Check it and try again."
    ),
    InviteStatus.UNKNOWN: _l(
        "We do not know this invite code. Check each letter and digit against your letter."
    ),
    InviteStatus.USED: _l(
        "This invite code has already been used. Each code lets one person join. "
        "Ask your facilitator for a new code if it was not you."
    ),
    InviteStatus.EXPIRED: _l("This invite code has expired. Ask your facilitator for a new one."),
    InviteStatus.REVOKED: _l(
        "This invite code has been withdrawn by the facilitator. Ask them for a new one."
    ),
}
RETURN_CODE_TYPED = _l(
    "This is a return code, for coming back to an assembly you have already joined. "
    "Use it on the page “Come back with your return code”."
)
CLOSED_MESSAGE = _l("This assembly has ended, so no one can join it any more.")
PSEUDONYM_TAKEN = _l("Someone in this assembly already uses this name. Choose another one.")

# Neutral words for suggested pseudonyms: trees, birds and landscape, no personal names. Each
# is translated, so a Norwegian reader is offered "Bjørk 42" rather than "Birch 42".
PSEUDONYM_WORDS = (
    _l("Birch"),
    _l("Rowan"),
    _l("Aspen"),
    _l("Alder"),
    _l("Juniper"),
    _l("Heather"),
    _l("Spruce"),
    _l("Willow"),
    _l("Linden"),
    _l("Fjord"),
    _l("Skerry"),
    _l("Tundra"),
    _l("Glacier"),
    _l("Meadow"),
    _l("Harbour"),
    _l("Island"),
    _l("River"),
    _l("Summit"),
    _l("Puffin"),
    _l("Eider"),
    _l("Osprey"),
    _l("Heron"),
    _l("Lark"),
    _l("Wren"),
    _l("Swift"),
    _l("Crane"),
    _l("Plover"),
    _l("Tern"),
)


@dataclass(frozen=True)
class Question:
    """A demographic question with its answer choices as (value, label) pairs."""

    key: str
    label: str
    options: list[tuple[str, str]]
    optional: bool = True
    """Whether "prefer not to say" is offered; questions stored before the flag existed are."""


def suggest_pseudonym() -> str:
    """A neutral name with a number, in the reader's language."""
    return f"{secrets.choice(PSEUDONYM_WORDS)} {secrets.randbelow(90) + 10}"


def clean_pseudonym(text: str) -> str:
    """The pseudonym as stored, or InvalidInput with what is wrong."""
    pseudonym = " ".join(normalise_text(text).split())
    if not pseudonym:
        raise InvalidInput({"pseudonym": _l("Choose a name to show to the others.")})
    if len(pseudonym) < PSEUDONYM_MIN or len(pseudonym) > PSEUDONYM_MAX:
        raise InvalidInput({"pseudonym": _l("The name must have between 2 and 40 characters.")})
    if any(not ch.isprintable() for ch in pseudonym):
        raise InvalidInput({"pseudonym": _l("The name contains characters that are not allowed.")})
    return pseudonym


async def resolve_code(db: AsyncSession, code: str, secret_key: str) -> tuple[Assembly, InviteCode]:
    """The assembly and unused invite a code opens, or InvalidInput naming why it cannot be used."""
    if not code.strip():
        raise InvalidInput({"code": _l("Enter the invite code from your letter.")})
    assembly = await find_assembly_by_code(db, code, secret_key)
    if assembly is None:
        # A well-formed code we have never issued, or one that is not a code at all.
        if normalise_code(code) is None:
            raise InvalidInput({"code": CODE_MESSAGES[InviteStatus.MALFORMED]})
        if await is_return_code(db, code):
            raise InvalidInput({"code": RETURN_CODE_TYPED})
        raise InvalidInput({"code": CODE_MESSAGES[InviteStatus.UNKNOWN]})
    status, invite = await check_code(db, assembly, code, secret_key)
    if status is not InviteStatus.OK or invite is None:
        raise InvalidInput({"code": CODE_MESSAGES[status]})
    if assembly.status == "archived":
        raise InvalidInput({"code": CLOSED_MESSAGE})
    return assembly, invite


async def pseudonym_taken(db: AsyncSession, assembly_id: int, pseudonym: str) -> bool:
    # Case-insensitive, so "Birch 12" and "birch 12" cannot both appear in one assembly.
    found = await db.scalar(
        select(Participant.id).where(
            Participant.assembly_id == assembly_id,
            Participant.pseudonym_key == pseudonym_key(pseudonym),
        )
    )
    return found is not None


async def join_assembly(
    db: AsyncSession, code: str, pseudonym: str, secret_key: str
) -> Participant:
    """Create the participant for a valid code and claim the code, in the caller's transaction."""
    errors: dict[str, Any] = {}
    assembly: Assembly | None = None
    invite: InviteCode | None = None
    try:
        assembly, invite = await resolve_code(db, code, secret_key)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        pseudonym = clean_pseudonym(pseudonym)
    except InvalidInput as exc:
        errors.update(exc.errors)
    if (
        assembly is not None
        and "pseudonym" not in errors
        and await pseudonym_taken(db, assembly.id, pseudonym)
    ):
        errors["pseudonym"] = PSEUDONYM_TAKEN
    if errors or assembly is None or invite is None:
        raise InvalidInput(errors)
    participant = Participant(
        assembly_id=assembly.id, pseudonym=pseudonym, joined_via="invite", channel="online"
    )
    try:
        async with db.begin_nested():
            db.add(participant)
            await db.flush()
    except IntegrityError as exc:  # the same name chosen at the same moment
        raise InvalidInput({"pseudonym": PSEUDONYM_TAKEN}) from exc
    if not await mark_used(db, invite, participant.id):
        raise InvalidInput({"code": CODE_MESSAGES[InviteStatus.USED]})
    await record_event(
        db,
        "participant.joined",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=assembly.id,
        subject=participant,
        joined_via="invite",
    )
    return participant


async def get_participant(
    db: AsyncSession, assembly: Assembly, participant_id: int | None
) -> Participant | None:
    """The participant a session names, if it really belongs to this assembly."""
    if participant_id is None:
        return None
    participant = await db.get(Participant, participant_id)
    if participant is None or participant.assembly_id != assembly.id:
        return None
    if participant.withdrawn_at is not None:  # withdrawn: the name stands for nobody now
        return None
    return participant


def questions_of(assembly: Assembly) -> list[Question]:
    """The assembly's demographic questions, tolerant of options given as text or as pairs."""
    questions: list[Question] = []
    for raw in assembly.demographic_questions or []:
        if not isinstance(raw, dict) or not raw.get("key"):
            continue
        options: list[tuple[str, str]] = []
        for option in raw.get("options") or []:
            if isinstance(option, dict):
                value = str(option.get("value", option.get("label", "")))
                options.append((value, str(option.get("label", value))))
            else:
                options.append((str(option), str(option)))
        questions.append(
            Question(
                str(raw["key"]),
                str(raw.get("label", raw["key"])),
                options,
                optional=raw.get("optional", True) is not False,
            )
        )
    return questions


async def decline_demographics(db: AsyncSession, participant: Participant) -> None:
    """Record the refusal and forget any earlier answers."""
    participant.demographics_consent = False
    participant.demographics = {}
    await record_event(
        db,
        "participant.demographics_declined",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=participant,
    )


async def save_demographics(
    db: AsyncSession, assembly: Assembly, participant: Participant, answers: dict[str, str]
) -> None:
    """Store consented answers; a blank answer means "prefer not to say" and is not stored."""
    errors: dict[str, Any] = {}
    stored: dict[str, str] = {}
    for question in questions_of(assembly):
        answer = answers.get(question.key, "")
        if answer == "" and question.optional:
            continue
        if answer == "":
            errors[f"q-{question.key}"] = _l("Choose one of the answers to this question.")
            continue
        if answer not in {value for value, _label in question.options}:
            errors[f"q-{question.key}"] = _l("Choose one of the answers shown.")
            continue
        stored[question.key] = answer
    if errors:
        raise InvalidInput(errors)
    participant.demographics_consent = True
    participant.demographics = stored
    await record_event(
        db,
        "participant.demographics_answered",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=participant.assembly_id,
        subject=participant,
        answered=len(stored),
    )
