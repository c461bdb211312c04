"""Conversations kept in the database (`conversation_state`), so a bot restart loses nothing: the guided
`/new`, and the replies the bot is waiting for (a vote's reason, the reason for a button's command).

Telegram has no forms, so `/new` asks the intake's questions one at a time. Each answer is checked as it
is given by the same rules the service applies when filing (`flows.referrals.clean_draft`, with the
questions not yet answered filled by harmless placeholders), so one bad answer is asked again and never
costs the person the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, delete, select

from bot.commands import parse_date
from bot.service import Panel
from bot.telegram import callbacks
from flows.anonymity import CATEGORY_LABELS, subject_label
from flows.errors import InvalidInput
from flows.referrals import ReferralDraft, clean_draft
from storage.models import ConversationState

PLATFORM = "telegram"
NEW_REFERRAL = "new_referral"
VOTE_REASON = "vote_reason"
ACTION_REASON = "action_reason"
BUTTON = "button"  # an action command too long for callback_data, kept under its digest


@dataclass
class State:
    chat: str
    user: str
    flow: str
    step: str
    data: dict


def prompt_key(chat_id: int | str, message_id: int) -> str:
    """Where a reply the bot waits for is kept: one row per question message, so several can be open."""
    return f"{chat_id}/{message_id}"


class ConversationStore:
    def __init__(self, panel: Panel) -> None:
        self.panel = panel

    def _where(self, chat: str, user: str) -> tuple[ColumnElement[bool], ...]:
        return (
            ConversationState.partnership_id == self.panel.partnership_id,
            ConversationState.platform == PLATFORM,
            ConversationState.chat_id == chat,
            ConversationState.user_id == user,
        )

    async def get(self, chat: str, user: str) -> State | None:
        async with self.panel.uow() as uow:
            stmt = select(ConversationState).where(*self._where(chat, user))
            row = (await uow.session.execute(stmt)).scalar_one_or_none()
            if row is None:
                return None
            return State(chat, user, row.flow, row.step, dict(row.data or {}))

    async def put(self, chat: str, user: str, flow: str, step: str, data: dict) -> None:
        async with self.panel.uow() as uow:
            row = (
                await uow.session.execute(select(ConversationState).where(*self._where(chat, user)).with_for_update())
            ).scalar_one_or_none()
            if row is None:
                row = ConversationState(
                    partnership_id=self.panel.partnership_id, platform=PLATFORM, chat_id=chat, user_id=user
                )
                uow.session.add(row)
            row.flow, row.step, row.data, row.updated_at = flow, step, dict(data), self.panel.now()
            await uow.commit()

    async def delete(self, chat: str, user: str) -> bool:
        async with self.panel.uow() as uow:
            result = await uow.session.execute(delete(ConversationState).where(*self._where(chat, user)))
            await uow.commit()
            return bool(result.rowcount)

    async def delete_prompts(self, chat: str, user: str) -> int:
        """Forget every reply this person owes in this chat (on `/cancel`)."""
        async with self.panel.uow() as uow:
            result = await uow.session.execute(
                delete(ConversationState).where(
                    ConversationState.partnership_id == self.panel.partnership_id,
                    ConversationState.platform == PLATFORM,
                    ConversationState.chat_id.like(f"{chat}/%"),
                    ConversationState.user_id == user,
                )
            )
            await uow.commit()
            return int(result.rowcount or 0)

    async def remember_command(self, command: str) -> str:
        key = callbacks.digest(command)
        if await self.get(BUTTON, key) is None:
            await self.put(BUTTON, key, BUTTON, "", {"command": command})
        return key

    async def command_for(self, key: str) -> str | None:
        state = await self.get(BUTTON, key)
        return None if state is None else state.data.get("command")


# The guided /new --------------------------------------------------------------------------------------
@dataclass
class Question:
    title: str  # shown with the answer once it is given: "Referral type: Rapid review"
    lines: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (label, callback_data)
    wants_text: bool = True


CATEGORY_HINTS = ("under 2", "2 to 17", "18 and over")
SKIP_WORDS = ("today", "none", "-", "skip")


class Intake:
    """The questions of the intake form, in the terminal's order, one step at a time."""

    def __init__(self, panel: Panel) -> None:
        self.panel = panel
        self.preset = panel.preset

    def steps(self) -> list[str]:
        steps = ["type", "referrer", "aware", "category", "letter", "summary"]
        if self.preset.themes:
            steps.append("themes")
        return [*steps, "confirm"]

    def next_step(self, step: str) -> str:
        steps = self.steps()
        return steps[steps.index(step) + 1]

    def _types(self) -> list[tuple[str, str]]:
        return [(t.id, t.label) for t in self.preset.referral_types]

    def _categories(self) -> list[tuple[str, str]]:
        return [
            (c.value, f"{label} ({hint})")
            for (c, label), hint in zip(CATEGORY_LABELS.items(), CATEGORY_HINTS, strict=True)
        ]

    def question(self, step: str, data: dict) -> Question:
        if step == "type":
            options = self._types()
            return Question(
                "Referral type",
                ["**Referral type?** Choose below (or type its number)."],
                [(label, callbacks.encode_intake("t", str(i))) for i, (_, label) in enumerate(options)],
            )
        if step == "referrer":
            return Question("Referring agency", ["**Which agency made the referral?**"])
        if step == "aware":
            return Question(
                "Became aware",
                [
                    "**When did the partnership become aware?** Write the date like 2026-11-23 or 23/11/2026, "
                    "or press Today."
                ],
                [("Today", callbacks.encode_intake("s"))],
            )
        if step == "category":
            return Question(
                "Subject category",
                ["**Subject category?** Choose below."],
                [(label, callbacks.encode_intake("c", str(i))) for i, (_, label) in enumerate(self._categories())],
            )
        if step == "letter":
            return Question(
                "Subject letter",
                ["**Subject letter (A to Z)?** The subject is only ever shown as, for example, Young Person C."],
            )
        if step == "summary":
            return Question("Summary", ["**Summary of the referral.** No names, dates of birth or addresses."])
        if step == "themes":
            return Question(
                "Themes",
                [
                    "**Themes?** Write them separated by commas, or press None.",
                    f"Themes here: {', '.join(self.preset.themes)}.",
                ],
                [("None", callbacks.encode_intake("s"))],
            )
        return Question(
            "Check",
            ["**Please check the referral, then press File referral.**", *self.review(data)],
            [("File referral", callbacks.encode_intake("f")), ("Cancel", callbacks.encode_intake("x"))],
            wants_text=False,
        )

    def review(self, data: dict) -> list[str]:
        labels = dict(self._types())
        subject = subject_label(data["category"], data["letter"])
        aware = data.get("aware")
        lines = [
            f"Type: {labels.get(data['type'], data['type'])}",
            f"Referred by: {data['referrer']}",
            f"Became aware: {self.panel.cal.format(date.fromisoformat(aware)) if aware else 'today'}",
            f"Subject: {subject}",
        ]
        if self.preset.themes:
            lines.append(f"Themes: {', '.join(data.get('themes') or []) or 'none'}")
        lines.append(f"Summary: {data['summary']}")
        return lines

    def shown_answer(self, step: str, data: dict) -> str:
        if step == "type":
            return dict(self._types()).get(data["type"], data["type"])
        if step == "category":
            return dict(self._categories()).get(data["category"], data["category"])
        if step == "aware":
            return data["aware"] or "today"
        if step == "themes":
            return ", ".join(data.get("themes") or []) or "none"
        return str(data.get(step, ""))

    def _choose(self, text: str, options: list[tuple[str, str]]) -> str:
        answer = text.strip()
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1][0]
        for oid, label in options:
            if answer.lower() in (oid.lower(), label.lower(), label.split(" (")[0].lower()):
                return oid
        raise InvalidInput(f"Please choose one of the buttons (or type a number from 1 to {len(options)}).")

    def answer(self, step: str, data: dict, text: str) -> dict:
        """Record a typed answer. Raises InvalidInput, saying what to change, when it cannot be accepted."""
        text = text.strip()
        if not text:
            raise InvalidInput("Please answer the question, or send /cancel.")
        new = dict(data)
        if step == "type":
            new["type"] = self._choose(text, self._types())
        elif step == "category":
            new["category"] = self._choose(text, self._categories())
        elif step == "aware":
            new["aware"] = None if text.lower() in SKIP_WORDS else parse_date(text).isoformat()
        elif step == "themes":
            new["themes"] = [] if text.lower() in SKIP_WORDS else [t.strip() for t in text.split(",") if t.strip()]
        elif step in ("referrer", "letter", "summary"):
            new[step] = text
        else:
            raise InvalidInput("Please use the buttons: File referral, or Cancel.")
        self._check(new)
        return new

    def press(self, step: str, pressed: str, value: str, data: dict) -> dict:
        """Record an answer given with a button (`pressed` is the button's step code)."""
        new = dict(data)
        if step == "type" and pressed == "t" and value.isdigit() and int(value) < len(self._types()):
            new["type"] = self._types()[int(value)][0]
        elif step == "category" and pressed == "c" and value.isdigit() and int(value) < len(self._categories()):
            new["category"] = self._categories()[int(value)][0]
        elif step == "aware" and pressed == "s":
            new["aware"] = None
        elif step == "themes" and pressed == "s":
            new["themes"] = []
        else:
            raise InvalidInput("That question has already been answered.")
        self._check(new)
        return new

    def draft(self, data: dict) -> ReferralDraft:
        return ReferralDraft(
            referral_type=data["type"],
            referrer=data["referrer"],
            category=data["category"],
            letter=data["letter"],
            summary=data["summary"],
            aware_on=date.fromisoformat(data["aware"]) if data.get("aware") else None,
            themes=list(data.get("themes") or []),
        )

    def _check(self, data: dict) -> None:
        """The service's own intake rules over the answers so far; the rest are placeholders that pass."""
        filled = {
            "type": self.preset.referral_types[0].id,
            "referrer": "Referrer",
            "category": "adult",
            "letter": "A",
            "summary": "Summary",
            **{k: v for k, v in data.items() if v is not None or k == "aware"},
        }
        clean_draft(self.preset, self.draft(filled), today=self.panel.cal.local(self.panel.now()).date())
