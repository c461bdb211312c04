"""The registry of shared commands: what a command is (`Command`), what it answers (`Reply`), the `@command`
decorator that lists a handler in `COMMANDS`, and the examples as the running partnership writes them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.service import Actor, Panel
from flows.intake import REFERRAL_FORM as REFERRAL_FORM  # the intake form's kind (`FormSpec.kind`)
from flows.intake import FormSpec
from flows.preset import Preset
from flows.views import CardView


@dataclass(frozen=True)
class AskReason:
    """The command needs words the person has not given yet (the reason for a decision, what is missing from a
    referral): ask for them, then run `command` with them appended. Each platform asks in its own way (a form,
    a card, a reply, a prompt)."""

    command: str
    intro: tuple[str, ...]
    label: str  # the box's label: "The reason for the decision"
    button: str  # what the person presses to send it: "Decide"


@dataclass
class Reply:
    """The answer to a command, as typed steps a platform renders in its own idiom: lines to say (a refusal when
    not ok), a card to show, files to attach, a reason to ask for, or a form to open (`form`: the intake form of
    `new`, the meeting form of `meeting schedule REF`, the information request form of `request REF`), which a
    platform renders in its own idiom and whose answers it hands to `bot.commands.forms.submit`."""

    lines: list[str] = field(default_factory=list)
    card: CardView | None = None
    ok: bool = True
    # Files to attach, (file name, bytes): the report's PNG charts. A platform uploads them (Slack
    # files_upload_v2, Telegram send_photo, a Teams attachment); the terminal saves them to a folder.
    files: tuple[tuple[str, bytes], ...] = ()
    ask: AskReason | None = None
    form: FormSpec | None = None


Handler = Callable[[Panel, Actor, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    help: str
    example: str
    handler: Handler
    min_args: int = 0
    # The handler also takes `origin=` (where the command came from), for a rule that depends on it.
    with_origin: bool = False

    def usage_line(self, preset: Preset) -> str:
        """The refusal of a command typed without what it needs, in the running partnership's words."""
        return f"Usage: `{self.usage}` (for example `{for_partnership(self.example, preset)}`)."


# Examples are written with Salford's (and Suffolk's) references; a person sees their own partnership's prefix.
_EXAMPLE_REFERENCE = re.compile(r"\b(?:SAL|SUF)-(?=\d{4}-\d{3})")


def for_partnership(text: str, preset: Preset) -> str:
    """An example as the running partnership writes it: `vote SAL-2026-001 ...` is `vote DUD-2026-001 ...` in
    Dudley."""
    return _EXAMPLE_REFERENCE.sub(f"{preset.reference_prefix}-", text)


def example_reference(preset: Preset) -> str:
    """"REF is a referral reference such as DUD-2026-014": the help's example of a reference."""
    return f"{preset.reference_prefix}-2026-014"


REFERENCE = re.compile(r"[A-Z]{2,6}-\d{4}-\d{3,}")

COMMANDS: dict[str, Command] = {}
# What someone who is not on the panel (an agency contact) may do: ask for help, and mark their return made.
GUEST_COMMANDS = frozenset({"help", "returned"})


def command(
    name: str, usage: str, help: str, example: str, min_args: int = 0, with_origin: bool = False
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        COMMANDS[name] = Command(name, usage, help, example, handler, min_args, with_origin)
        return handler

    return register
