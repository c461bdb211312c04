"""Milestones without a clock: things the business manager must do that no rule times (issue 20 section 2).

Two kinds: telling the referrer the decision where Panelbot cannot (the referrer has no channel, or is not one
of the partnership's agencies), and a preset's own (`[[milestones]]`: Stockport 11, the family told in writing).
Each is opened once per referral, shown as still to do (status, the card, `overdue`) until the business manager
marks it done with `done REF ID`, and never overdue or reminded: the seed sets no time.
"""

from __future__ import annotations

TELL_REFERRER = "tell_referrer"


def trigger(kind: str, name: str) -> str:
    """What opens a preset's milestone: `outcome:ID`, `event:EVENT` or `done:CLOCK`."""
    return f"{kind}:{name}"


def tell_referrer_label(referrer: str) -> str:
    return f"Tell the referrer ({referrer}) the decision and what happens next"


def to_do_line(reference: str, milestone_id: str, label: str) -> str:
    """One milestone still to do, as the card, `status` and `overdue` show it."""
    return f"Still to do (no deadline): {label}. When it is done: `done {reference} {milestone_id}`."


def status_words(reference: str, to_do: list[tuple[str, str]]) -> str:
    """The milestones still to do, at the end of a referral's one `status` line: (id, label) pairs."""
    items = "; ".join(f"{label} (`done {reference} {mid}`)" for mid, label in to_do)
    return f"Still to do (no deadline): {items}."


def opened_notice(reference: str, subject: str, milestone_id: str, label: str, source: str) -> str:
    """What the business manager is told as a milestone is opened."""
    why = f" (the procedure, {source})" if source else ""
    return (f"{reference} · {subject}: still to do{why}: {label}. There is no deadline; it shows in `status` "
            f"until you mark it done with `done {reference} {milestone_id}`.")


def done_reply(reference: str, label: str) -> str:
    return f"{reference}: {label}: marked done."


def already_done(reference: str, label: str, when: str, by: str) -> str:
    """A second `done`: refused, naming when and by whom it was marked."""
    return f"{reference}: {label} was already marked done on {when} by {by}; nothing was changed."

