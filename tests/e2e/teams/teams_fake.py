"""A fake Microsoft Teams for end-to-end tests, all on 127.0.0.1.

`FakeConnector` is a small aiohttp server answering the Bot Connector REST API the way Teams does:
`POST v3/conversations/{id}/activities[/{replyToId}]` (a new post, or a reply in a channel thread when the
conversation id carries `;messageid=`), `PUT v3/conversations/{id}/activities/{id}` (the message is replaced
in place), `POST v3/conversations` (a new 1:1 chat), and `GET v3/conversations/{id}/members/{id}` (a person
looked up by Entra object id or Teams user id, 404 when not in the conversation). It records every request,
keeps each conversation's messages as people would see them, and fails on demand:
`fail("POST", "/activities", 429, retry_after=7)` or `fail("PUT", "/activities/", 500)`.

`FakeEntra` is Microsoft Entra's token service for the app, over HTTPS on 127.0.0.1 (MSAL takes only an https
authority): Microsoft's instance discovery (`/common/discovery/instance`), OpenID discovery
(`/{tenant}/v2.0/.well-known/openid-configuration`) and the client-credentials token endpoint
(`/{tenant}/oauth2/v2.0/token`), which answers `invalid_client` (AADSTS7000215) for a wrong or revoked secret,
as Entra does. Its certificate is self-signed; `ca_file` is the file to trust.

`Harness` is the other side: it runs the real Agents SDK host (the bot's aiohttp app with `/api/messages`,
the `AgentApplication`, the `Panel` on the test database, the outbox `Sender` with the Teams adapter) and
acts as the Teams client would: @-mentions and 1:1 messages, and `Action.Execute` presses on the cards it
was shown (an `adaptiveCard/action` invoke with the button's data and the card's inputs).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.notify import OutboxPump, Sender
from bot.server import make_app
from bot.service import Actor, Panel
from bot.settings import Settings
from bot.teams import TeamsBot, TeamsConfig

TENANT = "5a0ac5d5-2b8f-4f0a-9d55-7f0f0e6c1a11"
BOT = {"id": "28:panelbot-app-id", "name": "Panelbot"}
TEAM = "19:team-general@thread.tacv2"
PANEL = "19:panel-channel@thread.tacv2"
AGENCY_CHAT = "19:police-liaison@thread.v2"
THREAD = ";messageid="


@dataclass(frozen=True)
class Person:
    name: str
    aad: str  # Entra object id
    teams_id: str  # 29:...

    @property
    def account(self) -> dict[str, str]:
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad}


_n = itertools.count(1)


def person(name: str) -> Person:
    i = next(_n)
    return Person(name, f"{i:08x}-0000-4000-8000-{i:012x}", f"29:1{name.lower()}-teams-id")


def seen(text: str) -> str:
    """What a person reads: markdown bold gone, white space collapsed."""
    return " ".join(text.replace("**", "").split())


def walk_card(card: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """(texts, buttons, inputs) of an Adaptive Card, in order."""
    texts: list[str] = []
    buttons: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                visit(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type", "")
        if kind == "TextBlock":
            texts.append(node.get("text", ""))
        elif kind.startswith("Input."):
            inputs.append(node)
        elif kind.startswith("Action."):
            buttons.append(node)
        for key in ("body", "items", "actions", "columns"):
            if key in node:
                visit(node[key])

    visit(card)
    return texts, buttons, inputs


@dataclass
class Posted:
    """A message the bot posted, as Teams shows it now."""

    conversation: str  # the conversation (channel, chat) it is in, without `;messageid=`
    id: str
    activity: dict[str, Any]
    thread: str | None = None  # the root post's id, for a reply in a channel thread
    updates: int = 0

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [a.get("content") or {} for a in self.activity.get("attachments") or []]

    @property
    def card(self) -> dict[str, Any]:
        return self.cards[0]

    @property
    def texts(self) -> list[str]:
        out: list[str] = [self.activity["text"]] if self.activity.get("text") else []
        for card in self.cards:
            out += walk_card(card)[0]
        return out

    @property
    def shown(self) -> str:
        return seen(" \n".join(self.texts))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [b for card in self.cards for b in walk_card(card)[1]]

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return [i for card in self.cards for i in walk_card(card)[2]]


class FakeConnector:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.messages: list[Posted] = []
        self.people: dict[str, dict[str, str]] = {}  # object id or 29: id -> account
        self.members: dict[str, set[str]] = {}  # conversation -> the object ids in it
        self.created: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}  # a person's OneDrive, as the file-consent flow fills it
        self._failures: list[dict[str, Any]] = []
        self._ids = itertools.count(1_700_000_000_001)
        self._chats = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # Set-up ---------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v3/conversations", self.create_conversation)
        app.router.add_post("/v3/conversations/{conv}/activities", self.post_activity)
        app.router.add_post("/v3/conversations/{conv}/activities/{reply}", self.post_activity)
        app.router.add_put("/v3/conversations/{conv}/activities/{id}", self.put_activity)
        app.router.add_get("/v3/conversations/{conv}/members/{member}", self.get_member)
        app.router.add_put("/onedrive/{name}", self.put_upload)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def join(self, conversation: str, *people: Person) -> None:
        for p in people:
            self.people[p.aad] = p.account
            self.people[p.teams_id] = p.account
            self.members.setdefault(conversation, set()).add(p.aad)

    def fail(self, method: str, fragment: str, status: int, *, retry_after: int | None = None, times: int = 1) -> None:
        """The next `times` requests whose method and path match answer `status` (with Retry-After)."""
        self._failures.append(
            {"method": method, "fragment": fragment, "status": status, "retry_after": retry_after, "times": times}
        )

    def _failure(self, request: web.Request) -> web.Response | None:
        for f in self._failures:
            if f["times"] > 0 and f["method"] == request.method and f["fragment"] in request.path:
                f["times"] -= 1
                headers = {"Retry-After": str(f["retry_after"])} if f["retry_after"] is not None else {}
                code = "TooManyRequests" if f["status"] == 429 else "ServiceError"
                return web.json_response(
                    {"error": {"code": code, "message": "try later"}}, status=f["status"], headers=headers
                )
        return None

    async def _record(self, request: web.Request) -> Any:
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.method, request.path, body))
        return body

    # The Bot Connector ------------------------------------------------------------------------------------
    async def post_activity(self, request: web.Request) -> web.Response:
        body = await self._record(request)
        failed = self._failure(request)
        if failed is not None:
            return failed
        conv = request.match_info["conv"]
        base, _, thread = conv.partition(THREAD)
        activity_id = str(next(self._ids))
        if body.get("type", "message") == "message":
            self.messages.append(Posted(base, activity_id, body, thread or None))
        return web.json_response({"id": activity_id}, status=201)

    async def put_activity(self, request: web.Request) -> web.Response:
        body = await self._record(request)
        failed = self._failure(request)
        if failed is not None:
            return failed
        base = request.match_info["conv"].partition(THREAD)[0]
        found = [m for m in self.messages if m.conversation == base and m.id == request.match_info["id"]]
        if not found:
            return web.json_response({"error": {"code": "NotFound", "message": "no such activity"}}, status=404)
        found[0].activity = body
        found[0].updates += 1
        return web.json_response({"id": found[0].id})

    async def create_conversation(self, request: web.Request) -> web.Response:
        body = await self._record(request)
        failed = self._failure(request)
        if failed is not None:
            return failed
        members = body.get("members") or []
        if len(members) != 1 or members[0].get("id") not in self.people:
            return web.json_response({"error": {"code": "BadArgument", "message": "unknown member"}}, status=400)
        self.created.append(body)
        return web.json_response({"id": f"a:1personal-chat-{next(self._chats)}"}, status=201)

    async def get_member(self, request: web.Request) -> web.Response:
        await self._record(request)
        failed = self._failure(request)
        if failed is not None:
            return failed
        account = self.people.get(request.match_info["member"])
        conv = request.match_info["conv"].partition(THREAD)[0]
        if account is None or account["aadObjectId"] not in self.members.get(conv, set()):
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation", "message": "not found"}}, status=404
            )
        return web.json_response({**account, "userPrincipalName": f"{account['name'].lower()}@example.org"})

    async def put_upload(self, request: web.Request) -> web.Response:
        """The upload URL a file-consent Allow gives (OneDrive's, in Teams): the whole file in one PUT, with its
        Content-Range, as OneDrive's upload sessions take it."""
        data = await request.read()
        self.requests.append((request.method, request.path, len(data)))
        expected = f"bytes 0-{len(data) - 1}/{len(data)}"
        if not data or request.headers.get("Content-Range") != expected:
            return web.json_response({"error": {"code": "invalidRange"}}, status=400)
        self.uploads[request.match_info["name"]] = data
        return web.json_response({"id": "drive-item-1", "name": request.match_info["name"], "size": len(data)},
                                 status=201)

    # What people see ------------------------------------------------------------------------------------
    def in_conversation(self, conversation: str) -> list[Posted]:
        """Top-level messages in a channel or chat (not thread replies), oldest first."""
        return [m for m in self.messages if m.conversation == conversation and m.thread is None]

    def thread(self, conversation: str, root: str) -> list[Posted]:
        return [m for m in self.messages if m.conversation == conversation and m.thread == root]

    def calls(self, method: str, fragment: str = "") -> list[tuple[str, str, Any]]:
        return [r for r in self.requests if r[0] == method and fragment in r[1]]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written to `folder`: (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "entra-cert.pem", folder / "entra-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


class FakeEntra:
    """Entra's token service for one tenant and the apps registered in it (client id -> secret)."""

    def __init__(self, folder: Path, tenant: str = TENANT) -> None:
        self.tenant = tenant
        self.apps: dict[str, str] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, form) without the secret
        self.ca_file, self._key_file = self_signed(folder)
        self._runner: web.AppRunner | None = None
        self.base = ""

    def register(self, client_id: str, secret: str) -> None:
        self.apps[client_id] = secret

    def revoke(self, client_id: str) -> None:
        """The app's secret is deleted (or expired) in Entra: it no longer gets a token."""
        self.apps[client_id] = ""

    @property
    def authority(self) -> str:
        return f"{self.base}/{self.tenant}"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/common/discovery/instance", self.instance_discovery)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self.discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self.token)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.ca_file, self._key_file)
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"https://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def instance_discovery(self, request: web.Request) -> web.Response:
        """Microsoft's instance discovery, which MSAL asks about an authority host it does not know."""
        self.requests.append((request.path, dict(request.query)))
        tenant = urlsplit(request.query.get("authorization_endpoint", "")).path.strip("/").split("/")[0] or "common"
        return web.json_response({
            "tenant_discovery_endpoint": f"{self.base}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": "127.0.0.1", "preferred_cache": "127.0.0.1", "aliases": ["127.0.0.1"]}],
        })

    async def discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        self.requests.append((request.path, {}))
        if tenant != self.tenant:
            return web.json_response({"error": "invalid_tenant", "error_description": "AADSTS90002: Tenant "
                                      "not found."}, status=400)
        root = f"{self.base}/{tenant}"
        return web.json_response({
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append((request.path, {k: v for k, v in form.items() if k != "client_secret"}))
        client_id = form.get("client_id", "")
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if client_id not in self.apps:
            return web.json_response({"error": "unauthorized_client", "error_description": "AADSTS700016: "
                                      f"Application with identifier '{client_id}' was not found in the directory."},
                                     status=400)
        secret = self.apps[client_id]
        if not secret or form.get("client_secret") != secret:
            return web.json_response({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid "
                                      "client secret provided."}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                  "access_token": f"fake-entra-token-for-{client_id}"})


def anonymous_config() -> TeamsConfig:
    config = TeamsConfig.from_settings(
        Settings(_env_file=None, CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED="true"), environ={}
    )
    assert config is not None
    return config


class Harness:
    """The bot as `panelbot run` wires it when Teams is configured, plus a pretend Teams client."""

    def __init__(self, panel: Panel, fake: FakeConnector, config: TeamsConfig | None = None) -> None:
        self.panel = panel
        self.fake = fake
        self.bot = TeamsBot(panel, config or anonymous_config())
        self.sender = Sender(panel, [self.bot.adapter])
        self.pump = self.bot.pump = OutboxPump(self.sender)
        panel.on_outbox = self.pump.poke
        web_app = make_app(panel)
        self.bot.mount(web_app)
        self.client = TestClient(TestServer(web_app, host="127.0.0.1"))
        self._ids = itertools.count(1)
        self.personal: dict[str, str] = {}

    async def start(self) -> Harness:
        await self.client.start_server()
        return self

    async def close(self) -> None:
        await self.bot.stop()
        await self.client.close()

    async def settle(self) -> None:
        await self.bot.settle()

    async def flush(self) -> None:
        await self.sender.flush()
        await self.settle()

    async def member(self, name: str, role: str, who: Person) -> None:
        await self.panel.add_member(actor=Actor.operator(), name=name, role=role, ids=[f"teams:{who.aad}"])

    # Activities as Teams sends them -----------------------------------------------------------------------
    def _base(self, who: Person, conversation: str, kind: str) -> dict[str, Any]:
        activity_id = f"f:{next(self._ids):06d}"
        conv: dict[str, Any] = {"id": conversation, "conversationType": kind, "tenantId": TENANT}
        data: dict[str, Any] = {"tenant": {"id": TENANT}}
        if kind == "channel":
            conv["isGroup"] = True
            data.update(team={"id": TEAM}, channel={"id": conversation.partition(THREAD)[0]})
        elif kind == "groupChat":
            conv["isGroup"] = True
        return {
            "id": activity_id,
            "channelId": "msteams",
            "serviceUrl": self.fake.url,
            "from": who.account,
            "recipient": BOT,
            "conversation": conv,
            "channelData": data,
            "locale": "en-GB",
        }

    def personal_chat(self, who: Person) -> str:
        return self.personal.setdefault(who.aad, f"a:1personal-{who.name.lower()}")

    async def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=activity, headers=headers or {})
        status = response.status
        text = await response.text()
        body = json.loads(text) if text and response.content_type == "application/json" else text
        await self.settle()
        return status, body

    def message(self, who: Person, text: str, where: str = "channel", conversation: str | None = None) -> dict:
        if where == "personal":
            conversation = self.personal_chat(who)
            activity = self._base(who, conversation, "personal")
            activity.update(type="message", text=text)
            return activity
        conversation = conversation or (PANEL if where == "channel" else AGENCY_CHAT)
        activity = self._base(who, conversation, where)
        if where == "channel":  # a new post in the channel: its thread is itself
            activity["conversation"]["id"] = f"{conversation}{THREAD}{activity['id']}"
        mention = f"<at>{BOT['name']}</at>"
        activity.update(
            type="message",
            text=f"{mention} {text}",
            entities=[{"type": "mention", "text": mention, "mentioned": BOT}],
        )
        return activity

    async def say(
        self, who: Person, text: str, where: str = "channel", conversation: str | None = None
    ) -> list[Posted]:
        """`who` types `text` (mentioning the bot outside a 1:1 chat); returns the bot's answers to it."""
        before = len(self.fake.messages)
        activity = self.message(who, text, where, conversation)
        status, _ = await self.post(activity)
        assert status in (200, 202), status
        conv = activity["conversation"]["id"].partition(THREAD)[0]
        return [m for m in self.fake.messages[before:] if m.conversation == conv]

    def invoke_activity(self, who: Person, message: Posted, title: str, inputs: dict[str, Any] | None = None) -> dict:
        matches = [b for b in message.buttons if b["title"] == title] or [
            b for b in message.buttons if b["title"].startswith(title)
        ]
        assert matches, f"no button {title!r}; the message has {[b['title'] for b in message.buttons]}"
        button = matches[0]
        assert button["type"] == "Action.Execute", button
        kind = "personal" if message.conversation.startswith("a:") else (
            "channel" if message.conversation.endswith("@thread.tacv2") else "groupChat"
        )
        activity = self._base(who, message.conversation, kind)
        if kind == "channel":
            activity["conversation"]["id"] = f"{message.conversation}{THREAD}{message.thread or message.id}"
        activity.update(
            type="invoke",
            name="adaptiveCard/action",
            replyToId=message.id,
            value={
                "action": {
                    "type": "Action.Execute",
                    "id": f"action-{next(self._ids)}",
                    "verb": button["verb"],
                    "data": {**button.get("data", {}), **(inputs or {})},
                },
                "trigger": "manual",
            },
        )
        return activity

    async def press(
        self, who: Person, message: Posted, title: str, inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """`who` presses a button; returns the invoke response (`type` and `value`) Teams shows them."""
        status, body = await self.post(self.invoke_activity(who, message, title, inputs))
        assert status == 200, (status, body)
        assert body["statusCode"] == 200, body
        return body

    async def consent(self, who: Person, message: Posted, *, allow: bool = True) -> tuple[int, Any]:
        """`who` presses Allow (or Decline) on a file-consent card in their 1:1 chat: the `fileConsent/invoke`
        Teams sends, with an upload URL in their OneDrive on Allow."""
        (card,) = [a for a in message.activity.get("attachments") or []
                   if a.get("contentType") == "application/vnd.microsoft.teams.card.file.consent"]
        activity = self._base(who, message.conversation, "personal")
        name = card["name"]
        value: dict[str, Any] = {"type": "fileUpload", "action": "accept" if allow else "decline",
                                 "context": card["content"]["acceptContext" if allow else "declineContext"]}
        if allow:
            value["uploadInfo"] = {
                "contentUrl": f"https://contoso-my.sharepoint.com/personal/{who.name.lower()}/Documents/{name}",
                "name": name, "uploadUrl": f"{self.fake.url}onedrive/{name}", "uniqueId": "1150D938-8870",
                "fileType": name.rsplit(".", 1)[-1],
            }
        activity.update(type="invoke", name="fileConsent/invoke", replyToId=message.id, value=value)
        return await self.post(activity)

    # Reading the screen -------------------------------------------------------------------------------------
    def card(self, reference: str, conversation: str = PANEL) -> Posted:
        """The referral card as it is now in a conversation (updates applied)."""
        found = [m for m in self.fake.in_conversation(conversation) if any(
            t.startswith(f"**{reference} · ") for t in m.texts)]
        assert found, f"no card for {reference} in {conversation}"
        return found[-1]


def response_text(response: dict[str, Any]) -> str:
    """What an invoke response shows: the message, or the card's text."""
    if response["type"] == "application/vnd.microsoft.activity.message":
        return seen(response["value"])
    texts, _, _ = walk_card(response["value"])
    return seen(" \n".join(texts))


def response_buttons(response: dict[str, Any]) -> list[str]:
    if response["type"] != "application/vnd.microsoft.card.adaptive":
        return []
    return [b["title"] for b in walk_card(response["value"])[1]]


def reference_in(text: str) -> str:
    found = re.search(r"[A-Z]{2,6}-\d{4}-\d{3,}", text)
    assert found, text
    return found.group(0)
