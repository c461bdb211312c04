"""Hostile updates through the webhook route: callback_data nobody's button carries (bot/telegram/callbacks.py),
messages and /commands with hostile text, replies to the bot's reason prompts with NUL or 100,000
characters, and updates with fields missing or of the wrong type.

Each is answered 200 (Telegram resends anything else) or, for what is not an update at all, 400; it is
either handled in a plain sentence or ignored; the bot never answers "something went wrong", never logs an
error, every message it sends is valid Telegram HTML (the fake Bot API refuses anything else with 400, as
Telegram does), and nothing changes in the database.

One harness per test on the Dudley preset, reused across hypothesis's examples. The webhook hands updates
to python-telegram-bot's queue, which handles them one at a time, so after each hostile update a `/start`
from the BM is sent and its answer awaited: by then the hostile update has been handled.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from fuzzing import database_state, spoil
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram_harness import BEA, HAL, LEE, MALLORY, PAT, Harness

from bot.service import Actor
from flows.referrals import ReferralDraft

FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
MEMBERS = {"Bea": ("business_manager", BEA), "Lee": ("local_authority", LEE), "Pat": ("police", PAT),
           "Hal": ("health", HAL)}
WENT_WRONG = "something went wrong"
ODD = ["\x00", "\u202e", "\u200b", "\ufeff", "\ud800", "🙂", "<b>", "</b>", "&", "*_[", "**", "`", "|", "#", "'"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.characters()), max_size=40).map("".join)
junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), odd_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=5,
)


async def snapshot(tg: Harness) -> tuple:
    return await database_state(tg.panel, leave_out={"conversation_state"})


async def harness(telegram) -> tuple[Harness, str]:  # type: ignore[no-untyped-def]
    """A Dudley panel with one referral filed, kept on the fixture for all of one test's examples."""
    if not hasattr(telegram, "fuzz"):
        tg = await telegram("dudley", mode="webhook", members=MEMBERS)
        draft = ReferralDraft(referral_type=tg.panel.preset.referral_types[0].id, referrer="School",
                              category="young_person", letter="C", summary="Injury seen at school.")
        ref = await tg.panel.file_referral(actor=Actor.operator(), draft=draft)
        await tg.say(tg.api.private(LEE), LEE, "/start")  # a bot message in Lee's chat, to press under
        telegram.fuzz = (tg, ref)
    return telegram.fuzz


class Watch:
    def __init__(self, tg: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.tg, self.caplog = tg, caplog

    async def __aenter__(self) -> Watch:
        self.before = await snapshot(self.tg)
        self.calls = len(self.tg.api.calls)
        self.logged = len(self.caplog.records)
        return self

    async def __aexit__(self, *exc: object) -> None:
        # The queue is handled in order: once the BM's /start is answered, the hostile update was handled.
        await self.tg.say(self.tg.api.private(BEA), BEA, "/start")
        self.after = await snapshot(self.tg)
        self.sent = [p for method, p in self.tg.api.calls[self.calls:]
                     if method in ("sendMessage", "answerCallbackQuery", "editMessageText")]
        self.errors = [r for r in self.caplog.records[self.logged:] if r.levelno >= logging.ERROR]

    def assert_harmless(self, status: int) -> None:
        assert status in (200, 400), status
        said = " ".join(str(p.get("text", "")) for p in self.sent).lower()
        assert WENT_WRONG not in said and "traceback" not in said, said[:300]
        assert not self.errors, [r.getMessage() for r in self.errors]
        assert self.after == self.before


def callback(tg: Harness, user: dict, data: Any, **extra: Any) -> dict:
    message = tg.api.public(tg.api.bot_messages(LEE["id"])[0])
    query = {"id": f"cq-fuzz-{tg.api._next_update()}", "from": user, "chat_instance": "42", "data": data,
             "message": message, **extra}
    return {"update_id": tg.api._next_update(), "callback_query": query}


# Callback data -----------------------------------------------------------------------------------------------


@FUZZ
@given(data=st.one_of(
    odd_text,
    st.builds(lambda head, a, b: f"{head}|{a}|{b}", st.sampled_from(list("vVraAkKnx")), odd_text, odd_text),
    st.sampled_from(["v|SAL-2026-001|commence", "V|DUD-2026-001|nope", "V|<b>|x", "v|DUD-2026-001|#999999999999",
                     "V|" + "9" * 60, "r|<b>**", "r|", "a|close DUD-2026-001", "a|\x00", "A|withdraw DUD-2026-001",
                     "k|" + "0" * 24, "K|nope", "n|t|99", "n|c|-1", "n|f", "n|x", "n|zz|" + "y" * 50, "|", "||"]),
), user=st.sampled_from([LEE, MALLORY]))
async def test_hostile_callback_data(telegram, caplog, data: str, user: dict) -> None:  # type: ignore[no-untyped-def]
    """Lee is a member who may vote; Mallory is on no panel. A forged `a|close ...` runs the shared command as
    the presser, and the core refuses it (only the BM closes a ballot)."""
    tg, ref = await harness(telegram)
    data = data.replace("DUD-2026-001", ref)
    async with Watch(tg, caplog) as w:
        status = await tg.post(callback(tg, user, data))
    w.assert_harmless(status)


@FUZZ
@given(field=st.sampled_from(["data", "from", "message", "id", "chat_instance"]), value=junk, drop=st.booleans())
async def test_callback_queries_with_missing_or_wrong_fields(telegram, caplog, field, value, drop) -> None:  # type: ignore[no-untyped-def]
    tg, ref = await harness(telegram)
    update = callback(tg, MALLORY, f"v|{ref}|commence")
    if drop:
        update["callback_query"].pop(field)
    else:
        update["callback_query"][field] = value
    async with Watch(tg, caplog) as w:
        status = await tg.post(update)
    w.assert_harmless(status)


# Messages ----------------------------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(odd_text, st.text(max_size=200), st.just("x" * 5000)),
       command=st.sampled_from(["", "/vote ", "/status ", "/report ", "/hold DUD-2026-001 until ", "/new", "/x",
                                "/extend DUD-2026-001 police ", "/start ", "/cancel "]),
       user=st.sampled_from([HAL, MALLORY]))
