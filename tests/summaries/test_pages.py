"""Summary pages and PDFs: every voting method, empty topics, planted groups, practice links,
publishing and who may see what, the assembly's language, and the cache behind the page."""

from __future__ import annotations

import re
from typing import Any

from helpers import pdf_text, post_form, sign_in
from sqlalchemy import select
from summaries.summary_seed import (
    PASSWORD,
    Seeded,
    add_ballots,
    add_participants,
    add_proposals,
    add_reactions,
    add_topic,
    seed_assembly,
    seed_voted_topic,
)
from summaries.test_services import STAIRWAY, WIGAN, planted_reactions

from assembly.accounts.services import create_account
from assembly.db.models import AuditEvent, ResearchGrant, Topic
from assembly.invitations.services import issue_codes
from assembly.voting import METHODS

SECTIONS = ("Participation", "Results", "Opinion groups", "Related promising practices")
TEST_SECRET = "test-secret-key-for-the-suite-only"


def seed(db: Any, **kwargs: Any) -> Seeded:
    """A closed, unpublished approval topic with two proposals, three people and two ballots."""

    async def work(s: Any) -> Seeded:
        language = kwargs.pop("language", "en")
        assembly_id, email = await seed_assembly(s, language=language, invited=10)
        topic_id = await add_topic(s, assembly_id, **kwargs)
        people = await add_participants(s, assembly_id, 3)
        proposals = await add_proposals(
            s, topic_id, ["A deal with residents", "More benches"], bodies=[WIGAN, ""]
        )
        await add_reactions(s, [(people[0], proposals[0], "agree")])
        await add_ballots(
            s, topic_id, [[str(proposals[0])], [str(proposals[0]), str(proposals[1])]]
        )
        return Seeded(assembly_id, "harbour", topic_id, "harbour-use", email, proposals, people)

    return db(work)


def test_pages_render_for_every_voting_method(client: Any, db: Any) -> None:
    async def work(s: Any) -> dict[str, list[int]]:
        assembly_id, _ = await seed_assembly(s)
        out = {}
        for position, method in enumerate(METHODS):
            _topic, proposals = await seed_voted_topic(s, assembly_id, method, position=position)
            out[method] = proposals
        return out

    topics = db(work)
    for method in METHODS:
        url = f"/assemblies/harbour/topics/{method.replace('_', '-')}/summary"
        page = client.get(url)
        assert page.status_code == 200, (method, page.text[-2000:])
        text = page.text
        assert text.count("<h1") == 1, method
        assert f"Which harbour plan ({method})?" in text
        assert 'role="img"' in text, method
        assert "<title id=" in text, method
        assert "<caption>" in text, method
        assert "<script>" not in text, method
        assert "style=" not in text, method
        assert re.search(r"(Chosen|Adopted|Funded): ", text), method
        assert f"{method} plan" in text
        for section in (
            "Participation",
            "Results",
            "Opinion groups",
            "Related promising practices",
        ):
            assert f">{section}</h2>" in text, (method, section)
        pdf = client.get(f"{url}.pdf")
        assert pdf.status_code == 200, method
        assert pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"].startswith("application/pdf")
        assert f"Which harbour plan ({method})?" in pdf_text(pdf.content), method
    # A few method-specific charts and tables.
    assert "Round 2" in client.get("/assemblies/harbour/topics/irv/summary").text
    stv = client.get("/assemblies/harbour/topics/stv/summary").text
    assert "Quota 2" in stv
    assert "Stage 1" in stv
    schulze = client.get("/assemblies/harbour/topics/schulze/summary").text
    assert "Pairwise preferences" in schulze
    assert "Strongest paths" in schulze
    grades = client.get("/assemblies/harbour/topics/majority-judgment/summary").text
    assert "Majority grade: Good" in grades
    assert "chart-grades" in grades
    budget = client.get("/assemblies/harbour/topics/budget/summary").text
    assert "Purchases, in the order they were made" in budget
    assert "Spent" in budget
    yes_no = client.get("/assemblies/harbour/topics/yes-no-abstain/summary").text
    assert "2 yes of 2 yes or no is 100%" in yes_no
    assert "Adopted: “yes_no_abstain plan A”" in yes_no
    consent = client.get("/assemblies/harbour/topics/consent/summary").text
    assert "1 blocks" in consent or "blocked" in consent
    assert topics


