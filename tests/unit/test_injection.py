"""Text people type (a referrer, a vote's reason, the decision's reason, what is missing, a member's name) as
each platform renders it: it shows as the text it is, and it can neither notify anyone, nor format, nor
break the message.

* Slack mrkdwn: `&`, `<` and `>` are escaped (so `<!channel>`, `<!here>`, `<@U123>`, `<#C123>` and
  `<!subteam^S1>` arrive as text and notify nobody) and every `@` is followed by a word joiner (so a plain
  `@here` stays a word, whatever `link_names` a client applies).
* Telegram (HTML parse mode): everything is HTML-escaped, so `<b>` and `*_[` neither break the message
  (Telegram would answer 400 "can't parse entities") nor format; the only tags are the shared wording's own.
* Teams Adaptive Cards: a TextBlock renders a markdown subset, so typed text loses link, image, italics,
  list and mention syntax, and the card is always valid JSON.
* Every platform: the shared wording's own `**bold**` and `` `command` `` markers cannot be forged by typing
  them (flows.views.literal).

Property tests (hypothesis over the text) for each renderer, and the literal attacks as examples.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from examples import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.commands import Reply
from bot.notify import Outgoing
from bot.slack import blocks as slack
from bot.teams import cards as teams
from bot.telegram import render as telegram
from flows.calendar import WorkingCalendar
from flows.views import GRAVE, WORD_JOINER, CardView, VoteLine, card_lines, literal

CAL = WorkingCalendar()
WHEN = datetime(2026, 11, 23, 10, 12, tzinfo=UTC)
ATTACKS = [
    "<!channel>", "<!here>", "<!everyone>", "<@U0123ABC>", "<#C0PANEL>", "<!subteam^S012|@safeguarding>",
    "@here please look", "@channel", "a & b < c > d", "&amp; &lt;", "<http://evil.example|click here>",
    "<b>bold</b>", "<a href='tg://user?id=1'>x</a>", "*_[", "**not bold**", "`vote SAL-2026-001 x`",
    "[click](https://evil.example)", "![img](https://evil.example/x.png)", "_italic_", "*star*",
    "https://evil.example/path", "www.evil.example", "\n- a list\n1. item\n# heading\n> quote", "<at>Sam</at>",
    '"}]}, {"type": "Action.OpenUrl", "url": "https://evil.example"', "\\", "\u202eRTL", "👩‍👩‍👧", "",
]
typed = st.one_of(st.sampled_from(ATTACKS), st.text(max_size=120),
                  st.lists(st.sampled_from(list("<>&@*_[]()`!#-+.:/\\\"'\n ")), max_size=40).map("".join))


def card_with(text: str, *, open_: bool = True) -> CardView:
    """A referral card with `text` in every field a person typed."""
    return CardView(
        reference="SAL-2026-001", subject="Young Person C", type_label="Rapid review", referrer=text or "x",
        received_at=WHEN, status="with_panel" if open_ else "decided",
        status_label="with the panel" if open_ else "decided", deadline=WHEN if open_ else None,
        deadline_rule="48 hours", outcomes=(("commence", "Commence rapid review"), ("neither", "Meets neither")),
        votes=(VoteLine(member=text or "x", role="Chair", outcome="Commence rapid review", reason=text or None),
               VoteLine(member="Ann", role="Independent adviser", outcome=None)),
        tally_text="1 vote so far; 2 needed for quorum.", open=open_,
        result_text=None if open_ else "Decided: Commence rapid review", decided_at=None if open_ else WHEN,
        decided_by=None if open_ else f"the Business Manager ({text})", decision_reason=None if open_ else text,
        missing_info=text or None,
    )


def shown(text: str) -> str:
    """What a person would read once a renderer's invisible guards are taken out."""
    return text.replace(WORD_JOINER, "").replace("\u200b", "").replace(GRAVE, "`")


# Shared wording --------------------------------------------------------------------------------------------


@given(typed)
@example("**bold** and `code`")
@settings(max_examples=examples(200), deadline=None)
def test_typed_text_cannot_forge_the_shared_markup(text: str) -> None:
    out = literal(text)
    assert "**" not in out and "`" not in out
    # Read as a person reads it: typed text that already holds a guard character (the modifier grave) reads the same.
    assert shown(out) == shown(text)


