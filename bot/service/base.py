"""The service layer's shared parts: who is acting, the `Core` every handler shares, and `Handler`, the base of
the per-concept handlers, which reads the core.

Commands are methods of per-concept handlers in sibling modules (`referrals.ReferralCommands`,
`ballots.BallotCommands`...), built once by `bootstrap.build_panel` and reached through the `Panel` facade.
Each command opens one unit of work, checks who is acting, calls the pure rules in `flows/`, writes rows, an
audit entry and any outbox messages, and commits once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.logging_json import REQUEST
from flows import permissions
from flows.calendar import WorkingCalendar
from flows.errors import AlreadyDone, NotFound
from flows.permissions import BM_ROLE, UNRESOLVED_ROLE, MemberFacts
from flows.preset import Preset
from flows.referrals import normalise_reference
from flows.stuck import STUCK_AFTER
from storage.db import database_outage
from storage.models import Member, Referral
from storage.uow import UnitOfWork


class NotInTime(Exception):  # noqa: N818 - a refusal, like PanelError's subclasses
    """The platform's window for an answer passed before this command could commit, so it was not committed:
    the person is told it was not recorded (`Window`)."""


@dataclass
class Window:
    """The time a platform gives the bot to answer one request (Slack: 3 seconds). A platform handler runs its
    work inside `Panel.answering(window)`; when the window is about to close without an answer, the adapter
    sets `expired`, and from then on no command of that request commits (`finish` refuses with `NotInTime`),
    so "not recorded, please try again" is then true. A commit already under way (`committing`) is left to end:
    the adapter then answers through the platform's follow-up channel instead."""

    expired: bool = False
    committing: bool = False


_window: ContextVar[Window | None] = ContextVar("panelbot_window", default=None)


@dataclass
class Delivery:
    """One platform delivery of a request (a Telegram update, a Teams activity) that the platform sends again
    when it was not confirmed. Every command it runs claims `key#1`, `key#2`... in its own transaction
    (`UnitOfWork.claim`), so a resent delivery whose work had already committed changes nothing (`AlreadyDone`)."""

    key: str
    commits: int = 0
    repeated: bool = False
    outage: bool = False  # the database could not be reached: nothing was committed, and it must come again


_delivery: ContextVar[Delivery | None] = ContextVar("panelbot_delivery", default=None)


@dataclass(frozen=True)
class Actor:
    """Who is asking. `member_id` is None for the person at the command line, who runs the installation
    and so may do what a business manager may."""

    member_id: int | None
    name: str
    role: str
    # The partnership whose member row this is (set by `actor_for`/`actor_named`). One database can serve
    # several partnerships; a panel refuses an actor of another one before it reads or changes anything.
    partnership_id: int | None = field(default=None, compare=False)
    # The platform account the person acted from ("slack:U0123"), when an adapter looked them up by it: a
    # contact the business manager registered for an agency is known by it (`flows.returns`).
    account: str | None = field(default=None, compare=False)

    @classmethod
    def operator(cls) -> Actor:
        return cls(member_id=None, name="command line", role=BM_ROLE)

    @classmethod
    def system(cls) -> Actor:
        """The bot itself: closing a ballot at its deadline, ending a hold, sending reminders."""
        return cls(member_id=None, name="Panelbot", role="system")

    @classmethod
    def guest(cls, platform: str, external_id: str, name: str | None = None) -> Actor:
        """Someone who is not on the panel, such as an agency contact pressing "Mark as returned". They can
        do only what needs no role; the record names their platform account."""
        label = f"{name} ({platform}:{external_id})" if name else f"{platform}:{external_id}"
        return cls(member_id=None, name=label, role="guest", account=f"{platform}:{external_id}")

    @classmethod
    def of_account(cls, platform: str, external_id: str) -> Actor:
        """A platform account whose member is not looked up yet: a command given one finds the member (or, for
        someone not on the panel, a guest) inside its own transaction, which saves the look-up's own round trips
        on the busiest path, a vote. Any command that does not look it up treats it as no one (its role is
        no role), so it can only ever be refused."""
        return cls(member_id=None, name=f"{platform}:{external_id}", role=UNRESOLVED_ROLE,
                   account=f"{platform}:{external_id}")

    @property
    def unresolved(self) -> bool:
        return self.role == UNRESOLVED_ROLE

    @property
    def is_bm(self) -> bool:
        return self.role == BM_ROLE

    @property
    def audit_name(self) -> str:
        if self.member_id is not None or self.role == "guest":
            return f"{self.name} ({self.role})"
        if self.role == "system":
            return "Panelbot (automatic)"
        return "operator (command line)"


