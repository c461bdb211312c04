"""Block Kit rendering: Slack's limits hold whatever the preset or the people typed (50 blocks, 3,000
characters per section, 25 buttons per actions block, 75 per button label), typed text is escaped, a kind
of message the adapter does not know is shown as a notice with its buttons, and the outbox gives each
message the id of its referral's card where that card was posted (for Slack's thread replies)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.commands import Reply
from bot.notify import Action, Outgoing, Sender
from bot.service import Actor
from bot.slack import blocks as b
from flows.calendar import WorkingCalendar
from flows.clocks import calendar_for
from flows.preset import load_preset
from flows.referrals import ReferralDraft
from flows.views import CardView, VoteLine


def calendar() -> WorkingCalendar:
    return calendar_for(load_preset("salford"))


def card(**changes: object) -> CardView:
    base = dict(
        reference="SAL-2026-014", subject="Young Person C", type_label="Rapid review", referrer="CSC",
        received_at=datetime(2026, 11, 23, 10, 12, tzinfo=UTC), status="with_panel", status_label="with the panel",
        deadline=datetime(2026, 11, 25, 10, 12, tzinfo=UTC), deadline_rule="48 hours",
        outcomes=(("commence", "Commence rapid review"),), votes=(), tally_text="No votes yet.", open=True,
    )
    return CardView(**{**base, **changes})  # type: ignore[arg-type]


def test_thirty_outcomes_make_two_rows_of_buttons_and_long_labels_are_cut() -> None:
    outcomes = tuple((f"o{i}", f"Outcome {i} " + "with a very long label " * 5) for i in range(30))
    blocks = b.card_blocks(card(outcomes=outcomes), calendar())
    rows = [blk for blk in blocks if blk["type"] == "actions"]
    assert [len(r["elements"]) for r in rows] == [25, 6]  # 30 outcomes and Recuse
    labels = [e["text"]["text"] for r in rows for e in r["elements"]]
    assert all(len(label) <= 75 for label in labels) and labels[0].endswith("…")
    assert rows[1]["elements"][-1]["action_id"] == "recuse"
    assert len({e["action_id"] for r in rows for e in r["elements"]}) == 31
    assert not any("style" in e for r in rows for e in r["elements"])  # no outcome is made to stand out


def test_many_long_lines_fit_in_fifty_blocks_of_three_thousand_characters() -> None:
    votes = tuple(VoteLine(f"Member {i}", "Police", "Commence", reason="r" * 2900) for i in range(80))
    text, blocks = b.message_blocks(
        Outgoing(kind="escalation", purpose="member:1", card=card(votes=votes), text="x" * 5000, headline="Tied"),
        calendar(),
    )
    assert len(blocks) <= 50
    assert all(len(blk["text"]["text"]) <= 3000 for blk in blocks if blk["type"] == "section")
    assert blocks[-1]["type"] == "context" and "more not shown" in blocks[-1]["elements"][0]["text"]
    assert len(text) <= 3000


def test_escaping_neutralises_mentions_and_survives_cutting() -> None:
    line = "<!channel> @here <@U1> <#C1|x> & <https://evil.example|click>"
    out = b.mrkdwn(line)
    assert "<" not in out and ">" not in out and "@here" not in out
    assert out.startswith("&lt;!channel&gt; @\u2060here &lt;@\u2060U1&gt;")
    assert b.mrkdwn("**bold** and **more**") == "*bold* and *more*"
    assert b.cut("ab&amp;", 6) == "ab…"  # never half an entity
    assert b.cut("abc", 3) == "abc"


def test_an_unknown_kind_is_shown_as_a_notice_with_its_buttons() -> None:
    message = Outgoing(
        kind="reminder", purpose="agency:police", headline="Reminder", text="Your chronology for `done` is due.",
        actions=(Action("Mark as returned", "returned SAL-2026-014 police", style="primary"),
                 Action("Ask for more time", "extend SAL-2026-014 police", needs_reason=True)),
    )
    text, blocks = b.message_blocks(message, calendar())
    assert blocks[0]["text"]["text"] == "*Reminder*\nYour chronology for `/panel done` is due."
    buttons = blocks[-1]["elements"]
    assert [x["text"]["text"] for x in buttons] == ["Mark as returned", "Ask for more time…"]
    assert buttons[0]["style"] == "primary" and "style" not in buttons[1]
    assert json.loads(buttons[1]["value"]) == {"c": "extend SAL-2026-014 police", "r": True, "l": "Ask for more time"}
    assert text.startswith("Reminder")


def test_replies_name_the_slash_command() -> None:
    text, blocks = b.reply_blocks(
        Reply(["Usage: `vote REF OUTCOME` (for example `vote SAL-2026-001 commence`).", "Use `status`, not `statusx`."],
              ok=False),
        calendar(),
    )
    assert blocks[0]["text"]["text"] == (
        "Usage: `/panel vote REF OUTCOME` (for example `/panel vote SAL-2026-001 commence`).\n"
        "Use `/panel status`, not `statusx`."
    )


class Recorder:
    platform = "slack"
    reaches_everyone = False
    target_interval = 0.0

    def __init__(self) -> None:
        self.got: list[tuple[str, Outgoing, str | None]] = []

    async def deliver(self, target: str, message: Outgoing, previous_id: str | None) -> str | None:
        self.got.append((target, message, previous_id))
        return f"ts-{len(self.got)}"


async def test_the_sender_gives_a_decision_its_cards_id_on_the_same_target_only(make_panel) -> None:
    panel = await make_panel("salford")
    op = Actor.operator()
    await panel.add_member(actor=op, name="Bea", role="business_manager", ids=["slack:U0BM"])
    await panel.set_channel(actor=op, purpose="panel", platform_id="slack:C0PANEL")
    await panel.set_channel(actor=op, purpose="bm", platform_id="slack:C0DESK")
    recorder = Recorder()
    sender = Sender(panel, [recorder])
    bm = await panel.actor_named("Bea")
    ref = await panel.file_referral(actor=bm, draft=ReferralDraft("rapid_review", "CSC", "baby", "A", "Summary"))
    await sender.flush()
    await panel.decide_now(actor=bm, reference=ref, outcome="commence_rapid_review", reason="Obvious")
    await sender.flush()
    got = {(target, m.kind): (m.card_message_id, previous) for target, m, previous in recorder.got}
    assert got[("C0PANEL", "referral_card")] == (None, None)
    assert got[("C0PANEL", "card_update")] == (None, "ts-1")  # updates name the card to edit
    assert got[("C0PANEL", "decision")] == ("ts-1", None)  # the decision can reply in the card's thread
    assert got[("C0DESK", "decision")] == (None, None)  # no card was posted on the BM's desk
