"""The drafting pages over HTTP: a facilitator drafts, members amend, vote and sign, the report
is published and a responder answers; bad input gets a 4xx with the form kept."""

from __future__ import annotations

import re
from typing import Any

from assemblies.manage_seed import fast_passwords  # noqa: F401  (an autouse fixture)
from helpers import sign_in
from participants.assembly_seed import TEST_SECRET, another_client, assert_unique_ids, join
from participants.assembly_seed import post_form as post
from recommendations.drafting_seed import FACILITATOR, PASSWORD, RESPONDER, seed_drafting

from assembly.db.models import Assembly
from assembly.invitations.services import issue_codes


def _codes(db: Any, assembly_id: int, count: int) -> list[str]:
    async def work(s: Any) -> list[str]:
        assembly = await s.get(Assembly, assembly_id)
        return [c.code for c in await issue_codes(s, assembly, count, TEST_SECRET)]

    return db(work)


def _receipt(text: str) -> str:
    found = re.search(r'class="code receipt-code">([A-Z0-9-]+)<', text)
    assert found, text[:2000]
    return found.group(1)


def test_from_proposals_to_a_tracked_response(client: Any, settings: Any, db: Any) -> None:
    seed = db(lambda s: seed_drafting(s, members=0))
    codes = _codes(db, seed.assembly_id, 3)
    manage = f"/manage/assemblies/{seed.slug}/recommendations"
    public = f"/assemblies/{seed.slug}/recommendations"
    sign_in(client, FACILITATOR, PASSWORD)
    page = client.get(manage)
    assert page.status_code == 200
    assert_unique_ids(page.text)
    settings_form = {
        "threshold": "80",
        "amendment_threshold": "50",
        "abstentions": "excluded",
        "ballot_secrecy": "secret",
        "minority_signatures": "1",
        "remit": "How should the town use its old harbour?",
        "commissioned_by": "Trondheim municipality",
        "meetings": "3",
        "meeting_hours": "9",
        "data_url": "",
        "response_due_on": "",
    }
    bad = post(client, f"{manage}/settings", {**settings_form, "threshold": "150"})
    assert bad.status_code == 400
    assert "Trondheim municipality" in bad.text  # typed text is kept
    assert post(client, f"{manage}/settings", settings_form).status_code == 303
    new = client.get(f"{public}/new")
    assert new.status_code == 200
    assert_unique_ids(new.text)
    empty = post(client, f"{public}/new", {"title": "Keep it", "clauses": "", "proposals": []})
    assert empty.status_code == 400
    assert 'value="Keep it"' in empty.text
    for title, proposal in (("A market hall", 0), ("A swimming pier", 1), ("A youth club", 3)):
        made = post(
            client,
            f"{public}/new",
            {
                "title": title,
                "clauses": "1. The town opens it by 2027.\n\n2. Locals pay less.",
                "rationale": "Members asked for it.",
                "proposals": [str(seed.proposal_ids[proposal])],
                "practices": [str(seed.practice_id)],
            },
        )
        assert made.status_code == 303, made.text
    shown = client.get(f"{public}/1")
    assert shown.status_code == 200
    assert_unique_ids(shown.text)
    assert "The town opens it by 2027." in shown.text
    assert post(client, f"{manage}/phase", {"phase": "amending"}).status_code == 303

    with another_client(settings) as member:
        join(member, codes[0], "Ada")
        clause = re.search(
            r'<option value="(\d+:\d+)">Clause 1', member.get(f"{public}/1/amend").text
        )
        assert clause
        proposed = post(
            member,
            f"{public}/1/amend",
            {
                "kind": "replace",
                "clause": clause.group(1),
                "text": "The town opens it by 2026.",
                "reason": "Sooner.",
            },
        )
        assert proposed.status_code == 303, proposed.text
        stale = post(
            member,
            f"{public}/1/amend",
            {
                "kind": "replace",
                "clause": clause.group(1).split(":")[0] + ":9",
                "text": "Never.",
                "reason": "No.",
            },
        )
        assert stale.status_code == 409
        assert "changed while you were writing" in stale.text
        assert post(client, f"{manage}/1/amendments/1/open", {}).status_code == 303
        vote = member.get(f"{public}/1/amendments/1/vote")
        assert vote.status_code == 200
        assert "<ins>" in vote.text
        assert "<del>" in vote.text
        assert_unique_ids(vote.text)
        blank = post(member, f"{public}/1/amendments/1/vote", {"answer": "", "revision": "1"})
        assert blank.status_code == 400
        cast = post(member, f"{public}/1/amendments/1/vote", {"answer": "yes", "revision": "1"})
        assert cast.status_code == 200
        receipt = _receipt(cast.text)
        changed = post(
            member,
            f"{public}/1/amendments/1/vote/change",
            {"answer": "yes", "receipt": receipt, "revision": "1"},
        )
        assert changed.status_code == 303
        paper = client.get(f"{manage}/1/amendments/1/paper-ballots")
        assert paper.status_code == 200
        assert (
            post(
                client,
                f"{manage}/1/amendments/1/paper-ballots",
                {"answer": "abstain", "participant": ""},
            ).status_code
            == 303
        )
        assert post(client, f"{manage}/1/amendments/1/close", {}).status_code == 303
        assert "The town opens it by 2026." in client.get(f"{public}/1").text
        assert client.get(f"{public}/1/amendments/1/ballots").status_code == 200
        assert client.get(f"{public}/1/amendments/1/ballots.json").json()["options"] == [
            "recommendation-1-amendment-1"
        ]
        statement = post(member, f"{public}/2/minority", {"statement": "Too costly in winter."})
        assert statement.status_code == 303
        assert post(client, f"{manage}/phase", {"phase": "voting"}).status_code == 303
        revision = re.search(r'name="revision" value="(\d+)"', member.get(f"{public}/1/vote").text)
        assert revision
        for number in (1, 2, 3):
            answer = "no" if number == 2 else "yes"
            current = re.search(
                r'name="revision" value="(\d+)"', member.get(f"{public}/{number}/vote").text
            )
            assert current
            done = post(
                member, f"{public}/{number}/vote", {"answer": answer, "revision": current.group(1)}
            )
            assert done.status_code == 200, done.text
        assert post(client, f"{manage}/phase", {"phase": "final"}).status_code == 303
        assert post(client, f"{manage}/report/publish", {}).status_code == 303
        report = member.get(f"/assemblies/{seed.slug}/report")
        assert report.status_code == 200
        assert "Too costly in winter." in report.text
        assert "Not adopted" in report.text
        pdf = member.get(f"/assemblies/{seed.slug}/report.pdf")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")

    with another_client(settings) as responder:
        assert (
            post(client, f"{manage}/responders", {"responder_email": RESPONDER}).status_code == 303
        )
        sign_in(responder, RESPONDER, PASSWORD)
        assert responder.get(f"/respond/{seed.slug}").status_code == 200
        missing = post(
            responder,
            f"/respond/{seed.slug}/1/response",
            {"stance": "accepted", "reasoning": "", "promised_on": ""},
        )
        assert missing.status_code == 400
        answered = post(
            responder,
            f"/respond/{seed.slug}/1/response",
            {"stance": "accepted", "reasoning": "We agree.", "promised_on": "2020-01-01"},
        )
        assert answered.status_code == 303
        update = post(
            responder,
            f"/respond/{seed.slug}/1/updates",
            {
                "progress": "in_progress",
                "description": "Budget set aside.",
                "happened_on": "2019-06-01",
                "evidence": "https://example.org/budget",
            },
        )
        assert update.status_code == 303
    tracker = client.get(f"/assemblies/{seed.slug}/tracker")
    assert tracker.status_code == 200
    assert "We agree." in tracker.text
    assert "Overdue by" in tracker.text
    feed = client.get(f"/assemblies/{seed.slug}/tracker/feed.atom")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert b"Budget set aside." in feed.content
