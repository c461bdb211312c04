"""PANELBOT_LOG_FORMAT=json (bot/logging_json.py): one JSON object per line, as `configure_logging` sets it up
for `panelbot run`; text stays the default. The lines logged while a request is served carry its request id,
platform and route; a flush of the outbox (which serves every request's messages) does not carry one
request's id. That nothing typed and no secret reaches these lines is checked by
tests/integration/test_confidentiality.py and tests/e2e/test_secrets.py, which run their log checks over both
formats.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from bot.cli import configure_logging
from bot.logging_json import REQUEST
from bot.notify import OutboxPump
from bot.server import make_app
from bot.settings import Settings


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What a handler on the root logger writes, after `configure_logging` (as `panelbot run`) has run."""
    root = logging.getLogger()
    stream = io.StringIO()
    mine = logging.StreamHandler(stream)
    root.addHandler(mine)
    saved = {h: (h.formatter, list(h.filters)) for h in root.handlers}
    level = root.level
    root.setLevel(logging.DEBUG)  # as basicConfig sets it in `panelbot run` (here pytest's handlers came first)
    yield stream
    root.removeHandler(mine)
    root.setLevel(level)
    for h, (formatter, filters) in saved.items():
        h.setFormatter(formatter)
        h.filters[:] = filters


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_line_is_one_json_object_with_the_fields_a_log_service_searches(written: io.StringIO) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("panelbot.test")
    log.info("vote recorded\nover two lines", extra={"command": "vote", "reference": "SAL-2026-001",
                                                      "outcome": "commence_rapid_review", "duration_ms": 12.5})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("sweep failed")
    first, second = lines(written)  # two records, two lines: the message's own newline stays inside its line
    assert first["level"] == "INFO" and first["logger"] == "panelbot.test"
    assert first["message"] == "vote recorded\nover two lines"
    assert (first["command"], first["reference"], first["outcome"], first["duration_ms"]) == (
        "vote", "SAL-2026-001", "commence_rapid_review", 12.5)
    when = datetime.fromisoformat(first["time"])
    assert first["time"].endswith("Z") and when.utcoffset() is not None and when.utcoffset().total_seconds() == 0
    assert "request_id" not in first  # logged outside any request
    assert second["level"] == "ERROR" and second["exception"] == "RuntimeError"
    assert "Traceback" in second["traceback"] and "boom" in second["traceback"]


def test_text_stays_the_default(written: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).log_format == "text"  # type: ignore[call-arg]
    configure_logging("INFO")
    logging.getLogger("panelbot.test").info("plain")
    out = written.getvalue()
    assert out == "plain\n" or out.rstrip().endswith("panelbot.test: plain")
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)
    monkeypatch.setenv("PANELBOT_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="PANELBOT_LOG_FORMAT must be text or json"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("PANELBOT_LOG_FORMAT", "JSON")
    assert Settings(_env_file=None).log_format == "json"  # type: ignore[call-arg]


async def test_lines_logged_while_serving_a_request_carry_its_id_and_route(make_panel, written) -> None:  # type: ignore[no-untyped-def]
    configure_logging("DEBUG", "json")
    written.seek(0), written.truncate(0)  # what the event loop logged as the test began, before logging was configured
    panel = await make_panel("salford")
    async with TestClient(TestServer(make_app(panel), host="127.0.0.1")) as client:
        for _ in range(2):
            assert (await client.get("/healthz")).status == 200
    served = [x for x in lines(written) if x.get("route") == "/healthz"]
    answered = [x for x in served if x["message"] == "answered 200 /healthz"]
    assert len(answered) == 2 and all(x["status"] == 200 and x["duration_ms"] >= 0 for x in answered)
    ids = {x["request_id"] for x in answered}
    assert len(ids) == 2 and all(len(i) == 16 for i in ids)  # one id per request


async def test_an_outbox_flush_does_not_take_the_id_of_the_request_that_started_it(written) -> None:  # type: ignore[no-untyped-def]
    configure_logging("INFO", "json")
    written.seek(0), written.truncate(0)  # what the event loop logged as the test began, before logging was configured

    class Sender:
        async def flush(self) -> int:
            logging.getLogger("bot.notify").info("flushed")
            return 0

    pump = OutboxPump(Sender())  # type: ignore[arg-type]
    token = REQUEST.set({"request_id": "a" * 16, "platform": "slack", "route": "/slack/events"})
    try:
        logging.getLogger("bot.slack").info("vote")
        await pump.poke()  # as a command does after queuing a message
    finally:
        REQUEST.reset(token)
    await pump.idle()
    vote, flushed = lines(written)
    assert vote["request_id"] == "a" * 16 and vote["platform"] == "slack"
    assert "request_id" not in flushed and "platform" not in flushed


async def test_a_request_is_followed_to_its_outbox_deliveries_and_its_command_is_named(make_panel, written) -> None:  # type: ignore[no-untyped-def]
    from bot.commands import run
    from bot.notify import Sender
    from bot.service import Actor
    from flows.referrals import ReferralDraft

    configure_logging("INFO", "json")
    panel = await make_panel("salford")
    await panel.add_member(actor=Actor.operator(), name="Ann", role="independent_adviser")
    ref = await panel.file_referral(actor=Actor.operator(), draft=ReferralDraft(
        referral_type="rapid_review", referrer="Police", category="young person", letter="C",
        summary="Injuries seen at school; the family is known to services."))

    class Chat:
        platform, reaches_everyone, target_interval = "chat", True, 0.0

        async def deliver(self, target, message, previous_id):  # type: ignore[no-untyped-def]
            return "m1"

    sender = Sender(panel, [Chat()])
    await sender.flush()  # the referral card, queued outside any request
    written.seek(0), written.truncate(0)
    token = REQUEST.set({"request_id": "b" * 16, "platform": "slack", "route": "/slack/events"})
    try:  # as the web server's middleware sets it while a vote is served
        reply = await run(panel, await panel.actor_named("Ann"), f"vote {ref} commence_rapid_review my reasons")
    finally:
        REQUEST.reset(token)
    assert reply.ok
    await sender.flush()  # later, in the pump: no request of its own
    logged = lines(written)
    (command,) = [x for x in logged if x["message"].startswith("command vote")]
    assert command["request_id"] == "b" * 16
    assert (command["command"], command["reference"], command["outcome"]) == ("vote", ref, "commence_rapid_review")
    delivered = [x for x in logged if x["logger"] == "bot.notify" and x["message"].startswith("outbox ")]
    assert delivered and all(x["request_id"] == "b" * 16 for x in delivered)  # the card update it queued
    assert not any("my reasons" in x["message"] for x in logged)  # what was typed is never logged
