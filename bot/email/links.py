"""Signed links in an email: each one is bound to one action, one thing (an information request, a ballot),
one recipient address and an expiry, and signed with the link secret (itsdangerous, HMAC-SHA256).

A token carries no address and nothing else readable about a person (itsdangerous payloads are signed, not
encrypted: anyone who sees a link can decode them). Its payload is `[action, id, recipient key, expiry]`, where
the recipient key is an HMAC of the action, the id and the lower-cased address, keyed by a key derived from the
link secret apart from the signing key (`recipient_key`). The page finds which of the agency's or member's
current addresses the key was made for (`LinkClaim.sent_to`); an address that is no longer theirs matches none.

Links sent before tokens dropped the address (payload `[id, address, expiry]`) are still read, until they
expire: their address is turned into its recipient key at once and is used no differently from a new link's.

A link only ever opens a page (GET and HEAD change nothing: mail gateways open links before people do); the
page's button posts back to act. `Links.read` checks the signature and the expiry and returns what the link
is for, or raises `LinkRefused` with one sentence to show the person.

The secret is PANELBOT_LINK_SECRET. With no relay configured it may be unset: a random one is made once and
kept in a file beside the database (`link_secret`), so the bot's links survive a restart without a setting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeSerializer

if TYPE_CHECKING:
    from bot.settings import Settings

# What a link can do. Each action signs with its own salt, so a token made for one is never valid for another.
ACTIONS = ("return", "vote")
# The route a link opens: PUBLIC_URL/email/ACTION/TOKEN.
ROUTE_PREFIX = "/email"
SECRET_FILE = "panelbot-link-secret"
# The recipient key: the first 16 bytes of an HMAC-SHA256, base64url without padding (22 characters).
RECIPIENT_KEY_BYTES = 16
NOT_GENUINE = "This link is not one Panelbot made. Please use the link in your email as it is."
# How long the form on a link's page may be sent after the page was shown (its CSRF key says when).
PAGE_LIFETIME = timedelta(hours=12)
STALE_PAGE = "This page is out of date. Please open the link in your email again; nothing was changed."


class LinkRefused(Exception):
    """A link that cannot be used: tampered with, made for something else, or expired. Its message is one
    sentence for the person who clicked it."""


class LinkExpired(LinkRefused):
    """A genuine link whose time is up."""


class StalePage(LinkRefused):
    """A form that is not one this bot served for this link, or served too long ago (`check_page_key`)."""


def _recipient_key(key: bytes, action: str, target_id: int, address: str) -> str:
    message = "\x00".join((action, str(int(target_id)), address.strip().lower())).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()[:RECIPIENT_KEY_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class LinkClaim:
    """What a valid link is for. It names its recipient only by key: `sent_to(address)` says whether an
    address is the one the link was sent to."""

    action: str  # one of ACTIONS
    target_id: int  # the information request's id (return) or the ballot's (vote)
    recipient_key: str  # `recipient_key` of the address the link was sent to
    expires: datetime  # UTC
    _key: bytes = field(default=b"", repr=False, compare=False)

    def sent_to(self, address: str) -> bool:
        """Whether the link was sent to `address` (any case)."""
        expected = _recipient_key(self._key, self.action, self.target_id, address)
        return hmac.compare_digest(expected.encode("ascii"), self.recipient_key.encode("ascii"))


class Links:
    """Makes and reads the signed links of one bot (one secret, one public base address)."""

    def __init__(self, secret: str, public_url: str) -> None:
        if len(secret) < 32:
            raise ValueError("the link secret must be at least 32 characters")
        self._secret = secret
        # The recipient key's own key, derived from the secret apart from itsdangerous's signing key.
        self._recipient = hmac.new(secret.encode("utf-8"), b"panelbot-email-recipient-key", hashlib.sha256).digest()
        self.public_url = public_url.rstrip("/")

    def _serializer(self, action: str) -> URLSafeSerializer:
        if action not in ACTIONS:
            raise ValueError(f"unknown link action {action!r}")
        return URLSafeSerializer(self._secret, salt=f"panelbot-email-{action}")

    def recipient_key(self, action: str, target_id: int, address: str) -> str:
        """The opaque key a link names its recipient by: an HMAC of the action, the id and the lower-cased
        address, so the same address has a different key on every link and none can be read back."""
        return _recipient_key(self._recipient, action, target_id, address)

    def token(self, action: str, target_id: int, recipient: str, expires: datetime) -> str:
        """The signed token for one action on one thing by one address, until `expires` (aware). The address
        is in it only as its recipient key."""
        if expires.tzinfo is None:
            raise ValueError("expires must be timezone-aware")
        payload = [action, int(target_id), self.recipient_key(action, target_id, recipient),
                   int(expires.astimezone(UTC).timestamp())]
        return self._serializer(action).dumps(payload)

    def url(self, action: str, target_id: int, recipient: str, expires: datetime) -> str:
        """The full link to put in an email."""
        return f"{self.public_url}{ROUTE_PREFIX}/{action}/{self.token(action, target_id, recipient, expires)}"

    def read(self, action: str, token: str, now: datetime) -> LinkClaim:
        """What the token says, if it is genuine, made for `action` and not expired at `now` (aware)."""
        if len(token) > 512:
            raise LinkRefused(NOT_GENUINE)
        try:
            payload = self._serializer(action).loads(token)
            if not isinstance(payload, list):
                raise ValueError("not a link's payload")
            if len(payload) == 4:  # [action, id, recipient key, expiry]
                named, target_id, key, expires_at = payload
                if named != action or not isinstance(key, str) or not key.isascii():
                    raise ValueError("a link for another action")
            else:  # sent before links dropped the address: [id, address, expiry]
                target_id, address, expires_at = payload
                key = self.recipient_key(action, int(target_id), str(address))
            expires = datetime.fromtimestamp(int(expires_at), UTC)
            claim = LinkClaim(action, int(target_id), key, expires, self._recipient)
        except (BadSignature, ValueError, TypeError, OverflowError):
            raise LinkRefused(NOT_GENUINE) from None
        if now >= claim.expires:
            raise LinkExpired("This link has expired. Please contact the safeguarding business manager.")
        return claim

    # The page's form key (CSRF) ------------------------------------------------------------------------
    def page_key(self, action: str, token: str, issued: int, nonce: str) -> str:
        """The key a link's page puts in its form: an HMAC of the link's token, the time the page was shown and
        a nonce drawn for that page, so only a form this bot served for this very link can act, for
        `PAGE_LIFETIME`. (The nonce also names the press: the same form sent twice is one press.)"""
        message = "\x00".join(("panelbot-email-page", action, token, str(issued), nonce)).encode("utf-8")
        return hmac.new(self._secret.encode("utf-8"), message, hashlib.sha256).hexdigest()

    def new_page_key(self, action: str, token: str, now: datetime) -> tuple[int, str, str]:
        """(issued, nonce, key) for a page shown at `now`."""
        issued, nonce = int(now.timestamp()), secrets.token_urlsafe(18)
        return issued, nonce, self.page_key(action, token, issued, nonce)

    def check_page_key(self, action: str, token: str, issued: str, nonce: str, key: str, now: datetime) -> None:
        """Refuse (LinkRefused) a form that this bot did not serve for this link, or served too long ago."""
        if not (issued.isascii() and issued.isdigit() and len(issued) <= 12 and 8 <= len(nonce) <= 64
                and len(key) == 64 and key.isascii()):
            raise StalePage(STALE_PAGE)
        expected = self.page_key(action, token, int(issued), nonce)
        if not hmac.compare_digest(expected.encode("ascii"), key.encode("ascii")):
            raise StalePage(STALE_PAGE)
        age = now.timestamp() - int(issued)
        if age < -300 or age > PAGE_LIFETIME.total_seconds():
            raise StalePage(STALE_PAGE)


def link_secret(settings: Settings, keep_in: Path) -> str:
    """PANELBOT_LINK_SECRET, or (with no relay, where settings allow it unset) the one kept in `keep_in`, made
    there once with owner-only permissions."""
    if settings.email.link_secret is not None:
        return settings.email.link_secret.get_secret_value()
    path = keep_in / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    keep_in.mkdir(parents=True, exist_ok=True)
    made = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(made + "\n")
    return made


def public_url(settings: Settings) -> str:
    """The base address links use: PANELBOT_PUBLIC_URL, or the bot's own server on this machine."""
    if settings.email.public_url:
        return settings.email.public_url
    host = settings.http_host if settings.http_host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    return f"http://{host}:{settings.http_port}"
