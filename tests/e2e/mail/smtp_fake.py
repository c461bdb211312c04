"""A real SMTP server for the tests: aiosmtpd's SMTP protocol on 127.0.0.1, on a free port, in the test's own
event loop. It keeps every message it accepted (`received`, parsed with the standard `email` package) and can
be told to refuse: an address for good (`refuse[address] = 550`), the next messages for now (`fail_next`: 421,
451...), or to be down altogether (`stop`, then `start` again on the same port)."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP


@dataclass
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    def part(self, subtype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return str(part.get_content())
        raise AssertionError(f"no text/{subtype} part")


@dataclass
class FakeRelay:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)
    fail_next: list[int] = field(default_factory=list)
    port: int = 0
    connections: int = 0
    _server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=off"

    async def start(self) -> FakeRelay:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def _protocol(self) -> SMTP:
        self.connections += 1
        return SMTP(self, hostname="relay.test", ident="fake relay")

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    # aiosmtpd's handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]  # noqa: N802
        code = self.refuse.get(address.lower())
        if code:
            return f"{code} 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        if self.fail_next:
            code = self.fail_next.pop(0)
            return f"{code} 4.3.0 try again later" if code < 500 else f"{code} 5.7.1 refused"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append(Received(list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address.lower() in (a.lower() for a in r.to)]
