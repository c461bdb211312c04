"""The report on Telegram (issue 8): `/report [PERIOD]` answers in a few lines, then posts the two PNG charts
with `sendPhoto` in the same chat, each captioned with its title; flood control on a photo is waited out and
nothing is posted twice; a photo Telegram will not take is named to the person in one sentence. The outbox
path (`Outgoing.files`) posts its files after the message, and a retry after flood control sends only the rest.
"""

from __future__ import annotations

import struct
import zlib

from fake_bot_api import check_html, plain_of, utf16_len
from telegram_harness import BEA, CY, LEE, MALLORY, PAT

from bot.notify import Outgoing, RetryLater
from bot.reports.charts import CHART_FILES
from bot.service import Actor
from bot.telegram import render
from flows.referrals import ReferralDraft

GROUP = -1009876543210
PNG = b"\x89PNG\r\n\x1a\n"
SALFORD = {
    "Bea": ("business_manager", BEA),
    "Cy": ("independent_adviser", CY),
    "Lee": ("chair", LEE),
    "Pat": ("deputy_chair", PAT),
}
HEADING = (
    "Salford Safeguarding Children Partnership: report for 2026 (1 Jan 2026 to 31 Dec 2026), "
    "as at Mon 23 Nov 2026, 10:12"
)
MONTHLY = "Referrals received per month, by outcome"
TIMELINESS = "Timeliness by clock: deadlines met and missed"
CHARTS = 20.0  # seconds allowed for drawing the two charts on a slow machine (the wait ends as soon as they come)


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A valid PNG of `width` x `height` grey pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return PNG + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def salford_with_a_decision(telegram, *, mode: str = "webhook"):  # type: ignore[no-untyped-def]
    """Salford, its panel group set up, and SAL-2026-001 decided by the panel in 2026 (the test clock's year)."""
    tg = await telegram("salford", mode=mode, members=SALFORD)
    group = tg.api.group(GROUP, "Salford virtual panel")
    await tg.panel.set_channel(actor=Actor.operator(), purpose="panel", platform_id=f"telegram:{GROUP}")
    draft = ReferralDraft(referral_type="rapid_review", referrer="School", category="baby", letter="A", summary="x")
    reference = await tg.panel.file_referral(actor=Actor.operator(), draft=draft)
    for name in ("Cy", "Lee"):
        await tg.panel.vote(actor=await tg.panel.actor_named(name), reference=reference, outcome="neither", reason="No")
    card = await tg.panel.card(reference)
    if card.open:
        await tg.panel.close_ballot(actor=await tg.panel.actor_named("Bea"), reference=reference)
    assert (await tg.panel.card(reference)).decided_at is not None
    await tg.sender.flush()  # the card, its updates and the decision are in the group before anyone types
    return tg, group, reference


async def test_a_bms_report_is_the_text_then_two_charts_as_photos(telegram):
    tg, group, _ = await salford_with_a_decision(telegram)
    api = tg.api
    messages_before = len(api.bot_messages(GROUP))

    text, first, second = await tg.say(group, BEA, "/report 2026", expect=3, timeout=CHARTS)
    command = [m for m in api.messages[GROUP] if m.get("text") == "/report 2026"][-1]

    assert text["text"].startswith(HEADING)
    assert "Referrals received: 1." in text["text"]
    assert "Meets neither threshold 1" in text["text"]
    assert text["_reply_to"] == command["message_id"]

    assert [first["caption"], second["caption"]] == [f"{MONTHLY}\n{HEADING}", f"{TIMELINESS}\n{HEADING}"]
    assert first["_html"].startswith(f"<b>{MONTHLY}</b>\n") and second["_html"].startswith(f"<b>{TIMELINESS}</b>\n")
    assert [first["_filename"], second["_filename"]] == list(CHART_FILES)
    for photo in (first, second):
        assert photo["_bytes"].startswith(PNG)
        assert "text" not in photo
        assert photo["_reply_to"] == command["message_id"]  # in a busy group, tied to the command
        largest = photo["photo"][-1]
        assert (largest["width"], largest["height"]) == struct.unpack(">II", photo["_bytes"][16:24])
        assert largest["file_size"] == len(photo["_bytes"])
    assert first["_bytes"] != second["_bytes"]
    assert api.count("sendPhoto") == 2
    assert api.photos(GROUP) == [first, second]
    assert len(api.bot_messages(GROUP)) == messages_before + 3  # nothing else: no apology, no error


async def test_someone_not_on_the_panel_is_refused_and_no_chart_is_posted(telegram):
    tg, group, _ = await salford_with_a_decision(telegram)
    api = tg.api

    (refusal,) = await tg.say(group, MALLORY, "/report 2026")
    assert refusal["text"] == (
        "You are not on this partnership's panel, so Panelbot cannot do that for you. "
        "Ask the business manager to add you."
    )
    (answer,) = await tg.say(group, BEA, "/status")  # the next command is answered: nothing was still coming
    assert answer["text"] != refusal["text"]
    assert api.count("sendPhoto") == 0 and api.photos(GROUP) == []