def test_pages_for_topics_without_proposals_votes_or_people(client: Any, db: Any) -> None:
    async def work(s: Any) -> None:
        assembly_id, _ = await seed_assembly(s)
        await add_topic(s, assembly_id, slug="empty", published=True)
        unvoted = await add_topic(s, assembly_id, slug="unvoted", position=1, published=True)
        await add_proposals(s, unvoted, ["Only idea"])
        lonely = await add_topic(s, assembly_id, slug="lonely", position=2, published=True)
        (person,) = await add_participants(s, assembly_id, 1)
        (pid,) = await add_proposals(s, lonely, ["Mine"], authors=[person])
        await add_reactions(s, [(person, pid, "agree")])

    db(work)
    empty = client.get("/assemblies/harbour/topics/empty/summary")
    assert empty.status_code == 200
    assert "There were no proposals to vote on." in empty.text
    assert "No reactions were made" in empty.text
    unvoted = client.get("/assemblies/harbour/topics/unvoted/summary")
    assert "No ballots were cast." in unvoted.text
    assert "No proposal was chosen, so no arguments are shown." in unvoted.text
    lonely = client.get("/assemblies/harbour/topics/lonely/summary")
    assert lonely.status_code == 200
    assert "1 from 1 participants" in lonely.text
    for slug in ("empty", "unvoted", "lonely"):
        pdf = client.get(f"/assemblies/harbour/topics/{slug}/summary.pdf")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
    overview = client.get("/assemblies/harbour/summary")
    assert overview.status_code == 200
    assert overview.text.count("The full summary of this topic") == 3


def test_planted_opinion_groups_show_on_the_page(client: Any, db: Any) -> None:
    async def work(s: Any) -> None:
        assembly_id, _ = await seed_assembly(s)
        topic_id = await add_topic(s, assembly_id, published=True)
        people = await add_participants(s, assembly_id, 30)
        proposals = await add_proposals(s, topic_id, [f"Idea {j}" for j in range(10)])
        await add_reactions(s, planted_reactions(people, proposals))

    db(work)
    text = client.get("/assemblies/harbour/topics/harbour-use/summary").text
    assert "3 opinion groups among the 30 participants" in text
    assert "chart-scatter" in text
    for label in ("A", "B", "C"):
        assert f"Group {label} (10 participants) agreed more than the others with" in text
    assert "“Idea 9”: 100% of 30 who reacted agreed (in every group)" in text
    across = text[text.index("Where the groups agreed") : text.index("Where people agreed")]
    assert "Group-informed consensus, as Polis computes it" in across
    assert "“Idea 9”: group A 100% agree, group B 100% agree, group C 100% agree" in across
    assert "Majority consensus over everyone who reacted" in text
    split = text[text.index("Where groups split") :]
    assert "Divisive proposals: one opinion group leans towards them" in split
    assert "group A 0% agree, group B 100% agree, group C 0% agree" in split


def test_practice_links_with_reasons_and_scores_for_the_right_people(
    client: Any, db: Any, settings: Any
) -> None:
    data = seed(db, question=STAIRWAY, area="well-and-fair-development", published=True)

    async def researcher(s: Any) -> None:
        account = await create_account(s, "researcher@example.org", PASSWORD, "researcher")
        s.add(ResearchGrant(assembly_id=data.assembly_id, account_id=account.id))

    db(researcher)
    public = client.get(data.summary_url).text
    assert 'href="/practices/stairway-to-stairway-aarhus"' in public
    assert 'href="/practices/wigan-deal"' in public
    assert "Shares the spotlight area" in public
    assert "Score " not in public
    assert "/research/harbour" not in public
    sign_in(client, "researcher@example.org", PASSWORD)
    research = client.get(data.summary_url).text
    assert re.search(r"Score 0\.\d+ \(text 0\.\d+, area 1\)", research)
    assert 'href="/research/harbour"' in research
    from participants.assembly_seed import another_client

    with another_client(settings) as facilitator:
        sign_in(facilitator, data.facilitator_email, PASSWORD)
        assert "Score 0." in facilitator.get(data.summary_url).text


