"""What the bot says about itself, decided once for every platform: the help, the answer to `setup`, the line
after filing, and the refusal of someone not on the panel.

A platform differs only in its idiom (`Idiom`): how a command is typed there (`/panel status`, `/status`,
`@Panelbot status`, `status`), what it calls the place the panel meets, and how it asks for a form or a reason.
The idioms are here too, so that no platform folder spells out a help line.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.registry import COMMANDS, example_reference, for_partnership
from flows.preset import Preset


@dataclass(frozen=True)
class Idiom:
    platform: str  # how its member ids start: "slack" for slack:U0123
    name: str  # "Slack"
    prefix: str  # what comes before a command: "/panel ", "/", "@Panelbot ", ""
    place: str  # where the panel meets on it: "channel", "group"
    asks: str  # how a form or a reason is asked for: "in a form", "in a reply"
    setup: str  # how the panel's place is set up, said after filing when it is not yet
    extras: tuple[tuple[str, str], ...] = ()  # the platform's own commands: (usage, what it does)
    buttons: bool = True  # votes are given with buttons under a card

    def command(self, usage: str) -> str:
        return f"`{self.prefix}{usage}`"


_SETUP = (
    ("setup", "make this {place} the panel {place} (business manager)"),
    ("setup bm", "send the business manager's messages here; `{prefix}setup agency:NAME`: an agency's messages"),
)

SLACK = Idiom("slack", "Slack", "/panel ", "channel", "in a form", "run `/panel setup` in the panel's channel",
              extras=_SETUP)
TEAMS = Idiom("teams", "Teams", "@Panelbot ", "channel", "on a card",
              "type `@Panelbot setup` in the panel's channel", extras=_SETUP)
TELEGRAM = Idiom("telegram", "Telegram", "/", "group", "in a reply", "send `/setup` in the panel's group",
                 extras=(*_SETUP, ("cancel", "stop filing a referral or giving a reason")))
TERMINAL = Idiom("console", "the terminal", "", "terminal", "when asked", "", buttons=False, extras=(
    ("as NAME", "act as a panel member, by name or role (`as bm`, `as police`, `as Ann`)"),
    ("sample", "add a sample panel for this partnership, one member per role"),
    ("member add NAME ROLE [PLATFORM:ID ...]", "add a member (or `--role ROLE --id PLATFORM:ID`)"),
    ("clock", "show the time; `clock +2d`, `clock +48h` or `clock 2026-12-01 09:00` move the simulated time "
              "(practice database only)"),
    ("quit", "leave"),
))
PLAIN = Idiom("", "", "", "channel", "when asked", "", buttons=False)  # the shared words, with no platform's idiom
IDIOMS = {i.platform: i for i in (SLACK, TEAMS, TELEGRAM, TERMINAL)}


def help_lines(preset: Preset, idiom: Idiom = PLAIN) -> list[str]:
    """Every command, shared and the platform's own, as typed on the platform, in the partnership's words."""
    lines = [f"**Panelbot commands** (REF is a referral reference such as {example_reference(preset)}). Only the "
             "business manager can use the commands that change a referral."]
    if idiom.prefix.startswith("@"):
        lines.append(f"In a channel or group chat, mention the bot first: {idiom.command('status')}.")
    for c in COMMANDS.values():
        if c.name != "help":
            lines.append(f"{idiom.command(c.usage)}: {c.help}. For example "
                         f"{idiom.command(for_partnership(c.example, preset))}")
    for usage, what in idiom.extras:
        lines.append(f"{idiom.command(usage)}: {what.format(place=idiom.place, prefix=idiom.prefix)}")
    lines.append(f"{idiom.command('decide REF OUTCOME')} and {idiom.command('return REF')} ask for the reason "
                 f"{idiom.asks}.")
    if idiom.buttons:
        lines.append("Vote with the buttons under a referral card; where the procedure asks for a reason, Panelbot "
                     f"asks for it {idiom.asks}.")
    return lines


def not_member(idiom: Idiom, user_id: str | None) -> str:
    """The refusal of someone not on the panel, with what the business manager needs to add them."""
    who = f"{idiom.platform}:{user_id}" if user_id else f"your {idiom.name} id"
    return ("You are not on this partnership's panel, so Panelbot cannot show you its referrals or act for you. "
            f"Ask the business manager to add you with `panelbot member add NAME --role ROLE --id {who}`.")


def filed(reference: str, idiom: Idiom, panel_set_up: bool) -> str:
    """What the business manager reads once a referral is filed."""
    if panel_set_up or not idiom.setup:
        return f"Filed **{reference}** and posted it to the panel."
    return (f"Filed **{reference}**. No {idiom.name} {idiom.place} is set for the panel yet: {idiom.setup}, and "
            "referral cards will be posted there.")


def set_up(preset: Preset, purpose: str, idiom: Idiom) -> str:
    """The answer to `setup`: what will now be posted where it was typed."""
    if purpose == "panel":
        return (f"This is now the {preset.name} panel {idiom.place}. Referral cards are posted here; panel members "
                "vote with the buttons on each card.")
    if purpose == "bm":
        return "Done: Panelbot will send the business manager's messages here."
    return f"Done: Panelbot will send the messages for {purpose.partition(':')[2].replace('_', ' ')} here."
