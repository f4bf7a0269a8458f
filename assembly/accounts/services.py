"""Account rules: password hashing with argon2id, creation, and sign-in."""

from __future__ import annotations

import datetime as dt

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.audit.services import record_event
from assembly.db.models import ROLES, Account
from assembly.forms_common import normalise_email
from assembly.i18n import _l
from assembly.web.forms import FormError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong e-mail takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def create_account(
    db: AsyncSession, email: str, password: str, role: str, display_name: str = ""
) -> Account:
    errors: dict[str, object] = {}
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        errors["email"] = _l("Enter a valid e-mail address.")
    if role not in ROLES:
        errors["role"] = _l("Choose one of the roles: facilitator, researcher or admin.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = _l("The password must have at least 10 characters.")
    if not errors:
        exists = await db.scalar(select(func.count()).where(Account.email == email))
        if exists:
            errors["email"] = _l("An account with this e-mail address already exists.")
    if errors:
        raise FormError(errors)
    account = Account(
        email=email,
        role=role,
        password_hash=hash_password(password),
        display_name=display_name or email.split("@")[0],
    )
    db.add(account)
    await db.flush()
    await record_event(db, "account.created", actor_kind="system", subject=account)
    return account


async def authenticate(db: AsyncSession, email: str, password: str) -> Account | None:
    account = await db.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None or not account.is_active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(account.password_hash, password):
        await record_event(db, "account.sign_in_failed", actor_kind="account", actor_id=account.id)
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_sign_in_at = dt.datetime.now(dt.UTC)
    await record_event(db, "account.signed_in", actor_kind="account", actor_id=account.id)
    return account


async def list_accounts(db: AsyncSession, role: str | None = None) -> list[Account]:
    query = select(Account).order_by(Account.email)
    if role:
        query = query.where(Account.role == role)
    return list((await db.scalars(query)).all())
