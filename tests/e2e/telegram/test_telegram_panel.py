"""End to end on Telegram: the panel scenario the Slack tests cover, seen as the people in the chats see it.

The real python-telegram-bot Application runs against the fake Bot API server; updates arrive by webhook
(Dudley) and by long polling (Salford). Dudley's quorum is one vote from each statutory partner; Salford's
is any two of its four voters, with the Independent Adviser breaking a tie (Salford 7.5). The Dudley scenario,
whose votes decide, runs on a partnership whose panel decides by vote: Dudley's preset without its `[[stages]]`
entry (tests/stage_presets.py), since the shipped Dudley has a child's referral decided at the rapid review
meeting, the votes before it being advice.
"""

from __future__ import annotations

from stage_presets import dudley_panel_votes
from telegram_harness import BEA, CY, HAL, LEE, MALLORY, PAT, POPPY

from flows.referrals import ReferralDraft

GROUP = -1001234567890

DUDLEY = {
    "Bea": ("business_manager", BEA),
    "Lee": ("local_authority", LEE),
    "Pat": ("police", PAT),
    "Poppy": ("police", POPPY),
    "Hal": ("health", HAL),
    "Cy": ("independent_chair", CY),
}
SALFORD = {
    "Bea": ("business_manager", BEA),
    "Cy": ("independent_adviser", CY),
    "Lee": ("chair", LEE),
    "Pat": ("deputy_chair", PAT),
}


async def file_by_telegram(tg, chat: dict, *, group: bool = False) -> str:
    """The business manager files a referral with the guided /new; returns the reference."""
    api = tg.api
    intro, question = await tg.say(chat, BEA, "/new", expect=2)
    assert "New referral" in intro["text"] and "no field for a name" in intro["text"]
    assert "Referral type?" in question["text"]
    await tg.press(question, BEA, api.buttons(question)[0])
    asked = await api.wait_for(lambda: api.said(chat["id"], "Where did the referral come from?")
                               or api.said(chat["id"], "Which agency"))
    if "Where did" in asked["text"]:  # a preset that lists where referrals come from (Salford 7.3): an agency
        await tg.press(asked, BEA, api.buttons(asked)[0])
    (question,) = await api.wait_for(lambda: [m for m in api.bot_messages(chat["id"]) if "Which agency" in m["text"]])
    # The referrer is one of the partnership's agencies, or another one named in words.
    assert api.buttons(question)[-1] == "Another agency or service (say which)"
    await tg.press(question, BEA, "Children's Social Care")
    question = await api.wait_for(lambda: api.said(chat["id"], "become aware"))
    await tg.press(question, BEA, "Today")
    question = await api.wait_for(lambda: api.said(chat["id"], "Subject category?"))
    await tg.press(question, BEA, "Young Person (2 to 17)")
    question = await api.wait_for(lambda: api.said(chat["id"], "Subject letter"))
    if group:  # in a group the bot only sees replies (privacy mode): the question asks for one
        assert question["_force_reply"] and "Bea" in question["text"]
    (question,) = await tg.say(chat, BEA, "c", reply_to=question)
    assert "Summary of the referral" in question["text"]
    # One bad answer is refused and asked again; nothing typed so far is lost.
    (refusal,) = await tg.say(chat, BEA, "Born 12/03/2014, injuries seen at school", reply_to=question)
    assert "looks like it contains a date of birth, which is not repeated" in refusal["text"]
    assert "12/03/2014" not in refusal["text"]
    assert "Please answer again" in refusal["text"]
    (question,) = await tg.say(chat, BEA, "Injuries seen at school; <b>not</b> explained & unclear", reply_to=question)
    assert "Themes?" in question["text"]
    (refusal,) = await tg.say(chat, BEA, "neglect, bogus", reply_to=question)
    assert '"bogus" is not one of' in refusal["text"]
    (review,) = await tg.say(chat, BEA, "neglect", reply_to=question)
    # Issue 23: what the preset asks after the basics (where it came from is asked before the agency, below),
    # each left blank with its own button.
    while "Please check the referral" not in review["text"]:
        blank = next(b for b in api.buttons(review) if b in ("Skip", "No", "None", "Today"))
        before = len(api.bot_messages(chat["id"]))
        await tg.press(review, BEA, blank)
        review = (await api.wait_for(lambda n=before: api.bot_messages(chat["id"])[n:]))[-1]
    assert "Please check the referral" in review["text"]
    assert "Subject: Young Person C" in review["text"] and "Themes: neglect" in review["text"]
    assert "Summary: Injuries seen at school; <b>not</b> explained & unclear" in review["text"]  # shown as typed
    assert api.buttons(review) == ["File referral", "Cancel"]
    await tg.press(review, BEA, "File referral")
    filed = await api.wait_for(lambda: api.said(chat["id"], "and posted it to the panel"))
    assert len([m for m in api.bot_messages(chat["id"]) if "and posted it to the panel" in m["text"]]) == 1
    assert api.buttons(review) == []  # the review's buttons are gone
    return filed["text"].split("Filed ", 1)[1].split(" ", 1)[0]


