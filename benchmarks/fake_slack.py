"""A small fake Slack Web API for the benchmarks, on 127.0.0.1.

It answers every Web API method Panelbot calls with `ok` (a fresh `ts` for messages, the view for
`views.open`), and any `response_url` the bot posts to. With `rate_per_channel` set it enforces Slack's
per-channel limit on `chat.postMessage` (about one message a second per channel, Slack's "special" tier):
one token per channel, refilled at that rate; a post without a token gets HTTP 429 with `Retry-After` in
whole seconds, as Slack answers. It counts what it accepted and refused, and when, per channel.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections import defaultdict
from typing import Any

from aiohttp import web


class FakeSlack:
    def __init__(self, *, rate_per_channel: float | None = None) -> None:
        self.rate = rate_per_channel
        self.accepted: defaultdict[str, list[tuple[float, str]]] = defaultdict(list)  # channel -> (when, text)
        self.refused = 0  # 429s
        self.calls: defaultdict[str, int] = defaultdict(int)
        self.views: list[dict] = []  # every modal opened, as the client would show it (with its id)
        self.responses: list[str] = []  # what was posted to response_urls (what people were told privately)
        self._last_ok: dict[str, float] = {}
        self._ts = itertools.count(1)
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        self._runner = web.AppRunner(app, access_log=None)
        self.port = 0

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{n}"

    @staticmethod
    async def _args(request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        return dict(await request.post())

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls["response_url"] += 1
        body = await request.read()
        self.responses.append(body.decode(errors="replace"))
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.calls[method] += 1
        if method == "chat.postMessage" and self.rate:
            channel = str(args.get("channel"))
            now = time.monotonic()
            last = self._last_ok.get(channel)
            gap = 1.0 / self.rate
            if last is not None and now - last < gap:
                self.refused += 1
                wait = max(1, math.ceil(gap - (now - last)))
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(wait)})
            self._last_ok[channel] = now
            self.accepted[channel].append((now, str(args.get("text", ""))))
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        if method == "views.open":
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            shown = {**(view or {}), "id": f"V{next(self._ts)}"}
            self.views.append(shown)
            return web.json_response({"ok": True, "view": shown})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": f"D{args.get('users', 'X')}"}})
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "team_id": "T0PANEL", "bot_id": "BBOT"})
        return web.json_response({"ok": True, "channel": args.get("channel"), "ts": ts, "message_ts": ts})