def test_the_card_shows_typed_text_as_typed() -> None:
    lines = card_lines(card_with("**URGENT** see `vote`", open_=False), CAL)
    assert f"Referred by *{WORD_JOINER}*URGENT*{WORD_JOINER}* see {GRAVE}vote{GRAVE} · received" in lines[1]
    assert any("Reason: *\u2060*URGENT" in line for line in lines)


# Slack ------------------------------------------------------------------------------------------------------


def slack_texts(obj: object) -> list[str]:
    """Every mrkdwn text in blocks (plain_text fields never parse mentions)."""
    out: list[str] = []
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn":
            out.append(obj["text"])
        for value in obj.values():
            out += slack_texts(value)
    elif isinstance(obj, list):
        for value in obj:
            out += slack_texts(value)
    return out


def assert_slack_safe(text: str, typed_text: str) -> None:
    assert "<" not in text and ">" not in text, text  # no <!channel>, <@U1>, <#C1>, <url|label>
    assert re.sub(r"&(amp|lt|gt);", "", text).count("&") == 0, text
    assert all(text[i + 1 : i + 2] == WORD_JOINER for i, c in enumerate(text) if c == "@"), text
    readable = shown(html.unescape(text))
    if typed_text and len(typed_text) < 200:
        assert shown(literal(typed_text)).replace("**", "*") in readable.replace("**", "*") or "*" in typed_text


@given(typed)
@example("<!channel> <!here> <!everyone> <@U0123> <#C0123> <!subteam^S1> @here")
@settings(max_examples=examples(120), deadline=None)
def test_slack_card_decision_escalation_and_reply_escape_typed_text(text: str) -> None:
    open_card, decided = card_with(text), card_with(text, open_=False)
    rendered = [*slack.card_blocks(open_card, CAL), *slack.card_blocks(decided, CAL)]
    fallback = [slack.card_text(open_card, CAL), slack.card_text(decided, CAL)]
    for message in (Outgoing(kind="decision", purpose="panel", card=decided),
                    Outgoing(kind="escalation", purpose="member:1", card=open_card, headline=text or None,
                             text=f"The panel is tied. {text}")):
        words, message_blocks = slack.message_blocks(message, CAL)
        rendered += message_blocks
        fallback.append(words)
    words, reply = slack.reply_blocks(Reply([f"Your vote is recorded. Reason: {text}"]), CAL)
    rendered += reply
    fallback.append(words)
    texts = slack_texts(rendered) + fallback
    for t in texts:
        assert_slack_safe(t, "")
    # The typed text is there to read, whole (the card's referrer line, say).
    if text.strip() and len(text) < 200:
        readable = shown(html.unescape("\n".join(texts)))
        assert shown(literal(text)).strip().split("\n")[0] in readable


@pytest.mark.parametrize("attack, shown_as", [
    ("<!channel>", "&lt;!channel&gt;"),
    ("<!here>", "&lt;!here&gt;"),
    ("<!everyone>", "&lt;!everyone&gt;"),
    ("<@U0123ABC>", "&lt;@\u2060U0123ABC&gt;"),
    ("<#C0PANEL>", "&lt;#C0PANEL&gt;"),
    ("<!subteam^S012>", "&lt;!subteam^S012&gt;"),
    ("@here", "@\u2060here"),
    ("Tom & Jerry", "Tom &amp; Jerry"),
    ("<http://evil.example|click>", "&lt;http://evil.example|click&gt;"),
])
def test_slack_mentions_and_links_arrive_as_text(attack: str, shown_as: str) -> None:
    blocks = slack.card_blocks(card_with(attack), CAL)
    referrer_line = next(t for t in slack_texts(blocks) if "Referred by" in t)
    assert f"Referred by {shown_as} · received" in referrer_line


def test_slack_modal_intro_escapes_a_forged_reference() -> None:
    from bot.slack import modals

    meta = modals.Meta(reference="<!channel>")
    view = modals.reason_view(modals.VOTE, title="Your vote", intro=["**<!channel>**: you are voting **x**."],
                              label="Your reason", required=False, meta=meta)
    for text in slack_texts(view["blocks"]):
        assert_slack_safe(text, "")


# Telegram ---------------------------------------------------------------------------------------------------


