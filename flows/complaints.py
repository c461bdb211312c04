"""Complaints about a review (Stockport section 21), as pure rules: what a complaint may be about, where each
stands against its clocks, the figures for a report, and the written reply the bot offers, which always says
how to contact the Local Government and Social Care Ombudsman.

A complaint is about the decision on whether to review, the process, or the outcome (`[complaints]
subjects`). It is answered in writing within the response clock; if the complainant is unsatisfied it is
escalated, and the Independent Chair answers within the escalation clock, counted from that contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.errors import InvalidInput, WrongState
from flows.preset import Preset
from flows.preset.form import ComplaintRules

SUBJECT_LABELS = {"decision": "The decision whether to review", "process": "The review process",
                  "outcome": "The outcome of the review"}
COLUMNS = ("Received", "Answered in time", "Answered late", "Not yet due", "Overdue", "Escalated",
           "Chair answered in time", "Chair answered late")


def rules_of(preset: Preset) -> ComplaintRules:
    """The preset's complaints procedure, or the one sentence saying it has none."""
    if preset.complaints is None:
        raise WrongState(
            f"The {preset.name} procedure sets out no complaints procedure for Panelbot to record; a partnership "
            "turns it on with a [complaints] table in its preset."
        )
    return preset.complaints


def parse_about(rules: ComplaintRules, text: str) -> str:
    about = text.strip().lower()
    if about not in rules.subjects:
        raise InvalidInput(f'"{text}" is not what a complaint can be about here; say {" or ".join(rules.subjects)}.')
    return about


def subject_label(about: str) -> str:
    return SUBJECT_LABELS.get(about, about.capitalize())


@dataclass(frozen=True)
class ComplaintRow:
    reference: str
    subject: str  # the referral's anonymised subject
    number: int
    about: str
    text: str
    received_at: datetime
    response_due: datetime | None
    responded_at: datetime | None
    responded_by: str | None
    escalated_at: datetime | None = None
    escalation_due: datetime | None = None
    chair_responded_at: datetime | None = None
    chair_responded_by: str | None = None


def standing(due: datetime | None, done: datetime | None, now: datetime) -> str:
    """Where one written response stands: met, late (answered after its due time), running or overdue."""
    if done is not None:
        return "late" if due is not None and done > due else "met"
    if due is None:
        return "running"
    return "overdue" if now > due else "running"


def figures(rules: ComplaintRules, rows: Sequence[ComplaintRow], now: datetime) -> list[tuple[str, ...]]:
    """One row per subject, then a total: received, the first response in time or late, not yet due or
    overdue, escalated, and the Chair's response in time or late (Stockport 21)."""
    out = []
    subjects = list(rules.subjects) + sorted({r.about for r in rows} - set(rules.subjects))
    totals = [0] * len(COLUMNS)
    for about in subjects:
        mine = [r for r in rows if r.about == about]
        first = [standing(r.response_due, r.responded_at, now) for r in mine]
        chair = [standing(r.escalation_due, r.chair_responded_at, now) for r in mine if r.escalated_at is not None]
        counts = [len(mine), first.count("met"), first.count("late"), first.count("running"), first.count("overdue"),
                  len(chair), chair.count("met"), chair.count("late")]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        out.append((subject_label(about), *counts))
    out.append(("Total", *totals))
    return out


def pick[T: Any](rows: Sequence[T], reference: str, number: int | None) -> T:
    """The complaint a command means: the one numbered, or the referral's only open one."""
    if not rows:
        raise WrongState(f"No complaint is recorded about {reference}.")
    if number is not None:
        for r in rows:
            if r.number == number:
                return r
        raise InvalidInput(f"{reference} has no complaint {number}; its complaints are numbered 1 to {len(rows)}.")
    if len(rows) > 1:
        raise InvalidInput(
            f"{reference} has {len(rows)} complaints; say which by its number, e.g. `complaint escalate {reference} 2`."
        )
    return rows[0]


def reply_template(preset: Preset, reference: str, about: str, *, chair: bool, due: str) -> list[str]:
    """The written reply the bot offers for the business manager to complete (Stockport 21: every written
    response says how to contact the Ombudsman). It names no one: the review's reference only."""
    rules = rules_of(preset)
    who = f"The {preset.role_label(preset.tie_break_role)} has" if chair else "We have"
    lines = [
        f"Reply template (send by {due}):",
        f"> Thank you for your complaint about {subject_label(about).lower()} (review reference {reference}).",
        f"> {who} considered it. [The response, and what will be done.]",
    ]
    if not chair and rules.escalation_clock:
        clock = preset.clock(rules.escalation_clock)
        lines.append(f"> If you are unhappy with this response, contact the Board Business Manager, who will ask the "
                     f"{preset.role_label(preset.tie_break_role)} to consider it and reply within {clock.describe()}.")
    if rules.ombudsman:
        lines.append(f"> {rules.ombudsman}")
    return lines
