"""The panel in Microsoft Teams, end to end: activities posted to `/api/messages` of the bot's own aiohttp
server (the real Agents SDK host), a fake Bot Connector on 127.0.0.1 whose address every activity carries as
`serviceUrl`, and the real Panel and outbox. Each test checks what people see: the card in the panel
channel (posted, then replaced in place), the thread reply under it, the messages that reach people
proactively, and what the person who pressed a button is shown.

Presets: Dudley (role quorum: one vote each from local authority, police and health; the Independent Chair
breaks ties) and Salford 7.5 (count quorum of 2 among four voting roles; the Independent Adviser decides a
tie). The shipped Dudley has a child's referral decided at the rapid review meeting, the votes before it being
advice; the tests of votes that decide or escalate use a partnership whose panel decides by vote, Dudley's
preset without its `[[stages]]` entry (tests/stage_presets.py, `voting_dudley`).
"""

from __future__ import annotations

from sqlalchemy import func, select
from stage_presets import dudley_panel_votes
from teams_fake import PANEL, Harness, Posted, person, reference_in, response_buttons, response_text

from flows.preset import Preset
from storage.models import ConversationState, Vote

SUMMARY = "Unexplained injuries reported by the school nurse"

BEA = person("Bea")  # business manager
LOU = person("Lou")  # local authority / independent adviser
PAT = person("Pat")  # police / chair
HAL = person("Hal")  # health / deputy chair
IVY = person("Ivy")  # the tie-break role
POPPY = person("Poppy")  # a second police member
MAL = person("Mallory")  # not on the panel


async def file_referral(h: Harness, **answers: str) -> str:
    """The business manager types `new`, fills in the form and presses File referral."""
    form = (await h.say(BEA, "new"))[0]
    ids = [i["id"] for i in form.inputs]
    assert ids[:8] == [
        "referral_type", "referrer", "referrer_other", "aware_on", "category", "letter", "summary", "themes"]
    # Issue 23, after the basics: what the preset adds (Dudley: who authorised it, the notifications made).
    assert ids[8:] == ["authorised_by", "looked_after", "notified", "notified_on"]
    values = {"referral_type": h.panel.preset.referral_types[0].id, "referrer": "Children's Social Care",
              "category": "young_person", "letter": "C", "summary": SUMMARY, **answers}
    # The referrer is chosen from the preset's agencies; one it does not list is "another", typed.
    agencies = {a.label: a.id for a in h.panel.preset.agencies}
    if values["referrer"] in agencies:
        values["referrer"] = agencies[values["referrer"]]
    elif values["referrer"] not in agencies.values():
        values["referrer"], values["referrer_other"] = "other_agency", values["referrer"]
    response = await h.press(BEA, form, "File referral", values)
    told = response_text(response)
    assert told.startswith("Filed "), told
    return reference_in(told)


async def dudley(teams, preset: str | Preset = "dudley") -> Harness:  # type: ignore[no-untyped-def]
    """Dudley's members on Teams; the shipped Dudley unless `preset` says otherwise."""
    h = await teams(preset)
    await h.member("Bea", "business_manager", BEA)
    await h.member("Lou", "local_authority", LOU)
    await h.member("Pat", "police", PAT)
    await h.member("Hal", "health", HAL)
    await h.member("Ivy", "independent_chair", IVY)
    h.fake.join(PANEL, BEA, LOU, PAT, HAL, IVY)
    answer = (await h.say(BEA, "setup"))[0]
    assert "This is now the Dudley Safeguarding People Partnership panel channel" in answer.shown
    return h


async def voting_dudley(teams) -> Harness:  # type: ignore[no-untyped-def]
    """Dudley's members on the panel whose vote decides (tests/stage_presets.py)."""
    return await dudley(teams, dudley_panel_votes())


async def salford(teams) -> Harness:  # type: ignore[no-untyped-def]
    h = await teams("salford")
    await h.member("Lou", "independent_adviser", LOU)
    await h.member("Pat", "chair", PAT)
    await h.member("Hal", "deputy_chair", HAL)
    await h.member("Bea", "business_manager", BEA)
    h.fake.join(PANEL, BEA, LOU, PAT, HAL)
    await h.say(BEA, "setup")
    return h


