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
    # Issue 23, where the preset asks them: where it came from (a source id; blank: an agency, or the source
    # `referrer` names), the role that authorised it, the processes running alongside, whether a looked-after
    # child has died, and the notifications already made (ids) with the date they were made (blank: today).
    source: str = ""
    authorised_by: str = ""
    parallel: list[str] = field(default_factory=list)
    looked_after: bool = False
    notified: list[str] = field(default_factory=list)
    notified_on: date | None = None
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
    source: str | None = None
    authorised_by: str | None = None
    parallel: tuple[str, ...] = ()
    looked_after: bool = False
    notified: dict[str, date] = field(default_factory=dict)  # notification id -> the day it was made


def draft_from(preset: Preset, answers: Mapping[str, Any], *, names_confirmed: bool = False) -> ReferralDraft:
    """A draft from checked answers (of :func:`check_form` or an :class:`Interview`)."""
    referrer = answers.get("referrer") or ""
    if referrer == OTHER:
        referrer = answers.get("referrer_other") or ""
    aware = answers.get("aware_on")
    notified_on = answers.get("notified_on")
    return ReferralDraft(
        referral_type=answers.get("referral_type") or "",
        referrer=referrer,
        category=answers.get("category") or "",
        letter=answers.get("letter") or "",
        summary=answers.get("summary") or "",
        aware_on=date.fromisoformat(aware) if aware else None,
        themes=list(answers.get("themes") or []),
        source=answers.get("source") or "",
        authorised_by=answers.get("authorised_by") or "",
        parallel=list(answers.get("parallel") or []),
        looked_after=answers.get("looked_after") == "yes",
        notified=list(answers.get("notified") or []),
        notified_on=date.fromisoformat(notified_on) if notified_on else None,
        names_confirmed=names_confirmed,
    )


def _referrer_answers(preset: Preset, referrer: str, source: str) -> dict[str, str]:
    """A referrer as the form holds it: where it came from (where the preset asks), then one of the preset's
    agencies, or another named in free text. A draft that names a source by its label as the referrer (the
    Coroner) came from that source; one that names an agency came from an agency."""
    referrer = referrer.strip()
    key = referrer.lower()
    rules = preset.intake
    out: dict[str, str] = {}
    if rules.sources:
        if not source:
            named = next((s for s in rules.sources if not s.agency and key in (s.id.lower(), s.label.lower())), None)
            source = named.id if named else (rules.agency_source.id if rules.agency_source else "")
        out["source"] = source
        if rules.source_of(source) is None or not rules.source_of(source).agency:  # type: ignore[union-attr]
            return out
    for a in preset.agencies:
        if key in (a.id.lower(), a.label.lower()):
            return {**out, "referrer": a.id}
    return {**out, "referrer": OTHER, "referrer_other": referrer} if referrer else out


def clean_draft(preset: Preset, draft: ReferralDraft, *, today: date) -> CleanReferral:
    """Check a draft by the form's own field rules (the service's last word before anything is written).
    Raises InvalidInput saying what to change; nothing is saved when it does."""
    raw: dict[str, Any] = {
        "referral_type": draft.referral_type,
        **_referrer_answers(preset, draft.referrer, draft.source),
        "authorised_by": draft.authorised_by,
        "aware_on": draft.aware_on.isoformat() if draft.aware_on else "",
        "category": draft.category,
        "letter": draft.letter,
        "summary": draft.summary,
        "themes": list(draft.themes),
        "parallel": list(draft.parallel),
        "looked_after": "yes" if draft.looked_after else "",
        "notified": list(draft.notified),
        "notified_on": draft.notified_on.isoformat() if draft.notified_on else "",
    }
    check = check_form(preset, raw, today=today, names_confirmed=draft.names_confirmed)
    if check.errors:
        first = next(f.key for f in intake_fields(preset) if f.key in check.errors)
        raise InvalidInput(check.errors[first])
    a = check.answers
    category = SubjectCategory(a["category"])
    labels = {ag.id: ag.label for ag in preset.agencies}
    source = preset.intake.source_of(a.get("source"))
    if "referrer" not in a:  # not from an agency: the source is who referred it (the Coroner)
        referrer = source.label if source is not None else ""
    else:
        referrer = a["referrer_other"] if a["referrer"] == OTHER else labels[a["referrer"]]
    day = date.fromisoformat(a["notified_on"]) if a.get("notified_on") else today
    return CleanReferral(
        referral_type=a["referral_type"],
        referrer=str(referrer),
        category=category,
        letter=a["letter"],
        subject=subject_label(category, a["letter"]),
        summary=a["summary"],
        aware_on=draft.aware_on,
        themes=tuple(a.get("themes") or ()),
        source=source.id if source is not None else None,
        authorised_by=a.get("authorised_by") or None,
        parallel=tuple(a.get("parallel") or ()),
        looked_after=a.get("looked_after") == "yes",
        notified={kind: day for kind in a.get("notified") or ()},
    )
