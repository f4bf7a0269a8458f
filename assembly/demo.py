"""The demo that ``make run`` serves: the default scenario, loaded once into an empty database.

:func:`load_demo_if_empty` plays ``scenarios/trondheim-neighbourhood.toml`` when the database
holds no assembly yet, so a newcomer's first page shows a realistic assembly: a finished topic
with a published summary, a topic open for voting and a topic open for proposals, and the
assembly's finished recommendations: amended, voted (one fails its threshold, one carries a
minority statement), reported and answered by the municipality. It also makes:

- the scenario's demo facilitator, who manages the assembly;
- a demo researcher with a research grant on it, who can open the research export;
- a demo administrator, who manages the accounts and reads the whole audit log;
- a few fresh invite codes for demo participants;
- a demo responder of the commissioning body, who has answered each recommendation.

Citizens have no accounts: they take part through the session an invite code opens, and each
code works once. So the demo prints unused codes (with their join addresses) rather than the
details of a participant who already exists: a newcomer opens one, chooses a name and can vote
on the open topic and propose on the other. The facilitator can make more codes on the
assembly's Invitations page. Passwords are random and printed once; when the database already
exists, :func:`existing_database_text` names the accounts and how to choose a new password
(``assembly user reset-password``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assembly.db.tasks import run_with_session
from assembly.scenarios.loader import find_scenarios_dir
from assembly.scenarios.progress import progress_reporter
from assembly.scenarios.runner import ProgressCallback, RunReport, new_password, run_scenario
from assembly.settings import Settings

__all__ = [
    "DEFAULT_SCENARIO",
    "default_scenario_path",
    "demo_facilitator_email",
    "existing_database_text",
    "load_demo_if_empty",
]

DEFAULT_SCENARIO = "trondheim-neighbourhood.toml"
RESEARCHER_NAME = "Demo Researcher"
ADMIN_NAME = "Demo Administrator"
PHASE_WORDS = {
    "draft": "in preparation",
    "proposals": "open for proposals",
    "deliberation": "in deliberation",
    "voting": "open for voting",
    "closed": "voting closed",
    "published": "finished, results and summary published",
}


def default_scenario_path() -> Path:
    """The default scenario, found from the project root wherever the command runs."""
    return find_scenarios_dir() / DEFAULT_SCENARIO


def _database_is_empty(settings: Settings) -> bool:
    from sqlalchemy import func, select

    from assembly.db.models import Assembly

    async def count(db: Any) -> int:
        return int(await db.scalar(select(func.count(Assembly.id))) or 0)

    return run_with_session(settings, count) == 0


def _researcher_email(facilitator_email: str) -> str:
    domain = facilitator_email.rpartition("@")[2] or "demo.example"
    return f"researcher@{domain}"


def _add_researcher(settings: Settings, report: RunReport) -> tuple[str, str | None]:
    """A researcher account with a grant on the demo assembly; its password if it is new."""
    from sqlalchemy import select

    from assembly.accounts.services import create_account
    from assembly.assemblies.services import grant_research_access
    from assembly.db.models import Account, Assembly

    email = _researcher_email(report.facilitator_email)
    password = new_password()

    async def work(db: Any) -> str | None:
        account = await db.scalar(select(Account).where(Account.email == email))
        created = None
        if account is None:
            await create_account(db, email, password, "researcher", RESEARCHER_NAME)
            created = password
        elif account.role != "researcher":
            return None
        assembly = await db.get(Assembly, report.assembly_id)
        facilitator = await db.scalar(
            select(Account.id).where(Account.email == report.facilitator_email)
        )
        await grant_research_access(db, assembly, email, facilitator)
        return created

    return email, run_with_session(settings, work)


def _add_admin(settings: Settings, report: RunReport) -> tuple[str, str | None]:
    """An administrator account beside the demo's; its password if it is new."""
    from sqlalchemy import select

    from assembly.accounts.services import create_account
    from assembly.db.models import Account

    domain = report.facilitator_email.rpartition("@")[2] or "demo.example"
    email = f"admin@{domain}"
    password = new_password()

    async def work(db: Any) -> str | None:
        if await db.scalar(select(Account.id).where(Account.email == email)) is not None:
            return None
        await create_account(db, email, password, "admin", ADMIN_NAME)
        return password

    return email, run_with_session(settings, work)


def _join_url(base_url: str, code: str) -> str:
    from assembly.invitations.services import join_url

    return join_url(base_url, code)


