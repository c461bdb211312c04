"""Telegram allows 1 to 64 bytes of callback_data and python-telegram-bot does not check it: the longest
possible button of every kind fits, and decodes back to what was pressed. Shared wording becomes Telegram
HTML that escapes what people typed and never exceeds 4,096 characters."""

from __future__ import annotations

from datetime import UTC, datetime

from fake_bot_api import check_html, plain_of

from bot.notify import Action
from bot.telegram import callbacks, render
from flows.preset import load_preset
from flows.views import CardView, VoteLine

LONGEST_REFERENCE = "ABCDEF-9999-999999999"  # a 6-letter prefix and a billion referrals in one year
LONG_OUTCOME = "o" * 80  # preset ids have no length limit


def test_every_kind_of_button_fits_in_64_bytes():
    datas = [
        callbacks.encode_vote(LONGEST_REFERENCE, LONG_OUTCOME, 99, needs_reason=True),
        callbacks.encode_vote(LONGEST_REFERENCE, "commence_rapid_review", 0, needs_reason=False),
        callbacks.encode_recuse(LONGEST_REFERENCE),
        callbacks.encode_action("decide " + LONGEST_REFERENCE + " " + LONG_OUTCOME, needs_reason=True)[0],
        callbacks.encode_action("returned " + LONGEST_REFERENCE + " " + "é" * 200, needs_reason=False)[0],
        callbacks.encode_intake("t", "99"),
        callbacks.encode_intake("c", "2"),
        callbacks.encode_intake("s"),
        callbacks.encode_intake("f"),
        callbacks.encode_intake("x"),
    ]
    for data in datas:
        assert 1 <= len(data.encode("utf-8")) <= 64, data

    vote = callbacks.decode(datas[0])
    assert (vote.kind, vote.reference, vote.value, vote.needs_reason) == ("vote", LONGEST_REFERENCE, "#99", True)
    ids = [f"x{i}" for i in range(99)] + [LONG_OUTCOME]
    assert callbacks.outcome_from_token(vote.value, ids) == LONG_OUTCOME
    assert callbacks.decode(datas[1]).value == "commence_rapid_review"
    assert callbacks.decode(datas[2]).kind == "recuse"
    stored = callbacks.decode(datas[3])
    assert stored.kind == "stored" and stored.needs_reason
    assert stored.value == callbacks.digest("decide " + LONGEST_REFERENCE + " " + LONG_OUTCOME)
    short, must_store = callbacks.encode_action("returned SAL-2026-001 police", needs_reason=False)
    assert not must_store and callbacks.decode(short).value == "returned SAL-2026-001 police"
    assert callbacks.decode(None).kind == callbacks.decode("garbage").kind == "unknown"


def test_every_preset_card_keyboard_fits():
    for name in ("salford", "dudley", "kirklees", "stockport", "suffolk"):
        preset = load_preset(name)
        card = CardView(
            reference=f"{preset.reference_prefix}-2026-999999",
            subject="Young Person C",
            type_label="t",
            referrer="r",
            received_at=datetime(2026, 11, 23, tzinfo=UTC),
            status="with_panel",
            status_label="With the panel",
            deadline=None,
            deadline_rule="48 hours",
            outcomes=tuple((o.id, o.label) for o in preset.outcomes),
            votes=(),
            tally_text="",
            open=True,
            reason_required=tuple(o.id for o in preset.outcomes if o.reason_required),
        )
        keyboard = render.card_keyboard(card)
        assert keyboard is not None
        for row in keyboard.inline_keyboard:
            for button in row:
                assert len(button.callback_data.encode("utf-8")) <= 64
        actions = tuple(Action(o.label, f"decide {card.reference} {o.id}", True) for o in preset.outcomes)
        markup, stored = render.action_keyboard(actions)
        assert markup is not None and not stored


def test_html_escapes_typed_text_and_keeps_our_bold():
    html = render.to_html(["**SAL-2026-001 · Adult D** referred by A & B <Ltd>", "Use `vote SAL-2026-001 x`."])
    check_html(html)
    assert html == (
        "<b>SAL-2026-001 · Adult D</b> referred by A &amp; B &lt;Ltd&gt;\n"
        "Use <code>/vote SAL-2026-001 x</code>."
    )


def test_cut_to_4096_characters_as_telegram_counts_them():
    html = render.to_html(["**" + "😀" * 3000 + "**"])  # each emoji is two UTF-16 units
    check_html(html)
    text = plain_of(html)
    assert len(text.encode("utf-16-le")) // 2 <= 4096 and text.endswith("…")
    assert render.plain(["x" * 500]).endswith("…") and len(render.plain(["x" * 500])) == 200


def test_votes_on_the_card_read_as_on_other_platforms():
    card = CardView(
        reference="DUD-2026-001",
        subject="Adult D",
        type_label="SAR",
        referrer="Police",
        received_at=datetime(2026, 11, 23, 10, 12, tzinfo=UTC),
        status="decided",
        status_label="Decided",
        deadline=None,
        deadline_rule="48 hours",
        outcomes=(("sar", "SAR"),),
        votes=(VoteLine("Pat", "Police", "SAR"),),
        tally_text="",
        open=False,
        result_text="Decided: SAR",
    )
    assert render.card_keyboard(card) is None  # closed: no buttons
