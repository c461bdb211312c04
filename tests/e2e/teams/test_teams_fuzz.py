"""Hostile activities to `/api/messages`: text commands with hostile text, `Action.Execute` invokes whose
`data` is missing, of the wrong type, huge or names no verb of ours, `Action.Submit` messages carrying a
`value` instead of text, and activities with fields missing or of the wrong type.

Each is answered below 500; the person is told something plain (a card or an invoke message) or nothing,
never "Something went wrong" and never a traceback; no error is logged; and nothing changes in the database
(the conversation references the bot remembers for proactive messages aside: that is bookkeeping, not a
change anyone made). One harness per test on the Dudley preset, reused across hypothesis's examples.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from fuzzing import database_state, spoil
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from teams_fake import Harness
from test_teams_panel import BEA, HAL, MAL, dudley, file_referral

from bot.teams import cards as c

FUZZ = settings(max_examples=10, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WENT_WRONG = "Something went wrong inside Panelbot"
ODD = ["\x00", "\u202e", "\u200b", "\ufeff", "\ud800", "🙂", "<at>Bea</at>", "[x](https://e.vil)", "**", "_", "&"]
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.characters()), max_size=40).map("".join)
junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), odd_text, st.just("x" * 5000)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=5,
)


async def snapshot(h: Harness) -> tuple:
    return await database_state(h.panel, leave_out={"conversation_state"})


async def harness(teams) -> tuple[Harness, str]:  # type: ignore[no-untyped-def]
    """A Dudley panel with one referral filed, kept on the fixture for all of one test's examples."""
    if not hasattr(teams, "fuzz"):
        h = await dudley(teams)
        teams.fuzz = (h, await file_referral(h))
    return teams.fuzz


class Watch:
    def __init__(self, h: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.h, self.caplog = h, caplog

    async def __aenter__(self) -> Watch:
        self.before = await snapshot(self.h)
        self.messages = len(self.h.fake.messages)
        self.logged = len(self.caplog.records)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.h.settle()
        self.after = await snapshot(self.h)
        self.shown = " ".join(m.shown for m in self.h.fake.messages[self.messages:])
        # Ours, and aiohttp's "Error handling request" (an exception out of a route). The SDK logs an ERROR of
        # its own for an activity it cannot read, which it then refuses: that one is not a failure of ours.
        self.errors = [r for r in self.caplog.records[self.logged:] if r.levelno >= logging.ERROR
                       and (r.name.startswith("bot") or r.name == "aiohttp.server")]

    def assert_harmless(self, status: int, body: Any = None) -> None:
        told = self.shown + " " + json.dumps(body, ensure_ascii=False)
        assert status < 500, (status, body)
        assert WENT_WRONG not in told and "Traceback" not in told, told[:400]
        assert not self.errors, [r.getMessage() for r in self.errors]
        assert self.after == self.before


def invoke(h: Harness, who: Any, verb: Any, data: Any, **value: Any) -> dict:
    card = h.card(h.fuzz_ref)
    activity = h.invoke_activity(who, card, "Recuse")
    activity["value"]["action"]["verb"] = verb
    activity["value"]["action"]["data"] = data
    activity["value"].update(value)
    return activity


# Text commands ----------------------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(odd_text, st.text(max_size=200), st.just("x" * 20_000)),
       command=st.sampled_from(["", "vote ", "status ", "report ", "decide REF ", "return ", "new ", "setup ",
                                "hold REF until ", "extend REF police "]),
       who=st.sampled_from([HAL, MAL]), where=st.sampled_from(["personal", "channel"]))
@example(text="\ud800", command="decide REF ", who=HAL, where="personal")  # found: the reason card failed to send
async def test_text_commands_with_hostile_text(teams, caplog, text, command, who, where) -> None:  # type: ignore[no-untyped-def]
    """Hal is a member (not the BM); Mallory is on no panel. Neither can change anything by typing."""
    h, ref = await harness(teams)
    activity = h.message(who, command.replace("REF", ref) + text, where)
    async with Watch(h, caplog) as w:
        status, body = await h.post(activity)
    w.assert_harmless(status, body)


# Action.Execute ---------------------------------------------------------------------------------------------


@FUZZ
@given(verb=st.one_of(st.sampled_from([c.VOTE, c.RECUSE, c.RUN, c.NEW_REFERRAL, c.FORM]), odd_text, junk),
       data=st.one_of(junk, st.fixed_dictionaries({}, optional={
           "ref": st.one_of(junk, st.just("REF")), "outcome": st.one_of(junk, st.just("cspr")),
           "reason": junk, "command": st.one_of(junk, st.sampled_from(["close REF", "withdraw REF x", "status"])),
           "needs_reason": junk, "referral_type": junk, "referrer": junk, "summary": junk, "letter": junk,
           "category": junk, "aware_on": junk, "themes": junk,
           # the meeting form and the request form: which form (and what it was known by), and their answers
           "form": st.one_of(junk, st.fixed_dictionaries({
               "form": st.just("meeting"), "reference": st.just("DUD-2026-001"), "subject": junk}),
               st.fixed_dictionaries({"form": st.just("request"), "reference": st.just("DUD-2026-001")}, optional={
                   "subject": junk, "agencies": st.one_of(junk, st.just("police,health")), "type": junk})),
           "date": st.one_of(junk, st.just("2026-12-30")), "time": st.one_of(junk, st.just("10:00")),
           "place": junk, "override": junk, "agencies": st.one_of(junk, st.just("police")),
           "due": st.one_of(junk, st.just("2026-12-30"))})),
       who=st.sampled_from([HAL, MAL]))
