"""The Telegram harness: a fake Bot API server on 127.0.0.1, the real python-telegram-bot `Application`
pointed at it (webhook or long polling), a panel on the test database with the test clock, and the
outbox pump as `serve()` wires it. People are simulated by the updates Telegram would deliver.

A module of its own (not the folder's conftest), so tests elsewhere import it by name and pytest can take
this folder together with the other platform folders."""

from __future__ import annotations

from aiohttp import ClientSession, web
from fake_bot_api import TOKEN, FakeBotAPI

from bot.notify import OutboxPump, Sender
from bot.server import make_app
from bot.service import Panel
from bot.telegram import TelegramBot
from bot.telegram.webhook import SECRET_HEADER, WEBHOOK_PATH

SECRET = "s3cret-Token_for-tests"
PUBLIC_URL = "https://panel.example.org"


def person(user_id: int, first_name: str) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en-GB"}


BEA = person(1001, "Bea")  # business manager
LEE = person(1002, "Lee")  # local authority / first voter
PAT = person(1003, "Pat")  # police / second voter
HAL = person(1004, "Hal")  # health / third voter
CY = person(1005, "Cy")  # the tie-break role
POPPY = person(1006, "Poppy")  # a second police member (Dudley) / fourth voter
MALLORY = person(1666, "Mallory")  # not on the panel


class Harness:
    def __init__(self, panel: Panel, api: FakeBotAPI, mode: str) -> None:
        self.panel = panel
        self.api = api
        self.mode = mode
        self.bot: TelegramBot | None = None
        self.sender: Sender | None = None
        self.pump: OutboxPump | None = None
        self._runner: web.AppRunner | None = None
        self.webhook_url = ""
        self._http: ClientSession | None = None

    async def start(self) -> None:
        bot = TelegramBot(
            self.panel,
            TOKEN,
            api_url=self.api.url,
            webhook_url=PUBLIC_URL if self.mode == "webhook" else None,
            webhook_secret=SECRET if self.mode == "webhook" else None,
            poll_timeout=5,
        )
        self.bot = bot
        self.sender = Sender(self.panel, [bot.adapter])
        self.pump = OutboxPump(self.sender)
        self.panel.on_outbox = self.pump.poke
        if self.mode == "webhook":
            app = make_app(self.panel)
            bot.add_routes(app)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
            host, port = self._runner.addresses[0][:2]
            self.webhook_url = f"http://{host}:{port}{WEBHOOK_PATH}"
            self._http = ClientSession()
        await bot.start()

    async def stop(self) -> None:
        if self.pump is not None:
            await self.pump.close()
        if self.bot is not None:
            await self.bot.stop()
        self.panel.on_outbox = None
        if self._http is not None:
            await self._http.close()
            self._http = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database: nothing held in memory survives."""
        await self.stop()
        await self.start()

    async def post(self, update: dict, secret: str | None = SECRET) -> int:
        assert self._http is not None
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self._http.post(self.webhook_url, json=update, headers=headers) as response:
            return response.status

    async def send(self, update: dict) -> None:
        if self.mode == "webhook":
            assert await self.post(update) == 200
        else:
            await self.api.push(update)

    # A person does something, and the test waits for what they then see ---------------------------------
    async def say(
        self, chat: dict, user: dict, text: str, *, reply_to: dict | None = None, expect: int = 1, timeout: float = 5.0
    ) -> list:
        """`user` sends `text` in `chat`; returns the bot's next `expect` messages in that chat."""
        before = len(self.api.bot_messages(chat["id"]))
        await self.send(self.api.text(chat, user, text, reply_to=reply_to))
        await self.api.wait_for(lambda: len(self.api.bot_messages(chat["id"])) >= before + expect, timeout)
        return self.api.bot_messages(chat["id"])[before : before + expect]

    async def press(self, message: dict, user: dict, label: str, *, query_id: str | None = None) -> dict:
        """`user` presses a button; returns the toast or alert they saw."""
        update = self.api.press(message, user, label, query_id=query_id)
        qid = update["callback_query"]["id"]
        await self.send(update)
        await self.api.wait_for(lambda: qid in self.api.answers)
        return self.api.answers[qid]

    def card(self, chat_id: int, reference: str) -> dict:
        """The referral card as it is now in the chat (edits applied)."""
        found = [m for m in self.api.bot_messages(chat_id) if m.get("text", "").startswith(f"{reference} · ")]
        assert found, f"no card for {reference} in chat {chat_id}"
        return found[0]