async def test_messages_and_commands_with_hostile_text(telegram, caplog, text, command, user) -> None:  # type: ignore[no-untyped-def]
    """Hal (a member) and Mallory (not on the panel). Hal's `/vote` with a hostile outcome is refused; his
    `/new` is refused (only the BM files)."""
    tg, ref = await harness(telegram)
    chat = tg.api.private(user)
    update = tg.api.text(chat, user, command.replace("DUD-2026-001", ref) + text)
    async with Watch(tg, caplog) as w:
        status = await tg.post(update)
    w.assert_harmless(status)


@FUZZ
@given(path=st.sampled_from([("message", "from"), ("message", "chat"), ("message", "text"), ("message", "date"),
                             ("message", "message_id"), ("message", "entities"), ("message", "reply_to_message"),
                             ("message",), ("update_id",), ("message", "chat", "type"), ("message", "chat", "id"),
                             ("message", "from", "id")]),
       value=junk, drop=st.booleans())
async def test_updates_with_missing_or_wrong_fields(telegram, caplog, path, value, drop) -> None:  # type: ignore[no-untyped-def]
    tg, ref = await harness(telegram)
    update = copy.deepcopy(tg.api.text(tg.api.private(MALLORY), MALLORY, "/status"))  # the fake keeps the original
    spoil(update, path, value, drop)
    async with Watch(tg, caplog) as w:
        status = await tg.post(update)
    w.assert_harmless(status)


async def test_bodies_that_are_not_updates(telegram, caplog) -> None:  # type: ignore[no-untyped-def]
    """Not JSON, JSON that is not an object, an object that is no update: 400 or ignored, never a 500."""
    tg, ref = await harness(telegram)
    assert tg._http is not None
    from telegram_harness import SECRET

    from bot.telegram.webhook import SECRET_HEADER

    for body in [b"{not json", b"[]", b"null", b'"x"', b"\xff\xfe", b'{"update_id": "x"}', b'{"message": 5}',
                 b'{"update_id": 1, "callback_query": []}', b"{}", b"{" * 10_000]:
        async with Watch(tg, caplog) as w:
            async with tg._http.post(tg.webhook_url, data=body, headers={SECRET_HEADER: SECRET,
                                                                         "Content-Type": "application/json"}) as r:
                status = r.status
        w.assert_harmless(status)


async def test_a_reason_reply_with_nul_or_100k_characters(telegram, caplog) -> None:  # type: ignore[no-untyped-def]
    """The reply to the bot's "give your reason" prompt is the reason. NUL is dropped (PostgreSQL refuses it
    in text: before the fix this was "something went wrong"); 100,000 characters are refused in a sentence
    and the prompt stays open."""
    tg, ref = await harness(telegram)
    chat = tg.api.private(PAT)
    (hello,) = await tg.say(chat, PAT, "/start")
    button = {"inline_keyboard": [[{"text": "Recuse", "callback_data": f"r|{ref}"}]]}
    answer = await tg.press(hello | {"reply_markup": button}, PAT, "Recuse")
    assert answer["text"] == "Please give your reason: reply to the bot's message."
    await tg.api.wait_for(lambda: "reply to this message with the reason" in tg.api.last(PAT["id"])["text"])
    prompt = tg.api.last(PAT["id"])
    async with Watch(tg, caplog) as w:
        status = await tg.post(tg.api.text(chat, PAT, "x" * 100_000, reply_to=prompt))
    w.assert_harmless(status)
    again = tg.api.last(PAT["id"])
    assert again["text"].endswith("that reason is longer than 4,000 characters. Reply to this message with a shorter "
                                  "one, or send /cancel.")
    (told,) = await tg.say(chat, PAT, "conflict\x00 of interest", reply_to=again)
    assert told["text"].startswith(f"You have recused yourself from {ref}")
