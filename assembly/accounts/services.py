"""Account rules: password hashing with argon2id, creation, sign-in, disabling, and the
one-time links that set a new account's first password or reset a forgotten one.

A password link carries an 80-bit code in the invite-code style; only its keyed hash is
stored. It works once (claimed by a conditional update, so two tabs cannot both use it), for
a limited time, and a newer link for the same account replaces it. No one but the account
holder ever knows the password: an administrator hands over the link, not a password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from assembly import hashing
from assembly.audit.services import record_event
from assembly.db.models import ROLES, Account, PasswordLink
from assembly.errors import Conflict, InvalidInput, NotFound
from assembly.forms_common import normalise_email
from assembly.i18n import _l
from assembly.invitations.services import generate_code, hash_code, normalise_code

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


PASSWORD_TOO_SHORT = _l("The password must have at least 10 characters.")
# Stored for an account whose holder has not chosen a password yet: no password matches it.
UNUSABLE_PASSWORD = "!"  # noqa: S105  (not a password: a hash no password matches)
DISPLAY_NAME_MAX = 200


async def _check_new_account(
    db: AsyncSession, email: str, role: str, display_name: str, errors: dict[str, Any]
) -> str:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        errors["email"] = _l("Enter a valid e-mail address.")
    if role not in ROLES:
        errors["role"] = _l("Choose one of the roles: facilitator, researcher, admin or responder.")
    if len(display_name) > DISPLAY_NAME_MAX:
        errors["display_name"] = _l("The name can have at most 200 characters.")
    if "email" not in errors:
        exists = await db.scalar(select(func.count()).where(Account.email == email))
        if exists:
            errors["email"] = _l("An account with this e-mail address already exists.")
    return email


async def _add_account(
    db: AsyncSession,
    email: str,
    role: str,
    display_name: str,
    password_hash: str,
    actor_id: int | None,
) -> Account:
    account = Account(
        email=email,
        role=role,
        password_hash=password_hash,
        display_name=display_name or email.split("@")[0],
    )
    db.add(account)
    await db.flush()
    await record_event(
        db,
        "account.created",
        actor_kind="account" if actor_id else "system",
        actor_id=actor_id,
        subject=account,
        role=role,
    )
    return account


async def create_account(
    db: AsyncSession, email: str, password: str, role: str, display_name: str = ""
) -> Account:
    """An account with a password (the command line and the demo)."""
    errors: dict[str, Any] = {}
    email = await _check_new_account(db, email, role, display_name, errors)
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = PASSWORD_TOO_SHORT
    if errors:
        raise InvalidInput(errors)
    return await _add_account(db, email, role, display_name, hash_password(password), None)


@dataclass(frozen=True)
class NewAccount:
    email: str
    role: str
    display_name: str = ""


async def invite_account(
    db: AsyncSession, new: NewAccount, secret_key: str, *, actor_id: int
) -> tuple[Account, str]:
    """An account made by an administrator, and the one-time code of its first password."""
    errors: dict[str, Any] = {}
    display_name = " ".join(new.display_name.split())
    email = await _check_new_account(db, new.email, new.role, display_name, errors)
    if errors:
        raise InvalidInput(errors)
    account = await _add_account(db, email, new.role, display_name, UNUSABLE_PASSWORD, actor_id)
    code = await issue_password_link(db, account, secret_key, purpose="welcome", actor_id=actor_id)
    return account, code


async def authenticate(db: AsyncSession, email: str, password: str) -> Account | None:
    """The account the e-mail and password open, or None.

    The hash is checked in a worker thread with no transaction open, so neither the event loop
    nor (on SQLite) the write lock waits for argon2. A failure is recorded and committed in a
    transaction of its own, so the refusal that follows does not roll the record back.
    """
    account = await db.scalar(select(Account).where(Account.email == normalise_email(email)))
    found = (account.id, account.password_hash) if account and account.is_active else None
    await db.rollback()
    if found is None:
        await hashing.verify_in_thread(_hasher, _DUMMY_HASH, password)
        await _record_failed_sign_in(db, None)
        return None
    account_id, password_hash = found
    if not await hashing.verify_in_thread(_hasher, password_hash, password):
        await _record_failed_sign_in(db, account_id)
        return None
    new_hash = None
    if _hasher.check_needs_rehash(password_hash):
        new_hash = await hashing.hash_in_thread(_hasher, password)
    account = await db.get(Account, account_id, populate_existing=True)
    if account is None or not account.is_active:  # disabled while the hash was checked
        await db.rollback()
        await _record_failed_sign_in(db, account_id)
        return None
    if new_hash is not None:
        account.password_hash = new_hash
    account.last_sign_in_at = dt.datetime.now(dt.UTC)
    await record_event(db, "account.signed_in", actor_kind="account", actor_id=account.id)
    return account


async def _record_failed_sign_in(db: AsyncSession, account_id: int | None) -> None:
    # No typed e-mail is stored: people type passwords into the e-mail box by mistake.
    await record_event(
        db,
        "account.sign_in_failed",
        actor_kind="account" if account_id else "system",
        actor_id=account_id,
        known_account=account_id is not None,
    )
    await db.commit()


async def list_accounts(db: AsyncSession, role: str | None = None) -> list[Account]:
    query = select(Account).order_by(Account.email)
    if role:
        query = query.where(Account.role == role)
    return list((await db.scalars(query)).all())


# --- disabling and enabling ----------------------------------------------------------------

LAST_ADMIN = _l(
    "This is the only active administrator account. Make another administrator first, so that "
    "someone can still manage the accounts."
)


async def get_account(db: AsyncSession, account_id: int) -> Account:
    account = await db.get(Account, account_id) if 0 < account_id < 2**63 else None
    if account is None:
        raise NotFound()
    return account


async def set_account_active(
    db: AsyncSession, account: Account, active: bool, *, actor_id: int
) -> None:
    """Disable or re-enable an account; at least one active administrator always remains."""
    if account.is_active == active:
        return
    if not active and account.role == "admin":
        # Locks the active administrators' rows on PostgreSQL (SQLite holds the write lock).
        admins = await db.scalars(
            select(Account.id)
            .where(Account.role == "admin", Account.is_active.is_(True))
            .with_for_update()
        )
        if set(admins.all()) <= {account.id}:
            raise Conflict({"": LAST_ADMIN})
    account.is_active = active
    if not active:
        # Links not yet used must not let anyone into a disabled account.
        await _replace_links(db, account.id)
    await record_event(
        db,
        "account.enabled" if active else "account.disabled",
        actor_kind="account",
        actor_id=actor_id,
        subject=account,
    )


# --- one-time password links ---------------------------------------------------------------

WELCOME_VALID = dt.timedelta(days=7)
RESET_VALID = dt.timedelta(hours=24)
LINK_NOT_VALID = _l(
    "This link or code is not valid. Check that you copied all of it, or ask an administrator "
    "for a new one."
)
LINK_USED = _l(
    "This link has already been used to set a password, and it works only once. Sign in with "
    "that password, or ask an administrator for a new link."
)
LINK_EXPIRED = _l("This link has expired. Ask an administrator for a new one.")
LINK_REPLACED = _l(
    "A newer link was made for this account, so this one no longer works. Use the newest link."
)
LINK_ACCOUNT_DISABLED = _l("This account is disabled. Ask an administrator.")
PASSWORDS_DIFFER = _l("The two passwords are not the same. Type the new password twice.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


async def _replace_links(db: AsyncSession, account_id: int) -> None:
    await db.execute(
        update(PasswordLink)
        .where(
            PasswordLink.account_id == account_id,
            PasswordLink.used_at.is_(None),
            PasswordLink.replaced_at.is_(None),
        )
        .values(replaced_at=_now())
        .execution_options(synchronize_session=False)
    )


async def issue_password_link(
    db: AsyncSession,
    account: Account,
    secret_key: str,
    *,
    purpose: str = "reset",
    actor_id: int | None = None,
) -> str:
    """A new one-time code for ``account`` (earlier unused ones stop working); shown once."""
    if not account.is_active:
        raise Conflict({"": LINK_ACCOUNT_DISABLED})
    await _replace_links(db, account.id)
    code = generate_code()
    valid = WELCOME_VALID if purpose == "welcome" else RESET_VALID
    db.add(
        PasswordLink(
            account_id=account.id,
            code_hash=hash_code(normalise_code(code) or code, secret_key),
            purpose=purpose,
            expires_at=_now() + valid,
            created_by_id=actor_id,
        )
    )
    await db.flush()
    await record_event(
        db,
        "account.password_link_made",
        actor_kind="account" if actor_id else "system",
        actor_id=actor_id,
        subject=account,
        purpose=purpose,
    )
    return code


@dataclass(frozen=True)
class OpenLink:
    link: PasswordLink
    account: Account


async def check_password_link(db: AsyncSession, code: str, secret_key: str) -> OpenLink:
    """The link a code opens, or InvalidInput (``code``) saying why not. Reads only."""
    normalised = normalise_code(code)
    link = None
    if normalised is not None:
        link = await db.scalar(
            select(PasswordLink).where(PasswordLink.code_hash == hash_code(normalised, secret_key))
        )
    if link is None:
        raise InvalidInput({"code": LINK_NOT_VALID})
    if link.used_at is not None:
        raise InvalidInput({"code": LINK_USED})
    if link.replaced_at is not None:
        raise InvalidInput({"code": LINK_REPLACED})
    if _aware(link.expires_at) <= _now():
        raise InvalidInput({"code": LINK_EXPIRED})
    account = await db.get(Account, link.account_id)
    if account is None or not account.is_active:
        raise InvalidInput({"code": LINK_ACCOUNT_DISABLED})
    return OpenLink(link, account)


async def use_password_link(
    db: AsyncSession, code: str, password: str, confirmation: str, secret_key: str
) -> Account:
    """Set the account's password with a link, once; InvalidInput with what is wrong."""
    opened = await check_password_link(db, code, secret_key)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput({"password": PASSWORD_TOO_SHORT})
    if password != confirmation:
        raise InvalidInput({"confirmation": PASSWORDS_DIFFER})
    password_hash = await hashing.hash_in_thread(hashing.PASSWORDS, password)
    claimed = await db.execute(
        update(PasswordLink)
        .where(PasswordLink.id == opened.link.id, PasswordLink.used_at.is_(None))
        .values(used_at=_now())
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]  # the other tab was first
        raise InvalidInput({"code": LINK_USED})
    opened.account.password_hash = password_hash
    await record_event(
        db,
        "account.password_set",
        actor_kind="account",
        actor_id=opened.account.id,
        subject=opened.account,
        purpose=opened.link.purpose,
    )
    return opened.account
