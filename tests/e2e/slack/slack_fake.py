"""A fake Slack for end-to-end tests, all on 127.0.0.1.

`FakeSlack` is a small aiohttp server that answers the Web API methods Panelbot calls the way Slack does
(`auth.test`, `conversations.info` (the bot is a member of every channel but `C0NOTIN...` ones),
`chat.postMessage` with a `ts`, `chat.update`, `chat.postEphemeral`, `conversations.open`,
`views.open`/`views.update`/`views.publish`), and the `response_url`s Slack hands out with each interaction.
File uploads go the way `files_upload_v2` makes them: `files.getUploadURLExternal` hands out an upload URL
on this same server, the bytes are POSTed there (recorded as the call `upload_url`), and
`files.completeUploadExternal` shares the uploaded files in a conversation as one message (`Message.files`).
It records every call, keeps each channel's messages as people would see them (updated in place by
`chat.update`), and fails on demand: `fail("chat.postMessage", 429, retry_after=7)` or `fail(..., 500)`
(`fail("upload_url", 500)` for the upload URL itself). `revoke()` makes the bot token answer `token_revoked`, as
after the app is uninstalled or the token is rotated.

`Harness` is the other side: it runs the real bot path (the bot's aiohttp app with `/slack/events`, bolt's
`AsyncApp`, the `Panel` on the test database, the outbox `Sender` with the Slack adapter) and acts as the
Slack client would: signed slash commands, button presses (`block_actions`) on the messages it was shown,
and modal submissions (`view_submission`) filled in field by field.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from bot.notify import OutboxPump, Sender
from bot.server import make_app
from bot.service import Actor, Panel
from bot.slack.app import SlackBot, SlackConfig

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0PANEL"
PANEL_CHANNEL = "C0PANEL"


def flat_blocks(blocks: list[dict] | None) -> str:
    """Every piece of text in some blocks, in order (sections, fields, context, button labels)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                out.append(node["text"])
                return
            for key in ("text", "fields", "elements", "accessory", "label", "element", "hint"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(out)


def seen(raw: str) -> str:
    """What a person reads: entities shown as characters, *bold* markers gone, invisible joiners gone."""
    text = html.unescape(raw).replace("\u2060", "").replace("`", "")
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return " ".join(text.split())


@dataclass
class File:
    """A file as Slack keeps it: announced by files.getUploadURLExternal, its bytes POSTed to the upload URL,
    then shared (with its title) by files.completeUploadExternal."""

    id: str
    name: str
    length: int
    alt_txt: str | None = None
    title: str | None = None
    content: bytes | None = None  # None until the bytes reach the upload URL
    shared_in: str | None = None


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict] = field(default_factory=list)
    thread_ts: str | None = None
    to_user: str | None = None  # set for what only one person sees
    how: str = "message"  # message | ephemeral | response
    updates: int = 0
    files: list[File] = field(default_factory=list)  # files shared with the message (completeUploadExternal)

    @property
    def raw(self) -> str:
        return flat_blocks(self.blocks) if self.blocks else self.text

    @property
    def shown(self) -> str:
        return seen(self.raw)

    @property
    def buttons(self) -> list[dict]:
        out = []
        for block in self.blocks:
            if block.get("type") == "actions":
                for element in block.get("elements", []):
                    if element.get("type") == "button":
                        out.append({**element, "block_id": block.get("block_id"), "label": element["text"]["text"]})
        return out


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    status: int = 200


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: list[Message] = []  # channel messages, in the order they were first posted
        self.private: list[Message] = []  # what one person sees: ephemeral, response_url answers, DMs
        self.views: list[dict] = []  # modals opened (views.open), with the id Slack gave them
        self.homes: dict[str, dict] = {}  # user -> the App Home view published for them
        self.files: dict[str, File] = {}  # file id -> the file, from files.getUploadURLExternal on
        self._failures: dict[str, list[tuple[int, float | None, str | None]]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._response_urls: dict[str, tuple[str, str | None]] = {}  # id -> (user, channel)
        self.runner: web.AppRunner | None = None
        self.base = ""
        # Socket Mode: the WebSocket the bot connects to, and each envelope's acknowledgement
        self.socket: web.WebSocketResponse | None = None
        self.socket_open = asyncio.Event()
        self.acks: dict[str, asyncio.Future] = {}
        self.changed = asyncio.Event()  # set on every call, so a test can wait for one without sleeping
        self.gates: dict[str, asyncio.Event] = {}  # a method held until its event is set (a slow Slack)
        self.revoked = False  # the bot token was revoked: every call answers token_revoked

    # Server ---------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods (conversations.info) by GET
        app.router.add_post("/respond/{rid}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._link)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def fail(self, method: str, status: int, *, retry_after: float | None = None, error: str | None = None) -> None:
        """The next call to `method` fails: 429 with Retry-After, a 5xx, or 200 with ok=false and `error`."""
        self._failures.setdefault(method, []).append((status, retry_after, error))

    def revoke(self) -> None:
        """The bot token no longer works (the app was uninstalled, or the token rotated)."""
        self.revoked = True

    def response_url(self, user: str, channel: str | None) -> str:
        rid = f"R{next(self._ids):04d}"
        self._response_urls[rid] = (user, channel)
        return f"{self.base}/respond/{rid}"

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def wait_for(self, predicate: Any, timeout: float = 10) -> None:
        """Wait (without sleeping) until `predicate()` holds after some call to the fake."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    async def _api(self, request: web.Request) -> web.Response:
        try:
            return await self._api_call(request)
        finally:
            self.changed.set()

    async def _api_call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        if method in self.gates:
            await self.gates[method].wait()
        if method == "apps.connections.open" and request.headers.get("Authorization") == "Bearer xapp-test-token":
            self.calls.append(Call(method, args))
            return web.json_response({"ok": True, "url": f"{self.base.replace('http', 'ws')}/link?ticket=1"})
        if request.headers.get("Authorization") != "Bearer xoxb-test-token":
            self.calls.append(Call(method, args, 200))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self.revoked:
            self.calls.append(Call(method, args, 200))
            return web.json_response({"ok": False, "error": "token_revoked"})
        queued = self._failures.get(method)
        if queued:
            status, retry_after, error = queued.pop(0)
            self.calls.append(Call(method, args, status))
            if status == 429:
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": f"{retry_after or 1:g}"}
                )
            if status >= 500:
                return web.Response(status=status, text="upstream connect error")
            return web.json_response({"ok": False, "error": error or "internal_error"})
        self.calls.append(Call(method, args))
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://panel.slack.com/",
                "team": "Panel",
                "user": "panelbot",
                "team_id": TEAM,
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
            }
        if method == "conversations.info":
            channel = str(args.get("channel") or "")
            if not channel.startswith(("C", "G", "D")):
                return {"ok": False, "error": "channel_not_found"}
            if channel.startswith("D"):
                return {"ok": True, "channel": {"id": channel, "is_im": True, "user": channel[1:]}}
            name = channel.lower().removeprefix("c0")
            return {"ok": True, "channel": {"id": channel, "name": name, "is_channel": True, "is_archived": False,
                                            "is_member": not channel.startswith("C0NOTIN")}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args["users"]).split(",")[0]}}
        if method == "chat.postMessage":
            channel = str(args["channel"])
            if channel.startswith("C0NOTIN"):
                return {"ok": False, "error": "not_in_channel"}
            ts = f"1764000000.{next(self._ts):06d}"
            msg = Message(channel, ts, args.get("text") or "", args.get("blocks") or [], args.get("thread_ts"))
            self.messages.append(msg)
            if channel.startswith("D"):  # a direct message: only that person sees it
                msg.to_user = channel[1:]
                self.private.append(msg)
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": msg.text, "ts": ts}}
        if method == "chat.update":
            msg = self.find(str(args["channel"]), str(args["ts"]))
            if msg is None:
                return {"ok": False, "error": "message_not_found"}
            msg.text, msg.blocks, msg.updates = args.get("text") or "", args.get("blocks") or [], msg.updates + 1
            return {"ok": True, "channel": msg.channel, "ts": msg.ts}
        if method == "chat.postEphemeral":
            channel = str(args["channel"])
            if channel.startswith("C0NOTIN"):
                return {"ok": False, "error": "channel_not_found"}
            ts = f"1764000000.{next(self._ts):06d}"
            self.private.append(
                Message(
                    channel, ts, args.get("text") or "", args.get("blocks") or [], None, str(args["user"]), "ephemeral"
                )
            )
            return {"ok": True, "message_ts": ts}
        if method == "files.getUploadURLExternal":
            name, length = str(args.get("filename") or ""), str(args.get("length") or "")
            if not name or not length.isdigit() or int(length) == 0:
                return {"ok": False, "error": "invalid_arguments"}
            file_id = f"F{next(self._ids):04d}"
            self.files[file_id] = File(file_id, name, int(length), args.get("alt_txt") or None)
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            listed = args.get("files")
            if not isinstance(listed, list) or not listed:
                return {"ok": False, "error": "invalid_arguments"}
            files = [self.files.get(str(item.get("id"))) for item in listed]
            if any(f is None or f.content is None or f.shared_in for f in files):
                return {"ok": False, "error": "file_not_found"}  # never announced, bytes never sent, or shared
            channel = str(args.get("channel_id") or str(args.get("channels") or "").split(",")[0])
            if not channel:
                return {"ok": True, "files": [{"id": f.id} for f in files if f]}  # uploaded but shared nowhere
            if channel.startswith("C0NOTIN"):
                return {"ok": False, "error": "not_in_channel"}
            shared: list[File] = []
            for item, f in zip(listed, files, strict=True):
                assert f is not None
                f.title, f.shared_in = item.get("title") or f.name, channel
                shared.append(f)
            ts = f"1764000000.{next(self._ts):06d}"
            msg = Message(channel, ts, args.get("initial_comment") or "", [], args.get("thread_ts"), files=shared)
            self.messages.append(msg)
            if channel.startswith("D"):
                msg.to_user = channel[1:]
                self.private.append(msg)
            return {"ok": True, "files": [{"id": f.id, "name": f.name, "title": f.title} for f in shared]}
        if method in ("views.open", "views.update", "views.push"):
            view = {**args["view"], "id": f"V{next(self._ids):04d}", "hash": f"h{next(self._ids)}", "team_id": TEAM}
            self.views.append(view)
            return {"ok": True, "view": view}
        if method == "views.publish":
            self.homes[str(args["user_id"])] = args["view"]
            return {"ok": True, "view": {**args["view"], "id": f"V{next(self._ids):04d}"}}
        return {"ok": True}

    async def _respond(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        body = await request.json()
        self.calls.append(Call("response_url", body))
        user, channel = self._response_urls[rid]
        self.private.append(
            Message(channel or "", "", body.get("text") or "", body.get("blocks") or [], None, user, "response")
        )
        self.changed.set()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal handed out: takes the file's bytes, no token needed."""
        try:
            file = self.files.get(request.match_info["file_id"])
            data = await request.read()
            self.calls.append(Call("upload_url", {"file_id": request.match_info["file_id"], "length": len(data)}))
            queued = self._failures.get("upload_url")
            if queued:
                status = queued.pop(0)[0]
                self.calls[-1].status = status
                return web.Response(status=status, text="upload failed")
            if file is None:
                return web.Response(status=404, text="not found")
            if len(data) != file.length:
                return web.Response(status=400, text="length does not match")
            file.content = data
            return web.Response(text=f"OK - {len(data)}", content_type="text/plain")
        finally:
            self.changed.set()

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0PANEL"}})
        self.socket_open.set()
        async for msg in ws:
            if msg.type.name != "TEXT":
                continue
            data = json.loads(msg.data)
            future = self.acks.get(data.get("envelope_id", ""))
            if future is not None and not future.done():
                future.set_result(data)
        return ws

    async def envelope(self, kind: str, payload: dict) -> dict:
        """Send one Socket Mode envelope to the connected bot; returns its acknowledgement."""
        await self.socket_open.wait()
        assert self.socket is not None
        envelope_id = f"env-{next(self._ids)}"
        self.acks[envelope_id] = asyncio.get_running_loop().create_future()
        await self.socket.send_json(
            {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": True}
        )
        return await self.acks[envelope_id]

    # What people see -----------------------------------------------------------------------------------
    def find(self, channel: str, ts: str) -> Message | None:
        return next((m for m in self.messages if m.channel == channel and m.ts == ts), None)

    def in_channel(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts is None]

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_ts == ts]

    def dms(self, user: str) -> list[Message]:
        return [m for m in self.messages if m.channel == "D" + user]

    def said_to(self, user: str) -> list[str]:
        """Everything shown to one person alone (ephemeral answers), oldest first."""
        return [m.shown for m in self.private if m.to_user == user]

    def shared(self, channel: str) -> list[File]:
        """Every file shared in a conversation, oldest first."""
        return [f for m in self.messages if m.channel == channel for f in m.files]

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200]


def sign(body: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def fill(view: dict, values: dict[str, Any], *, client_checks: bool = True) -> dict:
    """The view as Slack sends it back on submit, with the person's answers in `state`. Like Slack's client,
    refuses to submit without a required field (unless `client_checks` is off, to test what the bot does with
    a submission that skipped them), or with a choice the form did not offer."""
    state: dict[str, dict[str, Any]] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        action_id, kind = element["action_id"], element["type"]
        value = values.get(block_id)
        if value is None and isinstance(element.get("initial_option"), dict):  # chosen in advance, left as it was
            value = element["initial_option"]["value"]
        if value in (None, "", []):
            if not block.get("optional") and client_checks:
                raise AssertionError(f"Slack would not submit the form without {block['label']['text']!r}")
            empty = {"selected_options": []} if kind in ("multi_static_select", "checkboxes") else {"value": None}
            state[block_id] = {action_id: {"type": kind, **empty}}
            continue
        if kind == "plain_text_input":
            max_length = element.get("max_length")
            assert max_length is None or len(value) <= max_length, f"{block_id} is longer than the form allows"
            entry = {"type": kind, "value": value}
        elif kind == "static_select":
            offered = {o["value"]: o for o in element["options"]}
            assert value in offered, f"{value!r} is not offered in {block_id}: {list(offered)}"
            entry = {"type": kind, "selected_option": offered[value]}
        elif kind in ("multi_static_select", "checkboxes"):
            offered = {o["value"]: o for o in element["options"]}
            assert set(value) <= set(offered), f"{value!r} are not all offered in {block_id}: {list(offered)}"
            entry = {"type": kind, "selected_options": [offered[v] for v in value]}
        elif kind == "datepicker":
            entry = {"type": kind, "selected_date": value}
        elif kind == "timepicker":
            assert re.fullmatch(r"\d{2}:\d{2}", value), f"Slack's time picker sends HH:MM, not {value!r}"
            entry = {"type": kind, "selected_time": value}
        else:
            raise AssertionError(f"the fake client cannot fill a {kind}")
        state[block_id] = {action_id: entry}
    return {**view, "state": {"values": state}}


class Payloads:
    """What Slack sends for a slash command, a button press and a modal submission (before signing)."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self._trigger = itertools.count(1)

    def slash_payload(self, user: str, text: str, channel: str = PANEL_CHANNEL) -> dict[str, str]:
        return {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "panel",
            "channel_id": channel,
            "channel_name": "panel",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/panel",
            "text": text,
            "api_app_id": "A0PANEL",
            "response_url": self.fake.response_url(user, channel),
            "trigger_id": f"trigger.{next(self._trigger)}",
        }

    def press_payload(self, user: str, message: Message, label: str) -> dict[str, Any]:
        matches = [b for b in message.buttons if b["label"] == label] or [
            b for b in message.buttons if b["label"].startswith(label)
        ]
        assert matches, f"no button {label!r} on the message; it has {[b['label'] for b in message.buttons]}"
        button = matches[0]
        channel = message.channel
        return {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "panel"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0PANEL",
            "token": "legacy",
            "container": {"type": "message", "message_ts": message.ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": f"trigger.{next(self._trigger)}",
            "channel": {"id": channel, "name": "panel"},
            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
            "response_url": self.fake.response_url(user, channel),
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": button["block_id"],
                    "text": button["text"],
                    "value": button.get("value"),
                    "type": "button",
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }

    def submit_payload(
        self, user: str, view: dict, values: dict[str, Any], *, client_checks: bool = True
    ) -> dict[str, Any]:
        return {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "panel"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0PANEL",
            "token": "legacy",
            "trigger_id": f"trigger.{next(self._trigger)}",
            "view": fill(view, values, client_checks=client_checks),
            "response_urls": [],
        }


class Harness(Payloads):
    """The bot as `panelbot run` wires it when SLACK_BOT_TOKEN is set, plus a pretend Slack client."""

    def __init__(self, panel: Panel, fake: FakeSlack) -> None:
        super().__init__(fake)
        self.panel = panel
        config = SlackConfig(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=fake.api_url)
        self.bot = SlackBot(panel, config)
        self.sender = Sender(panel, [self.bot.adapter])
        self.pump = self.bot.pump = OutboxPump(self.sender)
        panel.on_outbox = self.pump.poke
        web_app = make_app(panel)
        self.bot.mount(web_app)
        self.client = TestClient(TestServer(web_app, host="127.0.0.1"))

    async def start(self) -> Harness:
        await self.client.start_server()
        return self

    async def close(self) -> None:
        await self.bot.stop()
        await self.client.close()

    async def settle(self) -> None:
        """Wait for the work each listener does after its ack, and for the outbox to be delivered."""
        await self.bot.settle()

    async def flush(self) -> None:
        await self.sender.flush()
        await self.settle()

    # Set-up -----------------------------------------------------------------------------------------------
    async def member(self, name: str, role: str, slack_id: str) -> None:
        await self.panel.add_member(actor=Actor.operator(), name=name, role=role, ids=[f"slack:{slack_id}"])

    # Requests as Slack sends them -------------------------------------------------------------------------
    async def post(self, body: str, headers: dict[str, str], content_type: str) -> int:
        response = await self.client.post(
            "/slack/events", data=body.encode(), headers={**headers, "Content-Type": content_type}
        )
        status = response.status
        self.last_response = await response.text()
        await self.settle()
        return status

    async def slash(self, user: str, text: str, channel: str = PANEL_CHANNEL, **sign_kwargs: Any) -> int:
        body = urlencode(self.slash_payload(user, text, channel))
        return await self.post(body, sign(body, **sign_kwargs), "application/x-www-form-urlencoded")

    async def interaction(self, payload: dict, **sign_kwargs: Any) -> int:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, sign(body, **sign_kwargs), "application/x-www-form-urlencoded")

    async def press(self, user: str, message: Message, label: str, **sign_kwargs: Any) -> int:
        """Press the button labelled `label` (or starting with it) on a message the person can see."""
        return await self.interaction(self.press_payload(user, message, label), **sign_kwargs)

    async def press_home(self, user: str, label: str) -> int:
        view = self.fake.homes[user]
        buttons = [e for blk in view["blocks"] if blk["type"] == "actions" for e in blk["elements"]]
        button = next(e for e in buttons if e["text"]["text"] == label)
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "panel"},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A0PANEL",
            "container": {"type": "view", "view_id": "VHOME"},
            "trigger_id": f"trigger.{next(self._trigger)}",
            "view": {**view, "id": "VHOME"},
            "actions": [
                {"action_id": button["action_id"], "block_id": "home", "value": button["value"], "type": "button"}
            ],
        }
        return await self.interaction(payload)

    def modal(self) -> dict:
        """The modal Slack is showing (the last one opened)."""
        assert self.fake.views, "no modal was opened"
        return self.fake.views[-1]

    async def submit(
        self, user: str, view: dict, values: dict[str, Any], *, client_checks: bool = True, **sign_kwargs: Any
    ) -> int:
        payload = self.submit_payload(user, view, values, client_checks=client_checks)
        status = await self.interaction(payload, **sign_kwargs)
        try:
            answer = json.loads(self.last_response) if self.last_response else {}
        except ValueError:
            answer = {}
        if isinstance(answer, dict) and answer.get("response_action") == "update":  # Slack shows the new view
            self.fake.views.append(answer["view"])
        return status

    async def event(self, event: dict, **sign_kwargs: Any) -> int:
        body = json.dumps(
            {
                "token": "legacy",
                "team_id": TEAM,
                "api_app_id": "A0PANEL",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{next(self._trigger):06d}",
                "event_time": int(time.time()),
            }
        )
        return await self.post(body, sign(body, **sign_kwargs), "application/json")

    # Reading ----------------------------------------------------------------------------------------------
    def card(self, reference: str, channel: str = PANEL_CHANNEL) -> Message:
        cards = [m for m in self.fake.in_channel(channel) if reference in m.raw.split("\n")[0]]
        assert cards, f"no card for {reference} in {channel}"
        return cards[-1]

    def said_to(self, user: str) -> str:
        said = self.fake.said_to(user)
        assert said, f"nothing was shown to {user}"
        return said[-1]
