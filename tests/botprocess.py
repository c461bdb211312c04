"""`panelbot run --no-console` as a subprocess, as a service manager starts it (no terminal attached), for the
tests that stop it the hard way or the clean way (tests/e2e/test_faults_kill.py, tests/e2e/test_crash_burst_pg.py,
tests/e2e/test_shutdown.py). It runs on real time, so the tests poll it; nothing else waits."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

PANELBOT = Path(sys.executable).parent / "panelbot"
READY_WITHIN = 60.0  # seconds for the bot to answer /healthz (generous: CI machines are shared)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bot:
    """The bot on `db_url` with the Dudley preset (unless `env` says otherwise), listening on a free port."""

    def __init__(self, tmp_path: Path, db_url: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "bot.log"
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
        self.env = {
            **keep,
            "PANELBOT_DATABASE_URL": db_url,
            "PANELBOT_PRESET": "dudley",
            "PANELBOT_HTTP_HOST": "127.0.0.1",
            "PANELBOT_HTTP_PORT": str(self.port),
            **env,
        }
        self.cwd = tmp_path  # no stray .env is read
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, http: aiohttp.ClientSession) -> None:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                str(PANELBOT), "run", "--no-console", cwd=self.cwd, env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            )
        deadline = time.monotonic() + READY_WITHIN
        while True:  # poll /healthz until it answers 200
            assert self.proc.returncode is None, f"the bot exited: {self.log.read_text()[-3000:]}"
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{self.url}/healthz") as response:
                    if response.status == 200:
                        return
            assert time.monotonic() < deadline, f"the bot was not ready in time: {self.log.read_text()[-3000:]}"
            await asyncio.sleep(0.05)  # polling

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
