"""The email link pages in a real headless Chromium: Debian's `chromium` package, driven by Playwright's Python API
pointed at it (`executable_path`; Playwright's own browser download is never used). `.ci/run` installs the
package when it is missing; elsewhere these tests are skipped, saying why, when there is no Chromium.

A handful of tests, each a person's whole visit: open the return link, see the request, press the button, see
the confirmation, and find the return recorded and the business manager's notice queued; vote from a vote
link and find the vote recorded and the chat card's update queued; the page at a phone's width (375 pixels)
with nothing wider than the screen, and every control reached with Tab; and a plain GET and HEAD of every
link, as a mail gateway makes them, changing nothing. On SQLite, and PostgreSQL when
PANELBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from email_pages import AGENCY_MAIL, site  # noqa: F401  (site: a fixture)

from storage.models import OutboxMessage

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
REQUIRED = bool(os.environ.get("PANELBOT_REQUIRE_CHROMIUM"))  # set by .ci/run: there a missing browser fails

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None and not REQUIRED,
        reason="no Chromium here: install Debian's package (apt-get install -y chromium chromium-driver) to run "
        "the email pages' browser tests",
    ),
]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    from playwright.async_api import async_playwright

    assert CHROMIUM is not None, "PANELBOT_REQUIRE_CHROMIUM is set but there is no chromium on PATH"
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


async def new_page(browser, width: int = 1024):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=True)
    page = await context.new_page()
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
    page.external = external  # every request the page made elsewhere (there must be none)
    return page


async def test_an_agency_marks_its_return_from_the_link_in_a_real_browser(make_panel, clock, browser) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        page = await new_page(browser)
        response = await page.goto(s.url(s.return_path()))
        assert response.status == 200
        assert await page.title() == f"Information request {s.returning} · Panelbot"
        body = await page.inner_text("main")
        assert "Greater Manchester Police" in body and s.panel.fmt(s.due) in body
        assert (await s.request()).returned_at is None  # the page alone records nothing

        notices = len(await s.rows(OutboxMessage, OutboxMessage.purpose == "bm"))
        clock.advance(minutes=3)
        await page.get_by_role("button", name="Mark as returned").click()
        await page.wait_for_load_state()
        status = await page.get_by_role("status").inner_text()
        thanks = f"Thank you: Greater Manchester Police's return for {s.returning} is recorded. No more reminders."
        assert status == thanks
        assert await page.get_by_role("button").count() == 0

        request = await s.request()
        assert request.returned_at == clock.now and request.returned_by == f"{AGENCY_MAIL} (by email)"
        bm = await s.rows(OutboxMessage, OutboxMessage.purpose == "bm")
        assert len(bm) == notices + 1 and "Greater Manchester Police has returned" in bm[-1].body["text"]

        await page.go_back()  # the same page again, its button pressed a second time
        await page.reload()
        assert "was already recorded" in await page.inner_text("main")
        assert page.external == []


async def test_a_member_votes_from_the_link_in_a_real_browser(make_panel, browser) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        page = await new_page(browser)
        await page.goto(s.url(s.vote_path()))
        assert "Referred by Education" in await page.inner_text("section")
        updates = len(await s.card_updates())
        await page.get_by_label("Meets neither threshold").check()
        await page.get_by_role("button", name="Vote").click()  # no reason: the procedure asks for one
        await page.wait_for_load_state()
        assert 'Please give a reason for "Meets neither threshold"' in await page.get_by_role("alert").inner_text()
        assert await s.votes() == []
        assert await page.get_by_label("Meets neither threshold").is_checked()  # what was chosen is kept

        await page.get_by_label("Your reason").fill("Threshold not met on the information so far.")
        await page.get_by_role("button", name="Vote").click()
        await page.wait_for_load_state()
        said = await page.get_by_role("status").inner_text()
        assert said == f"Your vote on {s.voting} is recorded: Meets neither threshold."
        assert "Your vote is Meets neither threshold" in await page.inner_text("main")
        (vote,) = await s.votes()
        assert vote.outcome == "neither_threshold" and vote.reason == "Threshold not met on the information so far."
        assert len(await s.card_updates()) == updates + 1
        assert page.external == []


async def test_the_pages_fit_a_phone_and_every_control_is_reached_with_tab(make_panel, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        page = await new_page(browser, width=375)
        for path, controls in ((s.return_path(), ["Mark as returned"]), (s.vote_path(), None)):
            await page.goto(s.url(path))
            shot = tmp_path / f"{path.split('/')[2]}.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 5000  # it rendered
            widths = await page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1] == 375, widths  # nothing wider than the screen
            wanted = await page.evaluate(
                "Array.from(document.querySelectorAll('button, input:not([type=hidden]), textarea'))"
                ".map(e => e.id || e.textContent.trim())"
            )
            reached: list[str] = []
            for _ in range(len(wanted) + 3):
                await page.keyboard.press("Tab")
                focused = await page.evaluate(
                    "document.activeElement === document.body ? '' :"
                    " (document.activeElement.id || document.activeElement.textContent.trim())"
                )
                if focused and focused not in reached:
                    reached.append(focused)
            # Radio buttons of one group are one Tab stop (the arrow keys move within it), as in every browser.
            expected = [w for w in wanted if not w.startswith("outcome-")]
            assert [r for r in reached if not r.startswith("outcome-")] == expected
            if controls is None:
                assert any(r.startswith("outcome-") for r in reached)
                await page.keyboard.press("Shift+Tab")
            else:
                assert expected == controls
        assert page.external == []


async def test_a_scanner_opening_every_link_changes_nothing(make_panel, browser) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        before = await s.everything()
        updates = len(await s.card_updates())
        page = await new_page(browser)
        for path in (s.return_path(), s.vote_path()):
            response = await page.goto(s.url(path))  # as a gateway's browser opens it, scripts allowed
            assert response.status == 200
            await page.wait_for_load_state("load")  # everything the page would load or run by itself
            head = await s.client.head(path)
            plain = await s.client.get(path)
            assert head.status == plain.status == 200
        assert await s.everything() == before
        assert len(await s.card_updates()) == updates
