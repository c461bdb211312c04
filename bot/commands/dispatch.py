"""Running one command line: cleaning and splitting it, refusing what cannot run (too long, unknown, a guest's,
too few arguments), calling the handler, and logging what was done; and `help`, which lists every command."""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Iterable

from bot.commands.parsing import clean_text
from bot.commands.registry import COMMANDS, GUEST_COMMANDS, REFERENCE, Reply, command, example_reference
from bot.service import Actor, Panel
from flows.anonymity import unquote_details
from flows.errors import PanelError
from flows.permissions import may_run
from flows.returns import Origin

# The package's one logger, by the name `bot.app` quietens in the terminal.
log = logging.getLogger("bot.commands")
MAX_LINE = 6000  # a summary may be 4,000 characters; a command line never needs more than this
MAX_WORD = 300


async def run(panel: Panel, actor: Actor, text: str, origin: Origin | None = None) -> Reply:
    """Run one command line. A refusal is a Reply with ok=False and one plain sentence; it changes nothing.
    `origin` is where it came from (the platform, chat and message of a button pressed); None when typed."""
    text = clean_text(text)
    if len(text) > MAX_LINE:
        return Reply(
            [f"That is {len(text):,} characters long; keep a command under {MAX_LINE:,}. Nothing was changed."],
            ok=False,
        )
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return await _help(panel, actor, [])
    if any(len(w) > MAX_WORD for w in words):
        # No reference, outcome, agency or date is this long, and a refusal would quote it back in full.
        return Reply([f"One word there is over {MAX_WORD} characters long, which no command expects. Nothing was "
                      "changed."], ok=False)
    name, args = words[0].lower().lstrip("/"), words[1:]
    cmd = COMMANDS.get(name)
    if cmd is None:
        return Reply([unquote_details(not_a_command(name, COMMANDS), text)], ok=False)
    if not may_run(actor.role, name, GUEST_COMMANDS):
        return Reply(
            [
                "You are not on this partnership's panel, so Panelbot cannot do that for you. "
                "Ask the business manager to add you."
            ],
            ok=False,
        )
    if len(args) < cmd.min_args:
        return Reply([cmd.usage_line(panel.preset)], ok=False)
    try:
        panel.check_actor(actor)  # an actor looked up in another partnership's panel
        if cmd.with_origin:
            reply = await cmd.handler(panel, actor, args, origin=origin)  # type: ignore[call-arg]
        else:
            reply = await cmd.handler(panel, actor, args)
    except PanelError as exc:
        reply = Reply([unquote_details(str(exc), text)], ok=False)  # never quote back a DOB, postcode, NHS number
    log.info("command %s: %s", name, "done" if reply.ok else "refused", extra=command_fields(panel, name, args))
    return reply


def command_fields(panel: Panel, name: str, args: list[str]) -> dict[str, str]:
    """What a log line may say about a command (JSON logs: `command`, `reference`, `outcome`): its name, and
    its reference and outcome only when they are ones the panel knows. Never anything else that was typed."""
    fields = {"command": name}
    if args and REFERENCE.fullmatch(args[0].strip().upper()):
        fields["reference"] = args[0].strip().upper()
    if name in ("vote", "decide") and len(args) > 1:
        known = {o.id for o in panel.preset.outcomes}
        if args[1].lower() in known:
            fields["outcome"] = args[1].lower()
    return fields


def not_a_command(name: str, known: Iterable[str]) -> str:
    """The refusal of a mistyped command, with the nearest command as the command line suggests it:
    '"stauts" is not a command. Did you mean `status`? Type `help` to see the commands.'"""
    close = difflib.get_close_matches(name.lower(), list(known), n=1, cutoff=0.6)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return f'"{name}" is not a command.{hint} Type `help` to see the commands.'


@command("help", "help", "list the commands", "help")
async def _help(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    lines = [f"Commands (REF is a referral reference such as {example_reference(panel.preset)}):"]
    lines += [f"  `{c.usage}`: {c.help}" for c in COMMANDS.values()]
    return Reply(lines)