async def test_dudley_by_webhook_file_vote_with_reason_role_quorum_close(telegram):
    tg = await telegram(dudley_panel_votes(), mode="webhook", members=DUDLEY)
    api = tg.api
    group = api.group(GROUP, "Dudley virtual panel")
    bea = api.private(BEA)

    (reply,) = await tg.say(group, BEA, "/setup@panelbot_test_bot")
    assert reply["text"] == f"This chat (telegram:{GROUP}) is now the panel group: referral cards are posted here."

    reference = await file_by_telegram(tg, bea)
    assert reference == "DUD-2026-001"

    # The card in the panel group: reference, anonymised subject, type, deadline in UK time, tally.
    card = await api.wait_for(lambda: api.said(GROUP, reference))
    text = card["text"]
    assert text.startswith("DUD-2026-001 · Young Person C · Serious incident: child safeguarding practice review")
    assert "Referred by Children's Social Care" in text
    assert "Panel decision due" in text
    assert "0 of 3 statutory partners have voted. Still needed: Local authority, Police, Health (ICB)." in text
    assert "Injuries" not in text  # the summary stays out of the channel
    assert api.buttons(card) == [  # a child's referral: the CSPR pathway's outcomes only, never the SAR's
        "Undertake a child safeguarding practice review",
        "No CSPR: alternative learning review or audit (for example a table top review)",
        "No review required…",
        "Recuse",
    ]

    # Vote with a reason: the press asks for it with a ForceReply tied to that vote.
    toast = await tg.press(card, PAT, "No review required…")
    assert toast == {"text": "Please give your reason: reply to the bot's message.", "alert": False}
    prompt = await api.wait_for(lambda: api.said(GROUP, "asks for a reason for No review required"))
    assert prompt["_force_reply"] and prompt["text"].startswith("Pat, ")
    assert '<a href="tg://user?id=1003">Pat</a>' in prompt["_html"]  # only Pat's app asks for the reply
    assert "Police (Pat): –" in tg.card(GROUP, reference)["text"]  # nothing recorded yet
    (receipt,) = await tg.say(group, PAT, "Single-agency learning is enough here", reply_to=prompt)
    assert receipt["text"] == "Your vote on DUD-2026-001 is recorded: No review required."
    await api.wait_for(lambda: "Police (Pat): No review required" in tg.card(GROUP, reference)["text"])
    assert "Still needed: Local authority, Health (ICB)." in tg.card(GROUP, reference)["text"]

    # Someone not on the panel: refused privately (an alert), nothing changes.
    card_before = tg.card(GROUP, reference)["text"]
    alert = await tg.press(tg.card(GROUP, reference), MALLORY, "Undertake a child safeguarding practice review")
    assert alert["alert"] is True
    assert alert["text"].startswith("You are not on this partnership's panel, so your vote was not counted.")
    assert tg.card(GROUP, reference)["text"] == card_before

    alternative = "No CSPR: alternative learning review or audit (for example a table top review)"
    toast = await tg.press(tg.card(GROUP, reference), LEE, alternative)
    assert toast["text"] == f"Your vote on DUD-2026-001 is recorded: {alternative}."
    await api.wait_for(lambda: "Still needed: Health (ICB)." in tg.card(GROUP, reference)["text"])

    # Changing a vote; then Telegram delivering that same press again (same callback id) changes nothing.
    update = api.press(tg.card(GROUP, reference), LEE, "Undertake a child safeguarding practice review")
    await tg.send(update)
    await api.wait_for(lambda: update["callback_query"]["id"] in api.answers)
    assert api.answers[update["callback_query"]["id"]]["text"] == (
        "Your vote on DUD-2026-001 is changed to Undertake a child safeguarding practice review."
    )
    await api.wait_for(lambda: "Local authority (Lee): Undertake" in tg.card(GROUP, reference)["text"])
    card_before = tg.card(GROUP, reference)["text"]
    await tg.send(update)
    await api.wait_for(lambda: api.refused_answers)  # Telegram refuses a second answer to one press
    assert api.refused_answers == [
        {"id": update["callback_query"]["id"], "text": "That vote was already recorded; nothing has changed."}
    ]
    assert tg.card(GROUP, reference)["text"] == card_before

    # Poppy keeps a copy of the card in her private chat (its buttons work there too, until voting closes).
    poppy = api.private(POPPY)
    (own_copy,) = await tg.say(poppy, POPPY, f"/show {reference}")
    assert own_copy["text"].startswith("DUD-2026-001 · Young Person C") and api.buttons(own_copy)

    # Health votes: every statutory partner has voted, quorum is met; Poppy (police) may still vote.
    await tg.press(tg.card(GROUP, reference), HAL, "Undertake a child safeguarding practice review")
    await api.wait_for(lambda: "quorum met" in tg.card(GROUP, reference)["text"])
    card = tg.card(GROUP, reference)
    assert "All 3 statutory partners have voted: quorum met." in card["text"]
    assert "Leading: Undertake a child safeguarding practice review 2–1." in card["text"]
    assert "Recuse" in api.buttons(card)

    # Only the BM closes: a member is refused and nothing changes; then the BM closes it.
    (refusal,) = await tg.say(group, LEE, f"/close {reference}")
    assert refusal["text"] == "Only the business manager can close a vote. Nothing was changed."
    (done,) = await tg.say(group, BEA, f"/close {reference}")
    assert done["text"] == (
        "Voting on DUD-2026-001 is closed: decided: Undertake a child safeguarding practice review."
    )

    # The card is edited in place: decided, and the keyboard is gone. The decision is posted too.
    await api.wait_for(lambda: "Decided: Undertake" in tg.card(GROUP, reference)["text"])
    card = tg.card(GROUP, reference)
    assert api.buttons(card) == []
    assert len([m for m in api.bot_messages(GROUP) if m["text"].startswith("DUD-2026-001 · ")]) == 1
    decision = await api.wait_for(lambda: api.said(GROUP, "DUD-2026-001 · Young Person C: Decided"))
    assert "Decided by the panel, by majority." in decision["text"]

    # A vote after the close is refused, and says why: typed, or from an old copy of the card.
    (refusal,) = await tg.say(group, POPPY, f"/vote {reference} cspr")
    assert refusal["text"].startswith("Voting on DUD-2026-001 closed at Mon 23 Nov 2026, 10:12")
    assert refusal["text"].endswith("Your vote was not recorded.")
    alert = await tg.press(own_copy, POPPY, "Undertake a child safeguarding practice review")
    assert alert["alert"] and alert["text"] == refusal["text"]


