"""What people see, as data and as plain-English sentences, shared by every platform.

A platform adapter turns a `CardView` into Block Kit, an Adaptive Card, a Telegram message or a rich panel;
the words come from here so that every platform says the same thing. Nothing here can name a child or an
adult: a view only ever holds a reference and an anonymised subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from flows.ballots import ResultKind, Tally
from flows.calendar import WorkingCalendar
from flows.preset import Preset

_STARS = re.compile(r"\*(?=\*)")
WORD_JOINER = "\u2060"
GRAVE = "\u02cb"  # MODIFIER LETTER GRAVE ACCENT: looks like a backtick, is not markup anywhere


def literal(text: str | None) -> str:
    """Text a person typed (a referrer, a reason, a member's name), made unable to use the shared wording's own
    markup: `**` gets an invisible word joiner between the stars and a backtick becomes a look-alike, so no
    platform's renderer turns it into bold or a command. Each platform still escapes its own specials (Slack's
    `<>&`, Telegram's HTML, Teams' markdown); this covers the markup every platform shares."""
    if not text:
        return text or ""
    return _STARS.sub("*" + WORD_JOINER, text).replace("`", GRAVE)


def plural(n: int, noun: str) -> str:
    """A count and its noun as the number requires: "1 working day", "2 working days", "0 votes"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def due_line(label: str, due: datetime, now: datetime, cal: WorkingCalendar) -> str:
    """One deadline as a step: "Next: LABEL by **DATE**" while it is ahead, "**Overdue since DATE**: LABEL" once
    it has passed (a passed deadline is not a next step)."""
    if due < now:
        return f"**Overdue since {cal.format(due)}**: {label}"
    return f"Next: {label} by **{cal.format(due)}**"


@dataclass(frozen=True)
class VoteLine:
    member: str
    role: str  # the role's label
    outcome: str | None  # the outcome's label; None if not voted
    recused: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class CardView:
    reference: str
    subject: str
    type_label: str
    referrer: str
    received_at: datetime
    status: str  # flows.referrals.Status value
    status_label: str
    deadline: datetime | None  # the panel decision deadline while voting is open
    deadline_rule: str  # "48 hours", "its monthly panel"
    outcomes: tuple[tuple[str, str], ...]  # (id, label), in the preset's order; buttons while open
    votes: tuple[VoteLine, ...]
    tally_text: str
    open: bool
    result_text: str | None = None  # "Decided: Commence rapid review" / "Escalated: tie"
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    next_steps: tuple[str, ...] = ()  # whole lines: "Next: ... by ..." or "Overdue since ...: ..." (`due_line`)
    hold_until: datetime | None = None
    missing_info: str | None = None
    reason_required: tuple[str, ...] = ()  # outcome ids whose vote needs a written reason
    practice: bool = False  # from a practice database: every card says so in its header
    # What the form recorded beyond the basics (issue 23, `flows.casefile`): authorised by, running alongside,
    # notifications made and still required, and what a parallel process adds before publication.
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class StatusLine:
    reference: str
    subject: str
    type_label: str
    status_label: str
    waiting_for: str
    next_due: datetime | None
    next_due_label: str | None  # a request's return names its agency: "... returned (Greater Manchester Police)"
    outstanding: tuple[str, ...] = ()  # a required notification not yet made, one line each (issue 23)
    to_do: tuple[tuple[str, str], ...] = ()  # milestones without a clock still to do: (id, label) pairs


@dataclass(frozen=True)
class OverdueLine:
    reference: str
    subject: str
    label: str
    owner: str
    due: datetime
    working_days_late: int
    hours_late: float


@dataclass
class Notice:
    """A short message to a person or a channel (escalations, decisions, refusals)."""

    title: str
    lines: list[str] = field(default_factory=list)


