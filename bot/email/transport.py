"""How an email leaves the bot: a relay over SMTP (aiosmtplib), one connection reused and paced to the relay's
rate, or, with no relay set, a folder of .eml files a person can open.

What the relay answers becomes what the outbox understands (`bot.notify`): a connection that fails, times out
or is closed on us, or a 421, means the relay is down for now (`PlatformUnavailable`: retried with backoff); a
4xx for one message is tried again later (`TryAgain`); a 5xx for the address (RCPT or DATA) refuses that address
for good (`Refused`: the row is marked failed and the business manager told). A 5xx to the bot's own login or
From address is the relay's set-up, not the address's fault: that is `PlatformUnavailable` too, so nothing is
lost while the setting is fixed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from bot.notify import PlatformUnavailable, Refused, RetryLater
from bot.reports.files import safe_name

log = logging.getLogger("bot.email")

LONGEST_WAIT = 10.0  # seconds a message waits inline for its slot; longer, and the outbox holds it (RetryLater)
IDLE_CLOSE = 60.0  # seconds a connection may sit unused before it is closed rather than reused
TIMEOUT = 20.0  # seconds for connecting and for each SMTP command


class TryAgain(Exception):
    """The relay asked to try this message again later (an SMTP 4xx other than 421)."""


@dataclass(frozen=True)
class Relay:
    """PANELBOT_SMTP_URL, taken apart: smtp://USER:PASSWORD@HOST:587 (STARTTLS, on unless ?starttls=off, which is
    for a relay on this machine only), or smtps://USER:PASSWORD@HOST:465 (TLS from the first byte)."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool

    @classmethod
    def from_url(cls, url: str) -> Relay:
        parts = urlsplit(url.strip())
        implicit = parts.scheme == "smtps"
        query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
        starttls = not implicit and query.get("starttls", "on") not in ("off", "false", "no", "0")
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit else 587),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=starttls,
        )

    def __repr__(self) -> str:  # never the password
        return f"Relay({self.host}:{self.port}, tls={'implicit' if self.implicit_tls else self.starttls})"


def _code(exc: aiosmtplib.SMTPResponseException) -> int:
    return int(getattr(exc, "code", 0) or 0)


class SmtpTransport:
    """Sends through one relay over one connection, reused while it lasts, at most `rate` messages a minute."""

    def __init__(self, relay: Relay, rate: int, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.relay = relay
        self.interval = 60.0 / rate
        self.tls_context = tls_context
        self.where = f"the relay {relay.host}:{relay.port}"
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()  # one message at a time on the one connection
        self._next_slot = 0.0  # time.monotonic() at which the next message may go
        self._last_used = 0.0
        self.sent = 0

    async def _connected(self) -> aiosmtplib.SMTP:
        client = self._client
        if client is not None and client.is_connected and time.monotonic() - self._last_used < IDLE_CLOSE:
            return client
        await self._drop()
        client = aiosmtplib.SMTP(
            hostname=self.relay.host,
            port=self.relay.port,
            use_tls=self.relay.implicit_tls,
            start_tls=self.relay.starttls if not self.relay.implicit_tls else False,
            timeout=TIMEOUT,
            tls_context=self.tls_context,
        )
        await client.connect()
        if self.relay.username:
            await client.login(self.relay.username, self.relay.password or "")
        self._client = client
        return client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                await client.quit()
        if client is not None:
            client.close()

    async def _pace(self) -> None:
        """Wait for this message's slot: one every `interval` seconds, planned from the last slot (so the rate
        holds however long each send takes). A send that ran late (a slow commit) may be caught up by one slot,
        no more: at most one message more than the rate in any stretch, and no burst after a quiet spell."""
        now = time.monotonic()
        slot = max(self._next_slot, now - self.interval)
        wait = slot - now
        if wait > LONGEST_WAIT:
            raise RetryLater(wait, "waiting for the relay's rate (PANELBOT_SMTP_RATE)")
        self._next_slot = slot + self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    async def send(self, mail: EmailMessage, recipient: str) -> None:
        async with self._lock:
            await self._pace()
            try:
                await self._send(mail, recipient)
            finally:
                self._last_used = time.monotonic()

    async def _send(self, mail: EmailMessage, recipient: str) -> None:
        sender = str(mail["From"])
        for attempt in (1, 2):  # a reused connection the relay closed while idle: once more on a new one
            try:
                client = await self._connected()
                await client.send_message(mail, sender=sender, recipients=[recipient])
                self.sent += 1
                return
            except aiosmtplib.SMTPServerDisconnected:
                await self._drop()
                if attempt == 2:
                    raise PlatformUnavailable("unreachable (the relay closed the connection)") from None
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [_code(r) for r in exc.recipients] or [0]
                if any(c >= 500 for c in codes):
                    raise Refused(f"SMTP {max(codes)}") from None
                raise TryAgain(f"SMTP {max(codes)}") from None
            except aiosmtplib.SMTPAuthenticationError as exc:
                await self._drop()
                raise PlatformUnavailable(f"SMTP login refused ({_code(exc)}): check PANELBOT_SMTP_URL") from None
            except aiosmtplib.SMTPSenderRefused as exc:
                if _code(exc) == 421 or _code(exc) >= 500:
                    await self._drop()
                    raise PlatformUnavailable(f"SMTP {_code(exc)} for the From address") from None
                raise TryAgain(f"SMTP {_code(exc)}") from None
            except aiosmtplib.SMTPResponseException as exc:
                code = _code(exc)
                if code == 421 or isinstance(exc, aiosmtplib.SMTPConnectResponseError):
                    await self._drop()
                    raise PlatformUnavailable(f"SMTP {code}") from None
                if code >= 500 and isinstance(exc, aiosmtplib.SMTPDataError):
                    raise Refused(f"SMTP {code}") from None
                if code >= 500:
                    await self._drop()
                    raise PlatformUnavailable(f"SMTP {code}") from None
                raise TryAgain(f"SMTP {code}") from None
            except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, OSError) as exc:
                await self._drop()
                raise PlatformUnavailable("timed out" if isinstance(exc, TimeoutError) else "unreachable") from None
            except aiosmtplib.SMTPException:
                await self._drop()
                raise PlatformUnavailable("unavailable") from None

    async def close(self) -> None:
        async with self._lock:
            await self._drop()


class EmlTransport:
    """No relay: each message is written to the folder as a .eml file (owner-only), named by its Message-ID, so
    the same message written again replaces itself. A person opens it in any mail program and clicks its
    links against the local server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.where = str(folder)
        self.sent = 0

    def path_for(self, mail: EmailMessage, recipient: str) -> Path:
        return self.folder / (safe_name(str(mail["Message-ID"]).strip("<>")) + ".eml")

    async def send(self, mail: EmailMessage, recipient: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.path_for(mail, recipient)
        partial = path.with_suffix(".eml.part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(mail.as_bytes())
        os.replace(partial, path)
        self.sent += 1

    async def close(self) -> None:
        return None