async def test_salford_by_polling_tie_goes_to_the_adviser(telegram):
    tg = await telegram("salford", mode="polling", members=SALFORD)
    api = tg.api
    group = api.group(GROUP, "Salford virtual panel")
    cy, bea = api.private(CY), api.private(BEA)

    await tg.say(group, BEA, "/setup")
    (reply,) = await tg.say(bea, BEA, "/setup bm")
    assert reply["text"] == f"This chat (telegram:{BEA['id']}) is now the business manager's chat."
    reference = await file_by_telegram(tg, group, group=True)
    assert reference == "SAL-2026-001"
    card = await api.wait_for(lambda: api.said(GROUP, "SAL-2026-001 · Young Person C · Rapid review"))
    assert "No votes yet; 2 needed for quorum." in card["text"]

    # 2–2: the ballot closes as a tie and goes to the Independent Adviser.
    await tg.press(tg.card(GROUP, reference), CY, "Commence rapid review")
    await tg.press(tg.card(GROUP, reference), LEE, "Commence rapid review")
    await tg.press(tg.card(GROUP, reference), PAT, "Case review instead")
    await api.wait_for(lambda: "Leading: Commence rapid review 2–1." in tg.card(GROUP, reference)["text"])
    toast = await tg.press(tg.card(GROUP, reference), BEA, "Case review instead")
    assert toast["text"].endswith("Voting has now closed (escalated to the Independent Adviser).")
    await api.wait_for(lambda: "tied" in tg.card(GROUP, reference)["text"])
    card = tg.card(GROUP, reference)
    assert "Escalated to the Independent Adviser: the panel is tied" in card["text"]
    assert api.buttons(card) == []

    # The adviser is asked privately, with one button per outcome; the BM is told.
    ask = await api.wait_for(lambda: api.said(CY["id"], "As Independent Adviser you decide"))
    assert "SAL-2026-001 · Young Person C: the panel is tied (" in ask["text"]
    assert "Commence rapid review 2" in ask["text"] and "Case review instead 2" in ask["text"]
    assert api.buttons(ask) == [
        "Commence rapid review…", "Case review instead…", "Incomplete referral…", "Meets neither threshold…",
    ]
    told = await api.wait_for(lambda: api.said(BEA["id"], "passed to the Independent Adviser"))
    assert told["text"].startswith("Escalated to the Independent Adviser: the panel is tied")

    # Only the adviser decides: the BM is refused and nothing changes.
    (refusal,) = await tg.say(bea, BEA, f"/decide {reference} commence obvious")
    assert refusal["text"] == "Only the Independent Adviser can decide an escalated referral. Nothing was changed."

    # The adviser presses an outcome, is asked for the reason, and the reply decides it.
    toast = await tg.press(ask, CY, "Case review instead…")
    assert toast["text"] == "Please give your reason: reply to the bot's message."
    prompt = await api.wait_for(lambda: api.said(CY["id"], "please give your reason for Case review instead"))
    (decided,) = await tg.say(cy, CY, "The learning is wider than one agency", reply_to=prompt)
    assert decided["text"] == "SAL-2026-001 is decided: Case review instead."
    await api.wait_for(lambda: "Decided: Case review instead" in tg.card(GROUP, reference)["text"])
    assert "Decided by the Independent Adviser (Cy). Reason: The learning is wider than one agency" in (
        tg.card(GROUP, reference)["text"]
    )
    assert api.webhook is None and api.count("getUpdates") >= 1  # long polling, no webhook


