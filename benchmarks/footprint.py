"""Footprint: how long `panelbot run` takes from start to `/healthz` answering 200, and its resident memory
when idle, with every adapter configured (Slack with a signing secret, Telegram in webhook mode, Teams in
anonymous mode; their APIs are fakes on 127.0.0.1) and no terminal attached.

Floor: a bare Python process that imports aiohttp and serves `/healthz`, measured the same way. Targets:
≤ 2 s to ready, ≤ 150 MB resident when idle.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from benchmarks.common import Context, Row, every_platform_env, free_port, panelbot_command, rss_mb
from benchmarks.fake_slack import FakeSlack

NAME = "footprint"
TITLE = "panelbot run: start to /healthz, idle memory, every adapter configured"
ROOT = Path(__file__).resolve().parent.parent
READY_TARGET = 2.0
RSS_TARGET = 150.0
BARE = """
from aiohttp import web
async def healthz(request):
    return web.json_response({"status": "ok"})
app = web.Application()
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), print=None)
"""


class FakeTelegram:
    """Just enough of the Bot API for a webhook-mode start: getMe, setMyCommands, setWebhook."""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        if request.match_info["method"] == "getMe":
            return web.json_response({"ok": True, "result": {
                "id": 999001, "is_bot": True, "first_name": "Panelbot", "username": "panelbot_bench_bot"}})
        return web.json_response({"ok": True, "result": True})


async def measure(cmd: list[str], port: int, env: dict[str, str], idle: float, log: Path) -> tuple[float, float]:
    """Start `cmd`, time until GET /healthz on `port` answers 200, wait `idle` seconds, read its RSS, stop it."""
    with log.open("wb") as out:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        ready = None
        try:
            async with aiohttp.ClientSession() as http:
                while time.perf_counter() - began < 30 and proc.poll() is None:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                ready = time.perf_counter() - began
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.02)
            if ready is None:
                raise RuntimeError(f"{cmd[0]} did not answer /healthz (exit {proc.poll()}); see {log}")
            await asyncio.sleep(idle)
            rss = rss_mb(proc.pid)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return ready, rss


async def run(ctx: Context) -> list[Row]:
    idle = 0.5 if ctx.quick else 5.0
    folder = Path(tempfile.mkdtemp(prefix="panelbot-bench-"))
    slack, telegram = FakeSlack(), FakeTelegram()
    await slack.start()
    await telegram.start()
    try:
        port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "PANELBOT_", "TEAMS_",
                                                                         "CONNECTIONS__"))}
        bare_ready, bare_rss = await measure([sys.executable, "-c", BARE, str(port)], port, base, idle,
                                             folder / "bare.log")
        port = free_port()
        env = every_platform_env(folder, port, slack.api_url, telegram.url)
        cmd = panelbot_command()
        ready, rss = await measure(cmd, port, env, idle, folder / "panelbot.log")
        # The first start also creates and migrates the database; a restart is what a deploy does.
        again = None
        if not ctx.quick:
            port = free_port()
            env["PANELBOT_HTTP_PORT"] = str(port)
            again, _ = await measure(cmd, port, env, 0.0, folder / "restart.log")
    finally:
        await slack.stop()
        await telegram.stop()
    rows = [
        Row(NAME, "start to /healthz 200, fresh database", round(ready, 2), "s", floor=round(bare_ready, 3),
            floor_name="bare aiohttp process", target=f"≤ {READY_TARGET:g} s", met=ready <= READY_TARGET,
            notes="Slack + Telegram (webhook) + Teams (anonymous) configured, no terminal; includes migrations"),
        Row(NAME, f"resident memory, idle {idle:g} s", round(rss, 1), "MB", floor=round(bare_rss, 1),
            floor_name="bare aiohttp process", target=f"≤ {RSS_TARGET:g} MB", met=rss <= RSS_TARGET),
    ]
    if again is not None:
        rows.insert(1, Row(NAME, "start to /healthz 200, restart", round(again, 2), "s", floor=round(bare_ready, 3),
                           floor_name="bare aiohttp process", target=f"≤ {READY_TARGET:g} s", met=again <= READY_TARGET,
                           notes="same database, already migrated"))
    return rows
