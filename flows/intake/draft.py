"""The draft the service files, and its last check before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flows.anonymity import (
    SubjectCategory,
    subject_label,
)
from flows.errors import InvalidInput
from flows.intake.fields import OTHER, check_form, intake_fields
from flows.preset import Preset


@dataclass
class ReferralDraft:
    """What the intake form collects. There is deliberately no field for a name, date of birth or address.
    `referrer` is one of the preset's agencies (its id or label) or, for another agency, the name typed."""

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


def draft_from(preset: Preset, answers: Mapping[str, Any], *, names_confirmed: bool = False) -> ReferralDraft:
    """A draft from checked answers (of :func:`check_form` or an :class:`Interview`)."""
    referrer = answers.get("referrer") or ""
    if referrer == OTHER:
        referrer = answers.get("referrer_other") or ""
    aware = answers.get("aware_on")
    return ReferralDraft(
        referral_type=answers.get("referral_type") or "",
        referrer=referrer,
        category=answers.get("category") or "",
        letter=answers.get("letter") or "",
        summary=answers.get("summary") or "",
        aware_on=date.fromisoformat(aware) if aware else None,
        themes=list(answers.get("themes") or []),
        names_confirmed=names_confirmed,
    )


def _referrer_answers(preset: Preset, referrer: str) -> dict[str, str]:
    """A referrer as the form holds it: one of the preset's agencies, or another named in free text."""
    referrer = referrer.strip()
    key = referrer.lower()
    for a in preset.agencies:
        if key in (a.id.lower(), a.label.lower()):
            return {"referrer": a.id}
    return {"referrer": OTHER, "referrer_other": referrer} if referrer else {}


def clean_draft(preset: Preset, draft: ReferralDraft, *, today: date) -> CleanReferral:
    """Check a draft by the form's own field rules (the service's last word before anything is written).
    Raises InvalidInput saying what to change; nothing is saved when it does."""
    raw: dict[str, Any] = {
        "referral_type": draft.referral_type,
        **_referrer_answers(preset, draft.referrer),
        "aware_on": draft.aware_on.isoformat() if draft.aware_on else "",
        "category": draft.category,
        "letter": draft.letter,
        "summary": draft.summary,
        "themes": list(draft.themes),
    }
    check = check_form(preset, raw, today=today, names_confirmed=draft.names_confirmed)
    if check.errors:
        first = next(f.key for f in intake_fields(preset) if f.key in check.errors)
        raise InvalidInput(check.errors[first])
    a = check.answers
    category = SubjectCategory(a["category"])
    labels = {ag.id: ag.label for ag in preset.agencies}
    referrer = a["referrer_other"] if a["referrer"] == OTHER else labels[a["referrer"]]
    return CleanReferral(
        referral_type=a["referral_type"],
        referrer=str(referrer),
        category=category,
        letter=a["letter"],
        subject=subject_label(category, a["letter"]),
        summary=a["summary"],
        aware_on=draft.aware_on,
        themes=tuple(a.get("themes") or ()),
    )