def test_publish_flow_and_who_sees_what(client: Any, db: Any, settings: Any) -> None:
    from participants.assembly_seed import another_client, join

    data = seed(db, phase="voting")
    codes = db(lambda s: issue_codes_for(s, data.assembly_id))
    db(lambda s: create_account(s, "other@example.org", PASSWORD, "facilitator"))
    # ``client`` is the public: anonymous first, then a participant of the assembly.
    for url in (data.summary_url, f"{data.summary_url}.pdf", "/assemblies/harbour/summary"):
        assert client.get(url).status_code == 404, url
    manage = client.get(data.manage_url, follow_redirects=False)
    assert manage.status_code == 303
    assert manage.headers["location"].startswith("/signin")
    join(client, codes[0], "Reader")
    assert client.get(data.summary_url).status_code == 404

    with another_client(settings) as staff:
        sign_in(staff, "other@example.org", PASSWORD)  # facilitates other assemblies only
        assert staff.get(data.summary_url).status_code == 404
        assert staff.get(data.manage_url).status_code == 403
        assert post_form(staff, f"{data.manage_url}/publish", {}).status_code == 403

        sign_in(staff, data.facilitator_email, PASSWORD)
        preview = staff.get(data.summary_url)
        assert preview.status_code == 200
        assert "Not published yet: only the facilitators see this summary." in preview.text
        page = staff.get(data.manage_url)
        assert page.status_code == 200
        assert "The summary can be published once voting has closed." in page.text
        refused = post_form(staff, f"{data.manage_url}/publish", {}, form_page=data.manage_url)
        assert refused.status_code == 400
        assert "once voting has closed" in refused.text

        async def close(s: Any) -> None:
            topic = await s.get(Topic, data.topic_id)
            topic.phase = "closed"

        db(close)
        done = post_form(staff, f"{data.manage_url}/publish", {}, form_page=data.manage_url)
        assert done.status_code == 303
        assert done.headers["location"] == f"{data.manage_url}?done=published"
        assert "The summary is published." in staff.get(done.headers["location"]).text

        async def events(s: Any) -> list[str]:
            query = select(AuditEvent.action).where(AuditEvent.assembly_id == data.assembly_id)
            return list((await s.scalars(query)).all())

        assert "summary.published" in db(events)
        public = client.get(data.summary_url)
        assert public.status_code == 200
        assert "Not published yet" not in public.text
        assert "Notes and publishing" not in public.text
        assert client.get("/assemblies/harbour/summary").status_code == 200

        saved = post_form(
            staff,
            f"{data.manage_url}/notes",
            {"notes": "<b>We met twice.</b>\n\nThe harbour stays open."},
            form_page=data.manage_url,
        )
        assert saved.status_code == 303
        text = client.get(data.summary_url).text
        assert "&lt;b&gt;We met twice.&lt;/b&gt;" in text
        assert "<p>The harbour stays open.</p>" in text
        assert "Written by the facilitator" in text
        too_long = post_form(
            staff, f"{data.manage_url}/notes", {"notes": "x" * 10_001}, form_page=data.manage_url
        )
        assert too_long.status_code == 400
        assert "at most 10,000 characters" in too_long.text
        assert 'aria-invalid="true"' in too_long.text

        withdrawn = post_form(staff, f"{data.manage_url}/withdraw", {}, form_page=data.manage_url)
        assert withdrawn.status_code == 303
        assert client.get(data.summary_url).status_code == 404
        assert staff.get(data.summary_url).status_code == 200
        assert "summary.withdrawn" in db(events)


async def issue_codes_for(s: Any, assembly_id: int) -> list[str]:
    from assembly.db.models import Assembly

    assembly = await s.get(Assembly, assembly_id)
    return [c.code for c in await issue_codes(s, assembly, 1, TEST_SECRET)]