def tally_text(preset: Preset, t: Tally) -> str:
    """One or two sentences: who has voted, whether quorum is met, what is still needed (docs/ballots.md)."""
    labels = preset.role_labels
    outcome_labels = {o.id: o.label for o in preset.outcomes}
    parts: list[str] = []
    if preset.quorum.roles:
        total = len(preset.quorum.roles)
        have = total - len(t.missing_roles)
        noun = (
            "statutory partners"
            if set(preset.quorum.roles) == {"local_authority", "police", "health"}
            else ("required roles")
        )
        if t.missing_roles:
            missing = ", ".join(labels.get(r, r) for r in t.missing_roles)
            parts.append(f"{have} of {total} {noun} have voted. Still needed: {missing}.")
        else:
            parts.append(f"All {total} {noun} have voted: quorum met.")
    else:
        need = preset.quorum.count or 0
        if t.quorum_met:
            parts.append(f"Quorum met ({t.votes_cast} vote{'s' if t.votes_cast != 1 else ''}; {need} needed).")
        else:
            so_far = (
                "No votes yet" if not t.votes_cast else f"{t.votes_cast} vote{'s' if t.votes_cast != 1 else ''} so far"
            )
            parts.append(f"{so_far}; {need} needed for quorum.")
    if t.votes_cast:
        ranked = sorted(t.counts.items(), key=lambda kv: -kv[1])
        score = "–".join(str(n) for _, n in ranked) if len(ranked) > 1 else f"{ranked[0][1]}–0"
        if t.leader is not None:
            parts.append(f"Leading: {outcome_labels.get(t.leader, t.leader)} {score}.")
        else:
            parts.append(f"Level: {score}.")
        if t.quorum_met and t.leader is not None and not t.settled:
            needed = (t.votes_cast + len(t.remaining)) // 2 + 1
            if needed > t.leader_votes:
                parts.append(f"Closes early at {needed} votes for one outcome.")
    if t.remaining and t.eligible:
        parts.append(f"{len(t.remaining)} of {t.eligible} eligible members still to vote.")
    return " ".join(parts)


def result_text(
    preset: Preset, kind: ResultKind, outcome: str | None, missing_roles: tuple[str, ...] = (), missing_votes: int = 0
) -> str:
    labels = preset.role_labels
    chair = preset.role_label(preset.tie_break_role)
    if kind is ResultKind.DECIDED and outcome is not None:
        return f"Decided: {preset.outcome(outcome).label}"
    if kind is ResultKind.TIE:
        return f"Escalated to the {chair}: the panel is tied"
    if kind is ResultKind.NO_MAJORITY:
        return f"Escalated to the {chair}: no outcome has a majority"
    if missing_roles:
        return f"Escalated to the {chair}: no quorum (missing: {', '.join(labels.get(r, r) for r in missing_roles)})"
    return f"Escalated to the {chair}: no quorum ({missing_votes} more vote{'s' if missing_votes != 1 else ''} needed)"


PRACTICE = "PRACTICE"


def practice_mark(practice: bool) -> str:
    """What starts the header of every card and the title of every report from a practice database."""
    return f"{PRACTICE} · " if practice else ""


