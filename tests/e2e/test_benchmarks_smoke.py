"""The benchmark suite still runs: `python -m benchmarks --quick` end to end in a subprocess, every benchmark
writing numeric figures to its JSON. This asserts that the suite works, never how fast anything is (the
figures of a quick run mean nothing). PostgreSQL rows run when PANELBOT_TEST_DATABASE_URL is set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ("vote_path", "sweep", "catchup", "burst", "email_drain", "footprint", "report", "anonymity", "hostile")


def test_the_quick_run_writes_a_numeric_figure_for_every_benchmark(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "PANELBOT_"))}
    # PostgreSQL only when the tests have it; otherwise an address that refuses at once (its rows are skipped).
    env["PANELBOT_BENCH_DATABASE_URL"] = os.environ.get(
        "PANELBOT_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["quick"] is True and figures["failed"] == []
    assert figures["machine"]["cores"] and figures["machine"]["python"]
    names = {row["benchmark"] for row in figures["rows"]}
    assert names == set(BENCHMARKS)
    for row in figures["rows"]:
        assert isinstance(row["figure"], int | float), row
        assert row["unit"], row
    # The vote path timed votes that were recorded (not refusals on a ballot that had closed).
    votes = [row for row in figures["rows"] if row["name"].startswith("vote p99,")]
    assert votes and all("each recorded and the voter told so" in row["notes"] for row in votes), votes
    # The table is printed with the machine it ran on.
    assert "Machine:" in done.stdout and "vote_path" in done.stdout
    pg = "PANELBOT_TEST_DATABASE_URL" in os.environ
    assert any("PostgreSQL" in row["name"] for row in figures["rows"]) is pg


# The fix the burst benchmark led to (bot/notify/sender.py): flood control holds one target, not the whole outbox. -----


class RateLimitedChat:
    """A platform that answers 429 (`RetryLater`) to the first message in the channels it is told to, and
    remembers every call it was asked to make, in order."""

    platform = "chat"
    reaches_everyone = False
    target_interval = 1.0  # like Slack: one new message a second per channel once it has said 429

    def __init__(self, limited: set[str]) -> None:
        self.limited = set(limited)
        self.calls: list[tuple[str, str, int]] = []  # (channel, text, status)

    async def deliver(self, target, message, previous_id):  # type: ignore[no-untyped-def]
        from bot.notify import RetryLater

        if target in self.limited:
            self.limited.discard(target)
            self.calls.append((target, message.text, 429))
            raise RetryLater(7)
        self.calls.append((target, message.text, 200))
        return None

    def posted(self, channel: str) -> list[str]:
        return [text for target, text, status in self.calls if target == channel and status == 200]


async def test_a_rate_limited_channel_waits_alone_and_its_messages_keep_their_order(make_panel, clock) -> None:
    from bot.notify import Sender
    from storage.models import Channel, OutboxMessage

    panel = await make_panel("salford")
    chat = RateLimitedChat(limited={"CA"})
    sender = Sender(panel, [chat])  # type: ignore[list-item]
    async with panel.uow() as uow:
        for purpose, channel in (("agency:a", "CA"), ("agency:b", "CB")):
            uow.session.add(Channel(partnership_id=panel.partnership_id, purpose=purpose, platform="chat",
                                    external_id=channel, updated_at=clock.now))
        for n in range(1, 4):
            for purpose in ("agency:a", "agency:b"):
                uow.session.add(OutboxMessage(partnership_id=panel.partnership_id, created_at=clock.now,
                                              purpose=purpose, kind="notice", body={"text": f"{purpose} {n}"},
                                              next_attempt_at=clock.now, delivered_to=[]))
        await uow.commit()

    await sender.flush()
    # Channel B is not held up by A's 429; A is not asked again before the 7 seconds it was told.
    assert chat.posted("CB") == ["agency:b 1", "agency:b 2", "agency:b 3"]
    assert [(t, s) for t, _, s in chat.calls if t == "CA"] == [("CA", 429)]
    clock.advance(seconds=6)
    await sender.flush()
    assert chat.posted("CA") == []
    # Then A's messages go in the order they were queued, one a second (no second 429).
    for _ in range(3):
        clock.advance(seconds=1)
        await sender.flush()
    assert chat.posted("CA") == ["agency:a 1", "agency:a 2", "agency:a 3"]
    assert [s for t, _, s in chat.calls if t == "CA"] == [429, 200, 200, 200]
    async with panel.uow() as uow:
        unsent = [r for r in (await uow.session.execute(select(OutboxMessage))).scalars() if r.sent_at is None]
    assert unsent == []


async def test_rows_for_a_channel_still_being_paced_are_left_alone_until_it_may_be_called(make_panel, clock) -> None:
    """A burst showed the sender claiming a paced channel's next row the moment its slot came, finding the
    channel not yet free (the message before had gone out late) and putting the row back: a wasted claim and
    write for nearly every message, which made it later still. Such rows are now not claimed until the
    channel may be called; they still go out in order, one a second."""
    from bot.notify import Sender
    from storage.models import Channel, OutboxMessage

    panel = await make_panel("salford")
    chat = RateLimitedChat(limited={"CA"})
    sender = Sender(panel, [chat])  # type: ignore[list-item]
    async with panel.uow() as uow:
        uow.session.add(Channel(partnership_id=panel.partnership_id, purpose="agency:a", platform="chat",
                                external_id="CA", updated_at=clock.now))
        for n in range(1, 4):
            uow.session.add(OutboxMessage(partnership_id=panel.partnership_id, created_at=clock.now,
                                          purpose="agency:a", kind="notice", body={"text": f"agency:a {n}"},
                                          next_attempt_at=clock.now, delivered_to=[]))
        await uow.commit()

    async def rows() -> list[tuple[int, object, int]]:
        async with panel.uow() as uow:
            found = (await uow.session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
            return [(r.id, r.next_attempt_at, r.attempts) for r in found if r.sent_at is None]

    await sender.flush()  # 429: held for 7 s; the two rows behind it get the slots after
    clock.advance(seconds=7.5)  # the sender comes late to the first slot
    await sender.flush()
    assert chat.posted("CA") == ["agency:a 1"]  # channel paced until 8.5 s
    before = await rows()
    clock.advance(seconds=0.5)  # the second row's slot (8 s) has come, the channel is not free until 8.5 s
    await sender.flush()
    assert await rows() == before  # not claimed, not put back: untouched
    assert chat.posted("CA") == ["agency:a 1"]
    clock.advance(seconds=0.5)
    await sender.flush()
    clock.advance(seconds=1)
    await sender.flush()
    assert chat.posted("CA") == ["agency:a 1", "agency:a 2", "agency:a 3"]
    assert [s for t, _, s in chat.calls] == [429, 200, 200, 200]
