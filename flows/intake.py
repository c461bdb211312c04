"""The referral intake form, defined once for every platform.

The form's fields, their choices and help, and the rule that checks each answer live here as data. A
platform only renders them in its own idiom:

* a platform that submits a whole form (a Slack modal, a Teams card, a web page) checks it with
  :func:`check_form`, which gives every error at once, keyed by the field it is about, to show beside it;
* a platform that asks one question at a time (the terminal, Telegram) drives an :class:`Interview`, which
  checks each answer as it is given and asks that question again, so one wrong answer never costs the rest.

Both end in a :class:`ReferralDraft`, which the service checks once more with :func:`clean_draft` (the same
field rules) before anything is written. There is deliberately no field for a name, a date of birth or an
address. Adding a field is one entry in :func:`intake_fields` and its rule in :func:`_check_field`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from flows.anonymity import (
    CATEGORY_LABELS,
    IdentifyingDetail,
    PossibleName,
    SubjectCategory,
    check_free_text,
    parse_category,
    subject_label,
)
from flows.errors import InvalidInput
from flows.preset import Preset

Kind = Literal["choice", "choices", "text", "date", "letter"]

# The referrer list's last choice: an agency or service the preset does not list, named in free text.
OTHER = "other_agency"
OTHER_LABEL = "Another agency or service (say which)"
SKIP_WORDS = frozenset({"today", "none", "-", "skip", "no"})
KEEP_WORD = "keep"
SUMMARY_MAX = 4000
REFERRER_MAX = 200
CATEGORY_HINTS = {SubjectCategory.BABY: "under 2", SubjectCategory.YOUNG_PERSON: "2 to 17",
                  SubjectCategory.ADULT: "18 and over"}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One question of the form.

    `label` is its name on a form ("Referring agency"); `question` is how it is asked on its own ("Which
    agency made the referral?"). `skip` names the answer that leaves an optional field blank ("Today",
    "None"). `only_when` shows the field only when another field holds a value (the free-text referrer, when
    "another agency" is chosen)."""

    key: str
    label: str
    question: str
    kind: Kind
    required: bool = True
    choices: tuple[Choice, ...] = ()
    hint: str = ""
    max_length: int | None = None
    multiline: bool = False
    skip: str = ""
    only_when: tuple[str, str] | None = None
    short: str = ""  # its name when the answers are read back ("Referred by")

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.only_when is None or answers.get(self.only_when[0]) == self.only_when[1]

    def shown(self, value: Any, fmt_date: Callable[[date], str] = str) -> str:
        """An answer as the person reads it back: a choice's label, "today" for a blank date."""
        if self.kind == "date":
            return fmt_date(date.fromisoformat(value)) if value else "today"
        if self.kind == "choices":
            return ", ".join(value or []) or "none"
        if self.kind == "choice":
            return {c.value: c.label for c in self.choices}.get(value, str(value))
        if self.kind == "letter" and value:
            return str(value).upper()
        return str(value or "")


INTRO = ("There is no field for a name, date of birth or address: the subject is shown only by category and "
         "letter, such as Young Person C.")
NO_IDENTIFIERS = "No names, dates of birth, addresses, postcodes or NHS numbers."
CONFIRM_KEY = "names_confirmed"
CONFIRM_LABEL = "It names no one: keep it as written"


def intake_fields(preset: Preset) -> tuple[Field, ...]:
    """The intake form of `preset`, in the order it is asked."""
    fields = [
        Field("referral_type", "Referral type", "Referral type?", "choice", short="Type",
              choices=tuple(Choice(t.id, t.label) for t in preset.referral_types)),
        Field("referrer", "Referring agency", "Which agency made the referral?", "choice", short="Referred by",
              choices=(*(Choice(a.id, a.label) for a in preset.agencies), Choice(OTHER, OTHER_LABEL)),
              hint="An agency or a role, never a person's name."),
        Field("referrer_other", "Which agency or service?", "Which agency or service made the referral?", "text",
              max_length=REFERRER_MAX, hint="An agency or a role, such as \"the GP practice\", never a person's name.",
              only_when=("referrer", OTHER)),
        Field("aware_on", "Date the partnership became aware",
              "When did the partnership become aware? Write the date like 2026-11-23 or 23/11/2026.", "date",
              required=False, hint="Leave blank for today.", skip="Today", short="Became aware"),
        Field("category", "Subject category", "Subject category?", "choice", short="Subject",
              choices=tuple(Choice(c.value, f"{label} ({CATEGORY_HINTS[c]})") for c, label in CATEGORY_LABELS.items())),
        Field("letter", "Subject letter (A to Z)",
              "Subject letter (A to Z)? The subject is only ever shown as, for example, Young Person C.",
              "letter", max_length=1, short="Subject"),
        Field("summary", "Summary", "Summary of the referral.", "text",
              max_length=SUMMARY_MAX, multiline=True, hint=NO_IDENTIFIERS),
    ]
    if preset.themes:
        fields.append(Field("themes", "Themes", "Themes? Write them separated by commas.", "choices",
                            required=False, choices=tuple(Choice(t, t) for t in preset.themes),
                            hint=f"Themes here: {', '.join(preset.themes)}.", skip="None"))
    return tuple(fields)


