"""Input that once ended in a 500 now gets a clear 4xx, and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from browser.world import FACILITATOR, PASSWORD, World, seed_world
from helpers import csrf_token, post_form, sign_in

from .test_bad_input import counts, joined

HUGE_ID = "1180591620717411303424"  # 2**70: beyond every database's integer


@pytest.fixture
def world(db: Any) -> World:
    return db(seed_world)


def test_an_oversized_id_in_an_address_is_not_found(client: Any, db: Any, world: World) -> None:
    joined(client, world)
    before = counts(db)
    topic = world.topic_url("proposals")
    assert client.get(f"{topic}/proposals/{HUGE_ID}").status_code == 404
    response = post_form(
        client, f"{topic}/proposals/{HUGE_ID}/reaction", {"reaction": "agree"}, form_page=topic
    )
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert counts(db) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_multipart_vote_with_invalid_utf8_is_refused(client: Any, db: Any, world: World) -> None:
    joined(client, world)
    url = f"{world.topic_url('voting')}/vote"
    token = csrf_token(client, url)
    boundary = "XyZ"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="choice"\r\n\r\n'
        ).encode()
        + b"\xff\xfe\xc3\x28\r\n"
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        url,
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )
    assert response.status_code == 400, response.status_code
    assert "UTF-8" in response.text


def test_deeply_nested_voting_parameters_are_refused(client: Any, db: Any, world: World) -> None:
    sign_in(client, FACILITATOR, PASSWORD)
    edit = f"{world.manage_url('proposals')}/edit"
    page = client.get(edit)
    assert page.status_code == 200
    deep = "[" * 5000 + "]" * 5000
    response = post_form(
        client,
        edit,
        {
            "title": "Deep",
            "question": "Which one?",
            "voting_method": "approval",
            "import_settings": f'{{"max_choices": {deep}}}',
        },
        form_page=edit,
    )
    assert response.status_code == 400, response.status_code
    assert "nested" in response.text
    assert "max_choices" in response.text  # what was typed is kept
