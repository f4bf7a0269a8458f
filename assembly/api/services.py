"""Researcher API tokens: made once, stored only as SHA-256, revocable, every use audited.

A token is 256 random bits; only its SHA-256 is stored, which is enough for a secret that
cannot be guessed (no password-style slow hash needed) and lets a lookup use the index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from assembly.accounts.viewer import Viewer
from assembly.assemblies.services import is_researcher_of
from assembly.audit.services import record_event
from assembly.db.engine import SessionMaker
from assembly.db.models import Account, ApiToken, Assembly, ResearchGrant
from assembly.errors import InvalidInput, NotAllowed, NotFound
from assembly.forms_common import normalise_text
from assembly.i18n import _l

TOKEN_PREFIX = "asm_"  # noqa: S105 - a prefix, not a secret
MAX_NAME_LENGTH = 200
MAX_ACTIVE_TOKENS = 20


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def require_researcher(viewer: Viewer) -> Account:
    account = viewer.require_account()
    if not viewer.is_researcher:
        raise NotAllowed("Researchers only.")
    return account


async def list_tokens(db: AsyncSession, account: Account) -> list[ApiToken]:
    query = (
        select(ApiToken)
        .where(ApiToken.account_id == account.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list((await db.scalars(query)).all())


async def create_token(db: AsyncSession, account: Account, name: str) -> tuple[ApiToken, str]:
    """A new token for ``account``; the token itself is returned once and never stored."""
    name = normalise_text(name)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput({"name": _l("The name can have at most 200 characters.")})
    active = [t for t in await list_tokens(db, account) if t.revoked_at is None]
    if len(active) >= MAX_ACTIVE_TOKENS:
        raise InvalidInput({"": _l("You have 20 active tokens. Revoke one before making another.")})
    raw = new_token()
    token = ApiToken(account_id=account.id, name=name, token_hash=token_hash(raw))
    db.add(token)
    await db.flush()
    await record_event(
        db, "api.token_created", actor_kind="account", actor_id=account.id, subject=token
    )
    return token, raw


async def revoke_token(db: AsyncSession, account: Account, token_id: int) -> None:
    token = await db.get(ApiToken, token_id) if 0 < token_id < 2**63 else None
    if token is None or token.account_id != account.id:
        raise NotFound()
    if token.revoked_at is not None:
        return
    token.revoked_at = dt.datetime.now(dt.UTC)
    await record_event(
        db, "api.token_revoked", actor_kind="account", actor_id=account.id, subject=token
    )


async def authenticate(db: AsyncSession, raw: str) -> tuple[ApiToken, Account] | None:
    """The active token and its active account, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    row = (
        await db.execute(
            select(ApiToken, Account)
            .join(Account, Account.id == ApiToken.account_id)
            .where(ApiToken.token_hash == token_hash(raw))
        )
    ).first()
    if row is None:
        return None
    token, account = row
    if token.revoked_at is not None or not account.is_active:
        return None
    if account.role not in ("researcher", "admin"):
        return None
    return token, account


async def record_token_use(
    engine: AsyncEngine, token_id: int, account_id: int, method: str, path: str, **details: Any
) -> None:
    """Audit one use of a token in a transaction of its own, so that the record stays even
    when the request itself fails (a refused export is worth knowing about too)."""
    async with SessionMaker(engine).for_write() as db:
        await db.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(last_used_at=dt.datetime.now(dt.UTC))
        )
        await record_event(
            db,
            "api.token_used",
            actor_kind="token",
            actor_id=token_id,
            subject_type="api_tokens",
            subject_id=token_id,
            account_id=account_id,
            method=method,
            path=path[:300],
            **details,
        )
        await db.commit()


async def has_research_access(
    db: AsyncSession, account: Account | None, assembly: Assembly
) -> bool:
    """Whether a token's account may read this assembly's non-public data."""
    if account is None:
        return False
    if account.role == "admin":
        return True
    if account.role != "researcher":
        return False
    return await is_researcher_of(db, Viewer(account=account), assembly)


async def granted_assembly_ids(db: AsyncSession, account: Account | None) -> set[int] | None:
    """Assemblies the account may read beyond the public ones; None means all (admins)."""
    if account is None:
        return set()
    if account.role == "admin":
        return None
    rows = await db.scalars(
        select(ResearchGrant.assembly_id).where(ResearchGrant.account_id == account.id)
    )
    return set(rows.all())
