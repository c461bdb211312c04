"""The intake form's fields and the rule that checks each answer, one field or a whole form at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from flows.anonymity import (
    CATEGORY_LABELS,
    IdentifyingDetail,
    PossibleName,
    SubjectCategory,
    check_free_text,
    parse_category,
    subject_label,
    unquote_details,
)
from flows.errors import InvalidInput
from flows.preset import Preset

Kind = Literal["choice", "choices", "text", "date", "time", "letter"]

# The referrer list's last choice: an agency or service the preset does not list, named in free text.
OTHER = "other_agency"
OTHER_LABEL = "Another agency or service (say which)"
SKIP_WORDS = frozenset({"today", "none", "-", "skip", "no"})
ANY = "*"  # `only_when=(key, ANY)`: shown when that field holds any answer (a notification ticked)
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
    when_hint: str = ""  # on a whole form, which cannot hide a box: when to fill it ("you choose ... above")
    default: str = ""  # a whole form's choice made in advance (an agency, where most referrals come from)
    # Free text is screened for names too (a possible name is asked about once); off where the typed command
    # screens only dates of birth, postcodes and NHS numbers (a meeting's place), so form and command agree.
    screen_names: bool = True
    what: str = ""  # the free text's name in a refusal ("place"), where it is not the label's
    # What a date left blank stands for, read back ("today"; a request's due date: "the procedure's 5 working days");
    # "" when a blank one stands for nothing to read back.
    blank: str = "today"

    def applies(self, answers: Mapping[str, Any]) -> bool:
        if self.only_when is None:
            return True
        key, wanted = self.only_when
        return bool(answers.get(key)) if wanted == ANY else answers.get(key) == wanted

    def shown(self, value: Any, fmt_date: Callable[[date], str] = str) -> str:
        """An answer as the person reads it back: a choice's label, "today" for a blank date."""
        if self.kind == "date":
            return fmt_date(date.fromisoformat(value)) if value else self.blank
        if self.kind == "choices":
            labels = {c.value: c.label for c in self.choices}
            return ", ".join(labels.get(v, v) for v in value or []) or "none"
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
    rules = preset.intake
    fields = [
        Field("referral_type", "Referral type", "Referral type?", "choice", short="Type",
              choices=tuple(Choice(t.id, t.label) for t in preset.referral_types)),
    ]
    # Where it came from (Salford 7.3): a kind of source; an agency is then the referrer, one field not two.
    agency = rules.agency_source
    from_agency, agency_hint = None, ""
    if rules.sources:
        fields.append(Field("source", "Where the referral came from",
                            "Where did the referral come from? Choose one, or name the agency.", "choice",
                            short="Came from", choices=tuple(Choice(s.id, s.label) for s in rules.sources),
                            default=agency.id if agency is not None else ""))
        if agency is not None:
            from_agency, agency_hint = ("source", agency.id), f'you chose "{agency.label}" as where it came from'
    if not rules.sources or agency is not None:
        fields += [
            Field("referrer", "Referring agency", "Which agency made the referral?", "choice", short="Referred by",
                  choices=(*(Choice(a.id, a.label) for a in preset.agencies), Choice(OTHER, OTHER_LABEL)),
                  hint="An agency or a role, never a person's name.", only_when=from_agency, when_hint=agency_hint),
            Field("referrer_other", "Which agency or service?", "Which agency or service made the referral?", "text",
                  max_length=REFERRER_MAX,
                  hint="An agency or a role, such as \"the GP practice\", never a person's name.",
                  only_when=("referrer", OTHER), when_hint=f'you choose "{OTHER_LABEL}" as the referring agency'),
        ]
    fields += [
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
    return tuple(fields) + extra_fields(preset, from_agency, agency_hint)


def _numbered(choices: tuple[Choice, ...]) -> str:
    return "; ".join(f"{i}. {c.label}" for i, c in enumerate(choices, 1))


def extra_fields(preset: Preset, from_agency: tuple[str, str] | None, agency_hint: str) -> tuple[Field, ...]:
    """Who authorised it, what runs beside it and the notifications already made (issue 23), as the preset lists
    them: asked after the basics, so the form reads as it did before them."""
    rules, fields = preset.intake, []
    if rules.authorised_by is not None:
        a = rules.authorised_by
        fields.append(Field("authorised_by", a.label, f"{a.label}? {a.hint}", "text", required=a.required,
                            max_length=REFERRER_MAX, hint=a.hint, skip="" if a.required else "Skip",
                            only_when=from_agency, when_hint=agency_hint))
    if rules.parallel:
        choices = tuple(Choice(k.id, k.label) for k in rules.parallel)
        fields.append(Field("parallel", "Parallel processes", "Which processes run alongside it? Write their numbers "
                            "or names separated by commas, or none.", "choices", required=False, choices=choices,
                            hint=_numbered(choices), skip="None", short="Running alongside"))
    if rules.asks_looked_after:
        fields.append(Field("looked_after", "Has a looked-after child died?",
                            "Is this the death of a looked-after child? (Other notifications are then required.)",
                            "choice", required=False, short="A looked-after child has died",
                            choices=(Choice("yes", "Yes: a looked-after child has died"), Choice("no", "No"))))
    if rules.notifications:
        choices = tuple(Choice(n.id, n.label) for n in rules.notifications)
        fields += [
            Field("notified", "Notifications already made", "Which notifications have already been made? Write their "
                  "numbers or names separated by commas, or none.", "choices", required=False, choices=choices,
                  hint=_numbered(choices), skip="None", short="Notified"),
            Field("notified_on", "Date they were made",
                  "When were they made? Write the date like 2026-11-23 or 23/11/2026.", "date", required=False,
                  hint="Leave blank for today. One made on another day can be recorded later with `notified`.",
                  skip="Today", short="Notified on", only_when=("notified", ANY),
                  when_hint="you ticked a notification above"),
        ]
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


def parse_time(text: str) -> time:
    """A time of day as people type it, and as the Slack and Teams pickers send it: 10:00, 9:30, 14:05."""
    text = text.strip()
    try:
        return datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise InvalidInput(f'"{text}" is not a time of day; write it like 10:00 or 14:30.') from None


# -- one answer ------------------------------------------------------------------------------------------


def choose(f: Field, raw: str) -> str:
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


def as_text(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        return ", ".join(str(r) for r in raw)
    return "" if raw is None else str(raw).strip()


def check_field(preset: Preset, f: Field, raw: Any, answers: Mapping[str, Any], today: date,
                 names_confirmed: bool) -> Any:
    """The value to keep for one answer, or InvalidInput / IdentifyingDetail saying what to change."""
    if f.kind == "choices":
        items = raw if isinstance(raw, list | tuple) else as_text(raw).split(",")
        picked = [str(i).strip() for i in items if str(i).strip()]
        if len(picked) == 1 and picked[0].lower() in SKIP_WORDS:
            return []
        known = {c.value.lower(): c.value for c in f.choices}
        chosen: list[str] = []
        for item in picked:
            value = known.get(item.lower()) or choose(f, item)
            if not value:
                if f.key == "themes":
                    raise InvalidInput(f'"{item}" is not one of this partnership\'s themes: '
                                       f'{", ".join(c.value for c in f.choices)}.')
                raise InvalidInput(f'"{item}" is not one of the choices for "{f.label}": {_numbered(f.choices)}.')
            if value not in chosen:
                chosen.append(value)
        if f.required and not chosen:
            raise InvalidInput(missing(f))
        return chosen
    text = as_text(raw)
    if not text or (not f.required and text.lower() in SKIP_WORDS):
        if f.required:
            raise InvalidInput(missing(f))
        return None
    if f.kind == "choice":
        value = choose(f, text)
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
        if day > today and f.key in _FUTURE:
            raise InvalidInput(_FUTURE[f.key])
        return day.isoformat()
    if f.kind == "time":
        return parse_time(text).strftime("%H:%M")
    if f.kind == "letter":
        try:
            subject_label(SubjectCategory.ADULT, text)
        except ValueError as exc:
            message = str(exc)
            raise InvalidInput(f"{message[0].upper()}{message[1:]}.") from None
        return text.upper()
    if f.max_length is not None and len(text) > f.max_length:
        raise InvalidInput(f"The {f.label.lower()} is longer than {f.max_length:,} characters. Please shorten it.")
    what = f.what or {"referrer": "referring agency", "referrer_other": "referring agency",
                      "authorised_by": "authorising role"}.get(f.key, f.label.lower())
    check_free_text(what, text, screen_names=f.screen_names and not names_confirmed)
    return text


_FUTURE = {
    "aware_on": "The date the partnership became aware cannot be in the future.",
    "notified_on": "The date the notifications were made cannot be in the future.",
}
_MISSING = {
    "referral_type": "Please choose the referral type.",
    "referrer": "Please say which agency made the referral.",
    "referrer_other": "Please say which agency or service made the referral.",
    "category": "Please choose the subject's category.",
    "letter": "Please give the subject's letter, A to Z.",
    "summary": "Please give a short summary of the referral.",
    "source": "Please say where the referral came from.",
    "authorised_by": "Please say which role at the referring agency authorised the referral.",
    "agencies": "Choose at least one agency to send a request to.",
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


def check_form(preset: Preset, raw: Mapping[str, Any], *, today: date, names_confirmed: bool = False,
               fields: tuple[Field, ...] | None = None) -> FormCheck:
    """Every field of a submitted form at once: what passed, and a sentence for each field that did not.
    `fields` are another form's (`FormSpec.check`); by default the intake form's."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    names: list[str] = []
    if fields is None:
        fields = intake_fields(preset)
        agency = preset.intake.agency_source
        if agency is not None and not as_text(raw.get("source")) and as_text(raw.get("referrer")):
            raw = {**raw, "source": agency.id}  # an agency chosen, where it came from left blank: that agency
    for f in fields:
        if not f.applies(answers):
            if f.when_hint and as_text(raw.get(f.key)):
                errors[f.key] = f"Leave this blank unless {f.when_hint}; nothing was filed."
            continue
        try:
            answers[f.key] = check_field(preset, f, raw.get(f.key), answers, today, names_confirmed)
        except PossibleName as exc:
            errors[f.key] = str(exc)
            names.append(f.key)
        except (InvalidInput, IdentifyingDetail) as exc:
            errors[f.key] = refusal(exc, raw.get(f.key), today)
    return FormCheck(answers, errors, tuple(names))


def refusal(exc: Exception, raw: Any, today: date) -> str:
    """A refused answer's sentence, never repeating a date of birth, postcode or NHS number it quotes back."""
    return unquote_details(str(exc), as_text(raw), today=today)


def confirm_names_hint() -> str:
    """Beside a possible name on a form: how to keep it when it is not a name after all."""
    return f'If it names no one (an agency or a place Panelbot does not know), tick "{CONFIRM_LABEL}" and file again.'
