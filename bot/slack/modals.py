"""The forms: a command's form (filing a referral, scheduling a meeting, sending information requests), and the
modal that asks for a reason (a vote, a recusal, a decision, what is missing). They collect what the shared `Panel`
methods take; they decide nothing themselves.

A command's form is a `flows.intake.FormSpec` (the intake form, the meeting form, the request form), rendered as
blocks by one function (`form_view`): the intake form has no field for a name, a date of birth or an address, and
the form's field-by-field check (`check_form`) places each refusal beside the box it is about, with everything typed
kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.commands import clean_text
from bot.slack.blocks import cut, sections
from flows import intake
from flows.anonymity import IdentifyingDetail, check_free_text
from flows.intake import Field, FormSpec

FORM = "panel_form"  # a command's form (intake, meeting, request): which one is in its metadata
NEW_REFERRAL = "panel_new"  # the intake form as opened before there were others: still sent by an open modal
VOTE = "panel_vote"
RECUSE = "panel_recuse"
REASON = "panel_reason"  # a reason appended to a shared command (decide, return, a message's button)
# The agencies for information requests, as Slack asked for them before every platform had the request form (its
# block was `agencies`, the form's field): still sent by a modal open during an upgrade.
REQUEST = "panel_request"

VALUE = "value"  # every input's action id
REASON_BLOCK = "reason"
CHECKBOXES_MAX = 10  # Slack's most options in a checkboxes element; more agencies get a multi-select (100)
SUMMARY_MAX = 3000  # Slack's longest plain text input
REASON_MAX = SUMMARY_MAX  # the reason box is as long as Slack allows


@dataclass(frozen=True)
class Meta:
    """What a modal carries between opening and submission (`private_metadata`, at most 3,000 characters):
    where to answer the person privately, and what the form is about."""

    channel: str | None = None
    response_url: str | None = None
    reference: str | None = None
    outcome: str | None = None
    command: str | None = None
    form: str | None = None  # a command's form: its kind (`FormSpec.kind`), and the subject of its referral
    subject: str | None = None
    kept: str | None = None  # the rest of what the form is known again by (`FormSpec.kept`), as JSON

    @classmethod
    def of_form(cls, form: FormSpec, channel: str | None, response_url: str | None) -> Meta:
        data = form.data()
        return cls(channel=channel, response_url=response_url, form=data["form"], reference=data.get("reference"),
                   subject=data.get("subject"), kept=json.dumps(dict(form.kept)) if form.kept else None)

    def form_data(self) -> dict[str, str] | None:
        """What `bot.commands.forms.form_from` knows the form by (None: the intake form, as before there were
        others)."""
        if self.form is None:
            return None
        try:
            kept = json.loads(self.kept) if self.kept else {}
        except ValueError:
            kept = {}
        out = {k: v for k, v in kept.items() if isinstance(v, str)} if isinstance(kept, dict) else {}
        out.update((k, v) for k, v in (("form", self.form), ("reference", self.reference), ("subject", self.subject))
                   if v is not None)
        return out

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


# A command's form ------------------------------------------------------------------------------------------
# The fields, their choices and their rules are the form's (`flows.intake.FormSpec`); here they only become
# Slack's blocks. Each block's id is its field's key, so the form's errors (keyed by field) are shown beside
# the right box.


def _input(f: Field, value: Any) -> InputBlock:
    element: Any
    if f.kind == "choice":
        options = [_option(c.value, c.label) for c in f.choices][:100]
        chosen = [o for o in options if o.value == (value or f.default)]
        element = StaticSelectElement(action_id=VALUE, options=options, initial_option=chosen[0] if chosen else None)
    elif f.kind == "choices":
        options = [_option(c.value, c.label) for c in f.choices][:100]
        chosen = [o for o in options if isinstance(value, list) and o.value in value]
        if f.key != "themes" and len(options) <= CHECKBOXES_MAX:  # a short list reads best ticked
            element = CheckboxesElement(action_id=VALUE, options=options, initial_options=chosen or None)
        else:
            element = StaticMultiSelectElement(action_id=VALUE, options=options, initial_options=chosen or None)
    elif f.kind == "date":
        element = DatePickerElement(action_id=VALUE, initial_date=value or None)
    elif f.kind == "time":
        element = TimePickerElement(action_id=VALUE, initial_time=value or None)
    else:
        limit = min(f.max_length or SUMMARY_MAX, SUMMARY_MAX)
        element = PlainTextInputElement(action_id=VALUE, multiline=f.multiline, max_length=limit,
                                        min_length=1 if f.kind == "letter" else None,
                                        initial_value=value if isinstance(value, str) and value else None)
    hint = f.hint
    if f.only_when is not None:  # a modal cannot show a box only when another is chosen: it says so instead
        hint = f"Only if {f.when_hint}. {hint}".strip()
    return InputBlock(block_id=f.key, label=f.label, element=element, hint=hint or None,
                      optional=not f.required or f.only_when is not None)


def form_view(form: FormSpec, meta: Meta, values: dict[str, Any] | None = None,
              possible_names: list[str] | None = None) -> dict:
    """A command's form as a modal; with `values`, filled in as submitted; with `possible_names` (the messages
    about what may name a person), ending in the box that confirms it names no one."""
    values = values or {}
    blocks: list[Block] = [*sections(list(form.intro))]
    blocks += [_input(f, values.get(f.key)) for f in form.fields]
    if possible_names:
        blocks += sections(possible_names)
        blocks.append(InputBlock(
            block_id=intake.CONFIRM_KEY, label="Does it name anyone?", optional=True,
            element=CheckboxesElement(action_id=VALUE, options=[_option("yes", intake.CONFIRM_LABEL)]),
            hint="Tick only if it names no one (an agency or a place Panelbot does not know); otherwise rewrite it "
                 "as a role."))
    return _view(FORM, form.title, form.submit, blocks, meta)


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


def form_values(form: FormSpec, view: dict) -> dict[str, Any]:
    """What was submitted, by field key, as `flows.intake.check_form` reads it."""
    state = _state(view)
    values: dict[str, Any] = {}
    for f in form.fields:
        entry = state.get(f.key, {})
        if f.kind in ("choice", "date", "time"):
            value = {"choice": _dict(entry.get("selected_option")).get("value"), "date": entry.get("selected_date"),
                     "time": entry.get("selected_time")}[f.kind]
            values[f.key] = clean_text(value) if isinstance(value, str) else ""
        elif f.kind == "choices":
            values[f.key] = _options(entry.get("selected_options"))
        else:
            values[f.key] = text_value(view, f.key)
    return values


def names_confirmed(view: dict) -> bool | None:
    """The "it names no one" box: None when the form does not show it, else whether it is ticked."""
    state = _state(view)
    if intake.CONFIRM_KEY not in state:
        return None
    return "yes" in _options(state[intake.CONFIRM_KEY].get("selected_options"))


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