async def test_flood_control_on_a_photo_is_waited_out_and_each_photo_is_posted_once(telegram):
    tg, _, _ = await salford_with_a_decision(telegram, mode="polling")
    api = tg.api
    bea = api.private(BEA)
    paused: list[float] = []

    async def pause(seconds: float) -> None:  # time is the test's: nothing sleeps
        paused.append(seconds)

    tg.bot.handlers.pause = pause
    api.fail_next("sendPhoto", retry_after=3)  # Telegram: 429 with parameters.retry_after = 3

    text, first, second = await tg.say(bea, BEA, "/report 2026", expect=3, timeout=CHARTS)
    assert text["text"].startswith(HEADING)
    assert paused == [3.0]
    assert api.count("sendPhoto") == 3  # refused once, then each chart once
    assert [p["caption"].split("\n")[0] for p in api.photos(BEA["id"])] == [MONTHLY, TIMELINESS]
    assert all(p["_bytes"].startswith(PNG) for p in (first, second))


async def test_a_photo_that_cannot_be_posted_is_named_in_one_sentence(telegram):
    tg, _, _ = await salford_with_a_decision(telegram)
    api = tg.api
    bea = api.private(BEA)
    paused: list[float] = []

    async def pause(seconds: float) -> None:
        paused.append(seconds)

    tg.bot.handlers.pause = pause

    # Telegram refuses the first chart: the second is still posted, then one sentence names the first.
    api.refuse_next("sendPhoto", "Bad Request: PHOTO_INVALID_DIMENSIONS")
    text, photo, sorry = await tg.say(bea, BEA, "/report 2026", expect=3, timeout=CHARTS)
    assert text["text"].startswith(HEADING)
    assert photo["caption"].startswith(TIMELINESS) and photo["_bytes"].startswith(PNG)
    assert sorry["text"] == f"Sorry, Telegram did not take the chart “{MONTHLY}”, so it is not shown here."

    # Flood control asks for longer than a person should wait: nothing more is tried, and they are told.
    api.fail_next("sendPhoto", retry_after=600)
    text, sorry = await tg.say(bea, BEA, "/report 2026", expect=2, timeout=CHARTS)
    assert text["text"].startswith(HEADING)
    assert sorry["text"] == (
        f"Sorry, Telegram did not take the charts “{MONTHLY}” and “{TIMELINESS}”, so they are not shown here."
    )
    assert paused == [] and api.count("sendPhoto") == 3

    # The handler did not crash: no error apology, and the next command is answered as usual.
    (answer,) = await tg.say(bea, BEA, "/members")
    assert answer["text"].startswith("Bea: Business Manager")
    assert not [m for m in api.bot_messages(BEA["id"]) if "went wrong" in m.get("text", "")]


async def test_outgoing_files_follow_the_message_and_a_retry_sends_only_the_rest(telegram, clock):
    tg = await telegram("salford", mode="webhook", members=SALFORD)
    api = tg.api
    api.private(BEA)
    adapter = tg.bot.adapter
    files = ((CHART_FILES[0], tiny_png(40, 20)), ("timeliness.png", tiny_png(30, 30)))
    message = Outgoing("report", "bm", headline="Quarterly <figures> & charts", text="The figures.", files=files)

    api.fail_next("sendPhoto", retry_after=7)
    try:
        await adapter.deliver(str(BEA["id"]), message, None)
    except RetryLater as exc:
        assert exc.retry_after == 7
    else:
        raise AssertionError("flood control on a photo must become RetryLater")
    assert [m.get("text") for m in api.bot_messages(BEA["id"])] == ["Quarterly <figures> & charts\nThe figures."]

    clock.advance(seconds=6)  # the chat is left alone until Telegram said
    try:
        await adapter.deliver(str(BEA["id"]), message, None)
    except RetryLater as exc:
        assert exc.retry_after == 1
    else:
        raise AssertionError("the chat must be left alone until Telegram said")
    assert api.count("sendPhoto") == 1

    clock.advance(seconds=1)
    first = api.bot_messages(BEA["id"])[0]
    assert await adapter.deliver(str(BEA["id"]), message, None) == str(first["message_id"])  # the message, once
    shown = api.bot_messages(BEA["id"])
    assert api.count("sendMessage") == 1 and len(shown) == 3  # the message once, then each photo once
    assert [p["caption"] for p in shown[1:]] == [
        f"{MONTHLY}\nQuarterly <figures> & charts",
        f"{TIMELINESS}\nQuarterly <figures> & charts",
    ]
    assert "&lt;figures&gt; &amp; charts" in shown[1]["_html"]
    assert [p["_bytes"] for p in shown[1:]] == [data for _, data in files]

    # A file Telegram will not take is not retried (it never would be): the chat is told in one sentence.
    api.refuse_next("sendPhoto")
    again = Outgoing("report", "bm", text="Next quarter.", files=(("odd.png", tiny_png()), files[1]))
    await adapter.deliver(str(BEA["id"]), again, None)
    shown = api.bot_messages(BEA["id"])[3:]
    assert [m.get("text") for m in shown] == [
        "Next quarter.",
        None,
        "Sorry, Telegram did not take the file “odd.png”, so it is not shown here.",
    ]
    assert shown[1]["caption"] == TIMELINESS  # no headline: the title alone


def test_captions_are_escaped_cut_to_1024_characters_and_name_each_chart():
    assert set(render.CHART_TITLES) == set(CHART_FILES)
    about = "**Partnership <b>&</b>**: " + "ü" * 2000
    caption = render.photo_caption("timeliness.png", about)
    check_html(caption)  # Telegram would parse it
    shown = plain_of(caption)
    assert shown.startswith(f"{TIMELINESS}\nPartnership <b>&</b>: ü")
    assert utf16_len(shown) == 1024 and shown.endswith("…")
    assert render.photo_caption("other.png") == "<b>other.png</b>"
