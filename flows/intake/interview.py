"""A form asked one question at a time (the intake form unless told another `FormSpec`): each answer checked as
it is given, and asked again when refused, so one wrong answer never costs the rest."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flows.anonymity import (
    IdentifyingDetail,
    PossibleName,
    SubjectCategory,
    subject_label,
)
from flows.errors import InvalidInput
from flows.intake.draft import ReferralDraft, draft_from
from flows.intake.fields import (
    CONFIRM_LABEL,
    KEEP_WORD,
    OTHER,
    Field,
    as_text,
    check_field,
    choose,
    intake_fields,
    refusal,
)
from flows.intake.spec import FormSpec
from flows.preset import Preset


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
    can keep it between messages and across restarts. `form` is the form asked (None: the intake form)."""

    preset: Preset
    answers: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, str] | None = None  # {"key": field, "text": answer} awaiting "it names no one"
    names_confirmed: bool = False
    form: FormSpec | None = None

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.form.fields if self.form is not None else intake_fields(self.preset)

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
        if self.pending is not None and as_text(raw).lower() == KEEP_WORD:
            return self.keep(today=today, fmt_date=fmt_date)
        self.pending = None
        if f.key == "source" and as_text(raw) and not choose(f, as_text(raw)):
            # An agency named where a kind of source was asked for: it came from that agency.
            agency = self.preset.intake.agency_source
            if agency is not None:
                self.answers["source"] = agency.id
                return self.give(raw, today=today, fmt_date=fmt_date)
        if f.key == "referrer" and as_text(raw) and not choose(f, as_text(raw)):
            # Typed rather than chosen: an agency the list does not hold, named in words (and screened as such).
            self.answers["referrer"] = OTHER
            return self.give(raw, today=today, fmt_date=fmt_date)
        try:
            self.answers[f.key] = check_field(self.preset, f, raw, self.answers, today, self.names_confirmed)
        except PossibleName as exc:
            self.pending = {"key": f.key, "text": as_text(raw), "message": str(exc)}
            return self.step(fmt_date)
        except (InvalidInput, IdentifyingDetail) as exc:
            return self.step(fmt_date, problem=refusal(exc, raw, today))
        return self.step(fmt_date)

    def reopen(self, key: str, problem: str, fmt_date: Callable[[date], str] = str) -> Step:
        """The form was refused when sent, because of this answer (the service's own check: a meeting day outside
        its window): ask it again with the reason, and again any later question left blank, which may now be
        wanted (the reason for a day outside the window). Every other answer is kept."""
        keys = [f.key for f in self.fields]
        if key not in keys:
            return self.step(fmt_date)
        self.pending = None
        for later in keys[keys.index(key) + 1 :]:
            if later in self.answers and self.answers[later] in (None, "", []):
                del self.answers[later]
        self.answers.pop(key, None)
        return self.step(fmt_date, problem=problem)

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
            if f.key not in a or f.key in ("referrer_other", "letter") or (
                    a[f.key] is None and (f.kind != "date" or not f.blank)):
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
        data = {"answers": dict(self.answers), "pending": self.pending, "names_confirmed": self.names_confirmed}
        return data if self.form is None else {**data, "form": self.form.data()}

    @classmethod
    def from_data(cls, preset: Preset, data: Mapping[str, Any], form: FormSpec | None = None) -> Interview:
        """The interview kept as `to_data`; `form` is the form it asks, known again from `data["form"]` by the
        caller (`bot.commands.forms.form_from`)."""
        answers = data.get("answers")
        pending = data.get("pending")
        return cls(preset, dict(answers) if isinstance(answers, dict) else {},
                   dict(pending) if isinstance(pending, dict) else None, bool(data.get("names_confirmed")), form)
