"""An assembly with everything an export holds, seeded through the services.

Every identifying value carries a distinctive marker, so the privacy tests can grep the
exported files for each one.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from assembly.accounts.services import create_account
from assembly.ballots.services import cast_ballot, cast_paper_ballot, publish_ballots
from assembly.db.models import (
    Assembly,
    AuditEvent,
    Ballot,
    Participant,
    Practice,
    Proposal,
    SortitionSelection,
    SpotlightArea,
    TableNote,
    TablePlan,
    Topic,
)
from assembly.invitations.services import issue_codes
from assembly.moderation.services import hide_argument, hide_proposal, merge_proposal
from assembly.participants.services import decline_demographics, join_assembly, save_demographics
from assembly.proposals.services import add_argument, react, submit_proposal

TEST_SECRET = "test-secret-key-for-the-suite-only"
PASSWORD = "correct horse battery"
FACILITATOR_EMAIL = "facilitator.secretmail@example.org"
RESEARCHER_EMAIL = "researcher.hiddenmail@example.org"
OTHER_RESEARCHER_EMAIL = "researcher.nogrant@example.org"
ADMIN_EMAIL = "admin.privatemail@example.org"
PARTICIPANTS = 24
QUESTIONS = [
    {"key": "age", "label": "Age group", "options": ["young", "middle", "old"]},
    {
        "key": "area",
        "label": "Where you live",
        "options": [{"value": "n", "label": "North"}, {"value": "s", "label": "South"}],
    },
]
HIDDEN_REASON = "ReasonNamingOlaNordmannXyz"
HIDDEN_TITLE = "HiddenProposalTitleQwerty"
HIDDEN_ARGUMENT = "HiddenArgumentBodyAsdfgh"
POOL_SECRET = "PoolPersonKariNordmannZzz"
IP_MARKER = "203.0.113.77"
POOL_IDS = [f"PoolIdMarker{i}Xq" for i in range(1, 6)]
SESSION_MARKER = "SessionDataMarkerQqq"


def pseudonym(i: int) -> str:
    return f"Quixote{i:02d}Zebulon"


def label(i: int) -> str:
    return f"LabelMarit{i:02d}Hansen"


def age(i: int) -> str:
    return "young" if i < 12 else ("middle" if i < 19 else "old")


@dataclass
class Seeded:
    assembly_id: int
    slug: str
    codes: list[str] = field(default_factory=list)
    topics: dict[str, int] = field(default_factory=dict)
    proposals: dict[str, int] = field(default_factory=dict)
    participant_ids: list[int] = field(default_factory=list)
    secret_options: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)


async def _topic(
    db: Any, assembly: Assembly, slug: str, position: int, method: str, secrecy: str, **extra: Any
) -> Topic:
    area = await db.scalar(select(SpotlightArea).order_by(SpotlightArea.position))
    topic = Topic(
        assembly_id=assembly.id,
        slug=slug,
        position=position,
        question=f"What should we do about {slug}?",
        background=f'Background on {slug}, with a "quote", a comma, and\na line break.',
        spotlight_area_id=area.id,
        voting_method=method,
        voting_params=extra.pop("params", {}),
        seats=extra.pop("seats", 1),
        ballot_secrecy=secrecy,
        phase="proposals",
        facilitator_notes="FacilitatorNoteNeverExported",
        practices=extra.pop("practices", []),
        **extra,
    )
    db.add(topic)
    await db.flush()
    return topic


async def _set_phase(db: Any, topic: Topic, phase: str) -> None:
    topic.phase = phase
    await db.flush()


async def seed_export_assembly(db: Any, slug: str = "harbour") -> Seeded:
    facilitator = await create_account(db, FACILITATOR_EMAIL, PASSWORD, "facilitator", "Fay Facil")
    await create_account(db, RESEARCHER_EMAIL, PASSWORD, "researcher")
    await create_account(db, OTHER_RESEARCHER_EMAIL, PASSWORD, "researcher")
    await create_account(db, ADMIN_EMAIL, PASSWORD, "admin")
    assembly = Assembly(
        slug=slug,
        title="Harbour assembly",
        place="Trondheim",
        description="Deciding the future of the harbour.",
        status="published",
        demographic_questions=QUESTIONS,
        facilitators=[facilitator],
        topics=[],
    )
    db.add(assembly)
    await db.flush()
    issued = await issue_codes(
        db, assembly, PARTICIPANTS, TEST_SECRET, labels=[label(i) for i in range(PARTICIPANTS)]
    )
    seeded = Seeded(assembly_id=assembly.id, slug=slug, codes=[c.code for c in issued])
    people: list[Participant] = []
    for i, code in enumerate(seeded.codes):
        person = await join_assembly(db, code, pseudonym(i), TEST_SECRET)
        if i < 20:
            await save_demographics(
                db, assembly, person, {"age": age(i), "area": "n" if i % 2 else "s"}
            )
        elif i < 22:
            await decline_demographics(db, person)
        people.append(person)
    seeded.participant_ids = [p.id for p in people]
    seeded.markers = [
        *(pseudonym(i) for i in range(PARTICIPANTS)),
        *(label(i) for i in range(PARTICIPANTS)),
        *seeded.codes,
        *(c.replace("-", "") for c in seeded.codes),
        FACILITATOR_EMAIL,
        RESEARCHER_EMAIL,
        ADMIN_EMAIL,
        "Fay Facil",
        HIDDEN_REASON,
        HIDDEN_TITLE,
        HIDDEN_ARGUMENT,
        POOL_SECRET,
        "FacilitatorNoteNeverExported",
        IP_MARKER,
        SESSION_MARKER,
        *POOL_IDS,
    ]

    # A ranked, secret topic with moderation, merges, reactions, online and paper ballots.
    practice = await db.scalar(select(Practice).order_by(Practice.position))
    transport = await _topic(
        db, assembly, "transport", 1, "stv", "secret", seats=2, practices=[practice]
    )
    titles = ["Free buses", "More bike lanes", "Car-free centre", "Night trains", HIDDEN_TITLE]
    made: list[Proposal] = []
    for i, title in enumerate(titles):
        made.append(await submit_proposal(db, transport, people[i], title, f"Why: {title}."))
    seeded_by_facilitator = Proposal(
        topic_id=transport.id, participant_id=None, title="Ferry upgrade"
    )
    db.add(seeded_by_facilitator)
    await db.flush()
    free_buses, bike_lanes, car_free, night_trains, hidden = made
    await add_argument(db, transport, free_buses, people[5], "pro", "Cheaper for everyone.")
    await add_argument(db, transport, free_buses, people[6], "con", "Costs the city a lot.")
    bad = await add_argument(db, transport, bike_lanes, people[7], "con", HIDDEN_ARGUMENT)
    await _set_phase(db, transport, "deliberation")
    for i, person in enumerate(people):
        await react(db, transport, free_buses, person, ("agree", "disagree", "pass")[i % 3])
        await react(db, transport, bike_lanes, person, "agree" if i < 15 else "disagree")
        if i % 2 == 0:
            await react(db, transport, car_free, person, "pass")
    await hide_proposal(db, transport, hidden, HIDDEN_REASON, facilitator.id)
    await hide_argument(db, transport, bad, HIDDEN_REASON, facilitator.id)
    await merge_proposal(
        db, transport, night_trains, str(bike_lanes.id), "Same idea", facilitator.id
    )
    await _set_phase(db, transport, "voting")
    options = [
        str(free_buses.id),
        str(bike_lanes.id),
        str(car_free.id),
        str(seeded_by_facilitator.id),
    ]
    seeded.secret_options = options
    for i, person in enumerate(people[:20]):
        ranking = [options[(i + j) % 4] for j in range(1 + i % 4)]
        await cast_ballot(db, transport, person, ranking)
    await cast_paper_ballot(db, transport, [options[2], options[0]], facilitator.id)
    # Cast before the merge: marks the merged proposal, counted for the one it went into.
    db.add(
        Ballot(
            topic_id=transport.id,
            content=[str(night_trains.id), options[0]],
            receipt_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            channel="online",
            secrecy="secret",
        )
    )
    # A ballot the engine cannot count (not a ranking at all): set aside.
    db.add(
        Ballot(
            topic_id=transport.id,
            content={"not": "a ranking"},
            receipt_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            channel="online",
            secrecy="secret",
        )
    )
    await db.flush()
    await _set_phase(db, transport, "closed")
    await publish_ballots(db, transport, facilitator.id)
    await _set_phase(db, transport, "published")

    # An approval topic with open ballots.
    parks = await _topic(db, assembly, "parks", 2, "approval", "open")
    park_ideas = [
        await submit_proposal(db, parks, people[i], title, "")
        for i, title in enumerate(["Playground", "Dog park", "Orchard"])
    ]
    await _set_phase(db, parks, "deliberation")
    for person in people[:12]:
        await react(db, parks, park_ideas[0], person, "agree")
    await _set_phase(db, parks, "voting")
    for i, person in enumerate(people[:12]):
        await cast_ballot(db, parks, person, [str(p.id) for p in park_ideas[: 1 + i % 3]])
    await _set_phase(db, parks, "closed")
    await publish_ballots(db, parks, facilitator.id)

    # A topic still voting (its ballots stay out of exports) and one still in preparation.
    housing = await _topic(
        db, assembly, "housing", 3, "score", "secret", params={"min": 0, "max": 5}
    )
    homes = [
        await submit_proposal(db, housing, people[i], t, "")
        for i, t in enumerate(["Co-ops", "Towers"])
    ]
    await _set_phase(db, housing, "voting")
    for person in people[:3]:
        await cast_ballot(db, housing, person, {str(homes[0].id): 5, str(homes[1].id): 1})
    draft = await _topic(db, assembly, "draft-topic", 4, "approval", "secret")
    await _set_phase(db, draft, "draft")

    plan = TablePlan(
        assembly_id=assembly.id,
        name="Evening one",
        table_count=2,
        round_count=1,
        plan={"rounds": [[seeded.participant_ids[:3], seeded.participant_ids[3:6]]]},
    )
    db.add(plan)
    await db.flush()
    db.add(
        TableNote(
            table_plan_id=plan.id,
            round_number=1,
            table_number=1,
            key_points="Buses matter.",
            agreements="Free buses.",
            dissent="Costs.",
            proposal_ids=[free_buses.id],
            author_account_id=facilitator.id,
        )
    )
    db.add(
        SortitionSelection(
            assembly_id=assembly.id,
            status="drawn",
            pool_csv=f"id,name,age\n1,{POOL_SECRET},young\n",
            panel_size=3,
            seed=42,
            result={
                "panel": POOL_IDS[:3],
                "alternates": POOL_IDS[3:4],
                "probabilities": dict.fromkeys(POOL_IDS, 0.6),
                "quota_table": [
                    {
                        "feature": "age",
                        "value": "young",
                        "min": 1,
                        "max": 2,
                        "selected": 2,
                        "pool": 3,
                    },
                    {
                        "feature": "age",
                        "value": "old",
                        "min": 1,
                        "max": 2,
                        "selected": 1,
                        "pool": 2,
                    },
                ],
                "record": {
                    "seed": 42,
                    "inputs": {"pool_sha256": "ab" * 32},
                    "panel": POOL_IDS[:3],
                    "alternates": POOL_IDS[3:4],
                },
                "algorithm": "maximin",
                "seed": 42,
                "panel_size": 3,
                "report_text": "",
                "summary": {
                    "pool_size": 5,
                    "min_probability": 0.6,
                    "mean_probability": 0.6,
                    "ideal_probability": 0.6,
                },
            },
        )
    )
    # Session data and an address the application may hold elsewhere: never exported.
    db.add(
        AuditEvent(
            action="account.signed_in",
            actor_kind="account",
            actor_id=facilitator.id,
            assembly_id=assembly.id,
            details={"ip": IP_MARKER, "session": SESSION_MARKER},
        )
    )
    await db.flush()
    seeded.topics = {t.slug: t.id for t in (transport, parks, housing, draft)}
    seeded.proposals = {
        "free_buses": free_buses.id,
        "bike_lanes": bike_lanes.id,
        "car_free": car_free.id,
        "night_trains": night_trains.id,
        "hidden": hidden.id,
        "ferry": seeded_by_facilitator.id,
        "playground": park_ideas[0].id,
    }
    return seeded


async def grant(db: Any, slug: str, email: str) -> None:
    from assembly.assemblies.services import grant_research_access

    assembly = await db.scalar(select(Assembly).where(Assembly.slug == slug))
    await grant_research_access(db, assembly, email, None)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- fixtures: a seeded database per test, copied from one seeded template per backend -----

POSTGRES_URL = os.environ.get(
    "ASSEMBLY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
_SEEDED_BY_URL: dict[str, Seeded] = {}


def _pg(statement: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        dsn = POSTGRES_URL.replace("postgresql+asyncpg://", "postgresql://")
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def _pg_url(name: str) -> str:
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def seeded_templates() -> Iterator[dict[str, tuple[str, Seeded]]]:
    templates: dict[str, tuple[str, Seeded]] = {}
    yield templates
    if "postgres" in templates:
        _pg(f'DROP DATABASE IF EXISTS "{templates["postgres"][0]}" WITH (FORCE)')


CHEAP_HASHER_ARGS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def _seed(url: str) -> Seeded:
    """Seed with cheap password hashes: these tests are about data, not password hashing."""
    from argon2 import PasswordHasher

    from assembly.accounts import services
    from assembly.db.tasks import run_with_session
    from assembly.settings import Settings

    saved = services._hasher
    services._hasher = PasswordHasher(**CHEAP_HASHER_ARGS)
    try:
        settings = Settings(database_url=url, secret_key=TEST_SECRET)
        return run_with_session(settings, seed_export_assembly)
    finally:
        services._hasher = saved


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts made during a test hash cheaply too (and sign-in does not rehash)."""
    from argon2 import PasswordHasher

    from assembly.accounts import services

    monkeypatch.setattr(services, "_hasher", PasswordHasher(**CHEAP_HASHER_ARGS))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    seeded_templates: dict[str, tuple[str, Seeded]],
) -> Iterator[str]:
    """A database holding the seeded export assembly (overrides the empty one)."""
    if request.param == "sqlite":
        if "sqlite" not in seeded_templates:
            empty: Path = request.getfixturevalue("sqlite_template")
            path = tmp_path_factory.mktemp("seeded") / "seeded.db"
            shutil.copyfile(empty, path)
            seeded_templates["sqlite"] = (str(path), _seed(f"sqlite+aiosqlite:///{path}"))
        template, seeded = seeded_templates["sqlite"]
        copy = tmp_path / "test.db"
        shutil.copyfile(template, copy)
        url = f"sqlite+aiosqlite:///{copy}"
        _SEEDED_BY_URL[url] = seeded
        yield url
        return
    empty_name: str = request.getfixturevalue("postgres_template")
    if "postgres" not in seeded_templates:
        name = f"{empty_name}_exports_{uuid.uuid4().hex[:6]}"
        _pg(f'CREATE DATABASE "{name}" TEMPLATE "{empty_name}"')
        seeded_templates["postgres"] = (name, _seed(_pg_url(name)))
    template, seeded = seeded_templates["postgres"]
    name = f"assembly_test_{uuid.uuid4().hex[:12]}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _pg_url(name)
    _SEEDED_BY_URL[url] = seeded
    yield url
    _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# For tests about what the files say rather than how the database is read: SQLite alone (the
# tests that stay on both databases cover the PostgreSQL reading paths).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def seeded(database_url: str) -> Seeded:
    return _SEEDED_BY_URL[database_url]
