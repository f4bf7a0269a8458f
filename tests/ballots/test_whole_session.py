"""A whole session through the HTTP interface: set-up, invitations, joining, proposals,
arguments, reactions, votes on two topics (secret and open), closing and publishing."""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import Any

import pytest
from helpers import sign_in
from participants.assembly_seed import PASSWORD, another_client, join, post_form, seed_assembly
from sqlalchemy import func, select

from assembly.db.models import Ballot, BallotVoter, SpotlightArea, Topic
from assembly.i18n import translations_for

RECEIPT = re.compile(r'class="code receipt-code">([0-9A-Z-]+)<')
INVITE = re.compile(r'<dd class="code invite-code"[^>]*>([0-9A-Z-]+)</dd>')


def _second_topic(db: Any, assembly_id: int) -> str:
    async def work(s: Any) -> str:
        area = await s.scalar(select(SpotlightArea).order_by(SpotlightArea.position.desc()))
        topic = Topic(
            assembly_id=assembly_id,
            slug="youth-club",
            position=1,
            question="What should the youth club offer?",
            spotlight_area_id=area.id,
            voting_method="borda",
            ballot_secrecy="open",
            phase="proposals",
        )
        s.add(topic)
        await s.flush()
        return topic.slug

    return db(work)


def _speaking(locale: str) -> Any:
    """The page text a person reading in ``locale`` sees for an English message."""
    translations = translations_for(locale)

    def text(message: str, plural: str | None = None, n: int = 1, **variables: Any) -> str:
        if plural is not None:
            variables.setdefault("num", n)
            return translations.ngettext(message, plural, n) % variables
        translated = translations.gettext(message)
        return translated % variables if variables else translated

    return text


@pytest.mark.parametrize("locale", ["en", "nb"])
def test_a_whole_session(client: Any, db: Any, settings: Any, locale: str) -> None:
    t = _speaking(locale)
    client.cookies.set("assembly_lang", locale)
    seed = db(lambda s: seed_assembly(s, codes=0, facilitator=True))
    second_slug = _second_topic(db, seed.assembly_id)
    topics = [seed.topic_url, f"/assemblies/{seed.slug}/topics/{second_slug}"]
    manage = f"/manage/assemblies/{seed.slug}"

    # The facilitator invites three people.
    facilitator = client
    sign_in(facilitator, seed.facilitator_email, PASSWORD)
    invitations = f"{manage}/invitations"
    batch = re.search(r'name="batch" value="([^"]+)"', facilitator.get(invitations).text).group(1)
    issued = post_form(
        facilitator,
        invitations,
        {"count": "3", "expires_on": "", "labels": "", "batch": batch},
        form_page=invitations,
    )
    assert issued.status_code == 200, issued.text
    codes = INVITE.findall(issued.text)
    assert len(codes) == 3

    def move(topic_url: str, phase: str) -> None:
        target = topic_url.replace("/assemblies/", "/manage/assemblies/") + "/phase"
        response = post_form(
            facilitator, target, {"phase": phase}, form_page=target.rsplit("/", 1)[0]
        )
        assert response.status_code == 303, response.text

    with ExitStack() as stack:
        citizens = [stack.enter_context(another_client(settings)) for _ in codes]
        names = ["Birch 11", "Heron 22", "Fjord 33"]
        for citizen, code, name in zip(citizens, codes, names, strict=True):
            join(citizen, code, name)
            citizen.cookies.set("assembly_lang", locale)
        page = citizen.get(f"/assemblies/{seed.slug}").text
        assert t("You take part as %(name)s.", name=name) in page

        # Everyone proposes on both topics.
        for url in topics:
            for citizen, name in zip(citizens, names, strict=True):
                response = post_form(
                    citizen,
                    f"{url}/proposals",
                    {"title": f"Idea of {name}", "body": "Because."},
                    form_page=url,
                )
                assert response.status_code == 303
        for url in topics:
            move(url, "deliberation")

        # They argue and react.
        ids = {
            url: [
                int(i)
                for i in re.findall(
                    r'<article class="proposal" id="proposal-(\d+)"', citizens[0].get(url).text
                )
            ]
            for url in topics
        }
        assert all(len(found) == 3 for found in ids.values())
        first = ids[topics[0]][0]
        argue = f"{topics[0]}/proposals/{first}/arguments"
        assert (
            post_form(
                citizens[1],
                argue,
                {"stance": "pro", "argument": "Good for all ages"},
                form_page=topics[0],
            ).status_code
            == 303
        )
        assert (
            post_form(
                citizens[2], argue, {"stance": "con", "argument": "Too costly"}, form_page=topics[0]
            ).status_code
            == 303
        )
        for citizen, reaction in zip(citizens, ["agree", "agree", "disagree"], strict=True):
            response = post_form(
                citizen,
                f"{topics[0]}/proposals/{first}/reaction",
                {"reaction": reaction},
                form_page=topics[0],
            )
            assert response.status_code == 303
        page = citizens[0].get(topics[0]).text
        assert f"{t('Agree')}: 2" in page
        assert f"{t('Disagree')}: 1" in page
        assert "Good for all ages" in page

        # They vote: approval with secret ballots, Borda with open ballots.
        for url in topics:
            move(url, "voting")
        receipts = []
        for citizen in citizens:
            response = post_form(
                citizen,
                f"{topics[0]}/vote",
                [("choice", str(first)), ("choice", str(ids[topics[0]][1]))],
                form_page=topics[0],
            )
            assert response.status_code == 200
            assert 'role="status"' in response.text
            receipts.append(RECEIPT.search(response.text).group(1))
        second = ids[topics[1]]
        for citizen in citizens:
            ranks = [(f"o-{second[2]}", "1"), (f"o-{second[0]}", "2"), (f"o-{second[1]}", "")]
            response = post_form(citizen, f"{topics[1]}/vote", ranks, form_page=topics[1])
            assert response.status_code == 200

        # The facilitator closes voting, sees the results first, then publishes them.
        for url in topics:
            move(url, "closed")
        assert t("Results") not in citizens[0].get(topics[0]).text
        counted = t("%(num)d ballot counted", "%(num)d ballots counted", 3)
        assert counted in facilitator.get(topics[0]).text
        for url in topics:
            move(url, "published")

        async def publish(s: Any) -> None:
            from assembly.ballots.services import publish_ballots

            await publish_ballots(s, await s.get(Topic, seed.topic_id))

        db(publish)
        results = citizens[2].get(topics[0]).text
        assert t("Winner:", "Winners:", 1) in results or t("Winner:", "Winners:", 2) in results
        assert f'Idea of Birch 11 <span class="badge">{t("chosen")}</span>' in results
        ranked = citizens[2].get(topics[1]).text
        assert f'Idea of Fjord 33 <span class="badge">{t("chosen")}</span>' in ranked
        check = f"{topics[0]}/ballots/check"
        found = post_form(
            citizens[0], check, {"receipt": receipts[0]}, form_page=f"{topics[0]}/ballots"
        )
        # The check confirms inclusion and counting, never the ballot's content.
        assert t("Your ballot is included and counted.") in found.text

    async def counts(s: Any) -> tuple[int, int, int]:
        ballots = await s.scalar(select(func.count()).select_from(Ballot))
        linked = await s.scalar(
            select(func.count()).select_from(Ballot).where(Ballot.participant_id.is_not(None))
        )
        voters = await s.scalar(select(func.count()).select_from(BallotVoter))
        return ballots, linked, voters

    assert db(counts) == (6, 3, 6)  # only the open ballots of the second topic carry a name
