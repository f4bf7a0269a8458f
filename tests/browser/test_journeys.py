"""Whole journeys in a real browser, through the pages people use: a facilitator sets up an
assembly and prints invitations; citizens join, propose, argue, react and vote (one without
JavaScript, one with the keyboard alone); the facilitator enters paper ballots, closes the topic
and publishes the results; a researcher downloads the export."""

from __future__ import annotations

import re
import zipfile
from typing import Any

import pytest
from browser.conftest import ARTIFACTS, Visitor
from browser.live_server import LiveServer
from browser.world import FACILITATOR, RESEARCHER, World

pytestmark = pytest.mark.browser

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


# --- keyboard only -----------------------------------------------------------------------


def tab_to(page: Any, target: Any, limit: int = 200) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def press_and_load(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


# --- the facilitator ---------------------------------------------------------------------


def set_up_assembly(facilitator: Visitor) -> tuple[str, str, list[str]]:
    """Create an assembly and a topic and print three invitation letters; return the
    assembly's address, the topic's management address and the codes."""
    page = facilitator.page
    facilitator.sign_in(FACILITATOR)
    facilitator.goto("/manage/assemblies/new")
    page.get_by_label("Title").fill("Riverside assembly")
    page.get_by_label("Place").fill("Trondheim")
    page.get_by_label("Description").fill("How the riverside should change.")
    page.get_by_role("radio", name="Published").check()
    facilitator.submit(page.get_by_role("button", name="Create the assembly"))
    manage = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
    assert re.fullmatch(r"/manage/assemblies/[a-z0-9-]+", manage), manage
    slug = manage.rsplit("/", 1)[1]

    facilitator.goto(f"{manage}/topics/new")
    page.get_by_label("Question").fill("What should the riverside offer?")
    page.get_by_label("Background").fill("The old sawmill closes next year.")
    page.get_by_label("Spotlight area").select_option(index=1)
    page.get_by_label("Voting method").select_option("approval")
    page.get_by_label("Starting phase").select_option("proposals")
    facilitator.submit(page.get_by_role("button", name="Add the topic"))
    topic_manage = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
    assert topic_manage.startswith(f"{manage}/topics/"), topic_manage
    facilitator.screenshot("journey-facilitator-topic")

    facilitator.goto(f"{manage}/invitations")
    page.get_by_label("Number of codes").fill("3")
    facilitator.submit(page.get_by_role("button", name="Make the codes"))
    codes = [text.strip() for text in page.locator(".invite-code").all_inner_texts()]
    assert len(codes) == 3, codes
    assert all(CODE.fullmatch(code) for code in codes), codes
    # The print button appears with JavaScript; the letters are printed as a PDF.
    assert page.get_by_role("button", name="Print the letters").is_visible()
    page.emulate_media(media="print")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "invitation-letters.pdf"))
    assert pdf.startswith(b"%PDF")
    assert page.locator(".invite-url").first.is_visible()
    facilitator.screenshot("journey-invitation-letters")
    page.emulate_media(media="screen")
    return f"/assemblies/{slug}", topic_manage, codes


def move_phase(facilitator: Visitor, topic_manage: str, button: str) -> None:
    facilitator.goto(topic_manage)
    facilitator.submit(facilitator.page.get_by_role("button", name=button))
    assert facilitator.page.locator(".error-summary").count() == 0, facilitator.page.content()


# --- citizens ----------------------------------------------------------------------------


def take_part_without_javascript(citizen: Visitor, code: str, topic: str) -> None:
    """Join, propose and react in the proposals phase (all plain form posts)."""
    page = citizen.page
    citizen.join(code, "River Otter")
    assert "River Otter" in page.locator("main").inner_text()
    citizen.goto(topic)
    page.get_by_label("Title").fill("Benches along the river")
    page.get_by_label("Description").fill("Somewhere to rest.\nIn the shade.")
    citizen.submit(page.get_by_role("button", name="Submit the proposal"))
    assert "Benches along the river" in page.locator("main").inner_text()
    mine = page.locator("article.proposal", has_text="Benches along the river")
    citizen.submit(mine.get_by_role("button", name=re.compile(r"^Agree\b")))
    assert "Agree: 1" in page.locator("article.proposal", has_text="Benches").inner_text()
    citizen.screenshot("journey-nojs-topic")


def argue_without_javascript(citizen: Visitor, topic: str, proposal_title: str) -> None:
    page = citizen.page
    citizen.goto(topic)
    page.locator("article.proposal", has_text=proposal_title).get_by_role(
        "link", name=re.compile("Add an argument")
    ).click()
    page.get_by_role("radio", name="Against").check()
    page.get_by_label("Your argument").fill("It blocks the view of the water.")
    citizen.submit(page.get_by_role("button", name="Add the argument"))
    assert "It blocks the view of the water." in page.locator("main").inner_text()


def vote_without_javascript(citizen: Visitor, topic: str, titles: list[str]) -> str:
    page = citizen.page
    citizen.goto(topic)
    citizen.submit(page.get_by_role("link", name="Vote", exact=True))
    for title in titles:
        page.get_by_role("checkbox", name=title).check()
    citizen.submit(page.get_by_role("button", name="Cast my vote"))
    assert "Your vote is recorded" in page.get_by_role("status").inner_text()
    citizen.screenshot("journey-nojs-vote-recorded")
    return page.locator(".receipt-code").inner_text().strip()


# --- the whole product -------------------------------------------------------------------


