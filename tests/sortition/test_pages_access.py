"""Only the assembly's facilitators reach its lottery and table pages."""

from __future__ import annotations

from typing import Any

import pytest
from assemblies.manage_seed import account, fast_passwords, login, seed  # noqa: F401
from helpers import post_form
from sortition.pages_seed import (
    add_participants,
    count,
    draft_selection,
    seed_plan,
    selection,
    settings_for,
    upload,
)

from assembly.db.models import BackgroundJob, SortitionSelection, TableNote
from assembly.settings import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


def _routes(manage: str, selection_id: int, plan_id: int) -> tuple[list[str], list[str]]:
    lottery = f"{manage}/sortition"
    tables = f"{manage}/tables"
    pages = [
        lottery,
        f"{lottery}/{selection_id}",
        f"{lottery}/{selection_id}/setup",
        f"{lottery}/{selection_id}/progress",
        f"{lottery}/{selection_id}/report",
        f"{lottery}/{selection_id}/pool.csv",
        f"{lottery}/{selection_id}/quotas.csv",
        f"{lottery}/{selection_id}/panel.csv",
        tables,
        f"{tables}/{plan_id}",
        f"{tables}/{plan_id}/print",
        f"{tables}/{plan_id}/notes/1/1",
    ]
    actions = [
        lottery,
        f"{lottery}/{selection_id}/setup",
        f"{lottery}/{selection_id}/replace",
        f"{lottery}/{selection_id}/invitations",
        tables,
        f"{tables}/{plan_id}/move",
        f"{tables}/{plan_id}/notes/1/1",
    ]
    return pages, actions


def _setup(db: Any) -> tuple[Any, int, int]:
    s = seed(db)
    add_participants(db, s.assembly_id, [{"age": "young"}, {"age": "old"}, None, None])
    return s, draft_selection(db, s.assembly_id), seed_plan(db, s.assembly_id)


FORM = {
    "panel_size": "10",
    "seed": "5",
    "algorithm": "maximin",
    "member": "1",
    "round": "1",
    "person": "1",
    "table": "2",
    "key_points": "Sneaky.",
    "source": "participants",
    "rounds": "1",
    "tables": "2",
}


def _nothing_changed(db: Any, selection_id: int) -> None:
    assert count(db, SortitionSelection) == 1
    assert selection(db, selection_id).status == "draft"
    assert count(db, BackgroundJob) == 0
    assert count(db, TableNote) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client: Any, db: Any) -> None:
    s, selection_id, plan_id = _setup(db)
    pages, actions = _routes(s.manage, selection_id, plan_id)
    for url in pages:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/signin?next="), url
    for url in actions:
        response = post_form(client, url, FORM)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/signin"), url
    files = {"pool_file": ("p.csv", b"id,a\n1,x\n", "text/csv")}
    response = upload(client, f"{s.manage}/sortition", {}, files, form_page="/")
    assert response.status_code == 303
    _nothing_changed(db, selection_id)


def test_other_accounts_are_refused(client: Any, db: Any) -> None:
    """Another assembly's facilitator, and a researcher, get 403 everywhere."""
    s, selection_id, plan_id = _setup(db)
    pages, actions = _routes(s.manage, selection_id, plan_id)
    for email, role in (("other@example.org", "facilitator"), ("res@example.org", "researcher")):
        account(db, email, role)
        login(client, email)
        for url in pages:
            assert client.get(url, follow_redirects=False).status_code == 403, (role, url)
        for url in actions:
            response = post_form(client, url, FORM, form_page="/dashboard")
            assert response.status_code == 403, (role, url)
    _nothing_changed(db, selection_id)


def test_another_assemblys_records_are_not_found(client: Any, db: Any) -> None:
    """A facilitator of one assembly reaching for another's draw or plan by its number."""
    _theirs, selection_id, plan_id = _setup(db)
    other = seed(db, title="Other", facilitator="second@example.org")
    login(client, other.facilitator)
    lottery = f"{other.manage}/sortition"
    tables = f"{other.manage}/tables"
    for url in (
        f"{lottery}/{selection_id}/setup",
        f"{lottery}/{selection_id}/report",
        f"{lottery}/{selection_id}/pool.csv",
        f"{tables}/{plan_id}",
        f"{tables}/{plan_id}/notes/1/1",
    ):
        assert client.get(url, follow_redirects=False).status_code == 404, url
    response = post_form(client, f"{tables}/{plan_id}/move", FORM, form_page="/dashboard")
    assert response.status_code == 404
    _nothing_changed(db, selection_id)


def test_the_owner_gets_in(client: Any, db: Any) -> None:
    s, selection_id, plan_id = _setup(db)
    login(client, s.facilitator)
    pages, _actions = _routes(s.manage, selection_id, plan_id)
    for url in pages:
        response = client.get(url, follow_redirects=False)
        # A draft draw has no progress page, report or panel yet: those lead to its set-up.
        assert response.status_code in (200, 303), url
        if response.status_code == 303:
            target = response.headers["location"]
            assert target.removesuffix("/setup").endswith(f"/sortition/{selection_id}"), url