def card_lines(view: CardView, cal: WorkingCalendar) -> list[str]:
    """The referral card as plain-text lines (the terminal prints these; platforms use them as the
    fallback text of a rich card). Bold is marked with **...**, which every platform can turn into its own."""
    fmt = cal.format
    lines = [f"**{practice_mark(view.practice)}{view.reference} · {view.subject} · {view.type_label}**"]
    lines.append(f"Referred by {literal(view.referrer)} · received {fmt(view.received_at)}")
    if view.open and view.deadline is not None:
        lines.append(f"Panel decision due **{fmt(view.deadline)}** ({view.deadline_rule})")
    if view.status not in ("with_panel",) and not view.result_text:
        lines.append(f"Status: {view.status_label}")
    if view.hold_until is not None:
        lines.append(f"On hold until {fmt(view.hold_until)}")
    if view.missing_info:
        lines.append(f"Returned as incomplete. Missing: {literal(view.missing_info)}")
    votes = []
    for v in view.votes:
        if v.recused:
            votes.append(f"{v.role} ({literal(v.member)}): recused")
        elif v.outcome is None:
            votes.append(f"{v.role} ({literal(v.member)}): –")
        else:
            votes.append(f"{v.role} ({literal(v.member)}): {v.outcome}")
    if votes:
        lines.append("Votes: " + " · ".join(votes))
    if view.tally_text and (view.open or (view.status == "on_hold" and not view.result_text)):  # paused, not decided
        lines.append(view.tally_text)
    if view.result_text:
        when = f" ({fmt(view.decided_at)})" if view.decided_at else ""
        lines.append(f"**{view.result_text}**{when}")
        if view.decided_by:
            lines.append(
                f"Decided by {literal(view.decided_by)}."
                + (f" Reason: {literal(view.decision_reason)}" if view.decision_reason else "")
            )
    # What the form recorded (issue 23): after the vote, so the card still opens with what a voter needs.
    lines += [literal(line) if not line.startswith("**") else line for line in view.facts]
    lines.extend(view.next_steps)
    return lines


def decision_lines(card: CardView, cal: WorkingCalendar) -> list[str]:
    """The short message that follows a decision (a thread reply under the card where the platform has threads):
    the outcome, who decided and why, how each member voted, and what happens next."""
    result = card.result_text or card.status_label
    head = f"{practice_mark(card.practice)}{card.reference} · {card.subject}: **{result}**"
    if card.decided_at is not None:
        head += f" ({cal.format(card.decided_at)})"
    lines = [head]
    if card.decided_by:
        reason = f" Reason: {literal(card.decision_reason)}" if card.decision_reason else ""
        lines.append(f"Decided by {literal(card.decided_by)}.{reason}")
    votes = [
        f"{v.role} ({literal(v.member)}): {'recused' if v.recused else v.outcome or 'did not vote'}" for v in card.votes
    ]
    if votes:
        lines.append("Votes: " + " · ".join(votes))
    lines += list(card.next_steps)
    return lines


def reasons_lines(card: CardView) -> list[str]:
    """How each member voted and why: the chair reads this before deciding an escalated referral."""
    out = []
    for v in card.votes:
        who = f"{v.role} ({literal(v.member)})"
        if v.recused:
            out.append(f"{who}: recused")
        elif v.outcome is None:
            out.append(f"{who}: did not vote")
        else:
            out.append(f"{who}: {v.outcome}" + (f". Reason: {literal(v.reason)}" if v.reason else ""))
    return ["**Votes and reasons**", *out] if out else []


@dataclass(frozen=True)
class MeetingLine:
    reference: str
    subject: str
    name: str  # "the rapid review meeting"
    at: datetime
    place: str | None
    window: str | None  # the window in plain words, with where the meeting falls in it
    window_override: str | None
    attended: tuple[str, ...]
    held_not_quorate: bool
    needed: tuple[str, ...]  # the roles the meeting's quorum needs (by default the statutory partners)
    attending: tuple[str, ...] = ()  # the partners confirmed to attend
    of_partnership: bool = False  # the partnership's own meeting (the monthly panel), not a referral's
    # Where the meeting decides its referral's current stage, in the card's words: the views so far (the votes
    # before it are advice) or the later stage still to decide (`StageCommands._meeting_words`).
    decides: str | None = None
    held: bool = False  # recorded as held, quorate (a monthly panel is listed on its day)


@dataclass(frozen=True)
class MeetingNow:
    """A referral's scheduled meeting as a form about changing it says it."""

    reference: str
    subject: str
    name: str  # "the rapid review meeting"
    when: str  # "Tue 22 Dec 2026, 10:00, Room 2": UK time, and where, if it was given
    quorum: tuple[str, ...] = ()  # the roles the meeting's quorum needs (the held form offers them)
    # Where the meeting decides its referral's current stage and it is not decided yet, that stage's outcome ids
    # (the held form offers them); empty otherwise.
    outcomes: tuple[str, ...] = ()
