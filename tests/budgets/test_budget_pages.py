"""Participatory budgeting through the pages: costs, the currency, the ballot and the result."""

from __future__ import annotations

import re
from typing import Any

import pytest
from assemblies.manage_seed import (
    audit_events,
    get,
    login,
    proposal,
    seed,
    send,
    set_topic,
)
from participants.assembly_seed import add_proposals, join, post_form, seed_assembly
from sqlalchemy import select

from assembly.budgets.forms import parse_amount
from assembly.db.models import Assembly, Ballot, Proposal, Topic
from assembly.errors import InvalidInput


def _costs(db: Any, topic_id: int) -> dict[str, int | None]:
    async def work(s: Any) -> dict[str, int | None]:
        rows = await s.execute(
            select(Proposal.title, Proposal.cost).where(Proposal.topic_id == topic_id)
        )
        return dict(rows.tuples().all())

    return db(work)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("250000", 250000),
        ("250 000", 250000),
        ("250.000", 250000),
        ("250,000", 250000),
        ("1 500 kr", 1500),
        ("", None),
    ],
)
def test_amounts_are_read_as_people_type_them(typed: str, amount: int | None) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize("typed", ["-5", "0", "1,5", "abc", "12.50"])
def test_amounts_that_are_not_whole_and_positive_are_refused(typed: str) -> None:
    with pytest.raises(ValueError, match=re.escape(typed)):
        parse_amount(typed)


def test_facilitator_sets_costs_without_ids_and_voting_waits_for_them(client: Any, db: Any) -> None:
    s = seed(db, method="budget", params='{"budget": 1000}', phase="deliberation")
    park = proposal(db, s.topic_id, "Park")
    pier = proposal(db, s.topic_id, "Pier")
    login(client, s.facilitator)
    manage = client.get(s.topic)
    assert f'href="{s.topic}/costs"' in manage.text
    page = client.get(f"{s.topic}/costs")
    assert page.status_code == 200
    assert "Park" in page.text
    assert "Pier" in page.text
    assert f'name="cost-{park}"' in page.text
    # Voting cannot open while a project has no cost, and says which.
    refused = send(client, f"{s.topic}/phase", {"phase": "voting"}, form_page=s.topic)
    assert refused.status_code == 400
    assert "no cost yet: Park, Pier" in refused.text
    bad = send(client, f"{s.topic}/costs", {f"cost-{park}": "600", f"cost-{pier}": "lots"})
    assert bad.status_code == 400
    assert "Enter a whole amount greater than 0" in bad.text
    assert 'value="lots"' in bad.text  # what was typed stays
    assert _costs(db, s.topic_id) == {"Park": None, "Pier": None}  # nothing half-stored
    saved = send(client, f"{s.topic}/costs", {f"cost-{park}": "600", f"cost-{pier}": "500 000"})
    assert saved.status_code == 303
    assert _costs(db, s.topic_id) == {"Park": 600, "Pier": 500000}
    assert len(audit_events(db, "proposal.cost_set")) == 2
    shown = client.get(saved.headers["location"]).text
    assert "The costs were saved." in shown
    assert "NOK500,600" in shown  # all projects together
    opened = send(client, f"{s.topic}/phase", {"phase": "voting"}, form_page=s.topic)
    assert opened.status_code == 303
    locked = client.get(f"{s.topic}/costs")
    assert "can no longer change" in locked.text
    late = send(client, f"{s.topic}/costs", {f"cost-{park}": "1"})
    assert late.status_code == 400
    assert _costs(db, s.topic_id)["Park"] == 600


