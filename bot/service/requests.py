"""Information requests to agencies: send, mark returned, extend (Salford 7.7, Dudley's scoping template,
Kirklees' information gathering tool). Each request's due time is the return clock for the referral's type (the
preset's `agency_return`, or the type's own `return_clock`), or a date the business manager gives, or the working
day before the panel or meeting that considers it (`ClockCommands._return_timing`), kept as a Deadline with the
agency's name, so reminders and the overdue list treat it like any other clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.service import request_due
from bot.service.base import Actor, Core, Handler
from bot.service.clockwork import ClockCommands
from bot.service.decisions import DecisionRules
from bot.service.members import parse_platform_id
from flows.errors import InvalidInput, NotFound, WrongState
from flows.preset import Choice
from flows.referrals import Status, normalise_reference
from flows.returns import Delivered, Origin, ReturnMarker, earlier_link, who_marks_return
from storage.models import AgencyContact, Deadline, InfoRequest, Referral
from storage.uow import UnitOfWork

SEND_CLOCK = "info_request_send"


@dataclass(frozen=True)
class RequestLine:
    agency: str
    sent_at: datetime
    due_at: datetime
    returned_at: datetime | None
    returned_by: str | None


@dataclass(frozen=True)
class ContactLine:
    agency: str
    agency_label: str
    account: str  # PLATFORM:ID
    added_at: datetime
    added_by: str


MAX_ACCOUNT_ID = 200  # the longest platform id stored (Teams' ids are the longest real ones, under 100)


class RequestCommands(Handler):
    def __init__(self, core: Core, clocks: ClockCommands, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.clocks = clocks
        self.decisions = decisions

    def agency(self, text: str) -> Choice:
        """An agency of the preset by id or label ("police", "Children's Social Care")."""
        key = text.strip().lower().replace(" ", "_")
        for agency in self.preset.agencies:
            if key in (agency.id, agency.label.lower().replace(" ", "_")):
                return agency
        valid = ", ".join(a.id for a in self.preset.agencies) or "none are listed in the preset"
        raise InvalidInput(f'"{text}" is not an agency this partnership sends requests to; use one of {valid}.')

    async def send_requests(
        self, *, actor: Actor, reference: str, agencies: list[str], due: date | None = None
    ) -> list[str]:
        """Send an information request to each agency. Returns one line per agency for the BM. The return is due
        by `due` where the BM gives a date, else by the return clock for the referral's type, else the working day
        before the referral's monthly panel or its scheduled meeting; with none of these, refused."""
        self.require_bm(actor, "send information requests")
        if not agencies:
            raise InvalidInput(f"Name at least one agency, e.g. `request {reference.upper()} police health`.")
        chosen = []
        for text in agencies:
            agency = self.agency(text)
            if agency not in chosen:
                chosen.append(agency)
        now = self.now()
        if due is not None and self.cal.end_of_day(due) <= now:
            raise InvalidInput("The due date must be in the future.", field="due")
        lines = []
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            if Status(referral.status) == Status.WITHDRAWN:
                raise WrongState(f"{referral.reference} is withdrawn, so no requests can be sent for it.")
            timing = await self.clocks._return_timing(uow, referral, due)
            open_for = {r.agency for r in await uow.requests.unreturned(referral)}
            reachable = await uow.channels.purposes()
            for agency in chosen:
                if agency.id in open_for:
                    lines.append(f"{agency.label}: a request is already open; nothing sent again.")
                    continue
                deadline = await self.clocks._start_clock(
                    uow, referral, timing.clock, now, actor, agency=agency.id, due_at=timing.due_at
                )
                request = InfoRequest(
                    partnership_id=self.partnership_id,
                    referral_id=referral.id,
                    deadline_id=deadline.id,
                    agency=agency.id,
                    asked=self.preset.request_template_for(referral.referral_type),
                    sent_at=now,
                    sent_by=actor.audit_name,
                )
                await uow.requests.add(request)
                await self.audit(
                    uow, actor, "request_sent", referral.reference, agency=agency.id, due=deadline.due_at.isoformat()
                )
                self._tell_agency(
                    uow,
                    referral,
                    agency.id,
                    deadline,
                    f"Information request for **{referral.reference} · {referral.subject}** "
                    f"({self.preset.referral_type(referral.referral_type).label}). Please send "
                    f"{self.preset.request_template_for(referral.referral_type)} by **{self.fmt(deadline.due_at)}** "
                    f"({timing.words}). When it is "
                    "sent, press Mark as returned.",
                )
                note = (
                    ""
                    if f"agency:{agency.id}" in reachable
                    else (
                        f" No channel is set for {agency.id} yet: set one with "
                        f"`panelbot channel set agency:{agency.id} --id PLATFORM:ID` so the request reaches them."
                    )
                )
                lines.append(f"{agency.label}: requested, due {self.fmt(deadline.due_at)}.{note}")
            # The requests going out is itself a milestone with a deadline (Salford 7.7: within 2 WD).
            await self.clocks._finish_clock(uow, referral, SEND_CLOCK, actor)
            await self.finish(uow)
        return lines

    def _tell_agency(self, uow: UnitOfWork, referral: Referral, agency: str, deadline: Deadline, text: str) -> None:
        """A message to the agency about its request, with its Mark as returned button."""
        request_due.tell_agency(self.core, uow, referral, agency, deadline, text)

    def _returned_action(self, referral: Referral, agency: str) -> dict[str, object]:
        return request_due.returned_action(referral, agency)

    async def _open_request(self, uow: UnitOfWork, referral: Referral, agency: Choice) -> tuple[InfoRequest, Deadline]:
        found = await uow.requests.latest(referral, agency.id)
        if found is None:
            raise NotFound(f"No information request was sent to {agency.label} for {referral.reference}.")
        return found

    async def _return_marker(
        self, uow: UnitOfWork, actor: Actor, reference: str, agency: Choice, origin: Origin | None
    ) -> ReturnMarker:
        """How this person may mark `agency`'s return made (`flows.returns`), or NotAllowed before anything
        about the referral is read: its button pressed on the message the bot delivered to that agency's
        channel, a contact registered for it, the page of a signed email link sent to one of its addresses (or
        a contact's), or the business manager."""
        if origin is not None and origin.signed_link:
            return who_marks_return(
                agency=agency.id, agency_label=agency.label, is_bm=actor.is_bm, account=actor.account,
                contacts=await self._email_contacts(uow, agency), origin=origin, delivered=(),
                addresses=await self._email_addresses(uow, agency),
            )
        contacts: list[str] = []
        if actor.account is not None:
            platform, _, external = actor.account.partition(":")
            contacts = [actor.account] if await uow.contacts.is_contact(agency.id, platform, external) else []
        delivered: list[Delivered] = []
        if origin is not None and origin.pressed:
            rows = await uow.agency_messages.delivered(
                normalise_reference(reference), agency.id, origin.platform, origin.message
            )
            delivered = [Delivered(*row) for row in rows]
        return who_marks_return(
            agency=agency.id,
            agency_label=agency.label,
            is_bm=actor.is_bm,
            account=actor.account,
            contacts=contacts,
            origin=origin,
            delivered=delivered,
        )

    @staticmethod
    async def _email_addresses(uow: UnitOfWork, agency: Choice) -> list[str]:
        """The agency's email addresses: its channel's `email:` ids (one row each, or several in one id
        separated by commas)."""
        rows = await uow.channels.on_platforms([f"agency:{agency.id}"], ["email"])
        return [part.strip() for _, _, external in rows for part in external.split(",") if part.strip()]

    @staticmethod
    async def _email_contacts(uow: UnitOfWork, agency: Choice) -> list[str]:
        return [f"email:{c.external_id}" for c in await uow.contacts.all()
                if c.agency == agency.id and c.platform == "email"]

    async def mark_returned(self, *, actor: Actor, reference: str, agency: str, origin: Origin | None = None) -> str:
        """The agency records its return (the button in its own channel, or a contact the BM registered), or
        the BM does; reminders stop at once. `origin` is where the command came from: None when typed."""
        self.check_actor(actor)
        chosen = self.agency(agency)
        async with self.uow() as uow:
            marker = await self._return_marker(uow, actor, reference, chosen, origin)
            referral = await self.referral(uow, reference, lock=True)
            request, deadline = await self._open_request(uow, referral, chosen)
            if origin is not None and origin.signed_link and request.id != origin.link:
                raise WrongState(earlier_link(chosen.label, referral.reference))
            if request.returned_at is not None:
                return (
                    f"{chosen.label}'s return for {referral.reference} was already recorded on "
                    f"{self.fmt(request.returned_at)} by {request.returned_by}. Nothing has changed."
                )
            now = self.now()
            request.returned_at = now
            request.returned_by = marker.returned_by(actor.audit_name)
            deadline.done_at = now
            deadline.done_by_id = actor.member_id
            deadline.next_reminder_at = None
            late = self.cal.working_days_late(deadline.due_at, now)
            await self.audit(
                uow,
                actor,
                "request_returned",
                referral.reference,
                agency=chosen.id,
                working_days_late=late,
                **marker.audit(),
            )
            self.notice(
                uow,
                "bm",
                f"{chosen.label} has returned its information for {referral.reference} · {referral.subject}"
                + (f", {late} working day{'s' if late != 1 else ''} late." if late else ", on time."),
                referral,
            )
            await self.finish(uow)
        return f"Thank you: {chosen.label}'s return for {referral.reference} is recorded. No more reminders."

    # Agency contacts: who may mark an agency's returns made from anywhere -----------------------------------

    def _contact_agency(self, text: str) -> Choice:
        """`agency:police` (as channels are named) or `police`; an agency the preset does not list is refused."""
        name = text.strip()
        if name.lower().startswith("agency:"):
            name = name[len("agency:") :]
        return self.agency(name)

    def _contact_account(self, platform_id: str) -> tuple[str, str]:
        platform, external = parse_platform_id(platform_id)
        if len(external) > MAX_ACCOUNT_ID:
            raise InvalidInput(f"That platform id is over {MAX_ACCOUNT_ID} characters long, which no platform uses.")
        return platform, external

    async def add_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        """Register a person (PLATFORM:ID) as an agency's contact: they may then mark its returns made."""
        self.require_bm(actor, "register agency contacts")
        chosen = self._contact_agency(agency)
        platform, external = self._contact_account(platform_id)
        account = f"{platform}:{external}"
        async with self.uow() as uow:
            if await uow.contacts.get(chosen.id, platform, external) is not None:
                raise InvalidInput(f"{account} is already a contact for {chosen.label}, so nothing was changed.")
            await uow.contacts.add(
                AgencyContact(
                    partnership_id=self.partnership_id,
                    agency=chosen.id,
                    platform=platform,
                    external_id=external,
                    added_at=self.now(),
                    added_by=actor.audit_name,
                )
            )
            await self.audit(uow, actor, "contact_added", f"agency:{chosen.id}", contact=account)
            await self.finish(uow)
        return chosen, account

    async def remove_contact(self, *, actor: Actor, agency: str, platform_id: str) -> tuple[Choice, str]:
        self.require_bm(actor, "remove agency contacts")
        chosen = self._contact_agency(agency)
        platform, external = self._contact_account(platform_id)
        account = f"{platform}:{external}"
        async with self.uow() as uow:
            row = await uow.contacts.get(chosen.id, platform, external)
            if row is None:
                raise NotFound(f"{account} is not a contact for {chosen.label}; `contact list` shows who is.")
            await uow.contacts.remove(row)
            await self.audit(uow, actor, "contact_removed", f"agency:{chosen.id}", contact=account)
            await self.finish(uow)
        return chosen, account

    async def list_contacts(self, *, actor: Actor) -> list[ContactLine]:
        self.require_bm(actor, "see agency contacts")
        async with self.uow() as uow:
            rows = await uow.contacts.all()
            labels = {a.id: a.label for a in self.preset.agencies}
            return [
                ContactLine(r.agency, labels.get(r.agency, r.agency), f"{r.platform}:{r.external_id}", r.added_at,
                            r.added_by)
                for r in rows
            ]

    async def extend_request(self, *, actor: Actor, reference: str, agency: str, until: date, reason: str) -> str:
        """The BM agrees a later date with the agency: the due time moves, reminders start again from it."""
        self.require_bm(actor, "extend a request")
        reason = reason.strip()
        if not reason:
            raise InvalidInput("Please give the reason for the extension; it is recorded with it.")
        self.decisions._screen(reason, "reason")
        chosen = self.agency(agency)
        now = self.now()
        new_due = self.cal.end_of_day(until)
        if new_due <= now:
            raise InvalidInput("The new due date must be in the future.")
        async with self.uow() as uow:
            referral = await self.referral(uow, reference, lock=True)
            request, deadline = await self._open_request(uow, referral, chosen)
            if request.returned_at is not None:
                raise WrongState(f"{chosen.label}'s return for {referral.reference} is already in; nothing to extend.")
            old = deadline.due_at
            deadline.due_at = new_due
            deadline.escalated_at = None
            deadline.last_reminder_at = now
            clock = self.clocks.clock_for(deadline.clock_id)
            if clock is not None:
                self.clocks.schedule_reminders(deadline, clock, after=now)
            await self.audit(
                uow,
                actor,
                "request_extended",
                referral.reference,
                agency=chosen.id,
                old_due=old.isoformat(),
                new_due=new_due.isoformat(),
                reason=reason,
            )
            self._tell_agency(
                uow,
                referral,
                chosen.id,
                deadline,
                f"The information for **{referral.reference} · {referral.subject}** is now due "
                f"**{self.fmt(new_due)}** (extended by the business manager).",
            )
            await self.finish(uow)
        return f"{chosen.label}'s return for {referral.reference} is now due {self.fmt(new_due)}."

    async def list_requests(self, reference: str) -> list[RequestLine]:
        async with self.uow() as uow:
            referral = await self.referral(uow, reference)
            rows = await uow.requests.of_referral(referral)
        labels = {a.id: a.label for a in self.preset.agencies}
        return [
            RequestLine(labels.get(r.agency, r.agency), r.sent_at, d.due_at, r.returned_at, r.returned_by)
            for r, d in rows
        ]
