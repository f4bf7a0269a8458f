"""Table plans of the assembly's participants, moves by hand, the print view and table notes."""

from __future__ import annotations

import html
from typing import Any

import pytest
from assemblies.manage_seed import fast_passwords, login, proposal, seed  # noqa: F401
from helpers import post_form
from sortition.pages_seed import add_participants, count, seed_plan, settings_for
from sqlalchemy import select

from assembly.db.models import TableNote, TablePlan
from assembly.settings import Settings
from assembly.summaries.sources import table_notes_data


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


ANSWERS: list[dict[str, str] | None] = [
    {"age": "young", "area": "centre"},
    {"age": "young", "area": "outskirts"},
    {"age": "old", "area": "centre"},
    {"age": "old", "area": "outskirts"},
    {"age": "young", "area": "centre"},
    {"age": "old", "area": "outskirts"},
    {"age": "young"},
    {"age": "old", "area": "centre"},
    None,  # declined the questions
    None,
    {"age": "young", "area": "outskirts"},
    {"age": "old", "area": "centre"},
]

PLAN = {
    "name": "",
    "source": "participants",
    "rounds": "3",
    "tables": "",
    "table_size": "4",
    "seed": "8",
}


def _plan(db: Any, plan_id: int) -> TablePlan:
    return db(lambda s: s.get(TablePlan, plan_id))


def test_participants_are_seated_at_balanced_rotating_tables(client: Any, db: Any) -> None:
    s = seed(db)
    add_participants(db, s.assembly_id, ANSWERS)
    login(client, s.facilitator)
    tables = f"{s.manage}/tables"
    page = client.get(tables)
    assert page.status_code == 200
    assert "The drawn panel" not in page.text  # no panel drawn yet: only the participants
    response = post_form(client, tables, PLAN, form_page=tables)
    assert response.status_code == 303, response.text
    plan_id = int(response.headers["location"].rsplit("/", 1)[1])
    plan = _plan(db, plan_id)
    assert (plan.round_count, plan.table_count) == (3, 3)
    assert plan.name == "Tables for 12 people"
    assert plan.plan["features"] == ["age", "area"]
    assert plan.plan["source"] == "participants"
    for round_ in plan.plan["rounds"]:
        assert sorted(len(table) for table in round_) == [4, 4, 4]
        assert sorted(p for table in round_ for p in table) == sorted(plan.plan["people"])
    assert plan.metrics["repeat_pairs"] >= 0
    assert set(plan.metrics["balance"]) == {"age", "area"}

    page = client.get(f"{tables}/{plan_id}")
    text = html.unescape(page.text)
    for number in range(1, 13):
        assert f"Heron {number}" in text
    assert "Largest gap" in text
    assert "age: young" in text
    assert "area: –" in text  # no answer shown as a dash
    index = client.get(tables)
    assert "Tables for 12 people" in index.text

    # The same plan again from the same seed.
    again = post_form(client, tables, {**PLAN, "name": "Again"}, form_page=tables)
    second = _plan(db, int(again.headers["location"].rsplit("/", 1)[1]))
    assert second.plan["rounds"] == plan.plan["rounds"]


def test_plan_form_problems_are_named(client: Any, db: Any) -> None:
    s = seed(db)
    login(client, s.facilitator)
    tables = f"{s.manage}/tables"
    add_participants(db, s.assembly_id, ANSWERS[:1])
    cases = [
        (
            {"tables": "2", "table_size": "4"},
            "Give either the number of tables or the table size, not both.",
        ),
        ({"rounds": "0"}, "Enter a number of rounds from 1 to 12."),
        ({"source": "panel"}, "Choose who sits at the tables."),
        ({"table_size": "1"}, "Enter a table size from 2 to 100."),
        ({"seed": "x"}, "Enter the seed as a whole number"),
        ({}, "At least two people are needed to plan tables."),
    ]
    for changes, message in cases:
        response = post_form(client, tables, {**PLAN, **changes}, form_page=tables)
        assert response.status_code == 400, message
        assert message in html.unescape(response.text), message
    add_participants(db, s.assembly_id, ANSWERS[1:3], first=2)
    # The form pre-fills no table size, so typing only a number of tables is enough.
    form = client.get(tables).text
    assert 'name="table_size" value="6"' not in form
    response = post_form(
        client, tables, {**PLAN, "table_size": "", "tables": "5"}, form_page=tables
    )
    assert response.status_code == 400
    assert "There are more tables (5) than people (3)." in response.text
    assert count(db, TablePlan) == 0
    # Neither a number nor a size: tables of at most six.
    response = post_form(client, tables, {**PLAN, "table_size": "", "tables": ""}, form_page=tables)
    assert response.status_code == 303
    [plan] = db(lambda s: s.scalars(select(TablePlan))).all()
    assert plan.metrics["table_sizes"][0] == [3]