def test_a_whole_assembly_with_javascript_off(visitor: Any, server: LiveServer) -> None:
    facilitator = visitor()
    public, topic_manage, codes = set_up_assembly(facilitator)
    topic = topic_manage.replace("/manage/assemblies/", "/assemblies/")

    citizen = visitor(java_script_enabled=False)
    take_part_without_javascript(citizen, codes[0], topic)
    neighbour = visitor(java_script_enabled=False)
    neighbour.join(codes[1], "Grey Heron")
    neighbour.goto(topic)
    neighbour.page.get_by_label("Title").fill("A footbridge")
    neighbour.submit(neighbour.page.get_by_role("button", name="Submit the proposal"))

    move_phase(facilitator, topic_manage, "Start deliberation")
    argue_without_javascript(citizen, topic, "A footbridge")
    move_phase(facilitator, topic_manage, "Open voting")
    receipt = vote_without_javascript(citizen, topic, ["Benches along the river", "A footbridge"])
    assert CODE.fullmatch(receipt) or receipt

    # Paper ballots in the room, then closing and publishing.
    facilitator.goto(f"{topic_manage}/paper-ballots")
    page = facilitator.page
    for _ in range(2):
        page.get_by_role("checkbox", name="A footbridge").check()
        facilitator.submit(page.get_by_role("button", name="Store the paper ballot"))
        assert page.locator(".error-summary").count() == 0
    assert "2 paper ballots" in page.locator("main").inner_text()
    move_phase(facilitator, topic_manage, "Close voting")
    move_phase(facilitator, topic_manage, "Publish results")
    facilitator.goto(f"{topic_manage}/summary")
    facilitator.submit(page.get_by_role("button", name="Publish the summary"))
    assert "Published." in page.locator("main").inner_text()

    # Anyone reads the results, counted with the paper ballots.
    reader = visitor(java_script_enabled=False)
    reader.goto(topic)
    text = reader.page.locator("main").inner_text()
    assert "A footbridge" in text, text
    assert re.search(r"3 ballots", text), text
    reader.screenshot("journey-results")
    reader.goto(f"{topic}/summary")
    assert "A footbridge" in reader.page.locator("main").inner_text()
    reader.screenshot("journey-summary")
    pdf = reader.context.request.get(f"{server.url}{topic}/summary.pdf")
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")
    reader.goto(public)


def test_a_citizen_with_the_keyboard_only(visitor: Any, world: World) -> None:
    citizen = visitor()
    page = citizen.page
    citizen.goto("/join")
    tab_to(page, page.get_by_label("Invite code"))
    page.keyboard.type(world.codes[5])
    tab_to(page, page.get_by_label("Your name in the assembly"))
    page.keyboard.press("Control+A")
    page.keyboard.type("Keyboard Kestrel")
    press_and_load(page, "Enter")
    assert "Keyboard Kestrel" in page.locator("main").inner_text()

    # Propose.
    citizen.goto(world.topic_url("proposals"))
    tab_to(page, page.get_by_label("Title"))
    page.keyboard.type("Night lights on the pier")
    tab_to(page, page.get_by_label("Description"))
    page.keyboard.type("So people feel safe after dark.")
    tab_to(page, page.get_by_role("button", name="Submit the proposal"))
    press_and_load(page, "Enter")
    assert "Night lights on the pier" in page.locator("main").inner_text()

    # React with Space on a button.
    market = page.locator("article.proposal", has_text="A swimming pier")
    tab_to(page, market.get_by_role("button", name=re.compile(r"^Disagree\b")))
    press_and_load(page, "Space")
    assert (
        "Disagree: 1" in page.locator("article.proposal", has_text="A swimming pier").inner_text()
    )

    # Argue: follow the link with Enter, choose the stance with the arrow keys.
    link = page.locator("article.proposal", has_text="A swimming pier").get_by_role(
        "link", name=re.compile("Add an argument")
    )
    tab_to(page, link)
    press_and_load(page, "Enter")
    tab_to(page, page.get_by_role("radio", name="For"))
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Against").is_checked()
    tab_to(page, page.get_by_label("Your argument"))
    page.keyboard.type("The water is too cold most of the year.")
    tab_to(page, page.get_by_role("button", name="Add the argument"))
    press_and_load(page, "Enter")
    assert "The water is too cold most of the year." in page.locator("main").inner_text()

    # Vote: tick with Space, send with Enter.
    citizen.goto(world.topic_url("voting"))
    tab_to(page, page.get_by_role("link", name="Vote", exact=True))
    press_and_load(page, "Enter")
    tab_to(page, page.get_by_role("checkbox", name="A quiet park"))
    page.keyboard.press("Space")
    assert page.get_by_role("checkbox", name="A quiet park").is_checked()
    tab_to(page, page.get_by_role("button", name="Cast my vote"))
    press_and_load(page, "Enter")
    assert "Your vote is recorded" in page.get_by_role("status").inner_text()
    citizen.screenshot("journey-keyboard-vote-recorded")


def test_a_researcher_downloads_the_export(visitor: Any, world: World, server: LiveServer) -> None:
    researcher = visitor()
    researcher.sign_in(RESEARCHER)
    researcher.goto(f"/research/{world.slug}")
    researcher.screenshot("journey-research")
    page = researcher.page
    page.get_by_role("radio").first.check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the ZIP file").click()
    download = info.value
    target = ARTIFACTS / "downloads" / download.suggested_filename
    target.parent.mkdir(parents=True, exist_ok=True)
    download.save_as(target)
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert names, "the export is empty"
    # Pseudonymised: the names people chose never reach the researcher.
    with zipfile.ZipFile(target) as archive:
        content = b"".join(archive.read(name) for name in names)
    assert b"Seeded 0" not in content
