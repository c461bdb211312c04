"""Who may mark an agency's information return as made (Salford 7.7), decided once for every platform.

Marking a return stops the agency's reminders and meets its deadline, so it must come from the agency, or
from the business manager. The bot knows it came from the agency in one of two ways:

- the Mark as returned button under a message the bot itself delivered to that agency's channel, for that
  referral: the press names the chat and the message it was pressed on (`Origin`), and both must be a
  message the outbox recorded as delivered there (`Delivered`);
- a person the business manager has registered as that agency's contact (`contact add agency:NAME
  PLATFORM:ID`), wherever they type or press it;
- the button on the page a signed email link opens (bot/email/pages.py): the link names the request and, by
  an opaque key only, the address it was sent to. The page finds which of the agency's current addresses (its
  channel's `email:` ids) or registered contacts' the key was made for (`link_address`); none, and the link
  is refused. The press then names that address (`Origin.email_link`), and it must still be one of the
  agency's or a contact's when the command runs. The page checked the link's signature; this rule checks that
  the address may still speak for the agency, and nothing else may then mark it.

Anyone else, including a panel member of the same agency typing the command, is refused in one sentence.
No preset names anyone else who may record a return, so apart from these it is the business manager alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flows.errors import NotAllowed


@dataclass(frozen=True)
class Origin:
    """Where a command came from: the platform, the chat or channel, and the message whose button was
    pressed. Every part is optional; no origin at all (None) means the command was typed, with no message."""

    platform: str | None = None
    channel: str | None = None
    message: str | None = None
    # A signed email link: the information request it was made for (`channel` is then the address it was sent
    # to, `platform` "email"). Set only by the page that checked the link's signature.
    link: int | None = None

    @classmethod
    def email_link(cls, request_id: int, address: str) -> Origin:
        return cls(platform="email", channel=address.strip().lower(), link=request_id)

    @property
    def signed_link(self) -> bool:
        return self.link is not None and self.platform == "email" and bool(self.channel)

    @property
    def pressed(self) -> bool:
        """Whether it names a message (a button under it was pressed), not only a chat."""
        return bool(self.platform and self.channel and self.message)


@dataclass(frozen=True)
class Delivered:
    """A message carrying an agency's Mark as returned button, as the outbox delivered it: the platform,
    the target it was sent to (a channel, a chat, or a person's own account) and the message's id."""

    agency: str
    platform: str
    channel: str
    message: str


@dataclass(frozen=True)
class ReturnMarker:
    """How a return came to be marked, for the audit entry: `via` is `agency_channel` (the button in the
    agency's channel, `where` being that channel), `contact` (a registered contact, `where` their account),
    `email_link` (the page of a signed email link, `where` the address it was sent to) or `business_manager`."""

    via: str
    where: str | None = None

    def audit(self) -> dict[str, str]:
        if self.via == "agency_channel":
            return {"via": self.via, "channel": self.where or ""}
        if self.via == "contact":
            return {"via": self.via, "contact": self.where or ""}
        if self.via == "email_link":
            return {"via": self.via, "address": self.where or ""}
        return {"via": self.via}

    def returned_by(self, actor_name: str) -> str:
        """What the request's `returned_by` says: who acted, or for a link the address it came by email from."""
        if self.via == "email_link":
            return f"{self.where} (by email)"
        return actor_name


def refusal(agency_label: str) -> str:
    return (
        f"Only {agency_label} (its button in its own channel, or a contact the business manager registered) or "
        "the business manager can record its return, so nothing was changed."
    )


def link_refusal(agency_label: str) -> str:
    return (
        f"This link was sent to an address that is no longer one of {agency_label}'s, so nothing was changed. "
        "Please contact the safeguarding business manager."
    )


def earlier_link(agency_label: str, reference: str) -> str:
    return (
        f"This link is for an earlier request to {agency_label} for {reference}; please use the link in the "
        "latest email. Nothing was changed."
    )


def agency_addresses(addresses: Iterable[str], contacts: Iterable[str]) -> list[str]:
    """The addresses that may speak for an agency by email, lower-cased, once each, in order: its own (its
    channel's `email:` ids), then its registered contacts' (`email:ADDRESS` accounts)."""
    known = [a.strip().lower() for a in addresses] + [
        c.partition(":")[2].strip().lower() for c in contacts if c.lower().startswith("email:")
    ]
    return list(dict.fromkeys(a for a in known if a))


def link_address(sent_to: Callable[[str], bool], addresses: Iterable[str], contacts: Iterable[str]) -> str | None:
    """Which of the agency's current addresses (`agency_addresses`) a signed link was sent to, by its key
    (`sent_to`); None when it was sent to none of them (an address since taken off, or another agency's)."""
    return next((a for a in agency_addresses(addresses, contacts) if sent_to(a)), None)


def by_email_link(
    origin: Origin, agency_label: str, account: str | None, addresses: Iterable[str], contacts: Iterable[str]
) -> ReturnMarker:
    """A signed link's press: the address it was sent to must be the person's account and still one of the
    agency's addresses or a registered contact's; anything else is refused (NotAllowed), whoever they are."""
    address = (origin.channel or "").strip().lower()
    known = set(agency_addresses(addresses, contacts))
    if address and account is not None and account.lower() == f"email:{address}" and address in known:
        return ReturnMarker("email_link", address)
    raise NotAllowed(link_refusal(agency_label))


def pressed_in_agency_channel(
    origin: Origin | None, agency: str, delivered: Iterable[Delivered], account: str | None = None
) -> Delivered | None:
    """The delivered message for `agency` whose button this is, if the press came from it: same platform,
    same message, and the chat it was sent to (or, for a message sent to a person directly, that person)."""
    if origin is None or not origin.pressed:
        return None
    for sent in delivered:
        if sent.agency != agency or sent.platform != origin.platform or sent.message != origin.message:
            continue
        if sent.channel == origin.channel or (account is not None and account == f"{sent.platform}:{sent.channel}"):
            return sent
    return None


def who_marks_return(
    *,
    agency: str,
    agency_label: str,
    is_bm: bool,
    account: str | None,
    contacts: Iterable[str],
    origin: Origin | None,
    delivered: Iterable[Delivered],
    addresses: Iterable[str] = (),
) -> ReturnMarker:
    """How this person may mark `agency`'s return made, or NotAllowed (one sentence) if they may not.

    `account` is the person's platform account ("slack:U0123"; None for the command line), `contacts` the
    accounts registered for `agency`, `delivered` the messages with `agency`'s button the outbox delivered
    for this referral, `addresses` the agency's email addresses (for a signed link's press)."""
    if origin is not None and origin.signed_link:
        return by_email_link(origin, agency_label, account, addresses, contacts)
    sent = pressed_in_agency_channel(origin, agency, delivered, account)
    if sent is not None:
        return ReturnMarker("agency_channel", f"{sent.platform}:{sent.channel}")
    if account is not None and account in set(contacts):
        return ReturnMarker("contact", account)
    if is_bm:
        return ReturnMarker("business_manager")
    raise NotAllowed(refusal(agency_label))
