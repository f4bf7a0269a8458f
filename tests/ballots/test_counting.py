"""Counting: merged and hidden proposals, set-aside ballots, publishing."""

from __future__ import annotations

from typing import Any

import pytest
from participants.assembly_seed import add_proposals, seed_assembly

from assembly.ballots.receipts import check_receipt, public_ballots
from assembly.ballots.services import (
    cast_paper_ballot,
    compute_result,
    counted_ballots,
    publish_ballots,
    stored_result,
)
from assembly.db.models import Ballot, Proposal, Topic
from assembly.errors import InvalidInput


def test_merged_marks_follow_and_hidden_marks_drop(db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting", method="borda"))
    keep, dup, rude = add_proposals(db, seed.topic_id, ["Keep", "Duplicate", "Rude"])
    k, d, r = str(keep), str(dup), str(rude)

    async def work(s: Any) -> Any:
        topic = await s.get(Topic, seed.topic_id)
        for ranking in ([d, r, k], [k, d], [r], [d]):
            await cast_paper_ballot(s, topic, ranking, None)
        duplicate, hidden = await s.get(Proposal, dup), await s.get(Proposal, rude)
        duplicate.status, duplicate.merged_into_id = "merged", keep
        hidden.status = "hidden"
        await s.flush()
        counted = await counted_ballots(s, topic)
        result = await compute_result(s, topic)
        return counted, result

    counted, result = db(work)
    assert counted.options == [k]
    assert sorted(counted.ballots, key=len) == [[], [k], [k], [k]]
    assert counted.channels == {"online": 0, "paper": 4}
    assert result.winners == [k]


def test_ballots_no_longer_valid_are_set_aside(db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting", method="dot", params={"budget": 10}))
    a, b = (str(i) for i in add_proposals(db, seed.topic_id, ["A", "B"]))

    async def work(s: Any) -> Any:
        topic = await s.get(Topic, seed.topic_id)
        await cast_paper_ballot(s, topic, {a: 8, b: 2}, None)
        await cast_paper_ballot(s, topic, {b: 3}, None)
        topic.voting_params = {"budget": 5}
        await s.flush()
        return await counted_ballots(s, topic), await compute_result(s, topic)

    counted, result = db(work)
    assert counted.set_aside == 1
    assert counted.ballots == [{b: 3}]
    assert result.winners == [b]


def test_publishing_needs_the_close_and_records_the_tally(db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="voting"))
    a, _b = (str(i) for i in add_proposals(db, seed.topic_id, ["A", "B"]))

    async def work(s: Any) -> Any:
        topic = await s.get(Topic, seed.topic_id)
        await cast_paper_ballot(s, topic, [a], 7)
        with pytest.raises(InvalidInput):
            await publish_ballots(s, topic)
        assert (await public_ballots(s, topic)).receipts == []
        topic.phase = "closed"
        await publish_ballots(s, topic, actor_account_id=7)
        listed = await public_ballots(s, topic)
        stored = stored_result(topic)
        return listed, stored

    listed, stored = db(work)
    # One ballot, below the small-cell threshold: its hash is listed, its content is not.
    assert len(listed.receipts) == 1
    assert listed.withheld
    assert listed.as_cast == []
    assert stored is not None
    assert stored.winners == [a]


def test_no_proposals_gives_an_empty_result(db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="closed"))

    async def work(s: Any) -> Any:
        return await compute_result(s, await s.get(Topic, seed.topic_id))

    result = db(work)
    assert result.winners == []
    assert result.ranking == []


def test_paper_ballots_only_while_voting(db: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="closed"))
    a = str(add_proposals(db, seed.topic_id, ["A"])[0])

    async def work(s: Any) -> None:
        await cast_paper_ballot(s, await s.get(Topic, seed.topic_id), [a], 1)

    with pytest.raises(InvalidInput):
        db(work)

    async def count(s: Any) -> int:
        from sqlalchemy import func, select

        return await s.scalar(select(func.count()).select_from(Ballot))

    assert db(count) == 0


def test_sealing_leaves_no_storage_trace_pairing_ballots_and_voters(db: Any, settings: Any) -> None:
    from sqlalchemy import func, select, text

    from assembly.ballots.services import cast_ballot, seal_ballots
    from assembly.db.models import BallotVoter, Participant

    seed = db(lambda s: seed_assembly(s, phase="voting"))
    a, b = (str(i) for i in add_proposals(db, seed.topic_id, ["A", "B"]))

    async def vote(s: Any, name: str, choice: str) -> str:
        participant = Participant(assembly_id=seed.assembly_id, pseudonym=name)
        s.add(participant)
        await s.flush()
        return await cast_ballot(s, await s.get(Topic, seed.topic_id), participant, [choice])

    codes = [db(lambda s, i=i: vote(s, f"Voter {i}", a if i % 2 else b)) for i in range(4)]
    postgres = not settings.is_sqlite

    async def xmins(s: Any) -> tuple[set[str], set[str]]:
        ballots = await s.scalars(text("SELECT xmin::text FROM ballots"))
        voters = await s.scalars(text("SELECT xmin::text FROM ballot_voters"))
        return set(ballots.all()), set(voters.all())

    if postgres:
        before_ballots, before_voters = db(xmins)
        # One transaction per vote: the trace to remove.
        assert len(before_ballots) == len(before_voters) == 4

    async def seal(s: Any) -> tuple[list[Any], int]:
        topic = await s.get(Topic, seed.topic_id)
        await seal_ballots(s, topic)
        topic.phase, topic.ballots_published = "closed", True
        found = [await check_receipt(s, topic, code) for code in codes]
        voters = await s.scalar(select(func.count()).select_from(BallotVoter))
        contents = sorted((await s.scalars(select(Ballot.content))).all())
        return found, voters, contents

    found, voters, contents = db(seal)
    assert voters == 4
    assert all(f is not None and f.counted for f in found)
    assert contents == sorted([[b], [a], [b], [a]])
    if postgres:
        after_ballots, after_voters = db(xmins)
        assert len(after_ballots) == 1
        assert after_ballots == after_voters