async def test_recuse_asks_for_the_reason_and_can_be_cancelled(telegram):
    tg = await telegram("dudley", mode="webhook", members=DUDLEY)
    api = tg.api
    group = api.group(GROUP, "Dudley virtual panel")
    await tg.say(group, BEA, "/setup")
    draft = ReferralDraft(referral_type="sar", referrer="Adult Social Care", category="adult", letter="D", summary="x")
    reference = await tg.panel.file_referral(actor=await tg.panel.actor_named("Bea"), draft=draft)
    card = await api.wait_for(lambda: api.said(GROUP, f"{reference} · Adult D"))

    alert = await tg.press(card, MALLORY, "Recuse")
    assert alert["alert"] and alert["text"].startswith("You are not on this partnership's panel")

    toast = await tg.press(card, PAT, "Recuse")
    assert toast["text"] == "Please give your reason: reply to the bot's message."
    prompt = await api.wait_for(lambda: api.said(GROUP, f"to recuse yourself from {reference}"))
    (reply,) = await tg.say(group, PAT, "/cancel")
    assert reply["text"] == "Cancelled; nothing was saved."
    await tg.send(api.text(group, PAT, "I chaired the strategy meeting", reply_to=prompt))  # no longer awaited

    toast = await tg.press(tg.card(GROUP, reference), PAT, "Recuse")  # handled after the reply above
    prompt = await api.wait_for(lambda: [m for m in api.bot_messages(GROUP) if "to recuse yourself" in m["text"]][1:])
    (reply,) = await tg.say(group, PAT, "I chaired the strategy meeting", reply_to=prompt[0])
    assert reply["text"] == f"You have recused yourself from {reference}; you no longer count towards its vote."
    assert len([m for m in api.bot_messages(GROUP) if "You have recused" in m["text"]]) == 1
    await api.wait_for(lambda: "Police (Pat): recused" in tg.card(GROUP, reference)["text"])


async def test_the_adviser_breaking_a_tie_reads_every_votes_reason(telegram):
    """Issue 18: the person asked to break a tie sees why each member voted as they did, on Telegram as on the
    other platforms."""
    tg = await telegram("salford", mode="webhook", members=SALFORD)
    api = tg.api
    group = api.group(GROUP, "Salford virtual panel")
    api.private(CY)  # the adviser has started a chat with the bot
    await tg.say(group, BEA, "/setup")
    draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="young_person", letter="E",
                          summary="Injuries seen at school")
    reference = await tg.panel.file_referral(actor=await tg.panel.actor_named("Bea"), draft=draft)
    for name, outcome, reason in (("Cy", "commence", "Serious harm and abuse suspected"),
                                  ("Lee", "commence", "Agencies missed the signs"),
                                  ("Pat", "case_review", "Learning is wider than one incident"),
                                  ("Bea", "case_review", "A case review covers the years of neglect")):
        await tg.panel.vote(actor=await tg.panel.actor_named(name), reference=reference, outcome=outcome,
                            reason=reason)
    ask = await api.wait_for(lambda: api.said(CY["id"], "As Independent Adviser you decide"))
    assert "Votes and reasons" in ask["text"]
    for line in ("Chair (Lee): Commence rapid review. Reason: Agencies missed the signs",
                 "Deputy Chair (Pat): Case review instead. Reason: Learning is wider than one incident",
                 "Business Manager (Bea): Case review instead. Reason: A case review covers the years of neglect",
                 "Independent Adviser (Cy): Commence rapid review. Reason: Serious harm and abuse suspected"):
        assert line in ask["text"]
