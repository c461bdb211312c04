"""A small TCP proxy on 127.0.0.1 that can cut a connection's other end away, for fault tests.

`FaultProxy(host, port)` listens on a random port of 127.0.0.1 and pipes every connection to the target
(PostgreSQL, a fake platform). `cut()` closes every open connection at once and, until `restore()`, deals
with new ones in one of three ways:

* "refuse": stop listening, so a connect attempt gets ECONNREFUSED (a server that is down);
* "reset": accept and close at once (a server that drops you the moment you arrive);
* "hold": accept and send nothing back (a network that black-holes packets); held connections are closed on
  `restore()`.

Nothing here sleeps: tests cut, send their requests, move the injected clock if they need to, and restore.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.models import AuditEntry, OutboxMessage, Vote


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.mode: str | None = None  # None while healthy, else the cut's mode
        self.accepted = 0  # connections accepted while healthy (and piped on)
        self.turned_away = 0  # connection attempts that reached the proxy while it was cut
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.Task] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._held: set[asyncio.StreamWriter] = set()

    @property
    def address(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    async def start(self) -> FaultProxy:
        await self._listen()
        return self

    async def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._accept, sock=sock)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode is not None:
            self.turned_away += 1
            if self.mode == "hold":
                self._held.add(writer)
                return
            writer.close()
            return
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        link = asyncio.current_task()
        pipes = [
            asyncio.ensure_future(self._pipe(reader, up_writer)),
            asyncio.ensure_future(self._pipe(up_reader, writer)),
        ]
        if link is not None:
            self._links.add(link)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.close()
            if link is not None:
                self._links.discard(link)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()

    def _drop_open(self) -> None:
        for w in list(self._writers):
            # abort, not close: the other side sees the connection die, as when a server goes away
            w.transport.abort()
        self._writers.clear()

    async def cut(self, mode: str = "refuse") -> None:
        """Close every open connection; until `restore()`, refuse, reset or hold new ones."""
        assert mode in ("refuse", "reset", "hold"), mode
        self.mode = mode
        self._drop_open()
        self._drop_held()
        if mode == "refuse" and self._server is not None:
            # close() stops listening at once. (Not wait_closed(): on Python 3.12 it also waits for every
            # connection the server ever accepted to finish.)
            self._server.close()
            self._server = None
        await asyncio.sleep(0)  # let the aborted links notice

    async def restore(self) -> None:
        """Let connections through again (listening on the same port)."""
        self._drop_held()
        self.mode = None
        if self._server is None:
            await self._listen()

    def _drop_held(self) -> None:
        for w in list(self._held):
            w.transport.abort()
        self._held.clear()

    async def stop(self) -> None:
        self._drop_open()
        self._drop_held()
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            link.cancel()


def via(proxy: FaultProxy, url: str) -> str:
    """The same database URL, pointed at the proxy."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    host = f"{proxy.address[0]}:{proxy.address[1]}"
    return parts._replace(netloc=f"{userinfo}@{host}" if userinfo else host).geturl()


@asynccontextmanager
async def postgres_behind_proxy(url: str) -> AsyncIterator[tuple[FaultProxy, AsyncEngine, AsyncEngine]]:
    """A fresh, migrated schema on the PostgreSQL at `url`; yields (proxy, engine through the proxy, direct
    engine for the test's own checks). The schema is dropped afterwards."""
    from storage.db import make_engine, upgrade

    schema = f"t_{uuid.uuid4().hex[:12]}"
    options = {"options": f"-c search_path={schema}"}
    direct = make_engine(url, connect_args=options)
    async with direct.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    proxy: FaultProxy | None = None
    proxied: AsyncEngine | None = None
    try:
        await upgrade(direct)
        target = urlsplit(url)
        proxy = await FaultProxy(target.hostname or "127.0.0.1", target.port or 5432).start()
        proxied = make_engine(via(proxy, url), connect_args=options)
        yield proxy, proxied, direct
    finally:
        if proxy is not None:
            await proxy.stop()
        if proxied is not None:
            await proxied.dispose()
        async with direct.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await direct.dispose()


async def counts(engine: AsyncEngine) -> dict[str, int]:
    """What an outage must leave untouched: votes, audit entries and outbox rows (read on a direct engine)."""
    async with engine.connect() as conn:
        return {
            "votes": (await conn.execute(select(func.count(Vote.id)))).scalar_one(),
            "audit": (await conn.execute(select(func.count(AuditEntry.id)))).scalar_one(),
            "outbox": (await conn.execute(select(func.count(OutboxMessage.id)))).scalar_one(),
        }
