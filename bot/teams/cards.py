"""Shared views as Adaptive Cards (schema 1.5, the version Teams renders with `Action.Execute`).

The words come from `flows.views` and `bot.commands`; this module only changes their format:

* the referral card: the shared card lines, a reason box, then one `Action.Execute` per outcome and
  Recuse while voting is open (each in its own row, so long outcome labels stay readable and no preset's
  outcomes fall past Teams' limit on buttons in one row). When voting closes the box and the buttons go and
  the card states the result;
* any other message (a decision, an escalation, a request, a reminder, a notice): its headline, text and
  buttons; a button that needs a reason brings a reason box;
* the replies to typed commands, a command's form (the intake form of `new`, the meeting form of `meeting
  schedule REF`, the request form of `request REF`) and the reason prompts.

Text a person typed (a referrer, a reason, a member's name) can never become a link or a mention: link
markup is broken up and nothing is sent as an `<at>` mention.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from typing import Any

from bot.commands import Reply
from bot.notify import Action, Outgoing
from flows import intake
from flows.calendar import WorkingCalendar
from flows.intake import Field, FormSpec
from flows.views import CardView, card_lines, decision_lines, reasons_lines

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
TEXT_MAX = 2000  # per text block; a Teams message holds about 28 KB in all

# Action.Execute verbs (the route names in `handlers`)
VOTE = "panel.vote"  # data: ref, outcome; input: reason
RECUSE = "panel.recuse"  # data: ref; input: reason
RUN = "panel.run"  # data: command, needs_reason, label; input: reason
FORM = "panel.form"  # data: form (which form, `FormSpec.data()`), and the form's inputs
NEW_REFERRAL = "panel.new_referral"  # the intake form's inputs, from a card posted before there were other forms

REASON_INPUT = "reason"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")



_LONE_STAR = re.compile(r"(?<!\*)\*(?!\*)")  # a single star: italics in Teams markdown
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")  # `_x_` italics; `rr_meeting` is left alone
_LINE_MARKER = re.compile(r"(?m)^(\s*)([-+#>]|\*(?!\*)|\d+[.)])")  # a list, heading or quote at the start of a line
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|tel|file)(:)")
_WWW = re.compile(r"(?i)\bwww\.")


def neutral(text: str) -> str:
    """Make a line safe for a TextBlock, which renders a markdown subset: typed text (a reason, a referrer, a
    name) can never become a link, an image, italics, a list or a mention. Link and image syntax is broken up,
    web addresses lose what makes Teams link them, a single `*` or an `_` at a word's edge becomes a
    look-alike, a list or quote marker at the start of a line is pushed off it, and `<`/`>` become angle
    quotes (no `<at>` mention). The shared wording's own `**bold**` is kept."""
    text = text.replace("](", "]\u200b(").replace("<", "\u2039").replace(">", "\u203a")
    text = _SCHEME.sub("\\1\u200b\\2", _WWW.sub("www\u200b.", text))
    text = _LINE_MARKER.sub("\\1\u2060\\2", text)
    return _EDGE_UNDERSCORE.sub("\uff3f", _LONE_STAR.sub("\u2217", text))


def md(line: str) -> str:
    """A line of shared wording as Teams markdown: `**bold**` stays, a `command` is shown in bold."""
    return _CODE.sub(r"**\1**", neutral(line))


def plain(line: str) -> str:
    """A line of shared wording without markup (notification text, screen readers)."""
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", line))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_block(line: str, **extra: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": cut(md(line), TEXT_MAX), "wrap": True, **extra}


def blocks(lines: Iterable[str]) -> list[dict[str, Any]]:
    return [text_block(line) for line in lines if line]