def test_pdf_download_has_the_same_sections_and_numbers(client: Any, db: Any) -> None:
    data = seed(db, published=True, notes="Plain notes for the handout.")
    page = client.get(data.summary_url).text
    pdf = client.get(f"{data.summary_url}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    text = pdf_text(pdf.content)
    assert "How should we use the old harbour?" in text
    for heading in re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', page):
        assert heading.replace("&#39;", "'") in text, heading
    assert "Plain notes for the handout." in text
    assert "Approvals per proposal" in text
    assert "The Wigan Deal" in text
    overview = client.get("/assemblies/harbour/summary.pdf")
    assert overview.status_code == 200
    assert "How should we use the old harbour?" in pdf_text(overview.content)


def test_pdf_embeds_a_font_for_every_letter_and_names_what_it_cannot_draw(
    client: Any, db: Any
) -> None:
    notes = "Godt valgt ✔ – blåbær på Øya, Ærlig sagt 👍🏽 ≥ 5"
    question = (
        "Hvordan skal vi bruke den gamle havna når fergeleiet flytter og kaia står tom "
        "gjennom hele vinteren og våren, og hvem skal ha ansvaret for vedlikeholdet av "
        "bryggene, benkene og lysene langs strandpromenaden?"
    )
    data = seed(db, published=True, notes=notes, question=question)
    pdf = client.get(f"{data.summary_url}.pdf").content
    assert b"/FontFile2" in pdf  # the font travels inside the file
    assert b"Helvetica" not in pdf
    text = pdf_text(pdf)
    assert "Godt valgt ✔ – blåbær på Øya, Ærlig sagt [thumbs up sign] ≥ 5" in text
    # The footer shortens a long title at a word, never inside one.
    footer = next(line for line in text.splitlines() if line.startswith("Hvordan") and "…" in line)
    shown = footer.split(" …")[0].split()
    assert shown == question.split()[: len(shown)]


def test_summary_is_in_the_assembly_language(client: Any, db: Any) -> None:
    data = seed(
        db, published=True, language="nb", question=STAIRWAY, area="well-and-fair-development"
    )
    page = client.get(data.summary_url, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    # The page around the text follows the reader; the text keeps the assembly's language.
    assert '<html lang="en" dir="ltr">' in page.text
    assert page.headers["content-language"] == "en"
    assert "This summary is written in Norwegian Bokmål, the assembly's language." in page.text
    assert "<title>Summary of the topic:" in page.text
    text = page.text.split('<div lang="nb">', 1)[1]
    assert "Deler fokusområdet" in text
    assert "Deler fokusområdet" not in page.text.split('<div lang="nb">', 1)[0]
    # A reader of the assembly's own language gets no note.
    own = client.get(data.summary_url, headers={"Accept-Language": "nb"}).text
    assert '<html lang="nb" dir="ltr">' in own
    assert "assembly's language" not in own
    assert "forsamlingens språk" not in own
    # The reader's own pages stay in their language.
    assert '<html lang="en" dir="ltr">' in client.get("/", headers={"Accept-Language": "en"}).text
    pdf = client.get(f"{data.summary_url}.pdf")
    assert "Deler fokusomr" in pdf_text(pdf.content)


def test_the_page_follows_new_reactions(client: Any, db: Any) -> None:
    data = seed(db, published=True)
    assert "1 from 1 participants" in client.get(data.summary_url).text
    assert "1 from 1 participants" in client.get(data.summary_url).text
    db(lambda s: add_reactions(s, [(data.participant_ids[1], data.proposal_ids[1], "pass")]))
    assert "2 from 2 participants" in client.get(data.summary_url).text


def test_assembly_summary_lists_published_topics_for_the_public(
    client: Any, db: Any, settings: Any
) -> None:
    async def work(s: Any) -> str:
        assembly_id, email = await seed_assembly(s)
        await add_topic(
            s, assembly_id, slug="open-one", question="Published question?", published=True
        )
        await add_topic(s, assembly_id, slug="hidden-one", question="Private question?", position=1)
        await add_topic(
            s, assembly_id, slug="drafted", question="Draft question?", phase="draft", position=2
        )
        return email

    email = db(work)
    public = client.get("/assemblies/harbour/summary").text
    assert "Published question?" in public
    assert "Private question?" not in public
    assert "Draft question?" not in public
    sign_in(client, email, PASSWORD)
    facilitator = client.get("/assemblies/harbour/summary").text
    assert "Private question?" in facilitator
    assert "Some topics are not published yet" in facilitator
    assert "Draft question?" not in facilitator
    assert client.get("/assemblies/nowhere/summary").status_code == 404