class Tags(HTMLParser):
    """The tags of a Telegram HTML message, and its text as Telegram would show it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.opened: list[str] = []
        self.closed: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        self.opened.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.closed.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def tags(message: str) -> Tags:
    parser = Tags()
    parser.feed(message)
    parser.close()
    return parser


def telegram_messages(text: str) -> list[str]:
    open_card, decided = card_with(text), card_with(text, open_=False)
    return [
        telegram.card_html(open_card, CAL),
        telegram.card_html(decided, CAL),
        telegram.to_html(telegram.decision_lines(decided, CAL)),
    ]


@given(typed)
@example("<b>bold</b> *_[ **x** `vote SAL-2026-001 commence`")
@example("&lt;b&gt; & <")
@settings(max_examples=examples(150), deadline=None)
def test_telegram_html_has_only_the_wordings_own_tags(text: str) -> None:
    """Same tags as with harmless text, balanced, and the typed text reads back exactly (Telegram
    would refuse the message with 400 on an unknown or unbalanced tag)."""
    for message, benign in zip(telegram_messages(text), telegram_messages("plain words"), strict=True):
        got, expected = tags(message), tags(benign)
        assert got.opened == expected.opened and got.closed == expected.closed, message
        assert set(got.opened) <= {"b", "code", "a"}
        if text.strip() and len(text) < 200:
            assert shown(literal(text)).split("\n")[0] in shown(got.text)


def test_telegram_literal_attacks() -> None:
    message = telegram.card_html(card_with("<b>hi</b> *_[ **bold** `vote x`"), CAL)
    assert "Referred by &lt;b&gt;hi&lt;/b&gt; *_[ *\u2060*bold*\u2060* \u02cbvote x\u02cb · received" in message
    assert "<code>" not in message


# Teams ------------------------------------------------------------------------------------------------------


def teams_texts(obj: object) -> list[str]:
    out: list[str] = []
    if isinstance(obj, dict):
        if obj.get("type") == "TextBlock":
            out.append(obj["text"])
        for value in obj.values():
            out += teams_texts(value)
    elif isinstance(obj, list):
        for value in obj:
            out += teams_texts(value)
    return out


def assert_teams_safe(text: str) -> None:
    assert "](" not in text and "<" not in text and ">" not in text, text  # links, images, <at> mentions
    assert not re.search(r"(?i)\b(https?|ftp|mailto|tel|file):|www\.", text), text  # addresses Teams would link
    assert "*" not in text.replace("**", ""), text  # no single-star italics, no `* ` list
    assert not re.search(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])", text), text  # no `_italic_`
    assert not re.search(r"(?m)^\s*([-+#>]|\d+[.)])", text), text  # no list, heading or quote


def teams_cards(text: str) -> list[dict]:
    open_card, decided = card_with(text), card_with(text, open_=False)
    # Wording that quotes typed text passes it through literal(), as the service's notices do.
    escalation = Outgoing(kind="escalation", purpose="member:1", card=open_card, headline="Tied",
                          text=f"Reason: {literal(text)}")
    return [
        teams.referral_card(open_card, CAL, note=f"Your vote is recorded. Reason: {literal(text)}"),
        teams.referral_card(decided, CAL),
        teams.message_card(Outgoing(kind="decision", purpose="panel", card=decided), CAL),
        teams.message_card(escalation, CAL),
        *teams.reply_cards(Reply([f"Recorded: {literal(text)}"], card=open_card), CAL),
    ]


@given(typed)
@example('[x](https://evil.example) ![i](https://evil.example/i.png) _it_ *it* <at>Sam</at>\n- list')
@example('"}]} {"type": "Action.OpenUrl"')
@settings(max_examples=examples(120), deadline=None)
def test_teams_cards_carry_typed_text_without_markup(text: str) -> None:
    for card, benign in zip(teams_cards(text), teams_cards("plain words"), strict=True):
        assert json.loads(json.dumps(card)) == card  # always a valid card body
        # No element a person's text could have added: a line break in a notice is one more TextBlock.
        assert {b.get("type") for b in card["body"]} == {b.get("type") for b in benign["body"]}
        assert [a.get("type") for a in card.get("actions", [])] == [a.get("type") for a in benign.get("actions", [])]
        texts = teams_texts(card)
        assert sum(t.count("**") for t in texts) == sum(t.count("**") for t in teams_texts(benign))  # no bold
        for t in texts:
            assert_teams_safe(t)


def test_teams_literal_attacks() -> None:
    card = teams.referral_card(card_with("[click](https://evil.example) _x_ *y* <at>Sam</at>"), CAL)
    referrer = next(t for t in teams_texts(card) if t.startswith("Referred by"))
    assert referrer.startswith(
        "Referred by [click]\u200b(https\u200b://evil.example) \uff3fx\uff3f \u2217y\u2217 "
        "\u2039at\u203aSam\u2039/at\u203a"
    )