async def test_filed_through_the_card_three_votes_decide_and_the_card_is_updated_in_place(teams, connector) -> None:
    # Quorum is one vote from each statutory partner; all three agreeing decides at once.
    h = await voting_dudley(teams)
    ref = await file_referral(h)
    assert ref == "DUD-2026-001"
    card = h.card(ref)
    titles = [b["title"] for b in card.buttons]
    assert titles[0] == "Undertake a child safeguarding practice review" and titles[-1] == "Recuse"
    assert len(titles) == len(h.panel.preset.outcomes_for("cspr")) + 1  # a child's referral: CSPR outcomes only
    assert all(b["type"] == "Action.Execute" for b in card.buttons)
    assert card.inputs[0]["id"] == "reason" and "required for: No review required" in card.inputs[0]["label"]
    assert "DUD-2026-001 · Young Person C · Serious incident" in card.shown
    assert "Panel decision due Thu 10 Dec 2026, 17:00" in card.shown
    assert "0 of 3 statutory partners have voted. Still needed: Local authority, Police, Health (ICB)." in card.shown
    assert SUMMARY not in card.shown

    # The local authority votes: its own copy comes back refreshed; everyone's copy is replaced in place.
    response = await h.press(LOU, card, "Undertake a child safeguarding practice review")
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    told = response_text(response)
    assert told.startswith(f"Your vote on {ref} is recorded: Undertake a child safeguarding practice review.")
    assert "1 of 3 statutory partners have voted. Still needed: Police, Health (ICB)." in told
    card = h.card(ref)
    assert card.updates == 1
    assert "Local authority (Lou): Undertake a child safeguarding practice review" in card.shown
    assert "Still needed: Police, Health (ICB)." in card.shown
    assert len(connector.calls("PUT", f"/activities/{card.id}")) == 1

    await h.press(PAT, card, "Undertake a child safeguarding practice review")
    assert "2 of 3 statutory partners have voted. Still needed: Health (ICB)." in h.card(ref).shown
    response = await h.press(HAL, h.card(ref), "Undertake a child safeguarding practice review",
                             {"reason": "Agree with partners"})
    told = response_text(response)
    assert "Voting has now closed (decided: Undertake a child safeguarding practice review)" in told
    assert response_buttons(response) == []  # the voter's copy has no buttons left either

    card = h.card(ref)
    assert card.buttons == [] and card.inputs == []
    assert "Decided: Undertake a child safeguarding practice review" in card.shown
    assert "Decided by the panel, by majority." in card.shown
    assert "Police (Pat): Undertake a child safeguarding practice review" in card.shown
    # One card in the channel (after the set-up answer and the form, which are thread replies), and the
    # decision in its thread.
    assert [m.id for m in connector.in_conversation(PANEL)] == [card.id]
    thread = connector.thread(PANEL, card.id)
    assert len(thread) == 1
    assert f"{ref} · Young Person C: Decided: Undertake a child safeguarding practice review" in thread[0].shown
    assert SUMMARY not in thread[0].shown
    async with h.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Vote))).scalar_one() == 3


async def test_a_repeated_invoke_counts_once(teams, connector) -> None:
    h = await dudley(teams)
    ref = await file_referral(h)
    activity = h.invoke_activity(LOU, h.card(ref), "No review required", {"reason": "Threshold not met"})
    assert (await h.post(activity))[0] == 200
    status, body = await h.post(activity)  # the Bot Connector delivers the same press again
    assert status == 200
    assert response_text(body).startswith("That vote was already recorded; nothing has changed.")
    async with h.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Vote))).scalar_one() == 1


async def test_a_reason_the_procedure_requires_is_asked_for_and_nothing_is_recorded(teams) -> None:
    h = await dudley(teams)
    ref = await file_referral(h)
    response = await h.press(PAT, h.card(ref), "No review required")
    told = response_text(response)
    assert told.startswith('Please give a reason for "No review required"; the procedure asks for one.')
    assert "Your vote was not recorded." in told
    assert ("No views yet. These votes are advice for the rapid review meeting, which decides; they close nothing."
            in h.card(ref).shown)  # Dudley's child referral: the meeting decides


