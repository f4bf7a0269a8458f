"""Issuing and redeeming invite codes.

Codes carry 80 bits from the operating system's CSPRNG, written in Crockford base32 (no
I, L, O or U, so letters read aloud or typed from paper are not confused) in groups of four.
Only an HMAC of the normalised code is stored; the code itself is shown once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import segno
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.assemblies.forms import parse_local_date_end
from assembly.audit.services import record_event
from assembly.db.models import Assembly, InviteCode, Participant
from assembly.errors import InvalidInput, NotFound
from assembly.i18n import _l

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_BITS = 80
CODE_LENGTH = CODE_BITS // 5  # 16 symbols
MAX_CODES_PER_REQUEST = 2000
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0", "U": "V"})


class InviteStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, never stored
    invite: InviteCode


def generate_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str | None:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def hash_code(code: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), code.encode(), hashlib.sha256).hexdigest()


async def issue_codes(
    db: AsyncSession,
    assembly: Assembly,
    count: int,
    secret_key: str,
    *,
    expires_at: dt.datetime | None = None,
    labels: list[str] | None = None,
    actor_id: int | None = None,
) -> list[IssuedCode]:
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise ValueError(f"Between 1 and {MAX_CODES_PER_REQUEST} codes can be made at once.")
    issued: list[IssuedCode] = []
    for index in range(count):
        code = generate_code()
        invite = InviteCode(
            assembly_id=assembly.id,
            code_hash=hash_code(normalise_code(code) or code, secret_key),
            expires_at=expires_at,
            label=(labels[index] if labels and index < len(labels) else "")[:200],
        )
        db.add(invite)
        issued.append(IssuedCode(code=code, invite=invite))
    assembly.invited_count = (assembly.invited_count or 0) + count
    await db.flush()
    await record_event(
        db,
        "invitations.issued",
        actor_kind="account",
        actor_id=actor_id,
        assembly_id=assembly.id,
        count=count,
    )
    return issued


async def check_code(
    db: AsyncSession, assembly: Assembly, code: str, secret_key: str
) -> tuple[InviteStatus, InviteCode | None]:
    normalised = normalise_code(code)
    if normalised is None:
        return InviteStatus.MALFORMED, None
    invite = await db.scalar(
        select(InviteCode).where(
            InviteCode.code_hash == hash_code(normalised, secret_key),
            InviteCode.assembly_id == assembly.id,
        )
    )
    if invite is None:
        return InviteStatus.UNKNOWN, None
    if invite.revoked_at is not None:
        return InviteStatus.REVOKED, invite
    if invite.used_at is not None:
        return InviteStatus.USED, invite
    if invite.expires_at is not None and invite.expires_at <= dt.datetime.now(dt.UTC):
        return InviteStatus.EXPIRED, invite
    return InviteStatus.OK, invite


async def find_assembly_by_code(db: AsyncSession, code: str, secret_key: str) -> Assembly | None:
    """The assembly a code belongs to, so a citizen can join from the code alone."""
    normalised = normalise_code(code)
    if normalised is None:
        return None
    invite = await db.scalar(
        select(InviteCode).where(InviteCode.code_hash == hash_code(normalised, secret_key))
    )
    if invite is None:
        return None
    return await db.get(Assembly, invite.assembly_id)


async def mark_used(db: AsyncSession, invite: InviteCode, participant_id: int) -> bool:
    """Claim the code atomically: False when another request used it first."""
    result = await db.execute(
        update(InviteCode)
        .where(InviteCode.id == invite.id, InviteCode.used_at.is_(None))
        .values(used_at=dt.datetime.now(dt.UTC), participant_id=participant_id)
        # The claim is decided by the WHERE clause; re-checking loaded rows would only cost time.
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke(db: AsyncSession, invite: InviteCode, actor_id: int | None = None) -> None:
    if invite.revoked_at is None and invite.used_at is None:
        invite.revoked_at = dt.datetime.now(dt.UTC)
        await record_event(
            db,
            "invitations.revoked",
            actor_kind="account",
            actor_id=actor_id,
            assembly_id=invite.assembly_id,
            subject=invite,
        )


# --- the facilitator's invitation pages ------------------------------------------------------

MAX_CODES_PER_FORM = 500  # one printed sheet each: more than this is a print shop's job


def invite_status(invite: InviteCode, now: dt.datetime | None = None) -> str:
    """unused, used, expired or revoked, as the invitation list shows it."""
    now = now or dt.datetime.now(dt.UTC)
    if invite.revoked_at is not None:
        return "revoked"
    if invite.used_at is not None:
        return "used"
    expires_at = invite.expires_at
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=dt.UTC)
        if expires_at <= now:
            return "expired"
    return "unused"


async def list_invites(db: AsyncSession, assembly: Assembly) -> list[InviteCode]:
    query = (
        select(InviteCode)
        .where(InviteCode.assembly_id == assembly.id)
        .order_by(InviteCode.created_at.desc(), InviteCode.id.desc())
    )
    return list((await db.scalars(query)).all())


async def get_invite(db: AsyncSession, assembly: Assembly, invite_id: int) -> InviteCode:
    invite = await db.get(InviteCode, invite_id)
    if invite is None or invite.assembly_id != assembly.id:
        raise NotFound()
    return invite


async def list_participants(db: AsyncSession, assembly: Assembly) -> list[Participant]:
    """Who has joined, by pseudonym: the page shows nothing that names a person."""
    query = (
        select(Participant)
        .where(Participant.assembly_id == assembly.id)
        .order_by(Participant.created_at, Participant.id)
    )
    return list((await db.scalars(query)).all())


def parse_issue_form(
    values: Mapping[str, str], time_zone: str, now: dt.datetime | None = None
) -> tuple[int, dt.datetime | None, list[str]]:
    """How many codes, until when, and their labels; InvalidInput with what is wrong.

    With labels and no count, one code is made per label.
    """
    now = now or dt.datetime.now(dt.UTC)
    errors: dict[str, Any] = {}
    labels = [line.strip() for line in values.get("labels", "").replace("\r\n", "\n").split("\n")]
    labels = [label for label in labels if label]
    count_text = values.get("count", "").strip()
    count = 0
    if not count_text and labels:
        count = len(labels)
    elif not count_text.isdigit() or not 1 <= int(count_text) <= MAX_CODES_PER_FORM:
        errors["count"] = _l("Enter a number of codes from 1 to 500.")
    else:
        count = int(count_text)
    if count and len(labels) > count:
        errors["labels"] = _l(
            "There are more labels (%(labels)d) than codes (%(count)d).",
            labels=len(labels),
            count=count,
        )
    if any(len(label) > 200 for label in labels):
        errors["labels"] = _l("A label can have at most 200 characters.")
    expires_at: dt.datetime | None = None
    expires_text = values.get("expires_on", "").strip()
    if expires_text:
        expires_at = parse_local_date_end(expires_text, time_zone)
        if expires_at is None:
            errors["expires_on"] = _l("Enter the date as year-month-day, such as 2026-06-30.")
        elif expires_at <= now:
            errors["expires_on"] = _l("The expiry date must be today or later.")
    if errors:
        raise InvalidInput(errors)
    return count, expires_at, labels


def join_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/join?code={quote(code)}"


def qr_svg(url: str, title: str) -> Markup:
    """The join address as an inline SVG QR code (medium error correction survives smudges)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, title=title, svgclass="qr-code", lineclass="qr-line", omitsize=False
    )
    return Markup(svg)  # noqa: S704  (segno's own markup; the title is escaped by segno)


@dataclass(frozen=True)
class InvitationSheet:
    code: str
    label: str
    url: str
    qr: Markup
    # The language the letter is printed in ("" for the assembly's main language).
    language: str = ""


def sheets_for(issued: list[IssuedCode], base_url: str, qr_title: str) -> list[InvitationSheet]:
    sheets = []
    for item in issued:
        url = join_url(base_url, item.code)
        sheets.append(InvitationSheet(item.code, item.invite.label, url, qr_svg(url, qr_title)))
    return sheets


def register_batch(session: dict[str, Any], batch: str) -> bool:
    """Remember a form's one-time batch token; False if that form was already sent.

    Codes are shown once, so sending the same form twice (a reload) must not quietly make a
    second set that nobody has seen.
    """
    seen = list(session.get("invite_batches") or [])
    if not batch or batch in seen:
        return False
    session["invite_batches"] = [*seen[-19:], batch]
    return True
