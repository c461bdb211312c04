"""`/panel` and its forms, end to end against the fake Slack: filing through the modal, the business
manager's commands, refusals to everyone else, help and usage lines, set-up, App Home, and the escaping
that keeps typed text from pinging `@channel` or mentioning people. Dudley as shipped decides a child's referral at
the rapid review meeting; the two tests that need votes to escalate to the chair use the panel whose vote
decides (tests/stage_presets.py)."""

from __future__ import annotations

import json

from slack_fake import PANEL_CHANNEL, Harness, flat_blocks, seen
from sqlalchemy import func, select
from test_slack_voting import dudley, file_referral, salford, vote, voting_dudley

from storage.models import Referral


async def referrals(h: Harness) -> int:
    async with h.panel.uow() as uow:
        return (await uow.session.execute(select(func.count()).select_from(Referral))).scalar_one()


async def test_filing_through_the_modal_posts_the_card_to_the_panel_channel(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "new")
    modal = h.modal()
    assert modal["title"]["text"] == "New referral"
    labels = [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"]
    assert labels == ["Referral type", "Where the referral came from", "Referring agency", "Which agency or service?",
                      "Date the partnership became aware", "Subject category", "Subject letter (A to Z)", "Summary",
                      "Themes",
                      # Issue 23 (Salford 7.3 and 7.4): after the basics, what the preset adds.
                      "Verified internally by", "Parallel processes", "Has a looked-after child died?",
                      "Notifications already made", "Date they were made"]
    source = next(b for b in modal["blocks"] if b.get("block_id") == "source")  # an agency, chosen in advance
    assert source["element"]["initial_option"]["value"] == "agency"
    parallel = next(b for b in modal["blocks"] if b.get("block_id") == "parallel")
    assert parallel["element"]["type"] == "checkboxes" and parallel["optional"]
    referrer = next(b for b in modal["blocks"] if b.get("block_id") == "referrer")  # the preset's agencies, then other
    assert [o["text"]["text"] for o in referrer["element"]["options"]] == [
        "Greater Manchester Police", "Health (ICB)", "Children's Social Care", "Education", "Probation",
        "Mental health trust", "Another agency or service (say which)"]
    assert not any(word in " ".join(labels).lower() for word in ("name", "birth", "address"))
    await h.submit("U0BM", modal, {"referral_type": "rapid_review", "referrer": "childrens_social_care",
                                   "aware_on": "2026-11-20", "category": "young_person", "letter": "c",
                                   "summary": "Bruising seen at school", "themes": ["neglect"]})
    assert h.said_to("U0BM") == "Filed SAL-2026-001 and posted it to the panel."
    card = h.card("SAL-2026-001")
    assert card.shown.startswith(
        "SAL-2026-001 · Young Person C · Rapid review Referred by Children's Social Care · "
        "received Mon 23 Nov 2026, 10:12 Panel decision due Wed 25 Nov 2026, 10:12 (48 hours)"
    )
    assert [b["label"] for b in card.buttons] == [
        "Commence rapid review", "Case review instead", "Incomplete referral", "Meets neither threshold", "Recuse"]
    assert card.text.startswith("SAL-2026-001 · Young Person C · Rapid review")  # the notification's text


async def test_an_identifying_detail_is_refused_on_its_field_and_nothing_is_saved(slack) -> None:
    h = await salford(slack)
    await h.slash("U0BM", "new")
    status = await h.submit("U0BM", h.modal(), {"referral_type": "rapid_review", "referrer": "childrens_social_care",
                                                "category": "baby", "letter": "A",
                                                "summary": "Seen at A&E, born 12/03/2026"})
    assert status == 200
    answer = json.loads(h.last_response)
    assert answer == {"response_action": "errors", "errors": {
        "summary": "The summary looks like it contains a date of birth, which is not repeated here. "
                   "Please remove it; nothing was saved."}}
    await h.submit("U0BM", h.modal(), {"referral_type": "rapid_review", "referrer": "other_agency",
                                       "referrer_other": "GP at M5 4WT", "category": "baby",
                                       "letter": "A", "summary": "Seen at A&E"})
    assert list(json.loads(h.last_response)["errors"]) == ["referrer_other"]
    await h.submit("U0BM", h.modal(), {"referral_type": "rapid_review", "referrer": "other_agency",
                                       "referrer_other": "GP", "category": "baby",
                                       "letter": "A", "summary": "Seen at A&E", "aware_on": "2027-01-01"})
    assert json.loads(h.last_response)["errors"] == {
        "aware_on": "The date the partnership became aware cannot be in the future."}
    assert await referrals(h) == 0
    assert h.fake.in_channel(PANEL_CHANNEL)[-1].raw.startswith("This is now the")  # no card


async def test_only_the_business_manager_changes_things(slack) -> None:
    h = await dudley(slack)
    ref = await file_referral(h)
    views = len(h.fake.views)
    await h.slash("U0POL", "new")
    assert h.said_to("U0POL") == "Only the business manager can file a referral. Nothing was changed."
    assert len(h.fake.views) == views
    await h.slash("U0POL", f"close {ref}")
    assert h.said_to("U0POL") == "Only the business manager can close a vote. Nothing was changed."
    await h.slash("U0POL", f"hold {ref}")
    assert h.said_to("U0POL") == "Only the business manager can put a referral on hold. Nothing was changed."
    await h.slash("U0POL", f"return {ref}")
    assert h.said_to("U0POL") == "Only the business manager can return a referral. Nothing was changed."
    assert len(h.fake.views) == views
    await h.slash("U0POL", "setup", channel="C0ELSEWHERE")
    assert h.said_to("U0POL") == "Only the business manager can set channels. Nothing was changed."
    assert await h.panel.list_channels() == [("panel", "slack", PANEL_CHANNEL)]
    assert h.card(ref).updates == 0 and "with the panel" not in h.card(ref).shown


async def test_people_not_on_the_panel_are_told_how_to_join(slack) -> None:
    h = await dudley(slack)
    await h.slash("U0STRANGER", "status")
    assert h.said_to("U0STRANGER") == (
        "You are not on this partnership's panel, so Panelbot cannot show you its referrals or act for you. Ask the "
        "business manager to add you with panelbot member add NAME --role ROLE --id slack:U0STRANGER."
    )
    await h.slash("U0STRANGER", "help")
    assert h.said_to("U0STRANGER").startswith("Panelbot commands")


async def test_help_lists_the_commands_with_examples_and_bad_arguments_get_a_usage_line(slack) -> None:
    h = await dudley(slack)
    await h.slash("U0LA", "")
    shown = h.said_to("U0LA")
    assert "/panel new: BM: file a referral (a form, or a few questions). For example /panel new" in shown
    assert (
        "/panel vote REF OUTCOME [REASON]: vote (again to change your vote). "
        "For example /panel vote DUD-2026-001 commence"  # Dudley's references, not Salford's
    ) in shown
    assert "/panel hold REF [until DATE] [REASON]" in shown and "/panel setup" in shown
    await h.slash("U0LA", "vote")
    assert h.said_to("U0LA") == (
        "Usage: /panel vote REF OUTCOME [REASON] (for example /panel vote DUD-2026-001 commence)."
    )
    await h.slash("U0BM", "hold DUD-2026-001 until someday")
    assert h.said_to("U0BM") == '"someday" is not a date; write it like 2026-12-25 or 25/12/2026.'
    await h.slash("U0LA", "frobnicate")
    assert h.said_to("U0LA") == '"frobnicate" is not a command. Type /panel help to see the commands.'


async def test_status_overdue_show_and_members(slack, clock) -> None:
    # Dudley's child referral is decided at the rapid review meeting; a vote on it is a view, shown as advice.
    h = await dudley(slack)
    ref = await file_referral(h)
    await h.slash("U0LA", "status")
    assert h.said_to("U0LA").startswith(
        f"{ref} · Young Person C (Serious incident: child safeguarding practice review referral): with the panel; "
        "waiting for the rapid review meeting."
    )
    await h.slash("U0LA", f"show {ref}")
    shown = h.fake.private[-1]
    assert shown.shown.startswith(f"{ref} · Young Person C")
    assert [b["label"] for b in shown.buttons][-1] == "Recuse"  # the card, with its buttons, privately
    await h.press("U0LA", shown, "Undertake a child safeguarding practice review")
    await h.submit("U0LA", h.modal(), {"reason": ""})
    assert ("Views so far: Undertake a child safeguarding practice review 1. These votes are advice for the rapid "
            "review meeting, which decides; they close nothing.") in h.card(ref).shown
    clock.advance(days=10)
    await h.slash("U0BM", "overdue")
    assert "Overdue since" in h.said_to("U0BM") and ref in h.said_to("U0BM")
    await h.slash("U0BM", "members")
    assert h.said_to("U0BM").startswith("Bea: Business Manager (does not vote) Lou: Local authority (votes)")


async def test_the_business_manager_decides_at_once_with_a_reason_form(slack) -> None:
    # Salford 7.5: an obvious rapid review is decided at once by the BM.
    h = await salford(slack)
    ref = await file_referral(h)
    await h.slash("U0BM", f"decide {ref} commence_rapid_review")
    modal = h.modal()
    assert modal["callback_id"] == "panel_reason"
    assert "SAL-2026-001: decide Commence rapid review." in seen(flat_blocks(modal["blocks"]))
    await h.submit("U0BM", modal, {"reason": "Death of a child known to services: it's obvious"})
    assert h.said_to("U0BM") == f"{ref} is decided: Commence rapid review. The panel has been told."
    card = h.card(ref)
    assert card.buttons == []
    assert (
        "Decided by the Business Manager (Bea). Reason: Death of a child known to services: it's obvious" in card.shown
    )
    assert len(h.fake.thread(PANEL_CHANNEL, card.ts)) == 1


async def test_return_close_and_hold(slack) -> None:
    h = await salford(slack)
    first = await file_referral(h)
    await h.slash("U0BM", f"return {first}")
    modal = h.modal()
    assert [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"] == ["What is missing"]
    await h.submit("U0BM", modal, {"reason": "No chronology attached"})
    stopped = "Stopped until it is resubmitted: Agency summary and chronology requests sent."
    assert h.said_to("U0BM") == f"{first} is returned as incomplete. {stopped}"
    assert "Returned as incomplete. Missing: No chronology attached" in h.card(first).shown
    assert stopped in h.card(first).shown

    second = await file_referral(h, letter="D")
    await h.slash("U0BM", f"close {second}")
    assert h.said_to("U0BM").startswith(
        f"{second} has no quorum yet (2 more votes needed), so voting cannot be closed."
    )
    await vote(h, "U0ADV", second, "Commence rapid review")
    await vote(h, "U0CHAIR", second, "Commence rapid review")
    await h.slash("U0BM", f"close {second}")
    assert h.said_to("U0BM") == f"Voting on {second} is closed: decided: Commence rapid review."
    assert h.card(second).buttons == []

    third = await file_referral(h, letter="E")
    await h.slash("U0BM", f"hold {third} until 2026-12-20 awaiting police disclosure")
    assert h.said_to("U0BM") == f"{third} is on hold until Sun 20 Dec 2026."
    card = h.card(third)
    assert "On hold until Sun 20 Dec 2026" in card.shown and card.buttons == []


async def test_setup_makes_this_channel_the_panel_channel(slack) -> None:
    h = await slack("dudley")
    await h.member("Bea", "business_manager", "U0BM")
    await h.slash("U0BM", "setup", channel="C0NOTIN")  # the bot has not been invited yet
    assert h.said_to("U0BM") == ("Done: Panelbot will post the panel's referral cards in this channel. I cannot post "
                                 "here yet: invite me to this channel (/invite @Panelbot).")
    await h.slash("U0BM", "setup", channel="C0PANEL2")
    assert await h.panel.list_channels() == [("panel", "slack", "C0PANEL2")]
    assert h.fake.in_channel("C0PANEL2")[0].shown.startswith("This is now the Dudley")
    await h.slash("U0BM", "setup agency:police", channel="C0POLICE")
    assert h.said_to("U0BM") == "Done: Panelbot will post messages for police in this channel."


async def test_filing_before_setup_says_where_cards_will_go(slack) -> None:
    h = await slack("dudley")
    await h.member("Bea", "business_manager", "U0BM")
    await file_referral(h)
    assert h.said_to("U0BM").startswith(
        "Filed DUD-2026-001. No Slack channel is set for the panel yet: run /panel setup"
    )


async def test_app_home_shows_the_business_manager_open_referrals_and_overdue_items(slack, clock) -> None:
    h = await dudley(slack)
    ref = await file_referral(h)
    clock.advance(days=10)
    await h.event({"type": "app_home_opened", "user": "U0BM", "tab": "home", "channel": "D0BM"})
    home = h.fake.homes["U0BM"]
    assert home["type"] == "home"
    text = seen(flat_blocks(home["blocks"]))
    assert "You are Bea, Business Manager." in text
    assert f"Open referrals {ref} · Young Person C" in text and "waiting for the rapid review meeting" in text
    assert "Overdue Overdue since" in text
    await h.press_home("U0BM", "File a referral")
    assert h.modal()["callback_id"] == "panel_form"
    await h.submit("U0BM", h.modal(), {"referral_type": "cspr", "referrer": "police", "category": "adult",
                                       "letter": "B",
                                       "summary": "Found at home"})
    assert h.said_to("U0BM") == "Filed DUD-2026-002 and posted it to the panel."  # by direct message

    await h.event({"type": "app_home_opened", "user": "U0LA", "tab": "home", "channel": "D0LA"})
    assert not [b for b in h.fake.homes["U0LA"]["blocks"] if b["type"] == "actions"]  # no filing for members
    await h.event({"type": "app_home_opened", "user": "U0STRANGER", "tab": "home", "channel": "D0X"})
    assert "not on this partnership's panel" in json.dumps(h.fake.homes["U0STRANGER"])


async def test_a_possible_name_is_confirmed_once_on_the_form_and_the_referrer_other_needs_a_name(slack) -> None:
    """Issue 18: a summary that may name a person is not silently accepted: the same form comes back, filled
    in as it was, asking once whether it names anyone; ticked, it is filed as written. "Another agency" with
    no name typed is refused beside its own box."""
    h = await salford(slack)
    await h.slash("U0BM", "new")
    answers = {"referral_type": "rapid_review", "referrer": "other_agency", "category": "adult", "letter": "D",
               "summary": "Seen by the Mary Seacole outreach team after a fall at home"}
    await h.submit("U0BM", h.modal(), {**answers, "referrer_other": ""}, client_checks=False)
    errors = json.loads(h.last_response)["errors"]  # every error at once, each beside its own box
    assert errors["referrer_other"] == "Please say which agency or service made the referral."
    assert errors["summary"].startswith("The summary looks like it names a person")
    assert "Seacole" not in errors["summary"]
    await h.submit("U0BM", h.modal(), {**answers, "referrer_other": "Fire service"})
    asked = h.modal()
    assert asked["blocks"][-1]["block_id"] == "names_confirmed"
    shown = " ".join(b.get("text", {}).get("text", "") for b in asked["blocks"] if b["type"] == "section")
    assert "The summary looks like it names a person" in shown and "Seacole" not in shown
    kept = {b["block_id"]: b["element"] for b in asked["blocks"] if b["type"] == "input"}
    assert kept["summary"]["initial_value"] == answers["summary"]  # nothing typed is lost
    assert kept["referrer"]["initial_option"]["value"] == "other_agency"
    async with h.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Referral))).scalar_one() == 0
    await h.submit("U0BM", asked, {**answers, "referrer_other": "Fire service"})  # not ticked: asked again
    assert json.loads(h.last_response)["errors"]["names_confirmed"].startswith("If it names no one")
    await h.submit("U0BM", asked, {**answers, "referrer_other": "Fire service", "names_confirmed": ["yes"]})
    assert h.said_to("U0BM") == "Filed SAL-2026-001 and posted it to the panel."
    assert "Referred by Fire service" in h.card("SAL-2026-001").shown


