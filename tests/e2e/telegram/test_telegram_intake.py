"""The guided /new on Telegram: it can be cancelled, it survives a bot restart mid-way (the conversation is in
the database, not in memory), and only the business manager may file."""

from __future__ import annotations

from telegram_harness import BEA, LEE, MALLORY

MEMBERS = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE)}


async def test_cancel_forgets_the_form_and_its_buttons(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    bea = api.private(BEA)
    _, question = await tg.say(bea, BEA, "/new", expect=2)
    await tg.press(question, BEA, api.buttons(question)[1])
    await api.wait_for(lambda: api.said(BEA["id"], "Which agency"))
    assert question["text"] == "Referral type: Safeguarding adults review referral"  # the answer, buttons gone
    assert api.buttons(question) == []

    (reply,) = await tg.say(bea, BEA, "/cancel")
    assert reply["text"] == "Cancelled; nothing was saved."
    (reply,) = await tg.say(bea, BEA, "Adult Social Care")  # no longer taken as an answer
    assert reply["text"] == "Send /help to see the commands."
    (reply,) = await tg.say(bea, BEA, "/cancel")
    assert reply["text"] == "There is nothing to cancel."
    (reply,) = await tg.say(bea, BEA, "/status")
    assert reply["text"] == "No open referrals."


async def test_a_restart_mid_way_loses_nothing(telegram):
    tg = await telegram("dudley", mode="polling", members=MEMBERS)
    api = tg.api
    bea = api.private(BEA)
    group = api.group(-100777, "Dudley panel")
    await tg.say(group, BEA, "/setup")
    _, question = await tg.say(bea, BEA, "/new", expect=2)
    await tg.press(question, BEA, api.buttons(question)[0])
    question = await api.wait_for(lambda: api.said(BEA["id"], "Which agency"))
    (question,) = await tg.say(bea, BEA, "West Midlands Police")
    assert "become aware" in question["text"]

    await tg.restart()  # a new Application, a new process's worth of memory

    # The old question's button still works, and the answers given before the restart are kept.
    await tg.press(question, BEA, "Today")
    question = await api.wait_for(lambda: api.said(BEA["id"], "Subject category?"))
    await tg.press(question, BEA, "Baby (under 2)")
    await api.wait_for(lambda: api.said(BEA["id"], "Subject letter"))
    (question,) = await tg.say(bea, BEA, "AB")
    assert "The subject letter must be a single letter A to Z" in question["text"]
    await tg.say(bea, BEA, "a")
    await tg.say(bea, BEA, "Found unresponsive at home")
    await tg.say(bea, BEA, "none")
    # Issue 23 (Dudley): who authorised it, whether a looked-after child has died, the notifications made.
    await tg.say(bea, BEA, "skip")
    await tg.say(bea, BEA, "no")
    (review,) = await tg.say(bea, BEA, "none")
    assert "Referred by: West Midlands Police" in review["text"]
    assert "Subject: Baby A" in review["text"] and "Became aware: today" in review["text"]
    await tg.press(review, BEA, "File referral")
    filed = await api.wait_for(lambda: api.said(BEA["id"], "and posted it to the panel"))
    assert filed["text"] == "Filed DUD-2026-001 and posted it to the panel."
    card = await api.wait_for(lambda: api.said(-100777, "DUD-2026-001 · Baby A"))
    assert "Referred by West Midlands Police" in card["text"]
    # The review keeps the answers as filed; its question and buttons are gone.
    assert review["text"].startswith("Type: Serious incident") and "Subject: Baby A" in review["text"]
    assert "Please check" not in review["text"]
    assert api.buttons(review) == []


async def test_only_the_business_manager_files(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    refusals = {"Lee": "Only the business manager can file a referral. Nothing was changed.",
                "Mallory": "You are not on this partnership's panel, so Panelbot cannot do that for you. "
                           "Ask the business manager to add you."}
    for user in (LEE, MALLORY):
        chat = api.private(user)
        (reply,) = await tg.say(chat, user, "/new")
        assert reply["text"] == refusals[user["first_name"]]
    # Someone else's form cannot be answered by another person's press.
    bea = api.private(BEA)
    group = api.group(-100778, "Dudley panel")
    _, question = await tg.say(group, BEA, "/new", expect=2)
    alert = await tg.press(question, LEE, api.buttons(question)[0])
    assert alert == {"text": "This question is not waiting for an answer from you.", "alert": True}
    assert api.buttons(question)  # still waiting for Bea
    assert bea["id"] == BEA["id"]


async def test_a_non_member_sees_no_lists_but_learns_their_id(telegram):
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    api = tg.api
    chat = api.private(MALLORY)
    (reply,) = await tg.say(chat, MALLORY, "/status")
    assert reply["text"] == (
        "You are not on this partnership's panel, so Panelbot cannot do that for you. "
        "Ask the business manager to add you."
    )
    (reply,) = await tg.say(chat, MALLORY, "/start")
    assert "Your Telegram user id is 1666" in reply["text"]
    assert "panelbot member add NAME --role ROLE --id telegram:1666" in reply["text"]
    (reply,) = await tg.say(chat, MALLORY, "/hold DUD-2026-001")
    assert reply["text"].startswith("You are not on this partnership's panel, so Panelbot cannot do that for you.")
    lee = api.private(LEE)
    (reply,) = await tg.say(lee, LEE, "/hold DUD-2026-001")
    assert reply["text"] == "Only the business manager can put a referral on hold. Nothing was changed."
    (reply,) = await tg.say(lee, LEE, "/start")
    assert "You are Lee, Local authority." in reply["text"]
    (reply,) = await tg.say(lee, LEE, "/members")
    assert "Bea: Business Manager (does not vote)" in reply["text"]
    (reply,) = await tg.say(lee, LEE, "/frobnicate")
    assert reply["text"] == '"frobnicate" is not a command. Type /help to see the commands.'
    # The whole help is longer than one Telegram message (4,096 characters): it comes in two, split between lines.
    first, second = await tg.say(lee, LEE, "/help", expect=2)
    help_text, help_html = first["text"] + "\n" + second["text"], first["_html"] + second["_html"]
    assert "…" not in help_text
    assert "/vote REF OUTCOME [REASON]: vote (again to change your vote)" in help_text
    assert "/new: BM: file a referral" in help_text and "/cancel: stop filing" in help_text
    assert "<code>/status [REF]</code>" in help_html
