"""Signed but malformed requests to `/slack/events`: slash commands with hostile text, block_actions with
missing, extra or wrongly typed fields and unknown action ids, view_submissions with missing blocks and
values, bad JSON in `payload`, the wrong content type.

Slack signs what it sends, so every body here is correctly signed: what is checked is what the bot does with
a body it did not expect. Each gets an HTTP answer below 500 (Slack retries a 5xx), the person is told
something plain or nothing at all, never the "Something went wrong" of an unexpected failure and never a
traceback, no listener logs an error, and nothing changes in the database.

One harness per test on the Dudley preset, reused across hypothesis's examples.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from fuzzing import database_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_fake import Harness, sign
from test_slack_voting import dudley, file_referral

from bot.service import Actor

FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WENT_WRONG = "Something went wrong inside Panelbot"
ODD = ["\x00", "\u202e", "\u200b", "\ufeff", "\ud800", "🙂", "<!channel>", "<@U0BM>", "&", "*", "`", "'", '"']
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.characters()), max_size=40).map("".join)
junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), odd_text,
              st.just("x" * 5000)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=6,
)


async def snapshot(h: Harness) -> tuple:
    return await database_state(h.panel)


async def harness(slack) -> tuple[Harness, str]:  # type: ignore[no-untyped-def]
    """A Dudley panel with one referral filed, kept on the fixture for all of one test's examples."""
    if not hasattr(slack, "fuzz"):
        h = await dudley(slack)
        slack.fuzz = (h, await file_referral(h))
    return slack.fuzz


class Watch:
    """What one request did: its status, what people were told, errors logged, rows changed."""

    def __init__(self, h: Harness, caplog: pytest.LogCaptureFixture) -> None:
        self.h, self.caplog = h, caplog

    async def __aenter__(self) -> Watch:
        self.before = await snapshot(self.h)
        self.told = len(self.h.fake.calls)
        self.logged = len(self.caplog.records)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.h.settle()
        self.after = await snapshot(self.h)
        calls = self.h.fake.calls[self.told:]
        self.said = "\n".join(json.dumps(c.args, ensure_ascii=False) for c in calls)
        self.errors = [r for r in self.caplog.records[self.logged:] if r.levelno >= logging.ERROR]

    def assert_harmless(self, status: int) -> None:
        assert status < 500, status
        assert WENT_WRONG not in self.said and "Traceback" not in self.said, self.said[:500]
        assert not self.errors, [r.getMessage() for r in self.errors]
        assert self.after == self.before


async def post_form(h: Harness, fields: dict[str, Any], content_type: str = "application/x-www-form-urlencoded") -> int:
    # A lone surrogate goes out as the bytes it would be (ED A0 80): not UTF-8, which is the point.
    body = urlencode(fields, errors="surrogatepass")
    return await h.post(body, sign(body), content_type)


async def post_payload(h: Harness, payload: Any) -> int:
    return await post_form(h, {"payload": json.dumps(payload)})


# Slash commands ------------------------------------------------------------------------------------------


@FUZZ
@given(text=st.one_of(odd_text, st.text(max_size=200), st.just("x" * 100_000)),
       user=st.sampled_from(["U0NOBODY", "U0LA", ""]))
async def test_slash_commands_with_hostile_text(slack, caplog, text: str, user: str) -> None:  # type: ignore[no-untyped-def]
    """Someone not on the panel, a member, and no user id at all. A member's line may be a real command
    (`status`); anything else is refused in words and changes nothing."""
    h, ref = await harness(slack)
    payload = h.slash_payload(user, text)
    async with Watch(h, caplog) as w:
        status = await post_form(h, payload)
    if user == "U0LA" and w.after != w.before:  # a well-formed command went through: fine, but still plain
        w.before = w.after
    w.assert_harmless(status)


@FUZZ
@given(drop=st.sets(st.sampled_from(["user_id", "channel_id", "text", "trigger_id", "response_url", "team_id"])),
       sub=st.sampled_from(["new", "setup", "decide SAL-2026-001 cspr", "return SAL-2026-001", "request x", "status"]))
async def test_slash_commands_with_fields_missing(slack, caplog, drop, sub) -> None:  # type: ignore[no-untyped-def]
    h, ref = await harness(slack)
    payload = {k: v for k, v in h.slash_payload("U0POL", sub).items() if k not in drop}
    async with Watch(h, caplog) as w:
        status = await post_form(h, payload)
    w.assert_harmless(status)


