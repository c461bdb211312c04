"""What each outbox message says by email: a `Letter` (subject, heading, paragraphs, the facts, one signed link),
rendered as `multipart/alternative` (plain text and HTML) from one Jinja2 template with autoescape.

Only what a channel would show goes in, and less: the reference, the anonymised subject, what is asked and when
it is due (in the partnership's time, UK time for every shipped preset), never a referral's summary. Every line
is run through the same screen as every channel's free text (`flows.anonymity`) before it is written: a line
that holds a date of birth, a postcode or an NHS number is left out and the reader is told so."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.email.links import Links
from bot.notify import Outgoing
from flows.anonymity import find_identifying_detail
from flows.reminders import QUESTIONS_IN_CHAT

TEMPLATE = "message.j2"
WITHHELD = "(A line of this message is not repeated by email because it may identify someone; please ask the " \
           "business manager.)"
# Nobody reads replies to the bot's emails, and an email has no buttons: what a channel's message says about
# replying or pressing a button is said, by email, as what to do instead (press the link; contact the business
# manager).
QUESTIONS_BY_EMAIL = "Questions: please contact the business manager; replies to this email are not read."
FOOTER = ("Sent by Panelbot for {name}. Replies to this email are not read: for anything about it, contact the "
          "business manager. Never put a name, date of birth, address, postcode or NHS number in an email about a "
          "referral.")
_PRESS = re.compile(r"\b([Pp])ress Mark as returned\b")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _plain(text: str) -> str:
    return _BOLD.sub(r"\1", str(text))


def _rich(text: str) -> Markup:
    """Escaped first, then **bold** and `code` (the channels' own marks) as HTML."""
    safe = str(escape(str(text)))
    safe = _BOLD.sub(r"<strong>\1</strong>", safe)
    return Markup(_CODE.sub(r"<code>\1</code>", safe))


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
)
_ENV.filters["plain"] = _plain
_ENV.filters["rich"] = _rich


@dataclass(frozen=True)
class Letter:
    subject: str
    heading: str
    paragraphs: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    footer: str
    link: str | None = None
    link_label: str = ""
    link_note: str | None = None
    commands: tuple[str, ...] = ()
    commands_intro: str = "Where you use Panelbot, type:"


def by_email(line: str, link: bool) -> str:
    """A channel's words as email says them: the link to press instead of the button, the business manager to
    contact instead of a reply nobody reads."""
    line = line.replace(QUESTIONS_IN_CHAT, QUESTIONS_BY_EMAIL)
    if link:
        return _PRESS.sub(lambda m: f"{m[1]}ress the Mark as returned link below", line)
    return _PRESS.sub(lambda m: f"{'T' if m[1] == 'P' else 't'}ell the business manager", line)


def screened(line: str) -> str:
    """The line, or `WITHHELD` when the screen finds a date of birth, a postcode or an NHS number in it."""
    return WITHHELD if find_identifying_detail(_plain(line)) else line


