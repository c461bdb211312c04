"""Shared wording as Telegram HTML, and the inline keyboards under messages.

The wording comes from `flows.views` and `bot.commands`, marked with `**bold**` and `` `code` ``. Everything
else is text: it is HTML-escaped here, so nothing a person typed can become markup. A message is cut to
Telegram's 4,096 characters (counted as Telegram counts them, after the markup) and ends with "…" when cut.
A code span that starts with a command (`` `vote REF OUTCOME` ``) is shown as the Telegram command `/vote`.
A photo's caption (a report chart's title) is cut the same way to 1,024 characters.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.commands import COMMANDS
from bot.notify import Action
from bot.telegram import callbacks
from flows.calendar import WorkingCalendar
from flows.views import CardView, card_lines, literal, practice_mark

MESSAGE_LIMIT = 4096  # characters of text after the markup is parsed
CAPTION_LIMIT = 1024  # a photo's caption, after the markup is parsed
TOAST_LIMIT = 200  # answerCallbackQuery text
ELLIPSIS = "…"
TELEGRAM_ONLY = ("new", "setup", "cancel")

_MARK = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")


@dataclass(frozen=True)
class Segment:
    text: str
    tag: str | None = None  # b | code | a
    href: str = ""


def command_names() -> set[str]:
    return set(COMMANDS) | set(TELEGRAM_ONLY)


def slash(code: str) -> str:
    """`vote REF OUTCOME` -> `/vote REF OUTCOME`: on Telegram a command starts with a slash."""
    first = code.split(" ", 1)[0].lower()
    return f"/{code}" if first in command_names() else code


def parse(line: str) -> list[Segment]:
    out: list[Segment] = []
    pos = 0
    for match in _MARK.finditer(line):
        if match.start() > pos:
            out.append(Segment(line[pos : match.start()]))
        if match.group(1) is not None:
            out.append(Segment(match.group(1), "b"))
        else:
            out.append(Segment(slash(match.group(2)), "code"))
        pos = match.end()
    if pos < len(line):
        out.append(Segment(line[pos:]))
    return out


def mention(user_id: int, name: str) -> Segment:
    """A link to a person; with a selective ForceReply it makes only that person's app ask for the reply."""
    return Segment(name or "you", "a", f"tg://user?id={int(user_id)}")


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, units: int) -> str:
    out, used = [], 0
    for ch in text:
        size = _units(ch)
        if used + size > units:
            break
        out.append(ch)
        used += size
    return "".join(out)


def _html(seg: Segment) -> str:
    text = html.escape(seg.text, quote=False)
    if seg.tag == "a":
        return f'<a href="{html.escape(seg.href)}">{text}</a>'
    if seg.tag:
        return f"<{seg.tag}>{text}</{seg.tag}>"
    return text


def to_html(lines: list[str], *, lead: list[Segment] | None = None, limit: int = MESSAGE_LIMIT) -> str:
    """Lines of shared wording as one HTML message of at most `limit` characters once parsed."""
    segments: list[Segment] = list(lead or [])
    for i, line in enumerate(lines):
        if i:
            segments.append(Segment("\n"))
        segments.extend(parse(line))
    return segments_html(segments, limit)


