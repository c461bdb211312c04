"""Email drain: 1,000 reminders by email through a real SMTP server (aiosmtpd on 127.0.0.1) with the relay's rate
set to 600 a minute (PANELBOT_SMTP_RATE), delivered by the real `Sender`, `OutboxPump`, scheduler and email
platform (one reused SMTP connection, paced) as `panelbot run` wires them.

Floor: the allowed rate, 600 messages a minute. The figure is the rate reached: messages after the first,
divided by the time from the first to the last, in messages a minute. Target: ≥ 95% of the allowed rate,
nothing lost, nothing sent twice, and one connection. `--quick` sends 100 at 6,000 a minute (a smoke test).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP
from sqlalchemy import func, insert, select

from benchmarks.common import Context, Row, sqlite_file

NAME = "email_drain"
TITLE = "1,000 reminders by email, the relay's rate at 600 a minute"
AGENCIES = 20


class Relay:
    """Accepts every message and notes when each arrived and which reminder it was."""

    def __init__(self) -> None:
        self.accepted: list[tuple[float, str]] = []
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def start(self) -> None:
        def protocol() -> SMTP:
            self.connections += 1
            return SMTP(self, hostname="relay.bench")

        self.server = await asyncio.get_running_loop().create_server(protocol, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        text = envelope.content.decode("utf-8", "replace")
        marker = text.split("Bench reminder ", 1)[1][:5] if "Bench reminder " in text else "?"
        self.accepted.append((time.monotonic(), marker))
        return "250 OK"

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def scenario(messages: int, rate: int, timeout: float) -> dict:
    from bot.email.platform import EmailPlatform
    from bot.notify import OutboxPump, Sender
    from bot.scheduler import start_scheduler
    from bot.service.bootstrap import open_panel
    from bot.settings import Settings
    from flows.preset import load_preset
    from storage.models import Channel, OutboxMessage

    relay = Relay()
    await relay.start()
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    settings = Settings(_env_file=None, PANELBOT_SMTP_URL=f"smtp://127.0.0.1:{relay.port}?starttls=off",  # type: ignore[call-arg]
                        PANELBOT_LINK_SECRET="bench-" + "s" * 40, PANELBOT_SMTP_RATE=rate,
                        PANELBOT_FILES_DIR=str(folder))
    async with sqlite_file(folder) as engine:
        panel = await open_panel(engine, load_preset("salford"))  # real time: this is a benchmark
        sender = Sender(panel, [])
        pump = OutboxPump(sender)
        platform = EmailPlatform.build(panel, settings, pump)
        sender.adapters.append(platform.adapter)
        panel.on_outbox = pump.poke
        now = datetime.now(UTC)
        async with panel.uow() as uow:
            await uow.session.execute(insert(Channel), [
                {"partnership_id": panel.partnership_id, "purpose": f"agency:bench{c:02d}", "platform": "email",
                 "external_id": f"returns{c:02d}@agency.example", "updated_at": now} for c in range(AGENCIES)])
            await uow.session.execute(insert(OutboxMessage), [
                {"partnership_id": panel.partnership_id, "created_at": now, "kind": "reminder",
                 "purpose": f"agency:bench{n % AGENCIES:02d}",
                 "body": {"text": f"Bench reminder {n:05d}: the information requested is due."},
                 "next_attempt_at": now, "delivered_to": []} for n in range(messages)])
            await uow.commit()
        await platform.start()
        scheduler = start_scheduler(panel, sender)  # its flush_outbox job every 5 s, as in `panelbot run`
        began = time.monotonic()
        try:
            await pump.poke()  # as a reminder sweep does after queueing its messages
            unsent = messages
            while unsent and time.monotonic() - began < timeout:
                await asyncio.sleep(0.25)
                async with panel.uow() as uow:
                    unsent = (await uow.session.execute(select(func.count()).select_from(OutboxMessage)
                                                        .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
        finally:
            scheduler.shutdown(wait=False)
            await pump.close(grace=2)
            await platform.stop(2)
    await relay.stop()
    times = [t for t, _ in relay.accepted]
    window = times[-1] - times[0] if len(times) > 1 else 0.0
    reached = (len(times) - 1) / window * 60 if window > 0 else 0.0
    return {"accepted": len(times), "distinct": len({m for _, m in relay.accepted}), "unsent": unsent,
            "window": window, "rate": reached, "connections": relay.connections, "total": time.monotonic() - began}


async def run(ctx: Context) -> list[Row]:
    messages, rate = (100, 6000) if ctx.quick else (1000, 600)
    got = await scenario(messages, rate, timeout=30 if ctx.quick else 240)
    lost = messages - got["distinct"]
    dupes = got["accepted"] - got["distinct"]
    ok = got["rate"] >= 0.95 * rate and lost == 0 and dupes == 0
    notes = (f"{got['accepted']:,} accepted by the relay in {got['window']:.1f} s (first to last; {got['total']:.1f} s "
             f"from the poke), {lost} lost, {dupes} sent twice, over {got['connections']} SMTP connection(s)")
    return [
        Row(NAME, f"send rate, {messages:,} emails", round(got["rate"], 1), "msg/min", floor=rate,
            floor_name="the relay's rate (PANELBOT_SMTP_RATE)", target="≥ 0.95× allowed; none lost or doubled",
            met=ok, notes=notes),
    ]
