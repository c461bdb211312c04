"""What the pages of signed email links show (bot/email/pages.py): an information request to mark returned,
and a ballot to vote on. A link names the address it was sent to only by an opaque key (`sent_to`, from
`bot.email.links.LinkClaim`): each view first finds which current address the key was made for, then reads
only after the same rule that binds the action has allowed that address, so a page shows nothing to an address
that may no longer act:

* a return link: the address must still be one of the agency's email addresses, or a registered contact's
  (`flows.returns.link_address`, then `RequestCommands._return_marker`), and the request the latest one to
  that agency;
* a vote link: the address must be a current voting member's `email:` identity (`flows.permissions`), and the
  ballot the referral's current round.

The view names the address found (`address`), for the page's press.

Pressing the page's button then runs the command every platform runs (`mark_returned`, `vote`, `recuse`),
which checks all of it again inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.service.base import Actor, Core, Handler, facts
from bot.service.decisions import DecisionRules
from bot.service.requests import RequestCommands
from bot.service.views import Views
from flows import permissions
from flows.errors import NotAllowed, NotFound, PanelError, WrongState
from flows.referrals import Status
from flows.returns import Origin, earlier_link, link_address, link_refusal
from flows.views import CardView
from storage.models import Ballot, Referral

EMAIL = "email"
GONE = "This link is for something Panelbot no longer holds. Please contact the safeguarding business manager."
NOT_A_MEMBER = (
    "This link was sent to an address that is no longer a panel member's, so it cannot be used to vote. "
    "Please contact the safeguarding business manager."
)


@dataclass(frozen=True)
class ReturnLinkView:
    request_id: int
    reference: str
    subject: str
    type_label: str
    agency: str  # the preset's agency id
    agency_label: str
    asked: str
    due_at: datetime
    returned_at: datetime | None
    returned_by: str | None
    address: str  # the agency's (or its contact's) address the link was sent to, lower-cased


@dataclass(frozen=True)
class OutcomeChoice:
    id: str
    label: str
    reason_required: bool


@dataclass(frozen=True)
class BallotLinkView:
    ballot_id: int
    reference: str
    voter: str  # the member's name, as the panel knows them
    card: CardView
    outcomes: tuple[OutcomeChoice, ...]
    open: bool
    closed: str | None  # while not open: one sentence saying why
    deadline_at: datetime
    my_outcome: str | None  # the label of the member's current vote
    my_reason: str | None
    recused: bool
    address: str  # the member's `email:` id the link was sent to


class LinkViews(Handler):
    def __init__(self, core: Core, requests: RequestCommands, views: Views, decisions: DecisionRules) -> None:
        super().__init__(core)
        self.requests = requests
        self.views = views
        self.decisions = decisions

    async def return_link(self, *, request_id: int, sent_to: Callable[[str], bool]) -> ReturnLinkView:
        """The request a return link names, if the address it went to (the one of the agency's or its contacts'
        addresses `sent_to` accepts) may still mark it (NotAllowed otherwise, an address since taken off or
        another agency's among them; NotFound when the request is not this partnership's; WrongState for an
        earlier request)."""
        async with self.uow() as uow:
            request = await uow.requests.get(request_id)
            if request is None:
                raise NotFound(GONE)
            try:
                agency = self.requests.agency(request.agency)
            except PanelError:  # the preset no longer lists the agency
                raise NotFound(GONE) from None
            address = link_address(sent_to, await self.requests._email_addresses(uow, agency),
                                   await self.requests._email_contacts(uow, agency))
            if address is None:
                raise NotAllowed(link_refusal(agency.label))
            origin = Origin.email_link(request_id, address)
            await self.requests._return_marker(uow, Actor.guest(EMAIL, origin.channel or ""), "", agency, origin)
            referral = await uow.referrals.get(request.referral_id)
            deadline = await uow.deadlines.get(request.deadline_id)
            if referral is None or deadline is None:
                raise NotFound(GONE)
            sent = [r for r, _ in await uow.requests.of_referral(referral) if r.agency == agency.id]
            if sent and sent[-1].id != request.id:
                raise WrongState(earlier_link(agency.label, referral.reference))
            return ReturnLinkView(
                request.id, referral.reference, referral.subject,
                self.preset.referral_type(referral.referral_type).label, agency.id, agency.label, request.asked,
                deadline.due_at, request.returned_at, request.returned_by, address,
            )

    async def ballot_link(self, *, ballot_id: int, sent_to: Callable[[str], bool]) -> BallotLinkView:
        """The ballot a vote link names, with the referral's card, if the address it went to (the one of the
        members' `email:` ids `sent_to` accepts) is a current voting member's (NotAllowed otherwise; NotFound
        when the ballot is not this partnership's; WrongState for a round that is no longer the current one)."""
        async with self.uow() as uow:
            ballot = await uow.ballots.get(ballot_id)
            referral = await uow.referrals.get(ballot.referral_id) if ballot is not None else None
            if ballot is None or referral is None:
                raise NotFound(GONE)
            address = next((i.external_id for i in await uow.members.identities()
                            if i.platform == EMAIL and sent_to(i.external_id)), None)
            member = await uow.members.by_platform_id(EMAIL, address) if address is not None else None
            if member is None or address is None:
                raise NotAllowed(NOT_A_MEMBER)
            permissions.check_voter(facts(member), self.preset)
            current = await uow.ballots.current(referral)
            if current is None or current.id != ballot.id:
                raise WrongState(
                    f"This link is for an earlier round of voting on {referral.reference}; please use the link in "
                    "the latest email."
                )
            card = await self.views._card(uow, referral)
            mine = self.decisions._mine(await uow.votes.current(ballot), member)
        closed = self._closed(referral, ballot)
        outcomes = tuple(
            OutcomeChoice(oid, label, oid in card.reason_required) for oid, label in card.outcomes
        ) or tuple(OutcomeChoice(o.id, o.label, o.reason_required)
                   for o in self.preset.outcomes_for(referral.referral_type))
        my_outcome = self.preset.outcome(mine.outcome).label if mine is not None and mine.outcome else None
        return BallotLinkView(
            ballot.id, referral.reference, member.name, card, outcomes, closed is None, closed, ballot.deadline_at,
            my_outcome, mine.reason if mine is not None else None, mine is not None and mine.kind == "recuse",
            address,
        )

    def _closed(self, referral: Referral, ballot: Ballot) -> str | None:
        """Why the ballot takes no vote now, in one sentence, or None while it is open."""
        if referral.status == Status.ON_HOLD:
            return f"{referral.reference} is on hold, so voting is paused."
        if ballot.closed_at is not None or referral.status != Status.WITH_PANEL:
            when = self.fmt(ballot.closed_at) if ballot.closed_at is not None else "earlier"
            return f"Voting on {referral.reference} closed at {when} ({self.decisions._state_words(referral)})."
        if ballot.deadline_at <= self.now():
            return f"Voting on {referral.reference} closed at {self.fmt(ballot.deadline_at)}."
        return None