def test_costs_are_not_a_typed_parameter(db: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        seed(db, method="budget", params='{"budget": 1000, "costs": {"1": 5}}')
    assert "costs page" in str(refused.value.errors["import_settings"])
    made = seed(db, method="budget", params='{"budget": 1000}', title="Other assembly")
    assert get(db, Topic, made.topic_id).voting_params["budget"] == 1000


def test_currency_is_chosen_per_assembly_and_formatted_for_the_reader(client: Any, db: Any) -> None:
    s = seed(db, method="budget", params='{"budget": 1000}', phase="proposals")
    proposal(db, s.topic_id, "Park")
    login(client, s.facilitator)
    form = client.get(f"{s.manage}/edit")
    assert 'name="currency"' in form.text
    assert 'value="NOK" selected' in form.text
    values = {
        "title": "Harbour assembly",
        "place": "Trondheim",
        "language": "en",
        "time_zone": "Europe/Oslo",
        "description": "About the harbour.",
        "demographic_questions": "",
        "status": "published",
        "currency": "XYZ",
    }
    wrong = send(client, f"{s.manage}/edit", values)
    assert wrong.status_code == 400
    assert "Choose the currency" in wrong.text
    assert send(client, f"{s.manage}/edit", {**values, "currency": "EUR"}).status_code == 303
    assert get(db, Assembly, s.assembly_id).currency == "EUR"
    costs = client.get(f"{s.topic}/costs", headers={"accept-language": "nb"})
    assert "cost in EUR" in costs.text or "EUR" in costs.text


def _voting_budget(db: Any, client: Any, rule: str = "mes") -> tuple[Any, list[int]]:
    seed_ = db(
        lambda s: seed_assembly(
            s, phase="voting", method="budget", params={"budget": 1000, "rule": rule}
        )
    )
    ids = add_proposals(db, seed_.topic_id, ["Park", "Pier", "Pool"])

    async def cost(s: Any) -> None:
        for pid, amount in zip(ids, (600, 500, 300), strict=True):
            (await s.get(Proposal, pid)).cost = amount

    db(cost)
    join(client, seed_.codes[0], "Voter One")
    return seed_, ids


def test_budget_ballot_shows_costs_total_and_refuses_over_budget(client: Any, db: Any) -> None:
    seed_, (park, pier, pool) = _voting_budget(db, client)
    url = seed_.topic_url
    page = client.get(f"{url}/vote")
    assert page.status_code == 200
    assert 'data-cost="600"' in page.text
    assert "NOK600" in page.text
    assert "of NOK1,000" in page.text
    assert "/static/js/budget.js" in page.text
    # The check step: totals from the server, nothing stored.
    checked = post_form(
        client,
        f"{url}/vote",
        [("choice", str(park)), ("choice", str(pool)), ("action", "check")],
        form_page=url,
    )
    assert checked.status_code == 200
    assert "Nothing is stored yet" in checked.text
    assert "NOK900" in checked.text
    assert "NOK100" in checked.text  # chosen, left
    assert f'value="{park}" data-cost="600" checked' in checked.text
    over = post_form(
        client,
        f"{url}/vote",
        [("choice", str(park)), ("choice", str(pier))],
        form_page=url,
    )
    assert over.status_code == 400
    assert "Your choices cost NOK1,100, NOK100 more than the budget of NOK1,000" in over.text
    assert f'value="{pier}" data-cost="500" checked' in over.text
    assert db(lambda s: s.scalar(select(Ballot.id))) is None
    cast = post_form(
        client, f"{url}/vote", [("choice", str(park)), ("choice", str(pool))], form_page=url
    )
    assert cast.status_code == 200
    assert "Your vote is recorded." in cast.text
    [content] = db(lambda s: _contents(s))
    assert content == [str(park), str(pool)]


async def _contents(s: Any) -> list[Any]:
    return list((await s.scalars(select(Ballot.content))).all())


def test_over_budget_message_in_norwegian(client: Any, db: Any) -> None:
    seed_, (park, pier, _pool) = _voting_budget(db, client)
    client.cookies.set("assembly_lang", "nb")
    over = post_form(
        client,
        f"{seed_.topic_url}/vote",
        [("choice", str(park)), ("choice", str(pier))],
        form_page=seed_.topic_url,
    )
    assert over.status_code == 400
    assert "1\xa0100\xa0kr" in over.text
    assert "100\xa0kr" in over.text


def test_budget_result_shows_money_rule_and_chart(client: Any, db: Any) -> None:
    seed_, (park, _pier, pool) = _voting_budget(db, client, rule="greedy")
    url = seed_.topic_url
    post_form(client, f"{url}/vote", [("choice", str(park)), ("choice", str(pool))], form_page=url)
    set_topic(db, seed_.topic_id, phase="published")
    page = client.get(url).text
    assert "Funded:" in page
    assert "Money used" in page
    assert "NOK900" in page
    assert "Money left" in page
    assert "NOK100" in page
    assert "Greedy: most approvals first" in page
    assert "in order of how many voters ticked them" in page
    assert 'role="img"' in page
    assert "How the budget was spent" in page
    assert "Left unspent" in page


def test_citizen_may_estimate_a_cost_when_proposing(client: Any, db: Any) -> None:
    seed_ = db(
        lambda s: seed_assembly(s, phase="proposals", method="budget", params={"budget": 1000})
    )
    join(client, seed_.codes[0], "Voter One")
    url = seed_.topic_url
    form = client.get(f"{url}/proposals/new")
    assert 'name="estimated_cost"' in form.text
    bad = post_form(
        client,
        f"{url}/proposals",
        {"title": "New benches", "body": "", "estimated_cost": "cheap"},
        form_page=url,
    )
    assert bad.status_code == 400
    assert 'value="cheap"' in bad.text
    assert 'value="New benches"' in bad.text
    made = post_form(
        client,
        f"{url}/proposals",
        {"title": "New benches", "body": "", "estimated_cost": "12 000"},
        form_page=url,
    )
    assert made.status_code == 303

    async def benches(s: Any) -> Proposal:
        return await s.scalar(select(Proposal).where(Proposal.title == "New benches"))

    item = db(benches)
    assert (item.estimated_cost, item.cost) == (12000, None)
    page = client.get(url).text
    assert "Author's estimate: NOK12,000 (not yet checked by the facilitators)" in page
