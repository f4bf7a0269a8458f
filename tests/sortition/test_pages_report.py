"""The fairness report, the progress page and replacements, on a stored draw (one real draw
is shared by every test here; the draw job itself is covered by the flow test)."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from assemblies.manage_seed import audit_actions, fast_passwords, login, seed  # noqa: F401
from helpers import post_form
from sortition.pages_seed import (
    PANEL_SIZE,
    cached_draw,
    count,
    draft_selection,
    members,
    seed_drawn_selection,
    selection,
    settings_for,
)
from sqlalchemy import update

from assembly.db.models import BackgroundJob, PanelMember, SortitionSelection
from assembly.jobs.services import enqueue
from assembly.settings import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


def test_the_fairness_report_shows_chances_quotas_and_the_record(client: Any, db: Any) -> None:
    s = seed(db)
    selection_id = seed_drawn_selection(db, s.assembly_id)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition/{selection_id}"
    response = client.get(base, follow_redirects=False)
    assert response.headers["location"] == f"{base}/report"
    assert client.get(f"{base}/setup", follow_redirects=False).status_code == 303
    report = client.get(f"{base}/report")
    assert report.status_code == 200
    text = html.unescape(report.text)
    result = cached_draw()
    assert f"{PANEL_SIZE} people were drawn from a pool of 70 with maximin" in text
    assert text.count("<td>yes</td>") == 4  # every quota met
    assert "<td>no</td>" not in text
    # The alternates in their order, every probability, and the chart with its table.
    positions = [text.index(f"<td>{pool_id}</td>") for pool_id in result.alternates[:5]]
    assert positions == sorted(positions)
    assert text.count("Tenth ") >= 10
    assert "Mean chance" in text
    assert "Equal chance" in text
    assert "How to re-run this draw" in text
    assert result.record["panel_sha256"] in text
    # The lowest chance, as a share of the equal chance.
    low = result.min_probability / (PANEL_SIZE / 70)
    assert f"The lowest chance is {low * 100:.1f} %" in text
    # In Norwegian the page still renders (untranslated text falls back to English).
    client.cookies.set("assembly_lang", "nb")
    norwegian = client.get(f"{base}/report")
    assert norwegian.status_code == 200
    assert '<html lang="nb" dir="ltr">' in norwegian.text


def _tighten_and_starve(db: Any, selection_id: int) -> PanelMember:
    """Quotas at exactly the panel's counts, and no alternate like the first member left."""
    stored = selection(db, selection_id)
    panel = [m for m in members(db, selection_id) if m.status == "selected"]
    first = panel[0]
    counts: dict[tuple[str, str], int] = {}
    for member in panel:
        for feature, value in member.features.items():
            counts[feature, value] = counts.get((feature, value), 0) + 1
    quotas = [
        {
            **q,
            "min": counts.get((q["feature"], q["value"]), 0),
            "max": counts.get((q["feature"], q["value"]), 0),
        }
        for q in stored.quotas
    ]

    alike = [
        m.id
        for m in members(db, selection_id)
        if m.status == "alternate" and m.features == first.features
    ]

    async def work(s: Any) -> None:
        await s.execute(
            update(SortitionSelection)
            .where(SortitionSelection.id == selection_id)
            .values(quotas=quotas)
        )
        await s.execute(
            update(PanelMember).where(PanelMember.id.in_(alike)).values(status="dropped")
        )

    db(work)
    return first


def test_a_replacement_that_cannot_keep_the_quotas_is_refused_unless_asked(
    client: Any, db: Any
) -> None:
    s = seed(db)
    selection_id = seed_drawn_selection(db, s.assembly_id)
    first = _tighten_and_starve(db, selection_id)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition/{selection_id}"
    response = post_form(
        client, f"{base}/replace", {"member": str(first.id)}, form_page=f"{base}/report"
    )
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert f"No alternate keeps every quota when replacing \u201c{first.pool_id}\u201d" in text
    assert 'href="#field-member"' in response.text
    assert not selection(db, selection_id).result["record"]["replacements"]
    assert not [m for m in members(db, selection_id) if m.status == "replacement"]

    response = post_form(
        client,
        f"{base}/replace",
        {"member": str(first.id), "allow_partial": "1"},
        form_page=f"{base}/report",
    )
    assert response.status_code == 303
    [entry] = selection(db, selection_id).result["record"]["replacements"]
    assert entry["keeps_quotas"] is False
    assert entry["violations"]
    report = html.unescape(client.get(f"{base}/report").text)
    assert "Not every quota is kept." in report
    assert '<span class="met-no">no</span>' in report
    assert "sortition.replaced" in audit_actions(db)


def test_only_panel_members_can_be_replaced(client: Any, db: Any) -> None:
    s = seed(db)
    selection_id = seed_drawn_selection(db, s.assembly_id)
    alternate = next(m for m in members(db, selection_id) if m.status == "alternate")
    login(client, s.facilitator)
    base = f"{s.manage}/sortition/{selection_id}"
    for member in ("", "abc", str(alternate.id), "999999"):
        response = post_form(
            client, f"{base}/replace", {"member": member}, form_page=f"{base}/report"
        )
        assert response.status_code == 400, member
        assert "Choose a member of the panel." in response.text
    draft = draft_selection(db, s.assembly_id)
    response = post_form(
        client, f"{s.manage}/sortition/{draft}/replace", {"member": "1"}, form_page=f"{base}/report"
    )
    assert response.status_code == 303
    response = post_form(
        client, f"{s.manage}/sortition/{draft}/invitations", {}, form_page=f"{base}/report"
    )
    assert response.status_code == 303
    assert count(db, PanelMember) == 70


def _queue(db: Any, selection_id: int, **job_values: Any) -> int:
    async def work(s: Any) -> int:
        chosen = await s.get(SortitionSelection, selection_id)
        job = await enqueue(s, "sortition.draw", {"selection_id": selection_id}, chosen.assembly_id)
        for key, value in job_values.items():
            setattr(job, key, value)
        chosen.status = "queued"
        chosen.job_id = job.id
        chosen.panel_size = PANEL_SIZE
        return int(job.id)

    return int(db(work))


def test_the_progress_page_follows_the_job(client: Any, db: Any) -> None:
    s = seed(db)
    selection_id = draft_selection(db, s.assembly_id)
    job_id = _queue(db, selection_id)
    login(client, s.facilitator)
    url = f"{s.manage}/sortition/{selection_id}/progress"
    page = client.get(url)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in page.text
    assert "Waiting to start" in page.text

    async def running(session: Any) -> None:
        await session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(
                status="running",
                progress="Round 23/70: 8 committees found",
                attempts=2,
                started_at=dt.datetime.now(dt.UTC),
            )
        )

    db(running)
    page = client.get(url)
    assert "Running" in page.text
    assert '<span lang="en">Round 23/70: 8 committees found</span>' in page.text
    assert "started again after an interruption" in page.text

    # A job that gave up leaves the draw to be set up and started again.
    async def gave_up(session: Any) -> None:
        await session.execute(
            update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(status="failed", error="The job stopped without finishing 3 times.")
        )

    db(gave_up)
    response = client.get(url, follow_redirects=False)
    assert response.headers["location"].endswith(f"/sortition/{selection_id}/setup")
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "The draw stopped before it finished." in page.text
    assert "The job stopped without finishing 3 times." in page.text
