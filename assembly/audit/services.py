"""Writing audit events in the caller's transaction (an action and its record commit
together), and reading the log page by page for the people allowed to see it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.db.models import Account, Assembly, AuditEvent, Proposal, Topic


async def record_event(
    db: AsyncSession,
    action: str,
    *,
    actor_kind: str = "system",
    actor_id: int | None = None,
    assembly_id: int | None = None,
    subject: Any = None,
    subject_type: str = "",
    subject_id: str | int = "",
    **details: Any,
) -> AuditEvent:
    if subject is not None:
        subject_type = subject_type or getattr(subject, "__tablename__", type(subject).__name__)
        subject_id = subject_id or getattr(subject, "id", "")
    event = AuditEvent(
        action=action,
        actor_kind=actor_kind,
        actor_id=actor_id,
        assembly_id=assembly_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details,
    )
    db.add(event)
    return event


# --- reading the log ----------------------------------------------------------------------
#
# The log is read by an assembly's facilitators (their assembly) and by administrators (all of
# it). Participants appear only as "a participant", never by pseudonym or number. Secret
# ballots are recorded without their voter; even so, a list in order of time would place each
# of them next to what the same person did a moment before. So they are left out of the list
# and counted per topic and day instead.

PAGE_SIZE = 50
SECRET_BALLOT_DAYS = 60


@dataclass(frozen=True)
class AuditFilter:
    assembly_id: int | None = None
    outside_assemblies: bool = False  # events of no assembly: accounts, tokens, the system
    actor: str = ""  # "", "account:<id>", "participant", "system" or "token"
    action: str = ""
    page: int = 1


@dataclass(frozen=True)
class LogEntry:
    event: AuditEvent
    actor_account: Account | None  # the account, or for a token the account that owns it
    subject_text: str  # a topic's question, a proposal's title or an account's e-mail
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class SecretBallotDay:
    topic: str
    day: dt.date
    action: str
    count: int


@dataclass(frozen=True)
class AuditPage:
    entries: list[LogEntry]
    page: int
    has_next: bool
    secret_ballots: list[SecretBallotDay] = field(default_factory=list)


def _secret_ballot() -> ColumnElement[bool]:
    return and_(
        AuditEvent.action.like("ballot.%"),
        AuditEvent.actor_kind == "participant",
        AuditEvent.actor_id.is_(None),
    )


def _scoped(query: Select[Any], where: AuditFilter) -> Select[Any]:
    if where.assembly_id is not None:
        query = query.where(AuditEvent.assembly_id == where.assembly_id)
    elif where.outside_assemblies:
        query = query.where(AuditEvent.assembly_id.is_(None))
    if where.action:
        query = query.where(AuditEvent.action == where.action)
    return query


def _by_actor(query: Select[Any], actor: str) -> Select[Any]:
    kind, _sep, ident = actor.partition(":")
    if kind == "account" and ident.isdigit():
        return query.where(AuditEvent.actor_kind == "account", AuditEvent.actor_id == int(ident))
    if kind in ("participant", "system", "token"):
        return query.where(AuditEvent.actor_kind == kind)
    return query


def _shown(value: Any, accounts: dict[int, Account], key: str) -> str:
    if key == "account_id" and isinstance(value, int) and value in accounts:
        return accounts[value].email
    if isinstance(value, bool):
        return "✓" if value else "–"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value[:10]) + (" …" if len(value) > 10 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in list(value.items())[:10])
    return str(value)


async def _accounts(db: AsyncSession, ids: set[int]) -> dict[int, Account]:
    if not ids:
        return {}
    found = await db.scalars(select(Account).where(Account.id.in_(ids)))
    return {account.id: account for account in found}


async def _subject_texts(db: AsyncSession, events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = {"topics": set(), "proposals": set()}
    for event in events:
        if event.subject_type in wanted and event.subject_id.isdigit():
            wanted[event.subject_type].add(int(event.subject_id))
    texts: dict[tuple[str, str], str] = {}
    if wanted["topics"]:
        rows = await db.execute(
            select(Topic.id, Topic.question).where(Topic.id.in_(wanted["topics"]))
        )
        texts.update({("topics", str(i)): question for i, question in rows})
    if wanted["proposals"]:
        rows = await db.execute(
            select(Proposal.id, Proposal.title).where(Proposal.id.in_(wanted["proposals"]))
        )
        texts.update({("proposals", str(i)): title for i, title in rows})
    return texts


async def read_log(db: AsyncSession, where: AuditFilter) -> AuditPage:
    """One page of the log, newest first, with secret ballots counted apart."""
    page = max(1, where.page)
    query = _by_actor(_scoped(select(AuditEvent), where), where.actor).where(not_(_secret_ballot()))
    query = query.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE)
    events = list((await db.scalars(query.limit(PAGE_SIZE + 1))).all())
    has_next = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    account_ids = {e.actor_id for e in events if e.actor_kind == "account" and e.actor_id}
    for event in events:
        owner = (event.details or {}).get("account_id")
        if isinstance(owner, int):
            account_ids.add(owner)
        if event.subject_type == "accounts" and event.subject_id.isdigit():
            account_ids.add(int(event.subject_id))
    accounts = await _accounts(db, account_ids)
    subjects = await _subject_texts(db, events)
    entries = []
    for event in events:
        details = event.details or {}
        if event.actor_kind == "account":
            actor = accounts.get(event.actor_id or 0)
        elif event.actor_kind == "token":
            actor = accounts.get(details.get("account_id") or 0)
        else:
            actor = None
        subject_account = (
            accounts.get(int(event.subject_id))
            if event.subject_type == "accounts" and event.subject_id.isdigit()
            else None
        )
        if subject_account is not None:
            subject = subject_account.email
        else:
            subject = subjects.get((event.subject_type, event.subject_id), "")
        shown = [(key, _shown(value, accounts, key)) for key, value in details.items()]
        entries.append(LogEntry(event, actor, subject, shown))
    secret: list[SecretBallotDay] = []
    ballots_wanted = not where.action or where.action.startswith("ballot.")
    if page == 1 and where.actor in ("", "participant") and ballots_wanted:
        secret = await _secret_ballot_days(db, where)
    return AuditPage(entries, page, has_next, secret)


async def _secret_ballot_days(db: AsyncSession, where: AuditFilter) -> list[SecretBallotDay]:
    moment: Any = AuditEvent.created_at
    if db.get_bind().dialect.name == "postgresql":
        moment = func.timezone("UTC", AuditEvent.created_at)
    day = func.date(moment)
    query = _scoped(
        select(AuditEvent.subject_id, AuditEvent.action, day, func.count()).where(_secret_ballot()),
        where,
    )
    query = query.group_by(AuditEvent.subject_id, AuditEvent.action, day)
    rows = (await db.execute(query.order_by(day.desc()).limit(SECRET_BALLOT_DAYS))).all()
    topic_ids = {int(subject) for subject, *_rest in rows if str(subject).isdigit()}
    questions: dict[str, str] = {}
    if topic_ids:
        found = await db.execute(select(Topic.id, Topic.question).where(Topic.id.in_(topic_ids)))
        questions = {str(i): question for i, question in found}
    days = []
    for subject, action, when, count in rows:
        when = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when))
        days.append(SecretBallotDay(questions.get(str(subject), ""), when, action, int(count)))
    return days


async def log_accounts(db: AsyncSession, assembly: Assembly | None) -> list[Account]:
    """Accounts to filter by: an assembly's facilitators and the administrators, or everyone."""
    query = select(Account).order_by(Account.display_name, Account.email)
    if assembly is not None:
        facilitators = [account.id for account in assembly.facilitators]
        query = query.where(or_(Account.role == "admin", Account.id.in_(facilitators)))
    return list((await db.scalars(query)).all())
