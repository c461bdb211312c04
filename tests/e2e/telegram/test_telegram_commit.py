"""An update is confirmed to Telegram only after its work has committed (issue 17, point 1).

* Webhook: `POST /telegram/webhook` answers 200 only once the update's work has committed; when the database
  fails while an update is processed, it answers 503 (Telegram sends the update again), the person is told
  nothing, and nothing is recorded. An update sent again after its work had committed (the bot was killed
  before it answered) records nothing twice.
* Long polling: the `getUpdates` offset moves past an update only once it has been processed; an update
  fetched while the database is away is processed once when it is back.

The database failing is a COMMIT that raises the error the driver gives when the server has gone
(`tests/outage.py`), until the test says the database is back.
"""

from __future__ import annotations

import asyncio

from outage import ALREADY, Outage, decided_salford_referral, disagreements
from telegram_harness import BEA

SALFORD = {"Bea": ("business_manager", BEA)}


async def test_webhook_answers_503_when_the_database_fails_mid_update_and_records_it_once_when_resent(
    telegram, monkeypatch
):
    tg = await telegram("salford", mode="webhook", members=SALFORD)
    reference = await decided_salford_referral(tg.panel)
    bea = tg.api.private(BEA)
    update = tg.api.text(bea, BEA, f"/disagree {reference} referrer they consider the threshold is met")

    outage = Outage(monkeypatch)
    assert await tg.post(update) == 503  # Telegram keeps the update and sends it again
    assert outage.failed >= 1 and await disagreements(tg.panel) == 0
    assert tg.api.bot_messages(bea["id"]) == []  # nobody is told "something went wrong" for a resent update

    outage.back()
    assert await tg.post(update) == 200
    assert await disagreements(tg.panel) == 1
    (told,) = tg.api.bot_messages(bea["id"])
    assert "disagree" in told["text"].lower() and ALREADY not in told["text"]


async def test_an_update_sent_again_after_its_work_committed_records_nothing_twice(telegram):
    tg = await telegram("salford", mode="webhook", members=SALFORD)
    reference = await decided_salford_referral(tg.panel)
    bea = tg.api.private(BEA)
    update = tg.api.text(bea, BEA, f"/disagree {reference} referrer they consider the threshold is met")

    assert await tg.post(update) == 200
    # Killed before Telegram had its answer: Telegram sends the very same update (same update_id) again.
    assert await tg.post(update) == 200
    assert await disagreements(tg.panel) == 1
    first, second = tg.api.bot_messages(bea["id"])
    assert ALREADY not in first["text"] and second["text"] == ALREADY

    # A new message saying the same is a new update: it is recorded (the BM meant it twice).
    assert await tg.post(tg.api.text(bea, BEA, f"/disagree {reference} referrer a second objection")) == 200
    assert await disagreements(tg.panel) == 2


async def test_polling_confirms_an_update_only_after_it_is_recorded(telegram, monkeypatch):
    tg = await telegram("salford", mode="polling", members=SALFORD)
    reference = await decided_salford_referral(tg.panel)
    bea = tg.api.private(BEA)
    assert tg.bot is not None and tg.bot.poller is not None
    paused: list[float] = []
    pausing, resume = asyncio.Event(), asyncio.Event()

    async def pause(seconds: float) -> None:  # the poller's wait before trying the update again
        paused.append(seconds)
        pausing.set()
        await resume.wait()
        resume.clear()

    tg.bot.poller.pause = pause
    outage = Outage(monkeypatch)
    update = tg.api.text(bea, BEA, f"/disagree {reference} referrer they consider the threshold is met")
    await tg.api.push(update)
    await asyncio.wait_for(pausing.wait(), timeout=10)
    assert outage.failed >= 1 and await disagreements(tg.panel) == 0 and tg.api.bot_messages(bea["id"]) == []
    assert [u["update_id"] for u in tg.api.pending] == [update["update_id"]]  # not confirmed to Telegram

    outage.back()
    resume.set()
    await tg.api.wait_for(lambda: tg.api.bot_messages(bea["id"]))
    await tg.api.wait_for(lambda: not tg.api.pending)  # confirmed by the next getUpdates
    assert await disagreements(tg.panel) == 1 and len(paused) == 1
    assert len(tg.api.bot_messages(bea["id"])) == 1