def card(body: list[dict[str, Any]], actions: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        out["actions"] = list(actions)
    return out


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": content}


IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif"}


def image_attachments(files: Iterable[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """Files (a report's charts) as inline images, the way Teams takes them from a bot: base64 data URIs.
    Files that are not images are left out."""
    out = []
    for name, data in files:
        kind = IMAGE_TYPES.get(name.rsplit(".", 1)[-1].lower())
        if kind is not None:
            uri = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
            out.append({"contentType": kind, "contentUrl": uri, "name": name})
    return out


def execute(title: str, verb: str, data: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"type": "Action.Execute", "title": cut(title, 120), "verb": verb, "data": data}
    if style in ("positive", "destructive"):
        action["style"] = style
    return action


def row(action: dict[str, Any]) -> dict[str, Any]:
    """One button on a row of its own."""
    return {"type": "ActionSet", "actions": [action]}


def notice(text: str, ok: bool) -> dict[str, Any]:
    """What the person who pressed a button is told, at the top of the card they get back."""
    return {
        "type": "Container",
        "style": "good" if ok else "attention",
        "items": [text_block(text, weight="bolder")],
    }


def reason_box(label: str, required: bool = False, placeholder: str = "") -> dict[str, Any]:
    box: dict[str, Any] = {
        "type": "Input.Text",
        "id": REASON_INPUT,
        "label": label,
        "isMultiline": True,
        "maxLength": 2000,
    }
    if placeholder:
        box["placeholder"] = placeholder
    if required:
        box["isRequired"] = True
        box["errorMessage"] = "Please give a reason."
    return box


# The referral card ------------------------------------------------------------------------------------


def referral_card(view: CardView, cal: WorkingCalendar, *, note: str | None = None, ok: bool = True) -> dict:
    """The referral card. `note` is what the person who pressed a button on it is told (their copy only)."""
    lines = card_lines(view, cal)
    body: list[dict[str, Any]] = [notice(note, ok)] if note else []
    body.append(text_block(lines[0], size="medium", weight="bolder"))
    body += blocks(lines[1:])
    if view.open:
        labels = dict(view.outcomes)
        needing = [labels[o] for o in view.reason_required if o in labels]
        label = "Your reason" + (f" (required for: {', '.join(needing)})" if needing else " (optional)")
        body.append(reason_box(label, placeholder="Why you vote this way; it is recorded with your vote."))
        for i, (oid, title) in enumerate(view.outcomes):
            data = {"ref": view.reference, "outcome": oid}
            body.append(row(execute(title, VOTE, data, "positive" if i == 0 else None)))
        body.append(row(execute("Recuse", RECUSE, {"ref": view.reference})))
    return card(body)


def referral_summary(view: CardView, cal: WorkingCalendar) -> str:
    """The notification text of a card: its title and what matters now."""
    lines = card_lines(view, cal)
    keep = [lines[0]] + [line for line in lines[1:] if line.startswith(("Panel decision due", "**"))]
    return cut(" · ".join(plain(line) for line in keep), 300)


# Any other message -------------------------------------------------------------------------------------


def message_lines(message: Outgoing, cal: WorkingCalendar) -> list[str]:
    if message.kind == "decision" and message.card is not None:
        return decision_lines(message.card, cal)
    lines = [f"**{message.headline}**"] if message.headline else []
    if message.text:
        lines += message.text.split("\n")
    if message.kind == "escalation" and message.card is not None:
        lines += reasons_lines(message.card)
    if not lines and message.card is not None:
        lines = card_lines(message.card, cal)
    return lines or ["(no text)"]


def action_rows(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """Buttons that run a shared command as the person who presses them; a reason box when one needs it."""
    out: list[dict[str, Any]] = []
    needing = [a for a in actions if a.needs_reason]
    if needing:
        out.append(reason_box("Reason", required=len(needing) == len(actions)))
    for a in actions:
        data = {"command": a.command, "needs_reason": a.needs_reason, "label": a.label[:200]}
        style = {"primary": "positive", "danger": "destructive"}.get(a.style)
        out.append(row(execute(a.label + ("…" if a.needs_reason else ""), RUN, data, style)))
    return out


def message_card(message: Outgoing, cal: WorkingCalendar) -> dict[str, Any]:
    return card(blocks(message_lines(message, cal)) + action_rows(message.actions))


def message_summary(message: Outgoing, cal: WorkingCalendar) -> str:
    return cut(plain(message_lines(message, cal)[0]), 300)


# Replies, forms and prompts ----------------------------------------------------------------------------


def lines_card(lines: Sequence[str], ok: bool = True) -> dict[str, Any]:
    body = blocks(lines)
    if body and not ok:
        body[0]["color"] = "attention"
    return card(body or [text_block("Done.")])


def reply_cards(reply: Reply, cal: WorkingCalendar) -> list[dict[str, Any]]:
    """A shared command's reply: its lines, then the referral card when the reply carries one."""
    out = [lines_card(reply.lines, reply.ok)] if reply.lines else []
    if reply.card is not None:
        out.append(referral_card(reply.card, cal))
    return out or [lines_card(["Done."])]


def reason_prompt(command: str, intro: Sequence[str], label: str, button: str) -> dict[str, Any]:
    """A card that asks for a reason, then runs `command REASON` as the person who presses the button."""
    data = {"command": command, "needs_reason": True, "label": button}
    return card(
        [*blocks(intro), reason_box(label, required=True)],
        [execute(button, RUN, data, "positive")],
    )


def _form_input(f: Field, value: Any) -> dict[str, Any]:
    """One field of a form (`flows.intake.Field`) as an Adaptive Card input, holding `value` when the form comes
    back."""
    label = f.label if f.required or f.only_when else f"{f.label} (optional)"
    if f.only_when is not None:  # a card cannot show a box only when another is chosen: it says so instead
        label = f"{f.label} (only if {f.when_hint})"
    element: dict[str, Any] = {"id": f.key, "label": label}
    if f.kind in ("choice", "choices"):
        element.update(type="Input.ChoiceSet", choices=[{"title": c.label, "value": c.value} for c in f.choices],
                       style="expanded" if f.key == "category" or f.kind == "choices" else "compact")
        if f.kind == "choices":
            element["isMultiSelect"] = True
            value = ",".join(value) if isinstance(value, list) else value
    elif f.kind == "date":
        element["type"] = "Input.Date"
    elif f.kind == "time":
        element["type"] = "Input.Time"
    else:
        element.update(type="Input.Text", maxLength=f.max_length, isMultiline=f.multiline)
        if f.hint:
            element["placeholder"] = f.hint
    if f.required and f.only_when is None:
        element.update(isRequired=True, errorMessage=intake.missing(f))
    if isinstance(value, str) and value:
        element["value"] = value
    return element


def form_card(form: FormSpec, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
              possible_names: bool = False) -> dict[str, Any]:
    """A command's form (the intake form of `new`, the meeting form of `meeting schedule REF`). Given back after
    a refusal, it holds what was typed, with each error under its own field, and, when something may name a
    person, the box that confirms it names no one. The intake form deliberately has no field for a name, date of
    birth or address."""
    values, errors = values or {}, errors or {}
    body: list[dict[str, Any]] = [text_block(f"**{form.title}**", size="medium"), *blocks(form.intro)]
    if errors:
        body.append(text_block(f"{form.nothing.capitalize()} yet: please change what is marked below.",
                               color="attention"))
    keys = [f.key for f in form.fields]
    for f in form.fields:
        value = values.get(f.key)
        if f.key == "referral_type" and not value and f.choices:
            value = f.choices[0].value  # chosen in advance: a card's choice set shows its first choice anyway
        value = value or f.default or None
        body.append(_form_input(f, value))
        if f.key in errors:
            body.append(text_block(neutral(errors[f.key]), color="attention"))
    if possible_names:
        body.append({"type": "Input.Toggle", "id": intake.CONFIRM_KEY, "title": intake.CONFIRM_LABEL,
                     "valueOn": "true", "valueOff": "false", "value": "false"})
        if intake.CONFIRM_KEY in errors and intake.CONFIRM_KEY not in keys:
            body.append(text_block(neutral(errors[intake.CONFIRM_KEY]), color="attention"))
    return card(body, [execute(form.submit, FORM, {"form": form.data()}, "positive")])