def parse_date(text: str) -> date:
    """Dates as people type them: 2026-12-25, 25/12/2026, 25-12-2026, 25 Dec 2026."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d %B %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(f'"{text}" is not a date; write it like 2026-12-25 or 25/12/2026.')


# -- one answer ------------------------------------------------------------------------------------------


def _choose(f: Field, raw: str) -> str:
    """A choice by its value, its label (with or without its bracketed hint), or its number in the list."""
    answer = raw.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(f.choices):
        return f.choices[int(answer) - 1].value
    key = answer.lower()
    as_id = re.sub(r"[\s-]+", "_", key)
    for c in f.choices:
        if key in (c.value.lower(), c.label.lower(), c.label.split(" (")[0].lower()) or as_id == c.value.lower():
            return c.value
    return ""


def _as_text(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        return ", ".join(str(r) for r in raw)
    return "" if raw is None else str(raw).strip()


def _check_field(preset: Preset, f: Field, raw: Any, answers: Mapping[str, Any], today: date,
                 names_confirmed: bool) -> Any:
    """The value to keep for one answer, or InvalidInput / IdentifyingDetail saying what to change."""
    if f.kind == "choices":
        items = raw if isinstance(raw, list | tuple) else _as_text(raw).split(",")
        picked = [str(i).strip() for i in items if str(i).strip()]
        if len(picked) == 1 and picked[0].lower() in SKIP_WORDS:
            return []
        known = {c.value.lower(): c.value for c in f.choices}
        for item in picked:
            if item.lower() not in known:
                raise InvalidInput(f'"{item}" is not one of this partnership\'s themes: '
                                   f'{", ".join(c.value for c in f.choices)}.')
        return [known[i.lower()] for i in picked]
    text = _as_text(raw)
    if not text or (not f.required and text.lower() in SKIP_WORDS):
        if f.required:
            raise InvalidInput(missing(f))
        return None
    if f.kind == "choice":
        value = _choose(f, text)
        if value:
            return value
        if f.key == "category":
            try:
                return parse_category(text).value
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
        if f.key == "referral_type":
            labels = ", ".join(f"{c.value} ({c.label})" for c in f.choices)
            raise InvalidInput(f'"{text}" is not a referral type here. Choose one of: {labels}.')
        raise InvalidInput(f'"{text}" is not one of the choices; choose one from the list.')
    if f.kind == "date":
        day = parse_date(text)
        if f.key == "aware_on" and day > today:
            raise InvalidInput("The date the partnership became aware cannot be in the future.")
        return day.isoformat()
    if f.kind == "letter":
        try:
            subject_label(SubjectCategory.ADULT, text)
        except ValueError as exc:
            message = str(exc)
            raise InvalidInput(f"{message[0].upper()}{message[1:]}.") from None
        return text.upper()
    if f.max_length is not None and len(text) > f.max_length:
        raise InvalidInput(f"The {f.label.lower()} is longer than {f.max_length:,} characters. Please shorten it.")
    what = "referring agency" if f.key.startswith("referrer") else f.label.lower()
    check_free_text(what, text, screen_names=not names_confirmed)
    return text


_MISSING = {
    "referral_type": "Please choose the referral type.",
    "referrer": "Please say which agency made the referral.",
    "referrer_other": "Please say which agency or service made the referral.",
    "category": "Please choose the subject's category.",
    "letter": "Please give the subject's letter, A to Z.",
    "summary": "Please give a short summary of the referral.",
}


def missing(f: Field) -> str:
    """The refusal of a required field left empty."""
    return _MISSING.get(f.key, f"Please answer: {f.label}.")


# -- a whole form ------------------------------------------------------------------------------------------


@dataclass
class FormCheck:
    """A submitted form, checked field by field. `errors` holds one sentence per field that must change;
    `possible_names` the fields refused only because they may name a person (the form may then offer the
    "it names no one" confirmation)."""

    answers: dict[str, Any]
    errors: dict[str, str]
    possible_names: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def check_form(preset: Preset, raw: Mapping[str, Any], *, today: date, names_confirmed: bool = False) -> FormCheck:
    """Every field of a submitted form at once: what passed, and a sentence for each field that did not."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    names: list[str] = []
    for f in intake_fields(preset):
        if not f.applies(answers):
            if f.key == "referrer_other" and _as_text(raw.get(f.key)):
                errors[f.key] = (f'Leave this blank unless you choose "{OTHER_LABEL}" as the referring agency; '
                                 "nothing was filed.")
            continue
        try:
            answers[f.key] = _check_field(preset, f, raw.get(f.key), answers, today, names_confirmed)
        except PossibleName as exc:
            errors[f.key] = str(exc)
            names.append(f.key)
        except (InvalidInput, IdentifyingDetail) as exc:
            errors[f.key] = str(exc)
    return FormCheck(answers, errors, tuple(names))


