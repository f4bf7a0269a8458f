"""The whole civic lottery in the browser: pool, quotas, a draw run as a job, the fairness
report, a replacement, invitations, table plans, a move and a table note."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any

import pytest
from assemblies.manage_seed import (  # noqa: F401  (fast_passwords is an autouse fixture)
    audit_actions,
    fast_passwords,
    login,
    proposal,
    seed,
)
from helpers import post_form
from sortition.pages_seed import (
    PANEL_SIZE,
    POOL_CSV,
    QUOTAS,
    SEED,
    count,
    jobs,
    members,
    memo_draw,
    quota_fields,
    selection,
    selection_id_from,
    settings_for,
    upload,
)
from sqlalchemy import select

from assembly.db.models import InviteCode, TableNote, TablePlan
from assembly.jobs.runner import run_pending
from assembly.settings import Settings
from assembly.sortition import services


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture(autouse=True)
def one_solve_per_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job calls the real draw once; the other database reuses its (identical) answer."""
    monkeypatch.setattr(services, "draw_panel", memo_draw)


def _quotas_met(panel: list[Any]) -> bool:
    for feature, values in QUOTAS.items():
        for value, (low, high) in values.items():
            got = sum(1 for m in panel if m.features.get(feature) == value)
            if not low <= got <= high:
                return False
    return True


