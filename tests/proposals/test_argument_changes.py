"""An argument's author can edit or delete it while arguing is open; nobody else can."""

from __future__ import annotations

from typing import Any

from participants.assembly_seed import (
    add_proposals,
    another_client,
    join,
    post_form,
    seed_assembly,
    set_phase,
)
from sqlalchemy import select

from assembly.db.models import Argument, AuditEvent


def _arguments(db: Any) -> list[tuple[str, str]]:
    async def work(s: Any) -> list[tuple[str, str]]:
        rows = await s.execute(select(Argument.stance, Argument.body))
        return list(rows.tuples().all())

    return db(work)


def test_author_edits_and_deletes_an_argument(client: Any, db: Any, settings: Any) -> None:
    seed = db(lambda s: seed_assembly(s, phase="deliberation"))
    [pid] = add_proposals(db, seed.topic_id, ["Park"])
    join(client, seed.codes[0], "Voter One")
    url = seed.topic_url
    made = post_form(
        client,
        f"{url}/proposals/{pid}/arguments",
        {"stance": "pro", "argument": "Shade in summer"},
        form_page=url,
    )
    assert made.status_code == 303
    aid = db(lambda s: s.scalar(select(Argument.id)))
    page = client.get(f"{url}/proposals/{pid}").text
    edit_url = f"{url}/proposals/{pid}/arguments/{aid}/edit"
    assert f'href="{edit_url}"' in page
    assert "Delete your argument" in page
    form = client.get(edit_url)
    assert "Shade in summer" in form.text
    empty = post_form(client, edit_url, {"stance": "con", "argument": " "}, form_page=url)
    assert empty.status_code == 400
    assert "Write your argument." in empty.text
    assert _arguments(db) == [("pro", "Shade in summer")]
    saved = post_form(
        client, edit_url, {"stance": "con", "argument": "Costly to keep"}, form_page=url
    )
    assert saved.status_code == 303
    assert _arguments(db) == [("con", "Costly to keep")]
    # Someone else can neither see the buttons nor use the addresses.
    with another_client(settings) as other:
        join(other, seed.codes[1], "Voter Two")
        assert "Delete your argument" not in other.get(f"{url}/proposals/{pid}").text
        assert other.get(edit_url).status_code == 403
        delete_url = f"{url}/proposals/{pid}/arguments/{aid}/delete"
        assert post_form(other, delete_url, {}, form_page=url).status_code == 403
    # Once voting has started, the argument stays as it is.
    set_phase(db, seed.topic_id, "voting")
    late = post_form(client, edit_url, {"stance": "pro", "argument": "x"}, form_page=url)
    assert late.status_code == 400
    assert "Delete your argument" not in client.get(f"{url}/proposals/{pid}").text
    set_phase(db, seed.topic_id, "deliberation")
    gone = post_form(client, delete_url, {}, form_page=url)
    assert gone.status_code == 303
    assert _arguments(db) == []

    async def actions(s: Any) -> list[str]:
        rows = await s.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("argument.%"))
        )
        return list(rows.all())

    assert sorted(db(actions)) == ["argument.created", "argument.deleted", "argument.edited"]
