"""A response says success only after its commit: a failed commit answers 500 and logs it.

The commit is made to fail the way a full disk or a lost server would, at the database's
COMMIT, for every connection that wrote to a table of the product (the session store is left
alone, as the failure of a second system would be another test). Each kind of write is tried
once with a working commit, to show the request itself is right, and once with the failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import post_form, sign_in, sqlite_only
from litestar.testing import TestClient
from participants.assembly_seed import PASSWORD, Seed, add_proposals, join, seed_assembly
from sqlalchemy import event, func, select

from assembly.db.models import AuditEvent, Ballot, InviteCode, Participant, Proposal, Topic

NOT_STORED = "Your changes were not stored"


@dataclass
class CommitSwitch:
    failing: bool = False
    failures: int = 0


@pytest.fixture
def commits(client: TestClient[Any]) -> Iterator[CommitSwitch]:
    switch = CommitSwitch()
    engine = client.app.state.engine.sync_engine

    def note(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(" ", 1)[0].upper()
        # Sessions and rate-limit counters commit on their own; the request's commit fails.
        own = "store_items" in statement or "rate_limit_counters" in statement
        if verb in {"INSERT", "UPDATE", "DELETE"} and not own:
            conn.info["wrote"] = True

    def commit(conn: Any) -> None:
        wrote = conn.info.pop("wrote", False)
        if switch.failing and wrote:
            switch.failures += 1
            raise OSError("disk I/O error (forced by the test)")

    def rollback(conn: Any) -> None:
        conn.info.pop("wrote", None)

    event.listen(engine, "before_cursor_execute", note)
    event.listen(engine, "commit", commit)
    event.listen(engine, "rollback", rollback)
    yield switch
    event.remove(engine, "before_cursor_execute", note)
    event.remove(engine, "commit", commit)
    event.remove(engine, "rollback", rollback)


def _count(db: Any, model: Any, *where: Any) -> int:
    async def work(s: Any) -> int:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)))

    return db(work)


def _fails_cleanly(
    response: Any, caplog: pytest.LogCaptureFixture, switch: CommitSwitch, locale: str = "en"
) -> None:
    assert response.status_code == 500, (response.status_code, response.text[:300])
    assert switch.failures >= 1
    if locale == "en":
        # The request's own commit, or one a service makes part-way (closing a topic).
        assert NOT_STORED in response.text or "Nothing you sent was stored" in response.text
    assert "location" not in response.headers
    assert any(r.levelno >= logging.ERROR for r in caplog.records)


def _facilitated(db: Any, client: TestClient[Any], phase: str) -> tuple[Seed, list[int]]:
    seed = db(lambda s: seed_assembly(s, phase=phase, codes=2, facilitator=True))
    proposals = add_proposals(db, seed.topic_id, ["Park", "Pool"])
    sign_in(client, seed.facilitator_email, PASSWORD)
    return seed, proposals


@sqlite_only
def test_joining_is_not_confirmed_when_its_commit_fails(
    client: TestClient[Any], db: Any, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    seed = db(lambda s: seed_assembly(s, codes=2))
    before = _count(db, Participant)
    commits.failing = True
    response = post_form(
        client, "/join", {"code": seed.codes[0], "pseudonym": "Heron 5"}, form_page="/join"
    )
    _fails_cleanly(response, caplog, commits)
    assert _count(db, Participant) == before
    # The session was not marked as joined: the assembly still offers joining.
    assert "Heron 5" not in client.get(f"/assemblies/{seed.slug}").text
    commits.failing = False
    join(client, seed.codes[0], "Heron 5")
    assert _count(db, Participant) == before + 1


@sqlite_only
def test_a_proposal_is_not_confirmed_when_its_commit_fails(
    client: TestClient[Any], db: Any, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    seed = db(lambda s: seed_assembly(s, codes=1))
    join(client, seed.codes[0], "Birch 2")
    commits.failing = True
    data = {"title": "A covered market", "body": "Rain or shine."}
    response = post_form(client, f"{seed.topic_url}/proposals", data, form_page=seed.topic_url)
    _fails_cleanly(response, caplog, commits)
    assert _count(db, Proposal, Proposal.topic_id == seed.topic_id) == 0
    commits.failing = False
    response = post_form(client, f"{seed.topic_url}/proposals", data, form_page=seed.topic_url)
    assert response.status_code == 303
    assert _count(db, Proposal, Proposal.topic_id == seed.topic_id) == 1


@sqlite_only
def test_a_paper_ballot_is_not_confirmed_when_its_commit_fails(
    client: TestClient[Any], db: Any, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    seed, [park, _pool] = _facilitated(db, client, "voting")
    page = f"/manage/assemblies/{seed.slug}/topics/{seed.topic_slug}/paper-ballots"
    commits.failing = True
    response = post_form(client, page, {"choice": str(park), "participant": ""}, form_page=page)
    _fails_cleanly(response, caplog, commits)
    assert _count(db, Ballot, Ballot.topic_id == seed.topic_id) == 0
    commits.failing = False
    response = post_form(client, page, {"choice": str(park), "participant": ""}, form_page=page)
    assert response.status_code == 303, response.text
    assert _count(db, Ballot, Ballot.topic_id == seed.topic_id) == 1


@sqlite_only
@pytest.mark.parametrize(("start", "target"), [("proposals", "deliberation"), ("voting", "closed")])
def test_a_phase_change_is_not_confirmed_when_its_commit_fails(
    client: TestClient[Any],
    db: Any,
    commits: CommitSwitch,
    caplog: pytest.LogCaptureFixture,
    start: str,
    target: str,
) -> None:
    seed, _ = _facilitated(db, client, start)
    manage = f"/manage/assemblies/{seed.slug}/topics/{seed.topic_slug}"
    commits.failing = True
    response = post_form(client, f"{manage}/phase", {"phase": target}, form_page=manage)
    _fails_cleanly(response, caplog, commits)

    async def phase(s: Any) -> str:
        return str((await s.get(Topic, seed.topic_id)).phase)

    assert db(phase) == start
    commits.failing = False
    response = post_form(client, f"{manage}/phase", {"phase": target}, form_page=manage)
    assert response.status_code == 303, response.text
    assert db(phase) == target


@sqlite_only
def test_issued_invitations_are_not_shown_when_their_commit_fails(
    client: TestClient[Any], db: Any, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    seed, _ = _facilitated(db, client, "proposals")
    page = f"/manage/assemblies/{seed.slug}/invitations"
    before = _count(db, InviteCode)
    import re

    batch = re.search(r'name="batch" value="([^"]+)"', client.get(page).text).group(1)  # type: ignore[union-attr]
    form = {"count": "3", "expires_on": "", "labels": "", "batch": batch}
    commits.failing = True
    response = post_form(client, page, form, form_page=page)
    _fails_cleanly(response, caplog, commits)
    assert _count(db, InviteCode) == before


@sqlite_only
def test_the_failure_page_speaks_the_readers_language(
    client: TestClient[Any], db: Any, commits: CommitSwitch, caplog: pytest.LogCaptureFixture
) -> None:
    seed = db(lambda s: seed_assembly(s, codes=1))
    client.cookies.set("assembly_lang", "nb")
    commits.failing = True
    response = post_form(
        client, "/join", {"code": seed.codes[0], "pseudonym": "Bjørk 4"}, form_page="/join"
    )
    _fails_cleanly(response, caplog, commits, locale="nb")
    assert "Endringene dine ble ikke lagret" in response.text
    assert _count(db, AuditEvent, AuditEvent.action == "participant.joined") == 0