def pages(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[list[str]]:
    """Lines split, between lines, into messages that each fit (the full help is longer than one message); a
    single line longer than a message stays on its own, cut by `to_html`."""
    out: list[list[str]] = [[]]
    size = 0
    for line in lines:
        units = sum(_units(s.text) for s in parse(line)) + 1
        if out[-1] and size + units > limit:
            out.append([])
            size = 0
        out[-1].append(line)
        size += units
    return out


def segments_html(segments: list[Segment], limit: int = MESSAGE_LIMIT) -> str:
    """Segments as HTML of at most `limit` characters once parsed, cut with "…" when longer."""
    total = sum(_units(s.text) for s in segments)
    if total > limit:
        room = limit - _units(ELLIPSIS)
        kept: list[Segment] = []
        for seg in segments:
            size = _units(seg.text)
            if size <= room:
                kept.append(seg)
                room -= size
                continue
            if room > 0:
                kept.append(Segment(_cut(seg.text, room), seg.tag, seg.href))
            break
        kept.append(Segment(ELLIPSIS))
        segments = kept
    return "".join(_html(s) for s in segments if s.text)


def plain(lines: list[str], limit: int = TOAST_LIMIT) -> str:
    """Shared wording as plain text (a toast or an alert), cut to `limit` characters."""
    text = " ".join("".join(s.text for s in parse(line)) for line in lines if line)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return text


# Messages ------------------------------------------------------------------------------------------------
def card_html(card: CardView, cal: WorkingCalendar) -> str:
    return to_html(card_lines(card, cal))


def card_keyboard(card: CardView) -> InlineKeyboardMarkup | None:
    """One button per outcome and Recuse while voting is open; none once it has closed. An outcome that
    needs a reason says so with "…": pressing it asks for the reason."""
    if not card.open:
        return None
    rows = []
    for position, (outcome_id, label) in enumerate(card.outcomes):
        needs_reason = outcome_id in card.reason_required
        data = callbacks.encode_vote(card.reference, outcome_id, position, needs_reason=needs_reason)
        rows.append([InlineKeyboardButton(label + (ELLIPSIS if needs_reason else ""), callback_data=data)])
    rows.append([InlineKeyboardButton("Recuse", callback_data=callbacks.encode_recuse(card.reference))])
    return InlineKeyboardMarkup(rows)


def decision_lines(card: CardView, cal: WorkingCalendar) -> list[str]:
    result = card.result_text or card.status_label
    head = f"**{practice_mark(card.practice)}{card.reference} · {card.subject}: {result}**"
    if card.decided_at is not None:
        head += f" ({cal.format(card.decided_at)})"
    lines = [head]
    if card.decided_by:
        reason = f" Reason: {literal(card.decision_reason)}" if card.decision_reason else ""
        lines.append(f"Decided by {literal(card.decided_by)}.{reason}")
    lines += list(card.next_steps)
    return lines


def notice_lines(headline: str | None, text: str | None) -> list[str]:
    lines = [f"**{headline}**"] if headline else []
    if text:
        lines += text.split("\n")
    return lines or ["(no text)"]


def action_keyboard(actions: tuple[Action, ...]) -> tuple[InlineKeyboardMarkup | None, list[str]]:
    """Buttons for a message's actions, and the commands too long to carry that must be stored."""
    if not actions:
        return None, []
    rows, stored = [], []
    for action in actions:
        data, store = callbacks.encode_action(action.command, needs_reason=action.needs_reason)
        if store:
            stored.append(action.command)
        label = action.label + (ELLIPSIS if action.needs_reason and not action.label.endswith(ELLIPSIS) else "")
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows), stored


# Files ---------------------------------------------------------------------------------------------------
# The report's charts (`bot.reports.charts.CHART_FILES`; named here so that matplotlib loads only to draw).
CHART_TITLES = {
    "referrals-per-month.png": "Referrals received per month, by outcome",
    "timeliness.png": "Timeliness by clock: deadlines met and missed",
}


IMAGE_ENDINGS = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def is_image(name: str) -> bool:
    """Whether a file is sent as a photo (a report's chart) or as a document (a meeting's `.ics` invitation)."""
    return name.lower().endswith(IMAGE_ENDINGS)


def file_title(name: str) -> str:
    """What a file shows, in words: a report chart's title, a calendar file's use, or its name for any other."""
    if name.lower().endswith(".ics"):
        return f"{name}: open it to put the meeting in your calendar"
    return CHART_TITLES.get(name) or name


def photo_caption(name: str, about: str | None = None) -> str:
    """A photo's caption as HTML: the chart's title in bold, then what it belongs to (such as the report's
    heading, shared wording whose own markup is dropped), cut to Telegram's 1,024 characters."""
    segments = [Segment(file_title(name), "b")]
    if about:
        segments += [Segment("\n"), Segment("".join(s.text for s in parse(about)))]
    return segments_html(segments, CAPTION_LIMIT)


def files_not_shown(names: list[str]) -> str:
    """One sentence for the person: which files Telegram did not take."""
    noun = "chart" if all(name in CHART_TITLES for name in names) else "file"
    titles = [f"“{CHART_TITLES.get(name) or name}”" for name in names]
    listed = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
    if len(titles) == 1:
        return f"Sorry, Telegram did not take the {noun} {listed}, so it is not shown here."
    return f"Sorry, Telegram did not take the {noun}s {listed}, so they are not shown here."
