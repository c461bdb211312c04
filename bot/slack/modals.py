"""The forms: filing a referral, choosing the agencies for information requests, and the modal that asks for a
reason (a vote, a recusal, a decision, what is missing). They collect what the shared `Panel` methods take;
they decide nothing themselves.

The referral form has no field for a name, a date of birth or an address. Before a form is accepted, the
same pure checks the service runs (`flows.referrals.clean_draft`, `flows.anonymity.check_free_text`) are run
once more so that a refusal can be shown on the field it is about, with everything typed kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.commands import clean_text
from bot.slack.blocks import cut, sections
from flows.anonymity import CATEGORY_LABELS, IdentifyingDetail, SubjectCategory, check_free_text
from flows.errors import InvalidInput
from flows.preset import Preset
from flows.referrals import ReferralDraft, clean_draft

NEW_REFERRAL = "panel_new"
VOTE = "panel_vote"
RECUSE = "panel_recuse"
REASON = "panel_reason"  # a reason appended to a shared command (decide, return, a message's button)
REQUEST = "panel_request"  # the agencies to send information requests to

VALUE = "value"  # every input's action id
REASON_BLOCK = "reason"
AGENCIES_BLOCK = "agencies"
CHECKBOXES_MAX = 10  # Slack's most options in a checkboxes element; more agencies get a multi-select (100)
SUMMARY_MAX = 3000  # Slack's longest plain text input
REASON_MAX = SUMMARY_MAX  # the reason box is as long as Slack allows
CATEGORY_HINTS = ("under 2", "2 to 17", "18 and over")


@dataclass(frozen=True)
class Meta:
    """What a modal carries between opening and submission (`private_metadata`, at most 3,000 characters):
    where to answer the person privately, and what the form is about."""

    channel: str | None = None
    response_url: str | None = None
    reference: str | None = None
    outcome: str | None = None
    command: str | None = None

    def dump(self) -> str:
        return json.dumps({k: v for k, v in self.__dict__.items() if v is not None})

    @classmethod
    def load(cls, text: str | None) -> Meta:
        try:
            data = json.loads(text or "{}") if isinstance(text, str) else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        # Only strings: Slack hands back what we wrote, but a forged or broken body could carry anything.
        return cls(**{k: clean_text(v) if isinstance(v, str) else None for k, v in data.items()
                      if k in cls.__dataclass_fields__})


def _option(value: str, label: str) -> Option:
    return Option(value=value, text=PlainTextObject(text=cut(label, 75), emoji=False))


def _view(callback_id: str, title: str, submit: str, blocks: list[Block], meta: Meta) -> dict:
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=cut(title, 24)),
        submit=PlainTextObject(text=cut(submit, 24)),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=meta.dump(),
    ).to_dict()


# Filing a referral ---------------------------------------------------------------------------------------


def new_referral_view(preset: Preset, meta: Meta) -> dict:
    blocks: list[Block] = [
        *sections(
            [
                f"New referral to the {preset.name} panel.",
                "There is no field for a name, date of birth or address: the subject is shown only by category "
                "and letter, such as Young Person C.",
            ]
        ),
        InputBlock(
            block_id="type",
            label="Referral type",
            element=StaticSelectElement(
                action_id=VALUE, options=[_option(t.id, t.label) for t in preset.referral_types][:100]
            ),
        ),
        InputBlock(
            block_id="referrer",
            label="Referring agency",
            element=PlainTextInputElement(action_id=VALUE, max_length=200, placeholder="e.g. Children's Social Care"),
        ),
        InputBlock(
            block_id="aware",
            label="Date the partnership became aware",
            element=DatePickerElement(action_id=VALUE),
            optional=True,
            hint="Leave blank for today.",
        ),
        InputBlock(
            block_id="category",
            label="Subject category",
            element=StaticSelectElement(
                action_id=VALUE,
                options=[
                    _option(c.value, f"{label} ({hint})")
                    for (c, label), hint in zip(CATEGORY_LABELS.items(), CATEGORY_HINTS, strict=True)
                ],
            ),
        ),
        InputBlock(
            block_id="letter",
            label="Subject letter (A to Z)",
            element=PlainTextInputElement(action_id=VALUE, min_length=1, max_length=1),
        ),
        InputBlock(
            block_id="summary",
            label="Summary",
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=SUMMARY_MAX),
            hint="No names, dates of birth, addresses, postcodes or NHS numbers.",
        ),
    ]
    if preset.themes:
        blocks.append(
            InputBlock(
                block_id="themes",
                label="Themes",
                element=StaticMultiSelectElement(action_id=VALUE, options=[_option(t, t) for t in preset.themes][:100]),
                optional=True,
            )
        )
    return _view(NEW_REFERRAL, "New referral", "File referral", blocks, meta)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _state(view: dict) -> dict[str, dict[str, Any]]:
    """The form's values by block. Anything not shaped as Slack sends it (a forged or broken body) reads as
    empty, so the form is refused field by field rather than failing."""
    values = _dict(_dict(_dict(view).get("state")).get("values"))
    return {block: _dict(_dict(actions).get(VALUE)) for block, actions in values.items()}


def text_value(view: dict, block: str) -> str:
    value = _state(view).get(block, {}).get("value")
    return clean_text(value if isinstance(value, str) else "").strip()


def _options(value: Any) -> list[str]:
    return [clean_text(o["value"]) for o in value if isinstance(o, dict) and isinstance(o.get("value"), str)] \
        if isinstance(value, list) else []


def draft_from_view(view: dict) -> ReferralDraft:
    state = _state(view)

    def selected(block: str) -> str:
        value = _dict(state.get(block, {}).get("selected_option")).get("value")
        return value if isinstance(value, str) else ""

    aware = state.get("aware", {}).get("selected_date")
    try:
        aware_on = date.fromisoformat(aware) if aware else None
    except (TypeError, ValueError):
        # Slack's date picker sends YYYY-MM-DD; anything else is a forged or broken form, refused as such.
        raise InvalidInput("The date the partnership became aware is not a date. Nothing was filed.") from None
    themes = _options(state.get("themes", {}).get("selected_options"))
    return ReferralDraft(
        referral_type=selected("type"),
        referrer=text_value(view, "referrer"),
        category=selected("category"),
        letter=text_value(view, "letter"),
        summary=text_value(view, "summary"),
        aware_on=aware_on,
        themes=themes,
    )


_FIELDS = {
    "type": "referral_type",
    "referrer": "referrer",
    "aware": "aware_on",
    "category": "category",
    "letter": "letter",
    "summary": "summary",
    "themes": "themes",
}


def draft_errors(preset: Preset, draft: ReferralDraft, today: date) -> dict[str, str]:
    """The service's own refusal of this form, if it would refuse it, placed on the field it is about: the
    field whose value alone (with every other field set to a value known to pass) is refused the same way."""
    try:
        clean_draft(preset, draft, today=today)
    except InvalidInput as exc:
        message = str(exc)
    else:
        return {}
    good = ReferralDraft(
        referral_type=preset.referral_types[0].id,
        referrer="Agency",
        category=SubjectCategory.ADULT.value,
        letter="A",
        summary="Summary",
    )
    for block, field in _FIELDS.items():
        try:
            clean_draft(preset, replace(good, **{field: getattr(draft, field)}), today=today)
        except InvalidInput as exc:
            if str(exc) == message:
                return {block: cut(message, 2000)}
    return {"summary": cut(message, 2000)}


# Information requests ------------------------------------------------------------------------------------


def request_view(preset: Preset, reference: str, subject: str, meta: Meta) -> dict:
    """Tick the agencies to send an information request to (the preset's agencies, in its order)."""
    options = [_option(a.id, a.label) for a in preset.agencies]
    element: CheckboxesElement | StaticMultiSelectElement = (
        CheckboxesElement(action_id=VALUE, options=options)
        if len(options) <= CHECKBOXES_MAX
        else StaticMultiSelectElement(action_id=VALUE, options=options[:100], placeholder="Choose agencies")
    )
    blocks: list[Block] = [
        *sections(
            [
                f"**{reference} · {subject}**: send an information request to each agency you choose.",
                f"Each is asked for {preset.request_template}, told when it is due, and can press Mark as returned.",
            ]
        ),
        InputBlock(block_id=AGENCIES_BLOCK, label="Agencies", element=element, hint="Choose at least one."),
    ]
    return _view(REQUEST, "Information requests", "Send requests", blocks, meta)


def agencies_from_view(view: dict) -> list[str]:
    """The agency ids chosen (checkboxes and a multi-select send them back alike)."""
    return _options(_state(view).get(AGENCIES_BLOCK, {}).get("selected_options"))


def agencies_error() -> dict[str, str]:
    """The form's one required field left empty (Slack's client asks for it first; the core would refuse an
    empty list as well)."""
    return {AGENCIES_BLOCK: "Choose at least one agency to send a request to."}


# A reason -----------------------------------------------------------------------------------------------


def reason_view(
    callback_id: str,
    *,
    title: str,
    intro: list[str],
    label: str,
    required: bool,
    meta: Meta,
    submit: str = "Submit",
    hint: str | None = None,
) -> dict:
    blocks: list[Block] = [
        *sections(intro),
        InputBlock(
            block_id=REASON_BLOCK,
            label=cut(label, 2000),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=SUMMARY_MAX),
            optional=not required,
            hint=hint or ("Required." if required else "Optional."),
        ),
    ]
    return _view(callback_id, title, submit, blocks, meta)


def reason_error(reason: str) -> dict[str, str]:
    """The anonymity check the service makes on any reason, shown on the field before anything is sent, and
    the form's own length limit (a submission can be forged past what the client allows)."""
    if len(reason) > REASON_MAX:
        return {REASON_BLOCK: f"The reason is longer than {REASON_MAX:,} characters. Please shorten it."}
    try:
        check_free_text("reason", reason)
    except IdentifyingDetail as exc:
        return {REASON_BLOCK: cut(str(exc), 2000)}
    return {}
