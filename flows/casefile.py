"""What a referral carries beyond its type, referrer and subject (issue 23), as people read it: who authorised
it, what runs alongside it, the notifications made and those still required, and what a parallel process adds
before publication. Pure: the service passes the referral's stored values in.

Nothing here can identify anyone: an authorising role, the ids of the preset's lists and dates only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from flows.errors import InvalidInput
from flows.preset import Preset
from flows.preset.form import NotificationKind, ParallelKind


@dataclass(frozen=True)
class Facts:
    """The referral's stored answers: `notifications` maps a notification id to the ISO date it was made."""

    referral_type: str
    authorised_by: str | None = None
    parallel: Sequence[str] = ()
    looked_after: bool = False
    notifications: Mapping[str, str] | None = None


def outstanding(preset: Preset, facts: Facts) -> list[NotificationKind]:
    """The notifications this referral requires that are not yet recorded as made, in the preset's order."""
    made = facts.notifications or {}
    return [n for n in preset.intake.notifications
            if n.required(facts.referral_type, facts.looked_after) and n.id not in made]


def outstanding_line(reference: str, kind: NotificationKind) -> str:
    """One line of `status` and of the card for a required notification not yet made."""
    return (f"**Not yet recorded as notified: {kind.label}** (once made: `notified {reference} {kind.id} on "
            f"DATE`)")


def publication_notes(preset: Preset, parallel: Sequence[str]) -> list[str]:
    """What the processes running alongside add to the publication milestones (Suffolk 4: a criminal
    investigation: check with the police before publishing)."""
    out = []
    for kind_id in parallel:
        kind = preset.intake.parallel_kind(kind_id)
        if kind is not None and kind.before_publication:
            out.append(f"Before publication: {kind.before_publication}")
    return out


def fact_lines(
    preset: Preset,
    reference: str,
    facts: Facts,
    fmt_date: Callable[[date], str],
    met: Mapping[str, str] | None = None,
) -> list[str]:
    """The card's lines for what the form recorded. `met` says, for a notification that meets a clock, how it
    met it ("on time", "2 working days late")."""
    rules, lines = preset.intake, []
    if facts.authorised_by and rules.authorised_by is not None:
        lines.append(f"{rules.authorised_by.label}: {facts.authorised_by}")
    labels = [_label(rules.parallel, p) for p in facts.parallel]
    if rules.parallel:
        lines.append("Running alongside: " + ("; ".join(labels) if labels else "nothing recorded"))
    if facts.looked_after:
        lines.append("A looked-after child has died.")
    made = facts.notifications or {}
    if made:
        shown = []
        for n in rules.notifications:
            if n.id in made:
                how = (met or {}).get(n.id)
                shown.append(f"{n.label} on {fmt_date(date.fromisoformat(made[n.id]))}" + (f" ({how})" if how else ""))
        lines.append("Notified: " + "; ".join(shown))
    lines += [outstanding_line(reference, n) for n in outstanding(preset, facts)]
    lines += publication_notes(preset, facts.parallel)
    return lines


def _label(kinds: Sequence[ParallelKind], kind_id: str) -> str:
    return next((k.label for k in kinds if k.id == kind_id), kind_id)


def _find(kinds: Sequence[ParallelKind] | Sequence[NotificationKind], text: str, what: str, example: str):  # type: ignore[no-untyped-def]
    key = re.sub(r"[\s-]+", "_", text.strip().lower())
    for i, k in enumerate(kinds, 1):
        if key in (k.id, re.sub(r"[\s-]+", "_", k.label.lower()), str(i)):
            return k
    if not kinds:
        raise InvalidInput(f"This partnership's procedure records no {what}.")
    listed = ", ".join(k.id for k in kinds)
    raise InvalidInput(f'"{text}" is not one of the {what} here; use one of {listed} (for example {example}).')


def parallel_kind(preset: Preset, text: str) -> ParallelKind:
    return _find(preset.intake.parallel, text, "parallel processes", "`criminal_investigation`")


def notification_kind(preset: Preset, text: str) -> NotificationKind:
    return _find(preset.intake.notifications, text, "notifications", "`national_panel`")
