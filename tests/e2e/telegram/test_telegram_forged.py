"""Forged and replayed webhook requests.

test_telegram_runtime.py shows no secret header and a wrong one are 403 and never queued. Here: near misses
of the secret (another case, a prefix, with the secret plus more, padded with spaces, in the query string
instead of the header, non-ASCII), all 403 with nothing queued or changed; and replays of a genuine update.

python-telegram-bot does not de-duplicate webhook updates by `update_id`, and neither does Panelbot's route:
a replayed update is handled again. It is harmless because what it would do is idempotent: a vote button
press carries Telegram's callback query id as the vote's delivery key, so the same press counts once; a
`/vote` typed again votes the same way again, which changes nothing.
"""

from __future__ import annotations

import copy

from aiohttp import ClientSession
from fuzzing import database_state
from sqlalchemy import func, select
from telegram_harness import BEA, HAL, LEE, PAT, SECRET

from bot.service import Actor
from flows.referrals import ReferralDraft
from storage.models import Vote

MEMBERS = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE), "Pat": ("police", PAT),
           "Hal": ("health", HAL)}


async def snapshot(tg) -> tuple:  # type: ignore[no-untyped-def]
    return await database_state(tg.panel)


async def referral(tg) -> str:  # type: ignore[no-untyped-def]
    draft = ReferralDraft(referral_type=tg.panel.preset.referral_types[0].id, referrer="School",
                          category="young_person", letter="C", summary="Injury seen at school.")
    return await tg.panel.file_referral(actor=Actor.operator(), draft=draft)


async def test_near_misses_of_the_secret_are_refused(telegram) -> None:  # type: ignore[no-untyped-def]
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    ref = await referral(tg)
    chat = tg.api.private(LEE)
    update = tg.api.text(chat, LEE, f"/vote {ref} cspr")
    before = await snapshot(tg)
    # (Spaces around a header's value are not part of it in HTTP, so " SECRET " is the secret itself.)
    for secret in [SECRET.upper(), SECRET[:-1], SECRET + "x", SECRET + " x", "", "é" + SECRET, SECRET * 2]:
        assert await tg.post(update, secret=secret) == 403, repr(secret)
    async with ClientSession() as http:
        for url in (f"{tg.webhook_url}?secret_token={SECRET}", f"{tg.webhook_url}/{SECRET}"):
            async with http.post(url, json=update) as response:
                assert response.status in (403, 404), url
        async with http.post(tg.webhook_url, json=update, headers={"X-Telegram-Bot-Api-Secret": SECRET}) as r:
            assert r.status == 403  # the right secret under another header's name
    assert tg.bot.application.update_queue.qsize() == 0
    assert await snapshot(tg) == before
    assert tg.api.bot_messages(LEE["id"]) == []  # nothing was processed, so nothing was said


async def test_a_replayed_vote_button_press_counts_once(telegram) -> None:  # type: ignore[no-untyped-def]
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    ref = await referral(tg)
    (hello,) = await tg.say(tg.api.private(LEE), LEE, "/start")
    button = {"inline_keyboard": [[{"text": "Vote", "callback_data": f"v|{ref}|cspr"}]]}
    update = tg.api.press(hello | {"reply_markup": button}, LEE, "Vote")
    qid = update["callback_query"]["id"]
    assert await tg.post(update) == 200
    await tg.api.wait_for(lambda: qid in tg.api.answers)
    first = tg.api.answers.pop(qid)
    assert first["text"].startswith(f"Your vote on {ref} is recorded: Undertake a child safeguarding practice review.")
    once = await snapshot(tg)
    for _ in range(3):  # the same update, update_id and callback query id, again
        assert await tg.post(copy.deepcopy(update)) == 200
        await tg.api.wait_for(lambda: qid in tg.api.answers)
        tg.api.answers.pop(qid)
    assert await snapshot(tg) == once
    async with tg.panel.uow() as uow:
        assert (await uow.session.execute(select(func.count()).select_from(Vote))).scalar_one() == 1


async def test_a_replayed_vote_command_changes_nothing(telegram) -> None:  # type: ignore[no-untyped-def]
    tg = await telegram("dudley", mode="webhook", members=MEMBERS)
    ref = await referral(tg)
    chat = tg.api.private(PAT)
    update = tg.api.text(chat, PAT, f"/vote {ref} cspr Police hold relevant history")
    n = len(tg.api.bot_messages(PAT["id"]))
    assert await tg.post(update) == 200
    await tg.api.wait_for(lambda: len(tg.api.bot_messages(PAT["id"])) > n)
    assert tg.api.last(PAT["id"])["text"].startswith(f"Your vote on {ref} is recorded")
    once = await snapshot(tg)
    assert await tg.post(copy.deepcopy(update)) == 200  # PTB and the route do not de-duplicate: handled again
    await tg.api.wait_for(lambda: len(tg.api.bot_messages(PAT["id"])) > n + 1)
    assert not tg.api.last(PAT["id"])["text"].startswith(f"Your vote on {ref} is recorded")
    assert await snapshot(tg) == once