def confirm_names_hint() -> str:
    """Beside a possible name on a form: how to keep it when it is not a name after all."""
    return f'If it names no one (an agency or a place Panelbot does not know), tick "{CONFIRM_LABEL}" and file again.'


# -- one question at a time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Ask this field (again, after `problem`, when the last answer was refused)."""

    field: Field
    problem: str | None = None


@dataclass(frozen=True)
class ConfirmName:
    """The last answer may name a person: keep it (it does not) or answer again as a role."""

    field: Field
    message: str

    @property
    def lines(self) -> list[str]:
        return [self.message.replace("; nothing was saved.", "."),
                f'If it names no one (an agency or a place Panelbot does not know), choose "{CONFIRM_LABEL}" '
                f"(or type `{KEEP_WORD}`). Otherwise write your answer again."]


@dataclass(frozen=True)
class Review:
    """Every question is answered: show the answers and ask to file."""

    lines: list[str]


Step = Ask | ConfirmName | Review


@dataclass
class Interview:
    """The form asked one question at a time. Its state is plain data (`to_data` / `from_data`), so a platform
    can keep it between messages and across restarts."""

    preset: Preset
    answers: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, str] | None = None  # {"key": field, "text": answer} awaiting "it names no one"
    names_confirmed: bool = False

    @property
    def fields(self) -> tuple[Field, ...]:
        return intake_fields(self.preset)

    def current(self) -> Field | None:
        for f in self.fields:
            if f.key not in self.answers and f.applies(self.answers):
                return f
        return None

    def step(self, fmt_date: Callable[[date], str] = str, problem: str | None = None) -> Step:
        f = self.current()
        if self.pending is not None and f is not None and f.key == self.pending["key"]:
            return ConfirmName(f, self.pending["message"])
        if f is None:
            return Review(self.review(fmt_date))
        return Ask(f, problem)

    def give(self, raw: Any, *, today: date, fmt_date: Callable[[date], str] = str) -> Step:
        """Answer the current question. A refused answer is asked again with the reason; nothing is lost."""
        f = self.current()
        if f is None:
            return self.step(fmt_date)
        if self.pending is not None and _as_text(raw).lower() == KEEP_WORD:
            return self.keep(today=today, fmt_date=fmt_date)
        self.pending = None
        try:
            self.answers[f.key] = _check_field(self.preset, f, raw, self.answers, today, self.names_confirmed)
        except PossibleName as exc:
            self.pending = {"key": f.key, "text": _as_text(raw), "message": str(exc)}
            return self.step(fmt_date)
        except (InvalidInput, IdentifyingDetail) as exc:
            return self.step(fmt_date, problem=str(exc))
        return self.step(fmt_date)

    def keep(self, *, today: date, fmt_date: Callable[[date], str] = str) -> Step:
        """"It names no one": keep the answer that may have named a person, and go on."""
        if self.pending is None:
            return self.step(fmt_date)
        pending, self.pending = self.pending, None
        self.names_confirmed = True
        return self.give(pending["text"], today=today, fmt_date=fmt_date)

    def review(self, fmt_date: Callable[[date], str] = str) -> list[str]:
        """The answers as the person will check them before filing: "Referred by: West Midlands Police",
        "Subject: Baby A" (category and letter read together), the summary last."""
        a, lines, last = self.answers, [], []
        for f in self.fields:
            if f.key not in a or f.key in ("referrer_other", "letter"):
                continue
            shown = f.shown(a[f.key], fmt_date)
            if f.key == "referrer" and a[f.key] == OTHER:
                shown = str(a.get("referrer_other", ""))
            elif f.key == "category" and a.get("letter"):
                shown = subject_label(SubjectCategory(a["category"]), a["letter"])
            (last if f.key == "summary" else lines).append(f"{f.short or f.label}: {shown}")
        return lines + last

    def draft(self) -> ReferralDraft:
        return draft_from(self.preset, self.answers, names_confirmed=self.names_confirmed)

    def to_data(self) -> dict[str, Any]:
        return {"answers": dict(self.answers), "pending": self.pending, "names_confirmed": self.names_confirmed}

    @classmethod
    def from_data(cls, preset: Preset, data: Mapping[str, Any]) -> Interview:
        answers = data.get("answers")
        pending = data.get("pending")
        return cls(preset, dict(answers) if isinstance(answers, dict) else {},
                   dict(pending) if isinstance(pending, dict) else None, bool(data.get("names_confirmed")))


# -- the draft the service files -------------------------------------------------------------------------------


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


__all__: Sequence[str] = (
    "OTHER", "Ask", "Choice", "CleanReferral", "ConfirmName", "Field", "FormCheck", "Interview", "ReferralDraft",
    "Review", "Step", "check_form", "clean_draft", "draft_from", "intake_fields", "parse_date",
)