def test_a_person_is_moved_by_hand_and_the_figures_follow(client: Any, db: Any) -> None:
    s = seed(db)
    add_participants(db, s.assembly_id, ANSWERS)
    plan_id = seed_plan(db, s.assembly_id, rounds=2, tables=3)
    login(client, s.facilitator)
    url = f"{s.manage}/tables/{plan_id}"
    before = _plan(db, plan_id)
    person = before.plan["rounds"][1][0][0]
    response = post_form(
        client, f"{url}/move", {"round": "2", "person": person, "table": "3"}, form_page=url
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}#round-2"
    after = _plan(db, plan_id)
    assert person in after.plan["rounds"][1][2]
    assert after.plan["rounds"][0] == before.plan["rounds"][0]
    assert after.metrics["table_sizes"][1] == [3, 4, 5]
    for changes, message in (
        ({"person": "nobody"}, "Choose a person of this plan."),
        ({"round": "3"}, "Choose a round."),
        ({"table": "9"}, "Choose a table."),
    ):
        response = post_form(
            client,
            f"{url}/move",
            {"round": "1", "person": person, "table": "1", **changes},
            form_page=url,
        )
        assert response.status_code == 400
        assert message in response.text
    assert _plan(db, plan_id).plan["rounds"] == after.plan["rounds"]


def test_the_print_view_has_one_block_per_table(client: Any, db: Any) -> None:
    s = seed(db)
    add_participants(db, s.assembly_id, ANSWERS)
    plan_id = seed_plan(db, s.assembly_id, rounds=2, tables=3)
    login(client, s.facilitator)
    page = client.get(f"{s.manage}/tables/{plan_id}/print")
    assert page.status_code == 200
    assert '<body class="print-view">' in page.text
    assert page.text.count('class="table-block"') == 6
    assert "Round 2 · Table 3" in page.text
    assert page.text.count("<h1>") == 1


def test_table_notes_are_written_linked_and_read_by_the_summaries(client: Any, db: Any) -> None:
    s = seed(db)
    add_participants(db, s.assembly_id, ANSWERS)
    plan_id = seed_plan(db, s.assembly_id, rounds=2, tables=3)
    first = proposal(db, s.topic_id, "More benches")
    second = proposal(db, s.topic_id, "A night bus")
    elsewhere = seed(db, title="Elsewhere", facilitator="else@example.org")
    foreign = proposal(db, elsewhere.topic_id, "Not ours")
    login(client, s.facilitator)
    url = f"{s.manage}/tables/{plan_id}/notes/1/2"
    page = client.get(url)
    assert page.status_code == 200
    assert "More benches" in page.text
    assert "A night bus" in page.text
    assert "Not ours" not in page.text

    empty = post_form(
        client, url, {"key_points": " ", "agreements": "", "dissent": ""}, form_page=url
    )
    assert empty.status_code == 400
    assert "Write the key points, the agreements or the dissent." in empty.text
    wrong = post_form(
        client, url, {"key_points": "Kept", "proposals": [str(foreign)]}, form_page=url
    )
    assert wrong.status_code == 400
    assert "Choose proposals of this assembly." in wrong.text
    assert ">Kept</textarea>" in wrong.text
    assert count(db, TableNote) == 0

    data = {
        "key_points": "Benches by the water.\nShade too.",
        "agreements": "Everyone wants benches.",
        "dissent": "<b>Not</b> near the road.",
        "proposals": [str(first), str(second)],
    }
    response = post_form(client, url, data, form_page=url)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/tables/{plan_id}#note-1-2")
    # Writing again rewrites the one note of that table and round.
    response = post_form(client, url, {**data, "proposals": [str(first)]}, form_page=url)
    assert response.status_code == 303
    [note] = db(lambda s: s.scalars(select(TableNote))).all()
    assert (note.round_number, note.table_number, note.proposal_ids) == (1, 2, [first])
    assert note.key_points == "Benches by the water.\nShade too."
    page = client.get(f"{s.manage}/tables/{plan_id}")
    assert "Benches by the water.<br>" in page.text
    assert "&lt;b&gt;Not&lt;/b&gt; near the road." in page.text
    assert "More benches" in page.text

    async def summary_notes(session: Any) -> Any:
        from assembly.db.models import Assembly

        assembly = await session.get(Assembly, s.assembly_id)
        return await table_notes_data(session, assembly, {first, second})

    [read] = db(summary_notes)
    assert read["round"] == 1
    assert read["table"] == 2
    assert read["proposal_ids"] == [str(first)]
    assert client.get(f"{s.manage}/tables/{plan_id}/notes/3/1").status_code == 404
    assert client.get(f"{s.manage}/tables/{plan_id}/notes/1/4").status_code == 404
    missing = post_form(client, f"{s.manage}/tables/{plan_id}/notes/1/9", data, form_page=url)
    assert missing.status_code == 404