class Composer:
    """Writes the letters of one panel: its preset, calendar and clock (read from the panel handed to the
    adapter, which only formats), the signed links, and how long a return link outlives its due time."""

    def __init__(self, panel: Any, links: Links, grace_days: int) -> None:
        self.panel = panel
        self.links = links
        self.grace = timedelta(days=grace_days)

    def when(self, at: datetime) -> str:
        zone = getattr(self.panel.cal, "tz", None)
        uk = zone is None or str(zone) == "Europe/London"
        return f"{self.panel.fmt(at)} ({'UK time' if uk else zone})"

    def letter(self, message: Outgoing, recipient: str) -> Letter | None:
        """The letter for `message` to `recipient`, or None for what email does not carry (a card's update:
        people by email get the referral, the reminders and the decision, not every vote's edit)."""
        if message.kind == "card_update":
            return None
        about, card = message.about, message.card
        reference = (about.reference if about else None) or (card.reference if card else None)
        subject_label = (about.subject if about else None) or (card.subject if card else None)
        facts: list[tuple[str, str]] = []
        if reference:
            facts.append(("Reference", f"{reference} · {subject_label}" if subject_label else reference))
        paragraphs = [p for p in (message.text or "").split("\n") if p.strip()]
        link, label, note = self._link(message, recipient)
        title = self._title(message, link)
        if card is not None and message.kind in ("referral_card", "decision"):
            paragraphs = self._card_lines(message) + ([] if message.kind == "decision" else paragraphs)
        elif message.headline:
            paragraphs.insert(0, message.headline)
        due = about.due_at if about else None
        if due is not None and message.kind in ("request", "reminder", "escalation"):
            facts.append(("Due", self.when(due)))
        if about and about.closes_at is not None and link and "/vote/" in link:
            facts.append(("Vote by", self.when(about.closes_at)))
        commands = tuple(
            a.command + (" REASON" if a.needs_reason else "")
            for a in message.actions
            if not message.purpose.startswith("agency:")  # an agency by email answers by the link, not a command
        )
        practice = "[PRACTICE] " if self.panel.practice else ""
        prefix = f"[{reference}] " if reference else ""
        return Letter(
            subject=f"{practice}{prefix}{title}",
            heading=title,
            paragraphs=tuple(screened(by_email(p, link is not None)) for p in paragraphs),
            facts=tuple((k, screened(v)) for k, v in facts),
            footer=FOOTER.format(name=self.panel.preset.name),
            link=link,
            link_label=label,
            link_note=note,
            commands=commands,
        )

    def _link(self, message: Outgoing, recipient: str) -> tuple[str | None, str, str | None]:
        about = message.about
        if about is None:
            return None, "", None
        if message.purpose.startswith("agency:") and about.request_id is not None and about.due_at is not None:
            if message.kind in ("request", "reminder", "escalation"):
                expires = about.due_at + self.grace
                url = self.links.url("return", about.request_id, recipient, expires)
                note = (f"The link opens a page with one button; opening it changes nothing. It works until "
                        f"{self.when(expires)}.")
                return url, "Mark as returned", note
        if about.ballot_id is not None and about.closes_at is not None and message.kind in ("referral_card",
                                                                                           "reminder"):
            if message.purpose == "panel" or message.purpose.startswith("member:"):
                url = self.links.url("vote", about.ballot_id, recipient, about.closes_at)
                note = "The link opens the referral and the vote; opening it changes nothing."
                return url, "Open the referral and vote", note
        return None, "", None

    def _title(self, message: Outgoing, link: str | None) -> str:
        about, card = message.about, message.card
        due = about.due_at if about else None
        when = self.panel.fmt(due) if due is not None else None
        now = self.panel.now()
        if message.kind == "request":
            return f"Information request: return due {when}" if when else "Information request"
        if message.kind == "reminder":
            if message.purpose.startswith("member:") or (link and "/vote/" in link):
                return f"Reminder: your vote is needed by {when}" if when else "Reminder: your vote is needed"
            what = "information" if message.purpose.startswith("agency:") else (about.label if about else None)
            what = what or "a deadline"
            if due is not None and due <= now:
                return f"Overdue: {what} due {when}"
            return f"Reminder: {what} due {when}" if when else "Reminder"
        if message.kind == "escalation":
            if message.purpose.startswith("agency:") or not (about and about.label):
                return f"Escalation: information overdue since {when}" if when else "Escalation"
            return f"Escalation: {about.label} overdue since {when}" if when else "Escalation"
        if message.kind == "referral_card" and card is not None:
            by = f", vote by {self.panel.fmt(card.deadline)}" if card.deadline and card.open else ""
            return f"New referral: {card.type_label}{by}"
        if message.kind == "decision" and card is not None:
            return f"Decision: {card.result_text}" if card.result_text else "Decision"
        first = _plain((message.headline or message.text or "Message from Panelbot").split("\n")[0])
        first = first.split(". ")[0].rstrip(".")
        return first if len(first) <= 90 else first[:87].rstrip() + "..."

    def _card_lines(self, message: Outgoing) -> list[str]:
        card = message.card
        assert card is not None
        if message.kind == "decision":
            lines = [f"The panel's decision: **{card.result_text or card.status_label}**."]
            if card.decided_by:
                lines[0] = lines[0][:-1] + f" (by {card.decided_by})."
            if card.decision_reason:
                lines.append(f"Reason: {card.decision_reason}")
            lines.extend(card.next_steps)
            return lines
        lines = [f"A new referral is with the panel: {card.type_label}, from {card.referrer}."]
        if card.open and card.deadline is not None:
            lines.append(f"Votes are needed by **{self.panel.fmt(card.deadline)}** ({card.deadline_rule}).")
        if card.outcomes:
            lines.append("The outcomes the panel can choose: " + "; ".join(label for _, label in card.outcomes) + ".")
        return lines


def message_id(partnership_id: int, row_id: int, recipient: str, domain: str) -> str:
    """The same Message-ID every time one outbox row is sent to one address: a message sent again after a
    restart is the same message, and a mail system that has it already can tell."""
    digest = hashlib.sha256(f"{partnership_id}:{row_id}:{recipient.lower()}".encode()).hexdigest()[:16]
    return f"<panelbot.{partnership_id}.{row_id}.{digest}@{domain}>"


def render(letter: Letter, *, sender: str, recipient: str, msgid: str | None, date: datetime) -> EmailMessage:
    """The email itself: plain text first, then HTML (`multipart/alternative`), both from one template."""
    mail = EmailMessage()
    mail["Subject"] = letter.subject
    mail["From"] = sender
    mail["To"] = recipient
    mail["Date"] = format_datetime(date)
    mail["Message-ID"] = msgid or make_msgid(domain=sender.partition("@")[2] or "localhost")
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to the bot
    template = _ENV.get_template(TEMPLATE)
    mail.set_content(template.render(letter=letter, html=False))
    mail.add_alternative(template.render(letter=letter, html=True), subtype="html")
    return mail