class Core:
    """What every handler shares, once: the preset, the calendar, the clock, where units of work come from, the
    partnership, the outbox wake-up (`on_outbox`, set here so that every handler sees a change) and the
    helpers each command uses to commit, audit and queue a notice."""

    def __init__(
        self,
        *,
        preset: Preset,
        calendar: WorkingCalendar,
        sessionmaker: async_sessionmaker[AsyncSession] | None,
        partnership_id: int,
        clock: Callable[[], datetime] | None = None,
        on_outbox: Callable[[], Awaitable[None]] | None = None,
        practice: bool = False,
        stuck_after: timedelta = STUCK_AFTER,
        unit_of_work: Callable[[int, str | None], UnitOfWork] | None = None,
    ) -> None:
        self.preset = preset
        # How long a message may wait before the business manager is told it is stuck (PANELBOT_STUCK_AFTER):
        # /healthz, `panelbot outbox list` and the `tell_stuck` sweep all go by it.
        self.stuck_after = stuck_after
        # A practice partnership (the database says so): its simulated clock may move, and its cards and
        # reports say PRACTICE. On a real one every time that says when something happened is real time.
        self.practice = practice
        self.cal = calendar
        self.sessionmaker = sessionmaker
        self.partnership_id = partnership_id
        self.clock = clock or (lambda: datetime.now(UTC))
        self.on_outbox = on_outbox
        # Where units of work come from: the database (None), or `storage.memory` in unit tests. Called with
        # the partnership and the request id.
        self.unit_of_work = unit_of_work
        self._woken: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self.clock()

    def uow(self) -> UnitOfWork:
        request = REQUEST.get()
        request_id = request.get("request_id") if request else None
        if self.unit_of_work is not None:
            return self.unit_of_work(self.partnership_id, request_id)
        assert self.sessionmaker is not None, "a panel needs a database or a unit_of_work"
        return UnitOfWork(self.sessionmaker, request_id=request_id, partnership_id=self.partnership_id)

    async def finish(self, uow: UnitOfWork) -> None:
        """Commit, then wake the sender if the command queued messages (never send inside the transaction).

        Inside a platform's answer window (`answering`), a command whose window has expired is not committed
        (`NotInTime`). Inside a platform delivery (`delivering`), the commit also claims the delivery's next key,
        so the same delivery sent again cannot record anything twice (`AlreadyDone`)."""
        self.starting_commit()
        delivery = _delivery.get()
        if delivery is not None and uow.changes:
            delivery.commits += 1
            try:
                await uow.claim(f"{delivery.key}#{delivery.commits}", self.now())
            except AlreadyDone:
                delivery.repeated = True
                raise
        await uow.commit()
        if uow.wrote_outbox and self.on_outbox is not None:
            await self.on_outbox()  # the pump decides when (`bot.notify.pump.replying_first`)

    @staticmethod
    def starting_commit() -> None:
        """Called as a command is about to commit: refused (`NotInTime`) once its answer window has expired, and
        otherwise marks the window's commit as under way."""
        window = _window.get()
        if window is not None:
            if window.expired:
                raise NotInTime()
            window.committing = True

    @staticmethod
    @contextlib.contextmanager
    def answering(window: Window) -> Iterator[Window]:
        """Run a platform handler's work inside the platform's answer window (see `Window`)."""
        token = _window.set(window)
        try:
            yield window
        finally:
            _window.reset(token)

    @staticmethod
    def note_outage(error: BaseException | None) -> bool:
        """For an adapter's error handler: True, and the current delivery marked to come again, when `error` is
        the database being unreachable inside a delivery (`delivering`). Nothing was committed then, and the
        platform will send the delivery again, so the person need not be told anything went wrong."""
        delivery = _delivery.get()
        if delivery is None or error is None or not database_outage(error):
            return False
        delivery.outage = True
        return True

    @staticmethod
    @contextlib.contextmanager
    def delivering(key: str | None) -> Iterator[Delivery | None]:
        """Run the work of one platform delivery (see `Delivery`); `key` None runs it as it is."""
        if key is None:
            yield None
            return
        delivery = Delivery(key[:180])
        token = _delivery.set(delivery)
        try:
            yield delivery
        finally:
            _delivery.reset(token)

    async def audit(self, uow: UnitOfWork, actor: Actor, action: str, on: str, **payload: object) -> None:
        await self.check_member(uow, actor)
        await uow.audit(
            partnership_id=self.partnership_id,
            at=self.now(),
            actor=actor.audit_name,
            action=action,
            subject=on,
            payload=dict(payload),
        )

    def notice(self, uow: UnitOfWork, purpose: str, text: str, referral: Referral | None = None) -> None:
        """Queue a short message (to `bm`, `panel`, `agency:NAME` or `member:ID`) in this transaction."""
        uow.outbox(
            partnership_id=self.partnership_id,
            now=self.now(),
            purpose=purpose,
            kind="notice",
            referral_id=referral.id if referral is not None else None,
            body={"text": text},
        )

    async def check_member(self, uow: UnitOfWork, actor: Actor) -> None:
        """Every change is audited, and the audit names who made it, so this is the one place that refuses
        an actor who claims a member row that is not a current member of *this* partnership: a member of
        another partnership sharing the database, someone removed since their identity was looked up, or a
        forged id. Raising here rolls back the whole unit of work, so nothing the command did is kept."""
        self.check_actor(actor)
        if actor.member_id is None:
            return  # the operator, the bot itself, or a guest: their role alone says what they may do
        member = await uow.members.get(actor.member_id)
        permissions.check_member(
            facts(member) if member else None, claimed_role=actor.role, partnership=self.partnership_id
        )

    async def members_and_account(self, uow: UnitOfWork, actor: Actor) -> tuple[list[Member], Actor]:
        """The current members (as `uow.members.active`) and the one behind an unresolved actor's account, in
        one read; an account that is none of them is a guest's."""
        platform, _, external_id = (actor.account or ":").partition(":")
        members, found = await uow.members.active_and_account(platform, external_id)
        if found is None:
            return members, Actor.guest(platform, external_id)
        return members, Actor(found.id, found.name, found.role, self.partnership_id, actor.account)

    def check_actor(self, actor: Actor) -> None:
        """Refuse at once an actor looked up in another partnership's panel (an adapter wired to the wrong
        panel). `check_member` is the backstop for actors made by hand."""
        permissions.check_partnership(actor.partnership_id, self.partnership_id)

    def require_bm(self, actor: Actor, doing: str) -> None:
        self.check_actor(actor)
        permissions.require_bm(actor.role, doing)

    def require_panel(self, actor: Actor, doing: str) -> None:
        self.check_actor(actor)
        permissions.require_panel(actor.role, doing)

    async def referral(self, uow: UnitOfWork, reference: str, *, lock: bool = False) -> Referral:
        """The referral `reference` names (`lock`: held until the command commits), or NotFound."""
        ref = normalise_reference(reference, self.preset.reference_prefix)
        row = await uow.referrals.by_reference(ref, lock=lock)
        if row is None:
            raise NotFound(f"There is no referral {ref}. Use `status` to list open referrals.")
        return row

    def fmt(self, dt: datetime) -> str:
        return self.cal.format(dt)


def facts(member: Member) -> MemberFacts:
    """What `flows.permissions` needs to know of a member row."""
    return MemberFacts(member.id, member.role, member.partnership_id, member.removed_at is not None)


class Handler:
    """One concept's commands over the shared `Core`. Its helpers read the core each time, so a setting changed
    on the panel (`panel.stuck_after = ...`) is the one every handler sees. A handler that uses another's
    commands is given that handler by `bootstrap.build_panel`; handlers never inherit from one another."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.now = core.now
        self.uow = core.uow
        self.finish = core.finish
        self.audit = core.audit
        self.notice = core.notice
        self.referral = core.referral
        self.fmt = core.fmt
        self.check_actor = core.check_actor
        self.require_bm = core.require_bm
        self.require_panel = core.require_panel
        self.members_and_account = core.members_and_account

    @property
    def preset(self) -> Preset:
        return self.core.preset

    @property
    def cal(self) -> WorkingCalendar:
        return self.core.cal

    @property
    def partnership_id(self) -> int:
        return self.core.partnership_id

    @property
    def practice(self) -> bool:
        return self.core.practice

    @property
    def stuck_after(self) -> timedelta:
        return self.core.stuck_after