async def test_a_tie_goes_to_the_tie_break_role_in_a_new_1_to_1_chat(teams, connector) -> None:
    # Dudley with two police members: 2-2 is a tie, and the Independent Chair decides, with a reason.
    h = await voting_dudley(teams)
    await h.member("Poppy", "police", POPPY)
    h.fake.join(PANEL, POPPY)
    ref = await file_referral(h)
    await h.press(LOU, h.card(ref), "Undertake a child safeguarding practice review", {"reason": "Clear concerns"})
    await h.press(PAT, h.card(ref), "No review required", {"reason": "Single agency matter"})
    await h.press(HAL, h.card(ref), "Undertake a child safeguarding practice review")
    response = await h.press(POPPY, h.card(ref), "No review required", {"reason": "Agree with Pat"})
    assert "Voting has now closed (escalated to the Independent Chair)" in response_text(response)

    card = h.card(ref)
    assert card.buttons == []
    assert "Escalated to the Independent Chair: the panel is tied" in card.shown
    # Ivy has never written to the bot: she is looked up in the panel channel by her Entra object id, a 1:1
    # chat is created, and the escalation is posted there.
    assert len(connector.calls("GET", f"/v3/conversations/{PANEL}/members/{IVY.aad}")) == 1
    assert len(connector.created) == 1
    assert connector.created[0]["members"] == [{"id": IVY.teams_id}]
    assert connector.created[0]["tenantId"] and connector.created[0]["isGroup"] is False
    chat = connector.in_conversation("a:1personal-chat-1")
    assert len(chat) == 1
    escalation = chat[0]
    assert f"{ref} · Young Person C: the panel is tied" in escalation.shown
    assert "As Independent Chair you decide, with a reason" in escalation.shown
    assert "Local authority (Lou): Undertake a child safeguarding practice review. Reason: Clear concerns" \
        in escalation.shown
    assert escalation.inputs[0]["isRequired"] is True
    titles = [b["title"] for b in escalation.buttons]
    assert titles[0] == "Undertake a child safeguarding practice review…" and "No review required…" in titles

    # Another member pressing the chair's button is refused by the core; the chair decides.
    response = await h.press(PAT, escalation, "No review required", {"reason": "Mine"})
    assert response_text(response) == (
        "Only the Independent Chair can decide an escalated referral. Nothing was changed."
    )
    response = await h.press(IVY, escalation, "Undertake a child safeguarding practice review",
                             {"reason": "The learning is multi-agency"})
    assert response_text(response) == f"{ref} is decided: Undertake a child safeguarding practice review."
    card = h.card(ref)
    assert "Decided: Undertake a child safeguarding practice review" in card.shown
    assert "Decided by the Independent Chair (Ivy). Reason: The learning is multi-agency" in card.shown

    # References live in the database, not in memory: the next message to Ivy reuses the same chat.
    async with h.panel.uow() as uow:
        flows = list((await uow.session.execute(select(ConversationState.flow))).scalars())
    assert "conversation_reference" in flows and "teams_person" in flows
    ref2 = await file_referral(h, letter="D")
    await h.say(BEA, f"escalate {ref2}")
    assert len(connector.created) == 1
    assert len(connector.in_conversation("a:1personal-chat-1")) == 2


async def test_someone_not_on_the_panel_is_refused_and_nothing_changes(teams, connector) -> None:
    h = await dudley(teams)
    ref = await file_referral(h)
    card = h.card(ref)
    response = await h.press(MAL, card, "Undertake a child safeguarding practice review")
    assert response_text(response).startswith(
        "You are not on this partnership's panel, so your vote was not counted. Ask the business manager to add you."
    )
    assert h.card(ref).updates == 0 and not connector.calls("PUT")
    async with h.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Vote))).scalar_one() == 0

    answers = await h.say(MAL, f"status {ref}")
    assert len(answers) == 1
    assert "You are not on this partnership's panel" in answers[0].shown
    assert f"teams:{MAL.aad}" in answers[0].shown
    assert ref not in answers[0].shown
    answers = await h.say(MAL, "new")
    assert "You are not on this partnership's panel" in answers[0].shown and not answers[0].inputs

    # A member who is not the business manager cannot file or close.
    assert "Only the business manager can file a referral. Nothing was changed." in (await h.say(PAT, "new"))[0].shown
    assert "Only the business manager can close a vote." in (await h.say(PAT, f"close {ref}"))[0].shown


