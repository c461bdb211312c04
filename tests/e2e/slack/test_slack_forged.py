"""Forged, stale and replayed requests to `/slack/events`.

test_slack_transport.py shows a wrong signing secret, a tampered body, no signature, and timestamps six
minutes old or ahead are 401. Here: the signature header's other forgeries (another version, another
timestamp, cut short, upper case, a non-numeric timestamp), a captured request replayed once the 5-minute
window has passed, and replays inside the window, which Slack's signature cannot stop: the same vote
submitted again (as an attacker would, or as Slack does with `X-Slack-Retry-Num`) counts once, because the
vote carries the modal's id as its delivery key, and a replayed slash-command vote changes nothing.
Dudley here is the test preset of a partnership whose panel decides by vote (tests/stage_presets.py: Dudley's
preset without its `[[stages]]` entry): the shipped Dudley has a child's referral decided at the rapid review
meeting, where the votes are advice and close nothing, and what is tested here is whether a forged or replayed
vote counts.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from fuzzing import database_state
from slack_fake import SECRET, Harness, sign
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select
from test_slack_voting import file_referral, voting_dudley

from storage.models import Vote

FORM = "application/x-www-form-urlencoded"
CSPR = "Undertake a child safeguarding practice review"


async def snapshot(h: Harness) -> tuple:
    return await database_state(h.panel)


async def votes(h: Harness) -> list[tuple[str, bool]]:
    async with h.panel.uow() as uow:
        rows = (await uow.session.execute(select(Vote.outcome, Vote.is_current).order_by(Vote.id))).all()
    return [tuple(r) for r in rows]


async def vote_submission(h: Harness, user: str, ref: str, label: str, reason: str = "") -> str:
    """The body Slack sends when `user` submits the vote modal for `label`: signed by the caller."""
    await h.press(user, h.card(ref), label)
    return urlencode({"payload": json.dumps(h.submit_payload(user, h.modal(), {"reason": reason}))})


async def test_signature_header_forgeries_are_refused_and_change_nothing(slack) -> None:
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    body = await vote_submission(h, "U0LA", ref, CSPR)
    good = sign(body)
    ts = good["X-Slack-Request-Timestamp"]
    other_ts = str(int(ts) - 1)
    digest = good["X-Slack-Signature"].removeprefix("v0=")
    before, calls = await snapshot(h), len(h.fake.calls)
    forged = [
        {**good, "X-Slack-Signature": "v1=" + digest},  # another version
        {**good, "X-Slack-Signature": digest},  # no version
        {**good, "X-Slack-Signature": "v0=" + digest.upper()},
        {**good, "X-Slack-Signature": "v0=" + digest[:-2]},  # cut short
        {**good, "X-Slack-Signature": ""},
        {**good, "X-Slack-Request-Timestamp": other_ts},  # the signature is for another second
        {"X-Slack-Request-Timestamp": other_ts,
         "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body + " ")},
        {**good, "X-Slack-Request-Timestamp": "soon"},
        {**good, "X-Slack-Request-Timestamp": ""},
        {"X-Slack-Signature": good["X-Slack-Signature"]},  # no timestamp
    ]
    for headers in forged:
        assert await h.post(body, headers, FORM) == 401, headers
    assert await snapshot(h) == before and len(h.fake.calls) == calls
    assert await h.post(body, good, FORM) == 200  # the control: the real one goes through
    assert await votes(h) == [("cspr", True)]


async def test_a_captured_vote_replayed_after_five_minutes_is_refused(slack) -> None:
    """Slack signs the timestamp with the body: a request captured and replayed once 5 minutes have passed is
    refused, though every byte and the signature are Slack's own."""
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    body = await vote_submission(h, "U0LA", ref, CSPR)
    captured = sign(body, timestamp=int(time.time()) - 5 * 60 - 1)
    before = await snapshot(h)
    assert await h.post(body, captured, FORM) == 401
    assert await h.post(body, {**captured, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
                        FORM) == 401
    assert await snapshot(h) == before
    assert await votes(h) == []


async def test_a_vote_replayed_inside_the_window_counts_once(slack) -> None:
    """The exact bytes and signature of a vote submission, sent again three times (twice as Slack's retries):
    all answered 200, one vote, one audit entry, the card updated once."""
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    body = await vote_submission(h, "U0LA", ref, CSPR, reason="Multi-agency concerns")
    headers = sign(body)
    assert await h.post(body, headers, FORM) == 200
    once = await snapshot(h)
    updates = h.card(ref).updates
    assert h.said_to("U0LA") == f"Your vote on {ref} is recorded: {CSPR}."
    for retry in ({}, {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
                  {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}):
        assert await h.post(body, {**headers, **retry}, FORM) == 200
    assert await votes(h) == [("cspr", True)]
    assert await snapshot(h) == once  # no second vote row, audit entry or outbox message
    assert h.card(ref).updates == updates
    assert "1 of 3 statutory partners have voted" in h.card(ref).shown


async def test_a_replayed_slash_command_vote_changes_nothing(slack) -> None:
    """`/panel vote REF OUTCOME` carries no delivery key, but voting the same way again is no change: the
    replay is answered, and nothing is recorded twice."""
    h = await voting_dudley(slack)
    ref = await file_referral(h)
    body = urlencode(h.slash_payload("U0POL", f"vote {ref} cspr Police hold relevant history"))
    headers = sign(body)
    assert await h.post(body, headers, FORM) == 200
    once = await snapshot(h)
    first = h.said_to("U0POL")
    assert first == f"Your vote on {ref} is recorded: {CSPR}."
    assert await h.post(body, headers, FORM) == 200
    assert await snapshot(h) == once
    assert await votes(h) == [("cspr", True)]
    assert h.said_to("U0POL") != first  # told, in words, that nothing changed
