"""The referral intake form, defined once for every platform.

The form's fields, their choices and help, and the rule that checks each answer live here as data. A
platform only renders them in its own idiom:

* a platform that submits a whole form (a Slack modal, a Teams card, a web page) checks it with
  :func:`check_form`, which gives every error at once, keyed by the field it is about, to show beside it;
* a platform that asks one question at a time (the terminal, Telegram) drives an :class:`Interview`, which
  checks each answer as it is given and asks that question again, so one wrong answer never costs the rest.

Both end in a :class:`ReferralDraft`, which the service checks once more with :func:`clean_draft` (the same
field rules) before anything is written. There is deliberately no field for a name, a date of birth or an
address. Adding a field is one entry in :func:`intake_fields` and its rule in :func:`fields.check_field`.

The same machinery shows any other form: a :class:`FormSpec` (`spec.py`) names a form's title, opening lines,
fields and button (`referral_form` for this one; the meeting form is `flows.meetings.schedule_form`), and
:func:`check_form` and :class:`Interview` take its fields.
"""

from flows.intake.draft import CleanReferral, ReferralDraft, clean_draft, draft_from
from flows.intake.fields import (
    CONFIRM_KEY,
    CONFIRM_LABEL,
    INTRO,
    KEEP_WORD,
    NO_IDENTIFIERS,
    OTHER,
    OTHER_LABEL,
    Choice,
    Field,
    FormCheck,
    check_form,
    confirm_names_hint,
    intake_fields,
    missing,
    parse_date,
    parse_time,
)
from flows.intake.interview import Ask, ConfirmName, Interview, Review, Step
from flows.intake.spec import REFERRAL_FORM, FormSpec, referral_form

__all__ = [
    "CONFIRM_KEY", "CONFIRM_LABEL", "INTRO", "KEEP_WORD", "NO_IDENTIFIERS", "OTHER", "OTHER_LABEL", "Ask", "Choice",
    "CleanReferral", "ConfirmName", "Field", "FormCheck", "FormSpec", "Interview", "REFERRAL_FORM", "ReferralDraft",
    "Review", "Step", "check_form", "clean_draft", "confirm_names_hint", "draft_from", "intake_fields", "missing",
    "parse_date", "parse_time", "referral_form",
]