def demo_text(
    settings: Settings,
    report: RunReport,
    researcher: tuple[str, str | None],
    admin: tuple[str, str | None] | None = None,
) -> str:
    """What to print once the demo is loaded: where to go and how to sign in."""
    base = settings.base_url.rstrip("/")
    lines = [
        "",
        f"The demo assembly is ready: “{report.title}”.",
        f"  Open {report.url}",
    ]
    for topic in report.topics:
        lines.append(f"  - {topic.question}")
        lines.append(f"    {PHASE_WORDS.get(topic.phase, topic.phase)}: {topic.url}")
        if topic.summary_url:
            lines.append(f"    summary: {topic.summary_url}")
    drafting = report.drafting
    if drafting is not None:
        adopted = sum(1 for r in drafting.recommendations if r.adopted)
        lines.append(
            f"  - {len(drafting.recommendations)} recommendations, {adopted} adopted: "
            f"{report.url}/recommendations"
        )
        if drafting.report_url:
            lines.append(f"    final report: {drafting.report_url} (and as PDF: .../report.pdf)")
            lines.append(f"    responses and follow-up: {drafting.tracker_url}")
    lines += ["", f"Sign in at {base}/signin"]
    if report.facilitator_password:
        lines.append(
            f"  Facilitator: {report.facilitator_email}  password: {report.facilitator_password}"
        )
    else:
        lines.append(f"  Facilitator: {report.facilitator_email} (existing account)")
    email, password = researcher
    if password:
        lines.append(f"  Researcher:  {email}  password: {password}")
    if admin and admin[1]:
        lines.append(f"  Admin:       {admin[0]}  password: {admin[1]}")
    if drafting is not None and drafting.responder_password:
        lines.append(
            f"  Responder:   {drafting.responder_email}  password: {drafting.responder_password}"
        )
    if report.demo_codes:
        lines += [
            "",
            "Take part as a citizen: open one of these invitations, choose a name, then vote on",
            "the open topic and add a proposal to the other. Each code works once; the",
            "facilitator can make more on the assembly's Invitations page.",
        ]
        lines += [f"  {_join_url(base, code)}" for code in report.demo_codes]
    lines.append("")
    return "\n".join(lines)


def load_demo_if_empty(
    settings: Settings,
    seed: int = 7,
    *,
    participants: int | None = None,
    sortition: bool = True,
    progress: ProgressCallback | None = None,
) -> str | None:
    """Load the default scenario when the database has no assembly; the text to print, or None.

    The database must already be migrated (``prepare_database``). ``participants`` defaults to
    the scenario's panel; progress goes to standard error unless ``progress`` is given.
    """
    from assembly.scenarios.loader import load_scenario

    if not _database_is_empty(settings):
        return None
    scenario = load_scenario(default_scenario_path())
    options: dict[str, Any] = {
        "participants": participants,
        "seed": seed,
        "sortition": sortition,
        "demo_codes": scenario.demo.participants,
    }
    if progress is not None:
        report = run_scenario(settings, scenario, progress=progress, **options)
    else:
        with progress_reporter() as reporter:
            report = run_scenario(settings, scenario, progress=reporter, **options)
    researcher = _add_researcher(settings, report)
    admin = _add_admin(settings, report)
    return demo_text(settings, report, researcher, admin)


def demo_facilitator_email() -> str:
    """The e-mail address of the default scenario's demo facilitator."""
    from assembly.forms_common import normalise_email
    from assembly.scenarios.loader import ScenarioError, load_scenario
    from assembly.scenarios.schema import DemoSpec

    try:
        email = load_scenario(default_scenario_path()).demo.facilitator_email
    except (ScenarioError, FileNotFoundError):
        email = DemoSpec().facilitator_email
    return normalise_email(email)


def _database_file(settings: Settings) -> str | None:
    """The file of a SQLite database, as it is named in the URL; None for another database."""
    prefix = "sqlite+aiosqlite:///"
    if not settings.database_url.startswith(prefix):
        return None
    path = Path(settings.database_url.removeprefix(prefix))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def existing_database_text(settings: Settings) -> str:
    """What ``make run`` prints when the database already holds assemblies: the accounts to
    sign in with, and how to get a password again: the command to make a one-time link, ready
    for the demo facilitator (or, without the demo's accounts, the first one listed)."""
    from sqlalchemy import select

    from assembly.db.models import Account

    demo_email = demo_facilitator_email()

    async def read(db: Any) -> tuple[list[tuple[str, str]], bool]:
        rows = await db.execute(
            select(Account.role, Account.email)
            .where(Account.is_active.is_(True))
            .order_by(Account.role, Account.email)
            .limit(12)
        )
        demo = await db.scalar(
            select(Account.id).where(Account.email == demo_email, Account.is_active.is_(True))
        )
        return [(role, email) for role, email in rows], demo is not None

    accounts, has_demo = run_with_session(settings, read)
    base = settings.base_url.rstrip("/")
    lines = [
        "",
        "The database already holds assemblies, so no demo was loaded; it is served as it is.",
    ]
    if accounts:
        lines.append(f"Sign in at {base}/signin with one of these accounts:")
        lines += [f"  {role:<12} {email}" for role, email in accounts]
    command = ".venv/bin/assembly user reset-password"
    named = demo_email if has_demo else (accounts[0][1] if accounts else None)
    lines.append("")
    if named is not None:
        who = "the demo facilitator" if has_demo else named
        lines += [
            f"To sign in as {who} again, make a one-time link to choose a new password:",
            f"  {command} {named}",
            f"For another account, give its e-mail address instead: {command} EMAIL",
        ]
    else:
        lines += [
            "No account can sign in yet; create one with:",
            "  .venv/bin/assembly user create EMAIL --role admin",
        ]
    database_file = _database_file(settings)
    if database_file is not None:
        lines.append(
            f"To start the demo afresh instead, stop the server and remove {database_file}."
        )
    lines.append("")
    return "\n".join(lines)
