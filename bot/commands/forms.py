"""What a form's answers do once sent, the same on every platform.

A command opens a form by answering with `Reply.form`, a `flows.intake.FormSpec`: `new` the intake form, `meeting
schedule REF` (no day) the meeting form, `meeting move REF` (no day) and `meeting cancel REF` (no reason) the forms
that move or cancel it, `request REF` (no agency) the information request form. Each platform
shows it in its own idiom (a Slack modal, a Teams card, one question at a time on Telegram and in the terminal),
keeps `FormSpec.data()` until it is sent, knows the form again with `form_from`, checks the answers field by field
(`FormSpec.check` or an `Interview`), and hands them to `submit`. `submit` makes the service call the typed command
makes, so who may, the screening and the rules are checked in one place; a refusal about one answer names its field
(`PanelError.field`), and `refused_field` says whether this form has it, to show it there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.commands.meetings import cancel, held, move, schedule
from bot.commands.registry import Reply
from bot.commands.requests import form_for, send
from bot.commands.wording import PLAIN, Idiom, filed
from bot.service import Actor, Panel
from flows.errors import InvalidInput, PanelError
from flows.intake import REFERRAL_FORM, FormSpec, draft_from, referral_form
from flows.meetings import (
    CANCEL_FORM,
    HELD_FORM,
    KEPT_MAX,
    KEPT_MEETING,
    KEPT_NOW,
    KEPT_OUTCOMES,
    KEPT_QUORUM,
    MEETING_FORM,
    MOVE_FORM,
    cancel_form,
    held_form,
    move_form,
    schedule_form,
)
from flows.preset import Preset
from flows.referrals import normalise_reference
from flows.requests import KEPT_AGENCIES, KEPT_TYPE, REQUEST_FORM, request_form

log = logging.getLogger("bot.commands")

OUT_OF_DATE = "That form is out of date, so nothing was changed. Please open it again."


def form_from(preset: Preset, data: object) -> FormSpec | None:
    """The form a platform kept (`FormSpec.data()`), or None when it is not one of ours (an old or forged one).
    Kept data without a kind is the intake form, as every form was before the meeting form."""
    if data is None:
        return referral_form(preset)
    if not isinstance(data, Mapping):
        return None
    kind = data.get("form")
    if kind in (None, REFERRAL_FORM):
        return referral_form(preset)
    reference, subject = _reference(data.get("reference")), data.get("subject")
    if kind == MEETING_FORM:
        if reference is None or not isinstance(subject, str):
            return None
        return schedule_form(reference, subject[:100])
    if kind in (MOVE_FORM, CANCEL_FORM):
        name, now = data.get(KEPT_MEETING), data.get(KEPT_NOW)
        if reference is None or not all(isinstance(t, str) for t in (subject, name, now)):
            return None
        make = move_form if kind == MOVE_FORM else cancel_form
        return make(reference, subject[:100], name[:KEPT_MAX], now[:KEPT_MAX])  # type: ignore[index]
    if kind == HELD_FORM:
        return _held_form(preset, data, reference, subject)
    if kind == REQUEST_FORM:
        return _request_form(preset, data, reference, subject if isinstance(subject, str) else "")
    return None


def _reference(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        return normalise_reference(text)
    except PanelError:
        return None


def _held_form(preset: Preset, data: Mapping[str, Any], reference: str | None, subject: object) -> FormSpec | None:
    """The held form as it was shown: the roles of the meeting's quorum and the outcomes it offered, kept with it
    (only those the preset still has)."""
    name, now, quorum, outcomes = (data.get(k) for k in (KEPT_MEETING, KEPT_NOW, KEPT_QUORUM, KEPT_OUTCOMES))
    if reference is None or not all(isinstance(t, str) for t in (subject, name, now, quorum, outcomes)):
        return None
    roles, known = {r.id for r in preset.roles}, {o.id for o in preset.outcomes}
    offered = tuple(r for r in quorum.split(",") if r in roles)  # type: ignore[union-attr]
    if not offered:
        return None
    decided = tuple(o for o in outcomes.split(",") if o in known)  # type: ignore[union-attr]
    return held_form(preset, reference, subject[:100], name[:KEPT_MAX], now[:KEPT_MAX],  # type: ignore[index]
                     offered, decided)


def _request_form(preset: Preset, data: Mapping[str, Any], reference: str | None, subject: str) -> FormSpec | None:
    """The request form as it was shown: the agencies it offered, kept with it. Kept without them, it is Slack's
    modal from before every platform had the form (still answered, so one open during an upgrade works): every
    agency of the preset, and no due date."""
    if reference is None:
        return None
    agencies, referral_type = data.get(KEPT_AGENCIES), data.get(KEPT_TYPE)
    if agencies is None:
        return request_form(preset, reference, subject[:100], offered=tuple(a.id for a in preset.agencies),
                            ask_due=False)
    known = {a.id for a in preset.agencies}
    offered = tuple(a for a in agencies.split(",") if a in known) if isinstance(agencies, str) else ()
    if not offered:
        return None
    if not isinstance(referral_type, str) or referral_type not in {t.id for t in preset.referral_types}:
        referral_type = ""
    return form_for(preset, reference, subject[:100], referral_type, offered)


async def submit(panel: Panel, actor: Actor, form: FormSpec, answers: Mapping[str, Any], *,
                 names_confirmed: bool = False, idiom: Idiom = PLAIN) -> Reply:
    """Act on a form's checked answers, as `actor`: file the referral, schedule, move or cancel the meeting, or send
    the information requests, or record the meeting as held. The answer comes once the service has committed; a
    refusal is raised as the service's `PanelError` (with the field it is about, where it is about one), and
    nothing is changed."""
    try:
        if form.kind == REFERRAL_FORM:
            reference = await panel.file_referral(actor=actor, draft=draft_from(
                panel.preset, answers, names_confirmed=names_confirmed))
            channels = await panel.list_channels()
            set_up = any(purpose == "panel" and platform == idiom.platform for purpose, platform, _ in channels)
            reply = Reply([filed(reference, idiom, set_up)])
        elif form.kind == MEETING_FORM:
            reply = await schedule(panel, actor, form.reference, str(answers.get("date") or ""),
                                   str(answers.get("time") or ""), str(answers.get("place") or ""),
                                   answers.get("override") or None)
        elif form.kind == MOVE_FORM:
            reply = await move(panel, actor, form.reference, str(answers.get("date") or ""),
                               str(answers.get("time") or ""), answers.get("override") or None)
        elif form.kind == CANCEL_FORM:
            reply = await cancel(panel, actor, form.reference, str(answers.get("reason") or ""))
        elif form.kind == HELD_FORM:
            reply = await held(panel, actor, form.reference, list(answers.get("roles") or []),
                               answers.get("override") or None, answers.get("outcome") or None,
                               str(answers.get("reason") or ""), in_form=True)
        elif form.kind == REQUEST_FORM:
            due = answers.get("due")
            reply = await send(panel, actor, form.reference, list(answers.get("agencies") or []),
                               date.fromisoformat(due) if due else None, in_form=True)
        else:
            raise InvalidInput(OUT_OF_DATE)
    except PanelError:
        log.info("form %s: refused", form.kind, extra={"command": f"form {form.kind}"})
        raise
    log.info("form %s: done", form.kind, extra={"command": f"form {form.kind}"})
    return reply


def refused_field(form: FormSpec, exc: PanelError) -> str | None:
    """The field of `form` a refusal is about, to show it beside that field or ask it again; None when it is
    about the whole form (not the business manager, a referral already decided), to say as a message."""
    return exc.field if exc.field is not None and form.field(exc.field) is not None else None