async def test_the_intake_form_refuses_identifying_details_and_keeps_what_was_typed(teams) -> None:
    h = await dudley(teams)
    form = (await h.say(BEA, "new"))[0]
    typed = {"referral_type": "cspr", "referrer": "police", "category": "young_person", "letter": "C",
             "summary": "Born 12/03/2014, found injured", "aware_on": "2030-01-01"}
    response = await h.press(BEA, form, "File referral", typed)
    # The form comes back as it was filled in, each error under its own field: nothing typed is lost.
    assert response["type"] == "application/vnd.microsoft.card.adaptive"
    shown = response_text(response)
    assert "looks like it contains a date of birth, which is not repeated here" in shown
    assert "The date the partnership became aware cannot be in the future." in shown
    assert "12/03/2014" not in shown
    again = Posted(form.conversation, form.id, {"attachments": [{"content": response["value"]}]}, form.thread)
    kept = {i["id"]: i.get("value") for i in again.inputs}
    assert kept["referrer"] == "police" and kept["letter"] == "C" and kept["aware_on"] == "2030-01-01"
    assert h.fake.in_conversation(PANEL) == []
    assert await h.panel.status() == []

    # A possible name: the form asks once whether it names anyone; confirmed, it is filed as written.
    typed = {**typed, "aware_on": "", "summary": "Seen by the Mary Seacole outreach team after a fall"}
    response = await h.press(BEA, again, "File referral", typed)
    assert "The summary looks like it names a person" in response_text(response)
    asked = Posted(form.conversation, form.id, {"attachments": [{"content": response["value"]}]}, form.thread)
    assert [i["id"] for i in asked.inputs][-1] == "names_confirmed"
    response = await h.press(BEA, asked, "File referral", {**typed, "names_confirmed": "true"})
    assert response_text(response).startswith("Filed DUD-2026-001"), response_text(response)
    assert "Referred by West Midlands Police" in h.card("DUD-2026-001").shown


async def test_typed_commands_answer_in_the_thread(teams) -> None:
    h = await dudley(teams)
    ref = await file_referral(h)
    answer = (await h.say(BEA, "status"))[0]
    assert f"{ref} · Young Person C (Serious incident: child safeguarding practice review referral): with the panel" \
        in answer.shown
    help_text = (await h.say(PAT, "help"))[0].shown
    assert "@Panelbot status" in help_text and "setup" in help_text and "new: BM: file a referral" in help_text
    members = (await h.say(PAT, "members", where="personal"))[0].shown
    assert "Lou: Local authority (votes)" in members
    # decide REF OUTCOME without a reason: a card asks for it.
    prompt = (await h.say(BEA, f"decide {ref} cspr"))[0]
    assert prompt.inputs[0]["isRequired"] is True
    response = await h.press(BEA, prompt, "Decide", {"reason": "Obviously a review"})
    assert response_text(response) == (  # Dudley: the rapid review meeting decides a child's referral
        f"{ref} is decided at the rapid review meeting, not by the business manager at once: record the meeting's "
        f"decision with meeting held {ref} ROLE... outcome OUTCOME. Nothing was changed.")  # as Teams shows it
    assert "Only the business manager can set channels." in (await h.say(PAT, "setup"))[0].shown
    # return REF: a card asks what is missing, and the reason reaches the command exactly as typed.
    prompt = (await h.say(BEA, f"return {ref}"))[0]
    assert "goes back to the referrer as incomplete" in prompt.shown
    missing = "The school's \"chronology\" isn't attached"
    response = await h.press(BEA, prompt, "Return as incomplete", {"reason": missing})
    assert response_text(response) == f"{ref} is returned as incomplete."
    card = h.card(ref)
    assert card.buttons == []
    assert "Returned as incomplete. Missing: The school's \"chronology\" isn't attached" in card.shown


async def test_a_reports_charts_are_shown_as_images(teams, connector) -> None:
    import base64

    h = await dudley(teams)
    await file_referral(h)
    answers = await h.say(BEA, "report")
    assert len(answers) == 3  # the report, then each chart in a message of its own (Teams limits a message's size)
    assert "report for 2026/27 to date" in answers[0].shown
    images = [a for m in answers[1:] for a in m.activity["attachments"]]
    assert [a["contentType"] for a in images] == ["image/png", "image/png"]
    assert all(base64.b64decode(a["contentUrl"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for a in images)
