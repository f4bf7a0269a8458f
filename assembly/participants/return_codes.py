"""Return codes: how a citizen comes back on another device, or after their session ended.

A return code looks like an invite code (16 Crockford base32 symbols in groups of four, 80
random bits) and is shown once, at joining, on a page made for printing. Its first six symbols
(30 bits) are a public lookup key, stored as they are and unique; the other ten (50 bits) are
the secret, stored only as an argon2id hash. Coming back reads the one row its lookup names
and checks that one hash, in a worker thread, so no request hashes against every participant.

A participant has at most one code in use. Making a new one (the participant on their
assembly page, or a facilitator for someone who lost theirs) marks the old one replaced; a
replaced code is kept so that whoever types it is told why it no longer works. Attempts are
rate-limited with joining (the form is under ``/join``); with 50 secret bits behind a slow
hash, there is no per-code lockout that a stranger could use to lock someone out.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assembly import hashing
from assembly.audit.services import record_event
from assembly.db.models import Assembly, InviteCode, Participant, ReturnCode
from assembly.errors import Conflict, InvalidInput
from assembly.i18n import _l
from assembly.invitations.services import ALPHABET, CODE_LENGTH, hash_code, normalise_code

LOOKUP_LENGTH = 6
SECRET_LENGTH = CODE_LENGTH - LOOKUP_LENGTH

MISSING = _l("Enter your return code.")
MALFORMED = _l(
    "This does not look like a return code. A return code has 16 letters and digits, "
    "for example ABCD-EFGH-JKMN-PQRS. Check it and try again."
)
NOT_RECOGNISED = _l(
    "We do not recognise this return code. Check each letter and digit against the code you "
    "kept. If you have lost it, ask your facilitator for a new one."
)
REPLACED = _l(
    "This return code was replaced by a newer one and no longer works. Use the newest return "
    "code you were given, or ask your facilitator for a new one."
)
INVITE_USED = _l(
    "This is the invite code from your letter, and it has already been used to join. To come "
    "back, type the return code you were given when you joined."
)
INVITE_UNUSED = _l(
    "This is an invite code that has not been used yet. Join with it on the join page instead."
)
CHANGED_MEANWHILE = _l("Your return code was changed at the same moment. Please try again.")


@dataclass(frozen=True)
class ReturnCodeParts:
    lookup: str
    secret: str

    @property
    def display(self) -> str:
        raw = self.lookup + self.secret
        return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def new_parts() -> ReturnCodeParts:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return ReturnCodeParts(raw[:LOOKUP_LENGTH], raw[LOOKUP_LENGTH:])


def split_code(code: str) -> ReturnCodeParts | None:
    """The parts of a typed code (dashes, spaces, case and look-alike letters forgiven)."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return ReturnCodeParts(normalised[:LOOKUP_LENGTH], normalised[LOOKUP_LENGTH:])


_decoy: list[str] = []


async def _decoy_hash() -> str:
    """Checked when no code has the typed lookup, so that answer takes as long as a wrong one."""
    if not _decoy:
        _decoy.append(await hashing.hash_in_thread(hashing.RETURN_CODES, new_parts().secret))
    return _decoy[0]


async def _free_parts(db: AsyncSession) -> ReturnCodeParts:
    # 30 bits of lookup: a clash is rare even with a million codes, and simply drawn again.
    for _attempt in range(8):
        parts = new_parts()
        taken = await db.scalar(select(ReturnCode.id).where(ReturnCode.lookup == parts.lookup))
        if taken is None:
            return parts
    raise Conflict({"": CHANGED_MEANWHILE})  # pragma: no cover - 8 clashes in a row


async def issue_return_code(
    db: AsyncSession, participant: Participant, *, issued_by_id: int | None = None
) -> str:
    """A new code for ``participant``, replacing any earlier one; returned once, never stored."""
    parts = await _free_parts(db)
    secret_hash = await hashing.hash_in_thread(hashing.RETURN_CODES, parts.secret)
    now = dt.datetime.now(dt.UTC)
    replaced = await db.execute(
        update(ReturnCode)
        .where(ReturnCode.participant_id == participant.id, ReturnCode.replaced_at.is_(None))
        .values(replaced_at=now)
        .execution_options(synchronize_session=False)
    )
    try:
        async with db.begin_nested():
            db.add(
                ReturnCode(
                    participant_id=participant.id,
                    lookup=parts.lookup,
                    secret_hash=secret_hash,
                    issued_by_id=issued_by_id,
                )
            )
            await db.flush()
    except IntegrityError as exc:  # another request gave this participant a code just now
        raise Conflict({"": CHANGED_MEANWHILE}) from exc
    await record_event(
        db,
        "participant.return_code_issued",
        actor_kind="account" if issued_by_id else "participant",
        actor_id=issued_by_id or participant.id,
        assembly_id=participant.assembly_id,
        subject=participant,
        replaced=bool(replaced.rowcount),  # type: ignore[attr-defined]
    )
    return parts.display


async def has_return_code(db: AsyncSession, participant_id: int) -> bool:
    found = await db.scalar(
        select(ReturnCode.id).where(
            ReturnCode.participant_id == participant_id, ReturnCode.replaced_at.is_(None)
        )
    )
    return found is not None


async def _invite_message(db: AsyncSession, normalised: str, secret_key: str) -> Any | None:
    """A clearer message when the invite code was typed where the return code belongs."""
    invite = await db.scalar(
        select(InviteCode).where(InviteCode.code_hash == hash_code(normalised, secret_key))
    )
    if invite is None:
        return None
    return INVITE_USED if invite.used_at is not None else INVITE_UNUSED


async def is_return_code(db: AsyncSession, code: str) -> bool:
    """Whether a typed code has a return code's lookup (for the join form's message)."""
    parts = split_code(code)
    if parts is None:
        return False
    found = await db.scalar(select(ReturnCode.id).where(ReturnCode.lookup == parts.lookup))
    return found is not None


async def come_back(db: AsyncSession, code: str, secret_key: str) -> tuple[Assembly, Participant]:
    """The participant a return code opens, or InvalidInput saying why it does not."""
    if not code.strip():
        raise InvalidInput({"code": MISSING})
    parts = split_code(code)
    if parts is None:
        raise InvalidInput({"code": MALFORMED})
    row = await db.scalar(select(ReturnCode).where(ReturnCode.lookup == parts.lookup))
    stored = row.secret_hash if row is not None else await _decoy_hash()
    matches = await hashing.verify_in_thread(hashing.RETURN_CODES, stored, parts.secret)
    if row is None or not matches:
        message = await _invite_message(db, parts.lookup + parts.secret, secret_key)
        raise InvalidInput({"code": message or NOT_RECOGNISED})
    if row.replaced_at is not None:
        raise InvalidInput({"code": REPLACED})
    participant = await db.get(Participant, row.participant_id)
    assembly = await db.get(Assembly, participant.assembly_id) if participant else None
    if participant is None or assembly is None:  # pragma: no cover - removed meanwhile
        raise InvalidInput({"code": NOT_RECOGNISED})
    row.last_used_at = dt.datetime.now(dt.UTC)
    await record_event(
        db,
        "participant.returned",
        actor_kind="participant",
        actor_id=participant.id,
        assembly_id=assembly.id,
        subject=participant,
    )
    return assembly, participant
