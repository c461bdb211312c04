"""A form as every platform shows it: its title, its opening lines, its fields (`Field`) and the button that sends
it, defined once. A platform renders a `FormSpec` in its own idiom (a Slack modal, a Teams card, one question at a
time on Telegram and in the terminal) and never knows which form it is showing; what the answers then do is the
shared command layer's (`bot.commands.forms`).

It is used by the intake form (`referral_form`, its fields `intake_fields`), and the business manager's meeting
forms (`flows.meetings.schedule_form`, `move_form`, `cancel_form`, `held_form`) and information request form
(`flows.requests.request_form`). A form about a
referral carries its reference and anonymised subject, and anything else it needs to be known again as it was shown
(`kept`: the agencies the request form offers), which a platform keeps between opening the form and its submission
(`data`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flows.intake.fields import INTRO, Field, FormCheck, check_form, intake_fields
from flows.preset import Preset

REFERRAL_FORM = "referral"  # the intake form's kind


@dataclass(frozen=True)
class FormSpec:
    kind: str  # which form: "referral", "meeting", "meeting_move", "meeting_cancel", "meeting_held", "request"
    title: str  # its name on a modal or card: "New referral" (Slack shows at most 24 characters)
    intro: tuple[str, ...]  # what it says before the first field
    submit: str  # the button that sends it: "File referral"
    fields: tuple[Field, ...]
    reference: str = ""  # the referral it is about, if any
    subject: str = ""  # that referral's anonymised subject ("Baby A")
    what: str = "referral"  # what the interview asks to check before sending: "Please check the referral"
    nothing: str = "nothing was filed"  # what a form sent back to be changed has done so far
    cancelled: str = "Filing cancelled; nothing was saved."  # the terminal's answer to `cancel`
    # What else the form is known again by, as text (the request form: the agencies it offers, the referral's type).
    kept: tuple[tuple[str, str], ...] = ()

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def check(self, preset: Preset, raw: Mapping[str, Any], *, today: date,
              names_confirmed: bool = False) -> FormCheck:
        """The whole form sent, checked field by field (`check_form`)."""
        fields = None if self.kind == REFERRAL_FORM else self.fields  # the intake form's own rules, as ever
        return check_form(preset, raw, today=today, names_confirmed=names_confirmed, fields=fields)

    def data(self) -> dict[str, str]:
        """What a platform keeps to know the form again at its submission (`bot.commands.forms.form_from`)."""
        out = {"form": self.kind}
        if self.reference:
            out.update(reference=self.reference, subject=self.subject)
        out.update(self.kept)
        return out


def referral_form(preset: Preset) -> FormSpec:
    """The intake form of `new`: there is deliberately no field for a name, date of birth or address."""
    return FormSpec(REFERRAL_FORM, "New referral", (f"New referral to the {preset.name} panel.", INTRO),
                    "File referral", intake_fields(preset))
