"""The pages signed email links open (bot/email/pages.py), over HTTP on 127.0.0.1 with aiohttp's own client: what
each page shows, that only its own form's POST acts, and each way a link or a press is refused with one
sentence and nothing changed. On SQLite, and PostgreSQL when PANELBOT_TEST_DATABASE_URL is set. The same
pages in a real browser: test_email_pages_browser.py.
"""

from __future__ import annotations

import base64
import html
import logging
from datetime import timedelta

import pytest
from email_pages import (
    ADVISER_MAIL,
    AGENCY_MAIL,
    DEPUTY_MAIL,
    OP,
    SECRET,
    SUMMARY,
    Site,
    form_fields,
    site,
)

from bot.commands import run
from bot.email.pages import PAGE_MAX_BODY
from bot.server import RedactedAccessLogger
from bot.service import Actor
from storage.models import InfoRequest

HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
NOT_GENUINE = "This link is not one Panelbot made. Please use the link in your email as it is."
STALE = "This page is out of date. Please open the link in your email again; nothing was changed."


def assert_page_headers(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in HEADERS.items():
        assert response.headers[name] == value, name
    csp = response.headers["Content-Security-Policy"]
    for part in ("default-src 'none'", "style-src 'sha256-", "form-action 'self'", "frame-ancestors 'none'"):
        assert part in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert response.content_type == "text/html"


async def get_page(s: Site, path: str, status: int = 200) -> str:
    response = await s.client.get(path)
    text = await response.text()
    assert response.status == status, text
    assert_page_headers(response)
    assert "<script" not in text.lower() and "http://" not in text and "https://" not in text  # nothing external
    return html.unescape(text)


async def press(s: Site, path: str, fields: dict[str, str], status: int = 200) -> str:
    response = await s.client.post(path, data=fields)
    text = await response.text()
    assert response.status == status, text
    assert_page_headers(response)
    return html.unescape(text)


# Mark the return as made ------------------------------------------------------------------------------------


async def test_a_return_link_shows_the_request_and_only_its_button_records_it(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        before = await s.everything()
        page = await get_page(s, s.return_path())
        assert f"Information request {s.returning}" in page
        for shown in ("Greater Manchester Police", "the agency summary report and a chronology",
                      s.panel.fmt(s.due), "Mark as returned", AGENCY_MAIL):
            assert shown in page
        assert SUMMARY not in page  # the summary is never shown; the reference and anonymised subject are
        head = await s.client.head(s.return_path())
        assert head.status == 200
        assert await s.everything() == before  # showing, as a scanner would, changes nothing

        clock.advance(minutes=5)
        done = await press(s, s.return_path(), form_fields(page))
        thanks = f"Thank you: Greater Manchester Police's return for {s.returning} is recorded. No more reminders."
        assert thanks in done and "<form" not in done
        request = await s.request()
        assert request.returned_at == clock.now
        assert request.returned_by == f"{AGENCY_MAIL} (by email)"
        (entry,) = await s.audit("request_returned")
        assert entry.payload["via"] == "email_link" and entry.payload["address"] == AGENCY_MAIL
        assert entry.actor == f"email:{AGENCY_MAIL} (guest)"

        after = await s.everything()
        again = await press(s, s.return_path(), form_fields(page))  # the same form sent again
        assert "was already recorded on" in again and "Nothing has changed." in again
        assert await s.everything() == after
        shown = await get_page(s, s.return_path())
        assert "already recorded" in shown and "<form" not in shown


@pytest.mark.parametrize("how", ["tampered", "expired", "vote token", "other secret"])
async def test_a_link_that_is_not_genuine_or_has_expired_shows_a_sentence_and_changes_nothing(  # type: ignore[no-untyped-def]
    make_panel, clock, how: str
) -> None:
    async with site(make_panel) as s:
        good = s.return_path()
        fields = form_fields(await get_page(s, good))
        before = await s.everything()
        status, said = 404, NOT_GENUINE
        if how == "tampered":
            path = good[:-3] + ("abc" if not good.endswith("abc") else "xyz")
        elif how == "expired":
            path, status, said = s.return_path(expires=clock.now + timedelta(minutes=1)), 410, "This link has expired."
            clock.advance(minutes=2)
        elif how == "vote token":  # a genuine token, made for the other page
            path = "/email/vote/" + good.rsplit("/", 1)[1]
        else:
            from bot.email.links import Links

            path = "/email/return/" + Links("z" * 40, "http://x").token("return", s.request_id, AGENCY_MAIL, s.due)
        assert said in await get_page(s, path, status)
        assert said in await press(s, path, fields, status)
        assert await s.everything() == before


async def test_a_post_without_the_pages_own_key_changes_nothing(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        path = s.return_path()
        fields = form_fields(await get_page(s, path))
        before = await s.everything()
        assert STALE in await press(s, path, {}, 403)  # no form at all
        assert STALE in await press(s, path, {**fields, "key": "0" * 64}, 403)  # a key it did not make
        assert STALE in await press(s, path, {**fields, "nonce": fields["nonce"] + "x"}, 403)
        other = s.return_path(expires=s.due + timedelta(days=3))  # another genuine link for the same request
        assert STALE in await press(s, other, fields, 403)  # the key is bound to the link it was shown for
        clock.advance(hours=13)
        assert STALE in await press(s, path, fields, 403)  # shown too long ago
        assert await s.everything() == before
        assert "Thank you" in await press(s, path, form_fields(await get_page(s, path)))  # a fresh page does


async def test_an_address_no_longer_the_agencys_is_refused_and_a_registered_contact_is_not(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        path = s.return_path()
        fields = form_fields(await get_page(s, path))
        await s.panel.set_channel(actor=OP, purpose="agency:police", platform_id="email:new-team@police.example")
        before = await s.everything()
        refused = "This link was sent to an address that is no longer one of Greater Manchester Police's"
        page = await get_page(s, path, 403)
        assert refused in page and s.returning not in page and "chronology" not in page  # shows nothing of it
        assert refused in await press(s, path, fields, 403)
        assert await s.everything() == before

        deputy = s.return_path(DEPUTY_MAIL)  # the deputy is not the channel, but the BM registers them
        assert refused in await get_page(s, deputy, 403)
        bm = await s.panel.actor_for("slack", "U0BM")
        assert bm is not None
        assert (await run(s.panel, bm, f"contact add agency:police email:{DEPUTY_MAIL}")).ok
        done = await press(s, deputy, form_fields(await get_page(s, deputy)))
        assert "Thank you" in done
        assert (await s.request()).returned_by == f"{DEPUTY_MAIL} (by email)"


async def test_a_link_for_an_earlier_request_or_another_partnerships_changes_nothing(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        before = await s.everything()
        assert "no longer holds" in await get_page(s, s.return_path(target=s.request_id + 1000), 404)
        health = s.request_id + 1  # the health request: not the police's, whose address this is
        page = await get_page(s, s.return_path(target=health), 403)
        assert "no longer one of Health (ICB)'s" in page
        assert await s.everything() == before


HEALTH_MAIL = "safeguarding@health.example"


async def test_a_link_names_no_address_and_one_agencys_link_cannot_act_for_anothers_request(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        await s.panel.set_channel(actor=OP, purpose="agency:health", platform_id=f"email:{HEALTH_MAIL}")
        (health,) = [r.id for r in await s.rows(InfoRequest) if r.agency == "health"]
        token = s.return_path().rsplit("/", 1)[1]
        payload = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
        assert "@" not in payload and "police" not in payload and "safeguarding" not in payload
        before = await s.everything()

        # The police's address on a link for the health request (say a page the bot served for it while the
        # address was health's): its key matches none of health's addresses, so showing and pressing refuse.
        crossed = s.return_path(AGENCY_MAIL, target=health)
        page = await get_page(s, crossed, 403)
        assert "no longer one of Health (ICB)'s" in page and s.returning not in page
        form = s.links.new_page_key("return", crossed.rsplit("/", 1)[1], s.panel.now())
        fields = dict(zip(("issued", "nonce", "key"), map(str, form), strict=True))
        assert "no longer one of Health (ICB)'s" in await press(s, crossed, fields, 403)
        # Health's address on the police's request, likewise.
        assert "no longer one of Greater Manchester Police's" in await get_page(
            s, s.return_path(HEALTH_MAIL), 403)
        # The police page's own form, sent to the health link, is not that page's.
        police_fields = form_fields(await get_page(s, s.return_path()))
        assert STALE in await press(s, s.return_path(HEALTH_MAIL, target=health), police_fields, 403)
        assert await s.everything() == before

        # Health's own link records health's return only.
        own = s.return_path(HEALTH_MAIL, target=health)
        assert "Thank you" in await press(s, own, form_fields(await get_page(s, own)))
        returned = {r.agency: r.returned_by for r in await s.rows(InfoRequest)}
        assert returned == {"police": None, "health": f"{HEALTH_MAIL} (by email)"}


async def test_a_link_sent_with_the_address_in_it_still_works_until_it_expires(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    from itsdangerous import URLSafeSerializer

    async with site(make_panel) as s:
        def old(address: str, expires: int) -> str:  # the payload links had before they dropped the address
            signed = URLSafeSerializer(SECRET, salt="panelbot-email-return").dumps([s.request_id, address, expires])
            return f"/email/return/{signed}"

        until = int((s.due + timedelta(days=14)).timestamp())
        assert "no longer one of Greater Manchester Police's" in await get_page(s, old(DEPUTY_MAIL, until), 403)
        path = old(AGENCY_MAIL, until)
        page = await get_page(s, path)
        assert "Mark as returned" in page and AGENCY_MAIL in page
        assert "Thank you" in await press(s, path, form_fields(page))
        assert (await s.request()).returned_by == f"{AGENCY_MAIL} (by email)"
        clock.advance(seconds=until - int(clock.now.timestamp()))
        assert "This link has expired." in await get_page(s, path, 410)


async def test_bodies_that_are_not_the_pages_form_are_refused(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        path = s.return_path()
        fields = form_fields(await get_page(s, path))
        before = await s.everything()
        big = await s.client.post(path, data={**fields, "pad": "x" * (PAGE_MAX_BODY + 1)})
        assert big.status == 413
        wrong = await s.client.post(path, json=fields)
        assert wrong.status == 415
        many = await s.client.post(path, data={f"f{i}": "1" for i in range(40)})
        assert many.status == 400
        not_utf8 = await s.client.post(path, data=b"key=\xff\xfe",
                                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert not_utf8.status == 400
        put = await s.client.put(path, data=fields)
        assert put.status == 405
        assert await s.everything() == before


async def test_the_token_is_never_logged(make_panel, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)  # every logger, the access log too
    async with site(make_panel, access_log_class=RedactedAccessLogger) as s:
        path = s.return_path()
        token = path.rsplit("/", 1)[1]
        page = await get_page(s, path)
        await press(s, path, form_fields(page))
        await get_page(s, path[:-2], 404)
    assert "/email/return/TOKEN" in caplog.text  # the access log was written, without the token
    assert token not in caplog.text and token[:20] not in caplog.text


# Vote by email --------------------------------------------------------------------------------------------------


async def test_a_member_votes_by_link_with_the_chat_votes_rules(make_panel, clock) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        page = await get_page(s, s.vote_path())
        assert f"Vote on {s.voting}" in page and "Referred by Education" in page and "Ada Adviser" in page
        for label in ("Commence rapid review", "Case review instead", "Meets neither threshold"):
            assert label in page
        assert SUMMARY not in page
        updates = len(await s.card_updates())
        fields = form_fields(page)

        # An outcome whose reason the procedure asks for, without one: shown on the form, nothing recorded.
        refused = await press(s, s.vote_path(), {**fields, "outcome": "neither_threshold", "reason": " "}, 400)
        assert 'Please give a reason for "Meets neither threshold"' in refused and "<form" in refused
        assert await s.votes() == []

        done = await press(s, s.vote_path(), {**fields, "outcome": "commence_rapid_review", "reason": "clear"})
        assert f"Your vote on {s.voting} is recorded: Commence rapid review." in done
        (vote,) = await s.votes()
        assert (vote.outcome, vote.reason, vote.is_current) == ("commence_rapid_review", "clear", True)
        assert len(await s.card_updates()) == updates + 1  # the chat card is updated, as for any vote
        (cast,) = await s.audit("vote_cast")
        assert cast.actor == "Ada Adviser (independent_adviser)" and cast.subject == s.voting

        again = await press(s, s.vote_path(), {**fields, "outcome": "commence_rapid_review", "reason": "clear"})
        assert "That vote was already recorded; nothing has changed." in again
        assert len(await s.votes()) == 1

        fresh = form_fields(await get_page(s, s.vote_path()))
        changed = await press(s, s.vote_path(), {**fresh, "outcome": "case_review", "reason": "on reflection"})
        assert f"Your vote on {s.voting} is changed to Case review instead." in changed
        assert [v.is_current for v in await s.votes()] == [False, True]

        clock.set(s.closes + timedelta(minutes=1))  # the deadline passes: voting is closed
        shut = await get_page(s, s.vote_path(expires=s.closes + timedelta(days=1)))
        assert f"Voting on {s.voting} closed at" in shut and 'name="outcome"' not in shut


async def test_a_member_recuses_by_link_and_then_cannot_vote(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        page = await get_page(s, s.vote_path())
        fields = form_fields(page)
        done = await press(s, s.vote_path(), {**fields, "intent": "recuse", "reason": "I know the family"})
        assert f"You have recused yourself from {s.voting}" in done
        refused = await press(s, s.vote_path(), {**fields, "intent": "vote", "outcome": "case_review"}, 409)
        assert "recused" in refused
        assert [v.kind for v in await s.votes()] == ["recuse"]
        assert "you cannot vote on it" in await get_page(s, s.vote_path())


async def test_a_vote_link_for_someone_not_on_the_panel_changes_nothing(make_panel) -> None:  # type: ignore[no-untyped-def]
    async with site(make_panel) as s:
        fields = form_fields(await get_page(s, s.vote_path()))
        before = await s.everything()
        stranger = s.vote_path("someone@else.example")
        page = await get_page(s, stranger, 403)
        assert "no longer a panel member's" in page and s.voting not in page
        await s.panel.remove_member(actor=OP, name="Ada Adviser")
        assert "no longer a panel member's" in await press(s, s.vote_path(), {**fields, "outcome": "case_review"}, 403)
        assert "no longer a panel member's" in await get_page(s, s.vote_path(), 403)
        assert (await s.everything())[2] == before[2]  # no vote
        # An agency's address is not a voter either, and the BM's guest actor cannot vote by forging a form.
        assert "no longer a panel member's" in await get_page(s, s.vote_path(AGENCY_MAIL), 403)
        assert Actor.guest("email", ADVISER_MAIL).role == "guest"


async def test_a_vote_by_link_counts_towards_quorum_by_role_like_a_vote_in_chat(make_panel) -> None:  # type: ignore[no-untyped-def]
    """Dudley's SAR referral (decided by the panel's vote; a child's is decided at the rapid review meeting): one
    vote from each statutory partner is the quorum. Two vote in chat, the police's member by link: quorum is met
    and, all three agreeing, the ballot closes, exactly as a third vote in chat would."""
    from aiohttp.test_utils import TestClient, TestServer
    from email_pages import SECRET

    from bot.email.links import Links
    from bot.email.pages import add_page_routes
    from bot.server import make_app
    from flows.referrals import ReferralDraft
    from storage.models import Ballot, Referral

    panel = await make_panel("dudley")
    for name, role, account in (("Lee Authority", "local_authority", "slack:U0LA"),
                                ("Pat Doe", "police", "email:pat@police.example"),
                                ("Hana Health", "health", "slack:U0HE")):
        await panel.add_member(actor=OP, name=name, role=role, ids=[account])
    ref = await panel.file_referral(actor=OP, draft=ReferralDraft(
        referral_type="sar", referrer="Police", category="adult", letter="B", summary=SUMMARY))
    for account in ("U0LA", "U0HE"):
        await panel.vote(actor=Actor.of_account("slack", account), reference=ref, outcome="sar")
    async with panel.uow() as uow:
        referral = await uow.referrals.by_reference(ref)
        assert referral is not None
        ballot = await uow.ballots.current(referral)
        assert isinstance(ballot, Ballot) and isinstance(referral, Referral)
    links = Links(SECRET, "http://127.0.0.1")
    app = make_app(panel)
    add_page_routes(app, panel, links)
    path = f"/email/vote/{links.token('vote', ballot.id, 'pat@police.example', ballot.deadline_at)}"
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        page = html.unescape(await (await client.get(path)).text())
        assert "2 of 3 statutory partners have voted. Still needed: Police." in page
        response = await client.post(path, data={**form_fields(page), "outcome": "sar", "reason": ""})
        done = html.unescape(await response.text())
    assert response.status == 200
    assert f"Your vote on {ref} is recorded: Recommend a safeguarding adults review to the Independent Chair." in done
    assert ("Voting has now closed (decided: Recommend a safeguarding adults review to the Independent Chair)."
            in done)
    assert (await panel.card(ref)).status == "decided"