async def test_typed_text_cannot_ping_channels_or_mention_people(slack) -> None:
    h = await voting_dudley(slack)  # three different votes escalate to the chair, whose message carries a reason
    ref = await file_referral(h, referrer="<!channel> <!here|here> @here @channel <@U0LA> <#C0PANEL>")
    await vote(h, "U0LA", ref, "No review required", "<!everyone> agreed with <@U0POL> and <!subteam^S1>")
    await vote(h, "U0POL", ref, "Undertake a child safeguarding practice review")
    await vote(h, "U0HEA", ref, "No CSPR")
    everything = [m for m in h.fake.messages + h.fake.private]
    assert everything
    for message in everything:
        raw = message.raw + "\n" + message.text
        assert "<!" not in raw and "<@" not in raw and "<#" not in raw, raw
        assert "@here" not in raw and "@channel" not in raw and "@everyone" not in raw, raw
    card = h.card(ref)
    assert "Referred by <!channel> <!here|here> @here @channel <@U0LA> <#C0PANEL>" in card.shown  # shown as typed
    assert "&lt;!channel&gt;" in card.raw
    chair = h.fake.dms("U0CHAIR")[0]
    assert "Reason: <!everyone> agreed with <@U0POL> and <!subteam^S1>" in chair.shown


async def test_long_text_is_cut_to_fit_block_kit(slack) -> None:
    h = await voting_dudley(slack)  # three different votes escalate to the chair, whose message carries them
    ref = await file_referral(h)
    long_reason = "Because " + "the chronology shows repeated missed appointments and " * 60
    await vote(h, "U0LA", ref, "No review required", long_reason[:2990])
    await vote(h, "U0POL", ref, "Undertake", "x " * 1400)
    await vote(h, "U0HEA", ref, "No CSPR", "y " * 1400)
    for message in h.fake.messages:
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
        assert len(message.blocks) <= 50
    assert any(m.raw.endswith("…") or "…" in m.raw for m in h.fake.dms("U0CHAIR"))
