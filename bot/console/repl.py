"""The interactive terminal session: act as a member, file, vote, see the card, move time forward."""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.text import Text

from bot.commands import COMMANDS, Reply, forms, not_a_command, parse_moment, run, wording
from bot.console.render import card_panel, styled
from bot.notify import Sender
from bot.scheduler import run_due_jobs
from bot.service import Actor, Panel
from flows.anonymity import unquote_details
from flows.errors import InvalidInput, PanelError
from flows.intake import Ask, ConfirmName, FormSpec, Interview, Review, Step

InputFn = Callable[[str], Awaitable[str]]


class SimClock:
    """Real time plus an offset the person moves with `clock`, so deadlines can be seen to pass."""

    def __init__(self, real: Callable[[], datetime] | None = None) -> None:
        self.real = real or (lambda: datetime.now(UTC))
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.real() + self.offset


_STEP = re.compile(r"^\+?(\d+)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}

REAL_CLOCK = (
    "This is the real record, so its time cannot be moved; to practise with simulated time, start the practice "
    "database with `panelbot run --practice` (or `./scripts/start --practice`)."
)

TERMINAL_COMMANDS = ("as", "whoami", "sample", "member", "clock", "quit", "exit")


class ConsoleSession:
    def __init__(
        self, panel: Panel, sender: Sender, console: Console, clock: SimClock, input_fn: InputFn | None = None
    ) -> None:
        self.panel = panel
        self.sender = sender
        self.console = console
        self.clock = clock
        self.actor: Actor | None = None
        self._input = input_fn or self._read

    async def _read(self, prompt: str) -> str:
        return await asyncio.to_thread(self.console.input, Text(prompt))  # a name in it is not markup

    def say(self, line: str, style: str | None = None) -> None:
        text = styled(line)
        if style:
            text.stylize(style)
        self.console.print(text)

    async def intro(self) -> None:
        p = self.panel.preset
        if self.panel.practice:
            self.say(f"**Panelbot** · {p.name} · the terminal panel · **PRACTICE** database")
            self.say(
                f"Simulated time: {self.panel.fmt(self.clock())}; `clock +3d` moves it forward. "
                "Type `help` for the commands."
            )
        else:
            self.say(f"**Panelbot** · {p.name} · the terminal panel · the real record")
            self.say(
                f"Time: {self.panel.fmt(self.clock())}. Type `help` for the commands; to try things out, start "
                "`panelbot run --practice` instead."
            )
        if not await self.panel.list_members():
            self.say(
                "The panel has no members yet. Type `sample` to add a sample panel, then `as bm` to act as "
                "the business manager.",
                "yellow",
            )

    async def loop(self) -> None:
        await self.intro()
        while True:
            who = self.actor.name if self.actor else "nobody"
            try:
                line = await self._input(f"[{who}] > ")
            except (EOFError, KeyboardInterrupt):
                self.say("Goodbye.")
                return
            if not await self.handle(line):
                return

    async def handle(self, line: str) -> bool:
        """Run one line. Returns False when the person wants to leave."""
        line = line.strip()
        if not line:
            return True
        word = line.split()[0].lower()
        try:
            if word in ("quit", "exit"):
                self.say("Goodbye.")
                return False
            if word == "as":
                await self._as(line[2:].strip())
            elif word == "whoami":
                self._whoami()
            elif word == "sample":
                await self._sample()
            elif word == "member":
                await self._member(line)
            elif word == "clock":
                await self._clock(line[5:].strip())
            else:
                await self._shared(line)
        except PanelError as exc:
            self.say(unquote_details(str(exc), line), "red")  # never repeat a typed DOB, postcode or NHS number
        await self.sender.flush()
        return True

    async def _shared(self, line: str) -> None:
        word = line.split()[0].lower()
        if word.lstrip("/") not in COMMANDS:  # a typo: suggest the nearest command, the terminal's own included
            raise InvalidInput(not_a_command(word, [*COMMANDS, *TERMINAL_COMMANDS]))
        if self.actor is None and word in COMMANDS and word not in (
            "help", "status", "overdue", "show", "members", "report", "disagreements"
        ):
            raise InvalidInput("First say who you are, e.g. `as bm` or `as police` (`members` lists the panel).")
        reply = await run(self.panel, self.actor or Actor.operator(), line, idiom=wording.TERMINAL)
        await self._show(reply)

    async def _show(self, reply: Reply) -> None:
        """A reply's steps, in the terminal's idiom: lines, the card, charts saved to a folder, a question asked."""
        for text in reply.lines:
            self.say(text, None if reply.ok else "red")
        if reply.card is not None:
            self.console.print(card_panel(reply.card, self.panel.cal, title="Referral card"))
        if reply.files:  # the report's charts, a meeting's .ics: a terminal cannot show them, so they go to a folder
            from bot.reports.files import save_files

            folder = save_files(reply.files, self.panel.cal.local(self.panel.now()))
            what = "Charts" if all(name.endswith(".png") for name, _ in reply.files) else "Files"
            self.say(f"{what} saved in {folder}: " + ", ".join(name for name, _ in reply.files))
        if reply.form is not None:
            await self._form(reply.form)
        if reply.ask is not None:
            for text in reply.ask.intro:
                self.say(text)
            answer = (await self._input(f"  {reply.ask.label} (or `cancel`): ")).strip()
            if not answer or answer.lower() == "cancel":
                raise InvalidInput("Nothing was changed.")
            await self._show(await run(self.panel, self.actor or Actor.operator(),
                                       f"{reply.ask.command} {shlex.quote(answer)}"))

    async def _as(self, who: str) -> None:
        if not who:
            raise InvalidInput("Say who, e.g. `as bm` or `as Ann`.")
        self.actor = await self.panel.actor_named(who)
        self._whoami()

    def _whoami(self) -> None:
        if self.actor is None:
            self.say("You are not acting as anyone yet. Use `as NAME` or `as ROLE`.")
            return
        self.say(f"You are {self.actor.name}, {self.panel.preset.role_label(self.actor.role)}.")

    def _ask_lines(self, step: Step) -> str:
        """Print what a step of the intake says, and return the prompt to read the answer with."""
        f = step.field if isinstance(step, Ask | ConfirmName) else None
        if isinstance(step, ConfirmName):
            for line in step.lines:
                self.say(f"  {line}", "yellow")
            return f"  {step.field.label} (or `keep`): "
        assert isinstance(step, Ask) and f is not None
        if step.problem:
            self.say(f"  {step.problem}", "yellow")
        elif f.kind in ("choice",):
            for i, c in enumerate(f.choices, 1):
                self.say(f"    {i}. {c.label}")
        question = f.label
        if f.kind == "date":
            question += f" (e.g. 2026-11-23; blank for {f.blank})" if not f.required and f.blank else \
                " (e.g. 2026-12-22)"
        elif f.kind == "time":
            question += " (UK time, e.g. 10:00)"
        elif f.kind == "text" and not f.required:
            question += " (blank for none)"
        elif f.kind == "choices":
            blank = "" if f.required else ", blank for none"
            question += f", comma-separated{blank} ({', '.join(c.label for c in f.choices)})"
        elif f.key == "summary":
            question += " (no names, dates of birth or addresses)"
        return f"  {question}: "

    async def _form(self, form: FormSpec) -> None:
        """A command's form (the intake form, the meeting form, the request form), one question at a time: each answer
        is checked as it is given and asked again when refused, so one wrong answer never costs the rest. Sent through
        the shared `forms.submit`; its refusal of one answer (a meeting day outside its window) asks that again."""
        assert self.actor is not None  # the command has checked who may
        self.say(f"{' '.join(form.intro)} Type `cancel` to stop.")
        interview = Interview(self.panel.preset, form=form)
        today = self.panel.cal.local(self.panel.now()).date()
        fmt = self.panel.cal.format_day
        step = interview.step(fmt)
        while True:
            while not isinstance(step, Review):
                answer = (await self._input(self._ask_lines(step))).strip()
                if answer.lower() == "cancel":
                    raise InvalidInput(form.cancelled)
                step = interview.give(answer, today=today, fmt_date=fmt)
            try:
                reply = await forms.submit(self.panel, self.actor, form, interview.answers,
                                           names_confirmed=interview.names_confirmed, idiom=wording.TERMINAL)
            except PanelError as exc:
                if (key := forms.refused_field(form, exc)) is None:
                    raise
                step = interview.reopen(key, exc.beside, fmt)
                continue
            break
        for line in reply.lines:
            self.say(line, "green")

    async def _sample(self) -> None:
        p = self.panel.preset
        if await self.panel.list_members():
            raise InvalidInput("The panel already has members; `members` lists them.")
        wanted = [r for r in p.roles if r.votes or r.id in ("business_manager", p.tie_break_role)]
        first = ["Alex", "Sam", "Jo", "Priya", "Chris", "Morgan", "Taylor", "Robin"]
        for i, role in enumerate(wanted):
            name = first[i % len(first)]
            await self.panel.add_member(actor=Actor.operator(), name=name, role=role.id)
        for m in await self.panel.list_members():
            self.say(f"Added {m.name}: {m.role_label}" + (", votes" if m.votes else ""))
        self.say("Now `as bm` and `new` to file a referral; `as ROLE` and `vote REF OUTCOME` to vote.")

    async def _member(self, line: str) -> None:
        words = shlex.split(line)
        if len(words) >= 2 and words[1] == "list":
            await self._shared("members")
            return
        usage = InvalidInput('Usage: `member add "NAME" ROLE [PLATFORM:ID ...]` or `member add "NAME" --role ROLE '
                             "[--id PLATFORM:ID ...]`.")
        if len(words) < 3 or words[1] != "add":
            raise usage
        # The command line's forms too: --role ROLE and --id PLATFORM:ID (repeated).
        role, ids, rest = None, [], []
        args = iter(words[2:])
        for word in args:
            if word in ("--role", "--id"):
                value = next(args, None)
                if value is None:
                    raise usage
                if word == "--role":
                    role = value
                else:
                    ids.append(value)
            else:
                rest.append(word)
        if role is None:
            if len(rest) < 2:
                raise usage
            role = rest.pop(1)
        if not rest:
            raise usage
        actor = self.actor or Actor.operator()
        info = await self.panel.add_member(actor=actor, name=rest[0], role=role, ids=rest[1:] + ids)
        self.say(f"Added {info.name} as {info.role_label}.")

    async def _clock(self, arg: str) -> None:
        if arg and not self.panel.practice:
            raise InvalidInput(REAL_CLOCK)
        if not self.panel.practice:
            self.say(f"Time: **{self.panel.fmt(self.clock())}**.")
            return
        if arg:
            step = (
                _STEP.match(arg.replace(" ", ""))
                if arg.startswith("+") or arg[0].isdigit() and " " not in arg
                else None
            )
            if step:
                amount, unit = int(step.group(1)), _UNITS[step.group(2)[0].lower()]
                self.clock.offset += timedelta(**{unit: amount})
            else:
                try:
                    target = parse_moment(arg).replace(tzinfo=None)  # the same forms as the command line's
                except InvalidInput:
                    raise InvalidInput(
                        "Write `clock +2d`, `clock +48h`, `clock 2026-12-01 09:00` or `clock 01/12/2026 09:00`."
                    ) from None
                aware = target.replace(tzinfo=self.panel.cal.tz)
                if aware < self.clock():
                    raise InvalidInput("The simulated clock only moves forward.")
                self.clock.offset += aware - self.clock()
        self.say(f"Simulated time: **{self.panel.fmt(self.clock())}**.")
        if arg:
            await run_due_jobs(self.panel, self.sender)
