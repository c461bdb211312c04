"""The referral life cycle. (The intake form and its rules are `flows.intake`.)

received -> with panel (voting open) -> decided, with the side paths the seeds describe: returned as
incomplete and resubmitted (Salford 7.5, Dudley SARs), on hold for a set period or indefinitely (Suffolk
section 4), escalated to the tie-break role (a tie or a missing quorum), and withdrawn.
"""

from __future__ import annotations

import re
from enum import StrEnum

from flows.errors import InvalidInput, WrongState
from flows.intake import CleanReferral, ReferralDraft, clean_draft

__all__ = ["DECISION_STATUSES", "CleanReferral", "ReferralDraft", "Status", "check_transition", "clean_draft",
           "format_reference", "has_decision", "normalise_reference"]


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
# Where the referral's decision stands with its outcome: decided, returned as incomplete, or put on hold by the
# decision (an outcome with `hold = true`, Suffolk 3). A hold the business manager makes (`hold REF`) has no outcome.
DECISION_STATUSES = frozenset({Status.DECIDED, Status.RETURNED, Status.ON_HOLD})


def has_decision(status: str, outcome: str | None) -> bool:
    """Whether a referral in `status` with `outcome` has a decision that stands (shown on the card, counted)."""
    return bool(outcome) and status in DECISION_STATUSES

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


