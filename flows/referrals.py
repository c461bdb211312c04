"""The referral life cycle and the intake form's rules.

received -> with panel (voting open) -> decided, with the side paths the seeds describe: returned as
incomplete and resubmitted (Salford 7.5, Dudley SARs), on hold for a set period or indefinitely (Suffolk
section 4), escalated to the tie-break role (a tie or a missing quorum), and withdrawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from flows.anonymity import IdentifyingDetail, SubjectCategory, check_free_text, parse_category, subject_label
from flows.errors import InvalidInput, WrongState
from flows.preset import Preset


class Status(StrEnum):
    RECEIVED = "received"
    WITH_PANEL = "with_panel"
    ESCALATED = "escalated"
    DECIDED = "decided"
    RETURNED = "returned"
    ON_HOLD = "on_hold"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    Status.RECEIVED: "received",
    Status.WITH_PANEL: "with the panel",
    Status.ESCALATED: "escalated",
    Status.DECIDED: "decided",
    Status.RETURNED: "returned as incomplete",
    Status.ON_HOLD: "on hold",
    Status.WITHDRAWN: "withdrawn",
}

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.WITH_PANEL, Status.ESCALATED, Status.RETURNED, Status.ON_HOLD})

_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.WITH_PANEL, Status.WITHDRAWN}),
    Status.WITH_PANEL: frozenset({Status.DECIDED, Status.ESCALATED, Status.RETURNED, Status.ON_HOLD, Status.WITHDRAWN}),
    Status.ESCALATED: frozenset({Status.DECIDED, Status.RETURNED, Status.ON_HOLD, Status.WITHDRAWN}),
    Status.RETURNED: frozenset({Status.WITH_PANEL, Status.WITHDRAWN}),
    Status.ON_HOLD: frozenset({Status.WITH_PANEL, Status.WITHDRAWN}),
    Status.DECIDED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

_ACTIONS = {
    Status.WITH_PANEL: "put back to the panel",
    Status.ESCALATED: "escalated",
    Status.DECIDED: "decided",
    Status.RETURNED: "returned as incomplete",
    Status.ON_HOLD: "put on hold",
    Status.WITHDRAWN: "withdrawn",
}


def check_transition(reference: str, current: Status, new: Status) -> None:
    """Refuse a move the life cycle does not allow, saying where the referral is now."""
    if new not in _TRANSITIONS[current]:
        raise WrongState(f"{reference} is {STATUS_LABELS[current]}, so it cannot be {_ACTIONS[new]}.")


def format_reference(prefix: str, year: int, number: int) -> str:
    """SAL-2026-014: the partnership's prefix, the year received, and a number counted per year."""
    return f"{prefix}-{year}-{number:03d}"


_REFERENCE = re.compile(r"^[A-Z]{2,6}-\d{4}-\d{3,}$")


def normalise_reference(text: str, prefix: str = "ABC") -> str:
    """A reference as stored (upper case); `prefix` is the running partnership's, for the refusal's example."""
    ref = text.strip().upper()
    if not _REFERENCE.match(ref):
        raise InvalidInput(f'"{text.strip()}" is not a referral reference; they look like {prefix}-2026-014.')
    return ref


@dataclass
class ReferralDraft:
    """What the intake form collects. There is deliberately no field for a name, date of birth or address."""

    referral_type: str
    referrer: str
    category: str
    letter: str
    summary: str
    aware_on: date | None = None
    themes: list[str] = field(default_factory=list)
    # The business manager has been told the text looks like it names a person and confirmed it does not
    # (an agency or place the screen does not know). Without it, a possible name is refused.
    names_confirmed: bool = False


@dataclass(frozen=True)
class CleanReferral:
    referral_type: str
    referrer: str
    category: SubjectCategory
    letter: str
    subject: str
    summary: str
    aware_on: date | None
    themes: tuple[str, ...]


def clean_draft(preset: Preset, draft: ReferralDraft, *, today: date) -> CleanReferral:
    """Check an intake form against the preset and the anonymity rules (Suffolk section 3). Raises
    InvalidInput with a message saying what to change; nothing is saved when it does."""
    type_ids = [t.id for t in preset.referral_types]
    rtype = draft.referral_type.strip().lower().replace(" ", "_").replace("-", "_")
    if rtype not in type_ids:
        labels = ", ".join(f"{t.id} ({t.label})" for t in preset.referral_types)
        raise InvalidInput(f'"{draft.referral_type}" is not a referral type here. Choose one of: {labels}.')
    try:
        category = parse_category(draft.category)
        subject = subject_label(category, draft.letter)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    referrer = draft.referrer.strip()
    summary = draft.summary.strip()
    if not referrer:
        raise InvalidInput("Please say which agency made the referral.")
    if not summary:
        raise InvalidInput("Please give a short summary of the referral.")
    if len(summary) > 4000:
        raise InvalidInput("The summary is longer than 4,000 characters. Please shorten it.")
    try:
        check_free_text("referring agency", referrer, screen_names=not draft.names_confirmed)
        check_free_text("summary", summary, screen_names=not draft.names_confirmed)
    except IdentifyingDetail as exc:
        raise InvalidInput(str(exc)) from None
    if draft.aware_on is not None and draft.aware_on > today:
        raise InvalidInput("The date the partnership became aware cannot be in the future.")
    themes = []
    for theme in draft.themes:
        t = theme.strip().lower()
        if t and t not in preset.themes:
            raise InvalidInput(f'"{theme}" is not one of this partnership\'s themes: {", ".join(preset.themes)}.')
        if t:
            themes.append(t)
    return CleanReferral(
        referral_type=rtype,
        referrer=referrer,
        category=category,
        letter=subject.rsplit(" ", 1)[1],
        subject=subject,
        summary=summary,
        aware_on=draft.aware_on,
        themes=tuple(themes),
    )