async def test_action_execute_with_hostile_data(teams, caplog, verb, data, who) -> None:  # type: ignore[no-untyped-def]
    """A vote on a made-up outcome, a recusal of no referral, a BM's command run by someone else, a referral
    form from someone not the BM: each refused in a sentence on the card, nothing recorded. (Hal voting with
    a real outcome would be a real vote, so his data never carries one.)"""
    h, ref = await harness(teams)
    h.fuzz_ref = ref
    if isinstance(data, dict):
        data = {k: v.replace("REF", ref) if isinstance(v, str) else v for k, v in data.items()}
        if who is HAL and verb in (c.VOTE, c.RECUSE):
            data.pop("outcome", None)
            data["ref"] = "DUD-2026-999"  # no such referral
    async with Watch(h, caplog) as w:
        status, body = await h.post(invoke(h, who, verb, data))
    w.assert_harmless(status, body)


@FUZZ
@given(path=st.sampled_from([("value",), ("value", "action"), ("value", "action", "verb"), ("name",), ("from",),
                             ("from", "aadObjectId"), ("conversation",), ("conversation", "id"), ("serviceUrl",),
                             ("channelId",), ("recipient",), ("id",), ("type",), ("channelData",),
                             ("replyToId",)]),
       value=junk, drop=st.booleans())
async def test_invokes_with_missing_or_wrong_fields(teams, caplog, path, value, drop) -> None:  # type: ignore[no-untyped-def]
    h, ref = await harness(teams)
    h.fuzz_ref = ref
    activity = copy.deepcopy(invoke(h, MAL, c.VOTE, {"ref": ref, "outcome": "cspr"}))
    spoil(activity, path, value, drop)
    async with Watch(h, caplog) as w:
        status, body = await h.post(activity)
    w.assert_harmless(status, body)


# Action.Submit and other messages -----------------------------------------------------------------------------


@FUZZ
@given(value=junk, text=st.one_of(st.none(), odd_text), who=st.sampled_from([HAL, MAL]))
async def test_action_submit_messages_with_a_value(teams, caplog, value, text, who) -> None:  # type: ignore[no-untyped-def]
    """An `Action.Submit` arrives as a message whose `value` is the card's data and whose text is empty."""
    h, ref = await harness(teams)
    activity = h.message(who, "", "personal")
    activity["value"] = value
    if text is None:
        activity.pop("text", None)
    else:
        activity["text"] = text
    async with Watch(h, caplog) as w:
        status, body = await h.post(activity)
    w.assert_harmless(status, body)


@FUZZ
@given(path=st.sampled_from([("text",), ("from",), ("from", "aadObjectId"), ("from", "id"), ("conversation",),
                             ("conversation", "id"), ("conversation", "conversationType"), ("entities",),
                             ("channelData",), ("channelData", "tenant"), ("locale",), ("recipient",)]),
       value=junk, drop=st.booleans())
async def test_messages_with_missing_or_wrong_fields(teams, caplog, path, value, drop) -> None:  # type: ignore[no-untyped-def]
    h, ref = await harness(teams)
    activity = h.message(MAL, "status", "channel")
    spoil(activity, path, value, drop)
    async with Watch(h, caplog) as w:
        status, body = await h.post(activity)
    w.assert_harmless(status, body)


async def test_bodies_that_are_not_activities(teams, caplog) -> None:  # type: ignore[no-untyped-def]
    h, ref = await harness(teams)
    for body, content_type in [(b"{not json", "application/json"), (b"[]", "application/json"),
                               (b"null", "application/json"), (b'"x"', "application/json"),
                               (b"{}", "application/json"), (b"\xff\xfe", "application/json"),
                               (b"type=message", "application/x-www-form-urlencoded"), (b"", "text/plain")]:
        async with Watch(h, caplog) as w:
            response = await h.client.post("/api/messages", data=body, headers={"Content-Type": content_type})
            status = response.status
            text = await response.text()
        w.assert_harmless(status, text)


async def test_a_reason_with_nul_is_recorded_cleaned(teams, caplog) -> None:  # type: ignore[no-untyped-def]
    """Before the fix a NUL in the reason box reached PostgreSQL (DataError) and the voter saw "Something went
    wrong"; a lone surrogate did the same on both databases."""
    h, ref = await harness(teams)
    async with Watch(h, caplog) as w:
        status, body = await h.post(h.invoke_activity(HAL, h.card(ref), "Recuse", {"reason": "conflict\x00 \ud800"}))
    assert status == 200 and WENT_WRONG not in json.dumps(body)
    assert f"You have recused yourself from {ref}" in json.dumps(body, ensure_ascii=False)
    assert w.after != w.before  # the recusal is recorded
    assert BEA  # (the BM filed the referral in the harness)