def test_the_full_lottery_path_in_the_browser(client: Any, db: Any, settings: Settings) -> None:
    s = seed(db)
    login(client, s.facilitator)
    base = f"{s.manage}/sortition"

    # 1. Upload the pool (multipart), with a household column.
    page = client.get(base)
    assert page.status_code == 200
    assert "Upload the pool" in page.text
    response = upload(
        client,
        base,
        {"household_column": "household"},
        {"pool_file": ("pool.csv", POOL_CSV.encode(), "text/csv")},
    )
    assert response.status_code == 303, response.text
    selection_id = selection_id_from(response.headers["location"])
    setup_url = f"{base}/{selection_id}/setup"
    assert response.headers["location"] == setup_url

    # 2. The quota form has a row per feature value found in the pool; name is not a feature.
    page = client.get(setup_url)
    assert page.status_code == 200
    for text in ("female", "male", "rural", "urban", "Leximin is not offered"):
        assert text in page.text
    assert "Not offered as features" in page.text
    assert "name" in page.text
    seed_value = re.search(r'name="seed" type="text" value="(\d+)"', page.text)
    assert seed_value, "the seed is prefilled"
    assert int(seed_value.group(1)) == selection(db, selection_id).seed

    # 3. Start the draw: it is queued as a job, never run in the request.
    fields = {
        "panel_size": str(PANEL_SIZE),
        "seed": str(SEED),
        "algorithm": "maximin",
        **quota_fields(),
    }
    response = upload(client, setup_url, fields, {"quotas_file": ("", b"", "text/csv")})
    assert response.status_code == 303, response.text
    progress_url = f"{base}/{selection_id}/progress"
    assert response.headers["location"] == progress_url
    stored = selection(db, selection_id)
    assert (stored.status, stored.seed, stored.panel_size) == ("queued", SEED, PANEL_SIZE)
    [job] = jobs(db)
    assert (job.kind, job.status, job.payload) == (
        "sortition.draw",
        "queued",
        {"selection_id": selection_id},
    )
    page = client.get(progress_url)
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in page.text
    assert "Waiting to start" in page.text

    # 4. A worker runs the job; the progress page then leads to the report.
    assert asyncio.run(run_pending(settings)) == 1
    [job] = jobs(db)
    assert job.status == "done", job.error
    assert job.result["selection_id"] == selection_id
    assert job.progress == "Done"
    response = client.get(progress_url, follow_redirects=False)
    assert response.status_code == 303
    report_url = f"{base}/{selection_id}/report"
    assert response.headers["location"] == report_url

    # 5. The fairness report.
    report = client.get(report_url)
    assert report.status_code == 200
    text = html.unescape(report.text)
    stored = selection(db, selection_id)
    result = stored.result
    assert stored.status == "drawn"
    assert len(result["panel"]) == PANEL_SIZE
    for pool_id in list(result["probabilities"])[:5]:
        assert f"<td>{pool_id}</td>" in text
    assert "Equal chance (panel / pool)" in text
    assert "14.3 %" in text  # 10 / 70
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-bar"' in report.text
    assert "The chart's values" in text
    record = result["record"]
    assert record["inputs"]["pool_sha256"] in text
    assert record["inputs"]["quotas_sha256"] in text
    assert record["library"]["version"] in text
    command = (
        f"assembly sortition select --pool pool-{selection_id}.csv --quotas "
        f"quotas-{selection_id}.csv --size {PANEL_SIZE} --seed {SEED} --algorithm maximin "
        f"--household-column household --out draw-{selection_id}"
    )
    assert command in text
    quotas_csv = client.get(f"{base}/{selection_id}/quotas.csv")
    assert quotas_csv.text.splitlines()[0] == "feature,value,min,max"
    assert client.get(f"{base}/{selection_id}/pool.csv").text == POOL_CSV
    assert "no-store" in quotas_csv.headers["cache-control"]
    panel_csv = client.get(f"{base}/{selection_id}/panel.csv").text.splitlines()
    assert panel_csv[0] == "status,position,id,name,gender,area,household"
    assert sum(1 for line in panel_csv if line.startswith("selected,")) == PANEL_SIZE

    everyone = members(db, selection_id)
    panel = [m for m in everyone if m.status == "selected"]
    alternates = sorted((m for m in everyone if m.status == "alternate"), key=lambda m: m.position)
    assert len(panel) == PANEL_SIZE
    assert len(alternates) == 70 - PANEL_SIZE
    assert [m.pool_id for m in alternates] == result["alternates"]
    assert _quotas_met(panel)
    assert set(panel[0].features) == {"gender", "area"}  # no names in the panel rows

    # 6. Invitations for the panel: letters shown once, codes linked to the members.
    response = post_form(client, f"{base}/{selection_id}/invitations", {}, form_page=report_url)
    assert response.status_code == 200
    assert response.text.count('class="invite-sheet"') == PANEL_SIZE
    invited = [m for m in members(db, selection_id) if m.status == "selected"]
    assert all(m.invite_code_id is not None for m in invited)
    labels = db(lambda s: s.scalars(select(InviteCode.label))).all()
    assert sorted(labels) == sorted(m.pool_id for m in invited)
    again = post_form(client, f"{base}/{selection_id}/invitations", {}, form_page=report_url)
    assert again.status_code == 400
    assert "already has an invite code" in html.unescape(again.text)
    assert count(db, InviteCode) == PANEL_SIZE
    # Reopening the letters' address never answers 405: it leads to where new letters are made.
    reopened = client.get(f"{base}/{selection_id}/invitations", follow_redirects=False)
    assert reopened.status_code == 303
    assert reopened.headers["location"] == f"{report_url}#invitations"
    report = html.unescape(client.get(report_url).text)
    assert f"{PANEL_SIZE} panel members have an invite code but have not joined" in report
    unconfirmed = post_form(
        client, f"{base}/{selection_id}/invitations", {"letters": "new"}, form_page=report_url
    )
    assert unconfirmed.status_code == 400
    assert "Confirm that the earlier codes" in html.unescape(unconfirmed.text)
    assert count(db, InviteCode) == PANEL_SIZE
    first_codes = {m.id: m.invite_code_id for m in members(db, selection_id)}
    reprinted = post_form(
        client,
        f"{base}/{selection_id}/invitations",
        {"letters": "new", "confirm": "yes"},
        form_page=report_url,
    )
    assert reprinted.status_code == 200
    assert reprinted.text.count('class="invite-sheet"') == PANEL_SIZE
    assert count(db, InviteCode) == 2 * PANEL_SIZE
    old_ids = [c for c in first_codes.values() if c is not None]
    old_invites = db(
        lambda s: s.scalars(select(InviteCode).where(InviteCode.id.in_(old_ids)))
    ).all()
    assert all(invite.revoked_at is not None for invite in old_invites)
    renewed = [m for m in members(db, selection_id) if m.status == "selected"]
    assert all(m.invite_code_id != first_codes[m.id] for m in renewed)

    # 7. A member drops out: the replacement keeps every quota, and the record shows it.
    dropped = panel[0]
    response = post_form(
        client,
        f"{base}/{selection_id}/replace",
        {"member": str(dropped.id), "allow_partial": ""},
        form_page=report_url,
    )
    assert response.status_code == 303, response.text
    after = members(db, selection_id)
    by_id = {m.id: m for m in after}
    assert by_id[dropped.id].status == "dropped"
    [chosen] = [m for m in after if m.status == "replacement"]
    assert chosen.replaces_id == dropped.id
    assert chosen.position == dropped.position
    seated = [m for m in after if m.status in ("selected", "replacement")]
    assert len(seated) == PANEL_SIZE
    assert _quotas_met(seated)
    stored = selection(db, selection_id)
    [entry] = stored.result["record"]["replacements"]
    assert (entry["dropped_id"], entry["chosen_id"], entry["keeps_quotas"]) == (
        dropped.pool_id,
        chosen.pool_id,
        True,
    )
    assert chosen.pool_id in stored.result["panel"]
    assert dropped.pool_id not in stored.result["panel"]
    assert chosen.pool_id not in stored.result["alternates"]
    assert stored.result["record"]["panel"] == result["record"]["panel"]  # as drawn
    invite = db(lambda s: s.get(InviteCode, by_id[dropped.id].invite_code_id))
    assert invite.revoked_at is not None  # the dropped member's unused code
    report = html.unescape(client.get(report_url).text)
    assert f"{chosen.pool_id} (alternate {entry['position']}) replaces {dropped.pool_id}" in report
    assert f"replaces {dropped.pool_id}" in report
    assert (
        f"{chosen.pool_id} is the first alternate (number {entry['position']}) who keeps every "
        "quota" in report
    )
    norsk = html.unescape(client.get(report_url, headers={"accept-language": "nb"}).text)
    assert f"{chosen.pool_id} er den første reserven (nummer {entry['position']})" in norsk
    assert "is the first alternate" not in norsk
    # The replacement gets a code of their own.
    response = post_form(client, f"{base}/{selection_id}/invitations", {}, form_page=report_url)
    assert response.status_code == 200
    assert response.text.count('class="invite-sheet"') == 1
    assert chosen.pool_id in response.text

    # 8. Tables for the panel, a move by hand, the print view.
    tables = f"{s.manage}/tables"
    response = post_form(
        client,
        tables,
        {
            "name": "Saturday",
            "source": "panel",
            "rounds": "3",
            "tables": "2",
            "table_size": "",
            "seed": "5",
        },
        form_page=tables,
    )
    assert response.status_code == 303, response.text
    plan_url = response.headers["location"]
    plan_id = int(plan_url.rsplit("/", 1)[1])
    plan = db(lambda s: s.get(TablePlan, plan_id))
    assert (plan.round_count, plan.table_count) == (3, 2)
    rounds = plan.plan["rounds"]
    assert all(sorted(len(t) for t in r) == [5, 5] for r in rounds)
    people = plan.plan["people"]
    assert sorted(p["label"] for p in people.values()) == sorted(m.pool_id for m in seated)
    page = client.get(plan_url)
    assert page.status_code == 200
    assert "Repeat pairings" in page.text
    assert "Round 3" in page.text
    for member in seated:
        assert member.pool_id in page.text
    person = rounds[0][0][0]
    response = post_form(
        client,
        f"{plan_url}/move",
        {"round": "1", "person": person, "table": "2"},
        form_page=plan_url,
    )
    assert response.status_code == 303, response.text
    moved = db(lambda s: s.get(TablePlan, plan_id))
    assert person in moved.plan["rounds"][0][1]
    assert sorted(len(t) for t in moved.plan["rounds"][0]) == [4, 6]
    assert moved.metrics["table_sizes"][0] == [4, 6]
    printed = client.get(f"{plan_url}/print")
    assert printed.status_code == 200
    assert printed.text.count('class="table-block"') == 6
    assert "print-view" in printed.text

    # 9. A table note linked to a proposal.
    proposal_id = proposal(db, s.topic_id, "Open the harbour baths")
    note_url = f"{plan_url}/notes/2/1"
    page = client.get(note_url)
    assert page.status_code == 200
    assert "Open the harbour baths" in page.text
    response = post_form(
        client,
        note_url,
        {
            "key_points": "Swimming matters to the old and the young.",
            "agreements": "Open all year.",
            "dissent": "Cost of heating.",
            "proposals": [str(proposal_id)],
        },
        form_page=note_url,
    )
    assert response.status_code == 303, response.text
    [note] = db(lambda s: s.scalars(select(TableNote))).all()
    assert (note.table_plan_id, note.round_number, note.table_number) == (plan_id, 2, 1)
    assert note.proposal_ids == [proposal_id]
    page = client.get(plan_url)
    assert "Swimming matters to the old and the young." in page.text
    assert "Open the harbour baths" in page.text

    actions = audit_actions(db)
    for action in (
        "sortition.pool_uploaded",
        "sortition.draw_started",
        "sortition.drawn",
        "sortition.invitations_issued",
        "sortition.replaced",
        "invitations.revoked",
        "tables.planned",
        "tables.moved",
        "tables.note_saved",
    ):
        assert action in actions