# Buttons ---------------------------------------------------------------------------------------------------


PATHS = [("actions",), ("actions", 0), ("actions", 0, "action_id"), ("actions", 0, "value"), ("user",),
         ("user", "id"), ("trigger_id",), ("channel",), ("container",), ("response_url",), ("message",), ("team",)]


def mutate(payload: dict, path: tuple, value: Any, delete: bool) -> dict:
    out = copy.deepcopy(payload)
    node: Any = out
    for key in path[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return out
    last = path[-1]
    if isinstance(node, dict):
        if delete:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        if delete:
            node.pop(last)
        else:
            node[last] = value
    return out


@FUZZ
@given(label=st.sampled_from(["Undertake", "Recuse"]), path=st.sampled_from(PATHS), value=junk,
       delete=st.booleans(), user=st.sampled_from(["U0LA", "U0NOBODY"]))
async def test_block_actions_with_missing_or_wrong_fields(slack, caplog, label, path, value, delete, user) -> None:  # type: ignore[no-untyped-def]
    """A button press only ever opens a form, so whatever is wrong with it, nothing may change."""
    h, ref = await harness(slack)
    payload = mutate(h.press_payload(user, h.card(ref), label), path, value, delete)
    async with Watch(h, caplog) as w:
        status = await post_payload(h, payload)
    w.assert_harmless(status)


@FUZZ
@given(action_id=st.one_of(odd_text, st.sampled_from(["vote:", "vote:nope", "run:0", "run:x", "recuse", "home_new",
                                                       "vote:" + "x" * 300])),
       value=st.one_of(st.none(), odd_text, st.just("{}"), st.just('{"c": 5}'), st.just('{"c": "close SAL-2026-001"}'),
                       st.just("[]"), st.just('"x"'), st.just("x" * 3000)))
async def test_block_actions_with_unknown_action_ids_and_odd_values(slack, caplog, action_id, value) -> None:  # type: ignore[no-untyped-def]
    """`run:` buttons carry a command; a forged one is run as the person who pressed it, so a member who is
    not the BM gets the core's refusal (`close` is the BM's) and nothing changes."""
    h, ref = await harness(slack)
    payload = h.press_payload("U0LA", h.card(ref), "Recuse")
    payload["actions"][0]["action_id"] = action_id
    payload["actions"][0]["value"] = value
    async with Watch(h, caplog) as w:
        status = await post_payload(h, payload)
    w.assert_harmless(status)


# Forms -----------------------------------------------------------------------------------------------------


@FUZZ
@given(which=st.sampled_from(["vote", "recuse", "new", "reason", "request", "meeting"]), path=st.sampled_from([
    ("view", "state"), ("view", "state", "values"), ("view", "private_metadata"), ("view", "id"), ("user",),
    ("view", "state", "values", "reason"), ("view", "state", "values", "reason", "value"),
    ("view", "state", "values", "reason", "value", "value"), ("view", "state", "values", "summary"),
    ("view", "state", "values", "aware", "value", "selected_date"), ("view", "state", "values", "type"),
    ("view", "state", "values", "agencies", "value", "selected_options"),
    ("view", "state", "values", "date", "value", "selected_date"), ("view", "state", "values", "time"),
]), value=junk, delete=st.booleans())
async def test_view_submissions_with_missing_blocks_and_values(slack, caplog, which, path, value, delete) -> None:  # type: ignore[no-untyped-def]
    """The modals a member or the BM could have open, submitted with something broken. The form either shows
    its own field error, or the person is told in a sentence; nothing is filed, voted or recorded."""
    h, ref = await harness(slack)
    views = await modals(h, ref)
    view, values, user = views[which]
    payload = h.submit_payload(user, view, values, client_checks=False)
    payload = mutate(payload, path, value, delete)
    if which == "vote":  # a real vote would change things; the broken one must not
        payload["view"]["private_metadata"] = json.dumps({"reference": ref, "outcome": "no-such-outcome"})
    async with Watch(h, caplog) as w:
        status = await post_payload(h, payload)
    w.assert_harmless(status)


async def modals(h: Harness, ref: str) -> dict[str, tuple[dict, dict, str]]:
    """Each modal as Slack would show it, opened once per harness, with answers that would be accepted."""
    if not hasattr(h, "fuzz_modals"):
        await h.press("U0LA", h.card(ref), "Undertake")
        vote = h.modal()
        await h.press("U0LA", h.card(ref), "Recuse")
        recuse = h.modal()
        await h.slash("U0BM", "new")
        new = h.modal()
        await h.slash("U0BM", f"return {ref}")
        reason = h.modal()
        agency = h.panel.preset.agencies[0].id
        # The request form offers the agencies with a channel or a contact: give it one to offer.
        await h.panel.set_channel(actor=Actor.operator(), purpose=f"agency:{agency}", platform_id="slack:C0AGENCY")
        views = len(h.fake.views)
        await h.slash("U0BM", f"request {ref}")
        assert len(h.fake.views) == views + 1, "the request form did not open"
        request = h.modal()
        await h.slash("U0BM", f"meeting schedule {ref}")  # the meeting form: every form goes through one callback
        assert len(h.fake.views) == views + 2, "the meeting form did not open"
        meeting = h.modal()
        assert meeting["title"]["text"].startswith("Schedule"), meeting["title"]
        # The BM's "return" form is submitted by a member who is not the BM, so the core refuses it.
        h.fuzz_modals = {
            "vote": (vote, {"reason": "because"}, "U0LA"),
            "recuse": (recuse, {"reason": "conflict"}, "U0NOBODY"),
            "new": (new, {"referral_type": h.panel.preset.referral_types[0].id, "referrer": "other_agency",
                          "referrer_other": "School", "category": "baby",
                          "letter": "B", "summary": "Injury seen at nursery"}, "U0NOBODY"),
            "reason": (reason, {"reason": "no chronology"}, "U0LA"),
            "request": (request, {"agencies": [agency]}, "U0LA"),
            "meeting": (meeting, {"date": "2026-12-30", "time": "10:00"}, "U0LA"),
        }
    return h.fuzz_modals


# Transport-level oddities ------------------------------------------------------------------------------------


BODIES = [
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("payload=%5B%5D", "application/x-www-form-urlencoded"),  # a list, not an object
    ("payload=null", "application/x-www-form-urlencoded"),
    ("payload=%22text%22", "application/x-www-form-urlencoded"),
    ("payload=" + "A" * 200_000, "application/x-www-form-urlencoded"),
    ("{not json", "application/json"),
    ("[]", "application/json"),
    ('{"type": "event_callback", "event": "not an object"}', "application/json"),
    ('{"type": "event_callback", "event": {"type": "app_home_opened", "user": 5, "tab": "home"}}', "application/json"),
    ('{"type": "event_callback", "event": {"type": "app_home_opened", "user": ["U0LA"]}}', "application/json"),
    ("command=%2Fpanel&text=status", "text/plain"),
    ("command=%2Fpanel&text=status", "application/octet-stream"),
    ("\x00\xff binary", "application/x-www-form-urlencoded"),
    ("", "application/json"),
]


async def test_bodies_slack_would_never_send(slack, caplog) -> None:  # type: ignore[no-untyped-def]
    """Not JSON, JSON of the wrong shape, the wrong content type: 400 or a quiet 200, never a 500 (before the
    fix, bolt's body parsing and its authorization middleware raised inside the route)."""
    h, ref = await harness(slack)
    for body, content_type in BODIES:
        async with Watch(h, caplog) as w:
            status = await h.post(body, sign(body), content_type)
        w.assert_harmless(status)


async def test_a_huge_reason_in_a_vote_form_is_refused_on_the_field(slack, caplog) -> None:  # type: ignore[no-untyped-def]
    """The form limits the reason; a forged submission past that limit is refused on the field, not stored."""
    h, ref = await harness(slack)
    view, _, _ = (await modals(h, ref))["vote"]
    payload = h.submit_payload("U0LA", view, {"reason": "r"}, client_checks=False)
    payload["view"]["state"]["values"]["reason"]["value"]["value"] = "x" * 100_000
    async with Watch(h, caplog) as w:
        status = await post_payload(h, payload)
    w.assert_harmless(status)
    answer = json.loads(h.last_response)
    assert answer["response_action"] == "errors" and "reason" in answer["errors"]
