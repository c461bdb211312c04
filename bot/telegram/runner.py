"""Building and running the Telegram side in the bot's one asyncio process: the python-telegram-bot
`Application` (pointed at `TELEGRAM_API_URL` when set), webhook or long polling, and the command menu. What a
command queued is delivered by the shared `bot.notify.OutboxPump` as soon as it has answered the person."""

from __future__ import annotations

import contextlib
import logging
import warnings
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.service import Panel
from bot.settings import Settings
from bot.telegram.adapter import TelegramAdapter
from bot.telegram.conversation import ConversationStore
from bot.telegram.handlers import Handlers, bot_commands, register
from bot.telegram.updates import Poller
from bot.telegram.webhook import WEBHOOK_PATH, add_webhook_route
from flows.errors import PanelError

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "callback_query"]


def api_urls(api_url: str | None) -> tuple[str, str]:
    """`https://api.telegram.org` (or a self-hosted Bot API server) -> PTB's base_url and base_file_url."""
    root = (api_url or DEFAULT_API_URL).strip().rstrip("/")
    root = root.removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


def webhook_address(url: str) -> str:
    """The address given to `setWebhook`: `https://host` alone means `https://host/telegram/webhook`."""
    parts = urlsplit(url.strip())
    if parts.path in ("", "/"):
        parts = parts._replace(path=WEBHOOK_PATH)
    return urlunsplit(parts)


class RedactToken(logging.Filter):
    """Keep a secret out of the logs, in the message, its arguments and an exception's text. The bot token is
    part of every Bot API URL, which httpx logs with each request and python-telegram-bot at start; the
    webhook secret is a parameter of `setWebhook`, which python-telegram-bot logs at DEBUG."""

    def __init__(self, token: str, hidden: str = "<TELEGRAM_BOT_TOKEN>") -> None:
        super().__init__()
        self.token = token
        self.hidden = hidden

    def filter(self, record: logging.LogRecord) -> bool:
        hidden = self.hidden
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, hidden), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, hidden)
        return True


LOGGERS_WITH_URLS = (
    "httpx",
    "telegram.Bot",
    "telegram.ext.ExtBot",
    "telegram.ext.Updater",
    "telegram.ext.Application",
    "bot.telegram.handlers",
    "bot.telegram.adapter",
    "bot.telegram.runner",
    "bot.telegram.webhook",
    "bot.notify",
)


def redact_token_in_logs(token: str, webhook_secret: str | None = None) -> None:
    """Redact the bot token and the webhook secret (when set) on every logger that can carry them."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request: noise
    secrets = [(token, "<TELEGRAM_BOT_TOKEN>")]
    if webhook_secret:
        secrets.append((webhook_secret, "<TELEGRAM_WEBHOOK_SECRET>"))
    for name in LOGGERS_WITH_URLS:
        target = logging.getLogger(name)
        for secret, hidden in secrets:
            if not any(isinstance(f, RedactToken) and f.token == secret for f in target.filters):
                target.addFilter(RedactToken(secret, hidden))


class TelegramBot:
    """The Telegram adapter, its handlers and its connection to Telegram."""

    def __init__(
        self,
        panel: Panel,
        token: str,
        *,
        api_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        poll_timeout: int = 30,
    ) -> None:
        if webhook_url and not webhook_secret:
            raise PanelError(
                "TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not; set a secret (letters, digits, "
                "_ and -) so that only Telegram can post to the webhook."
            )
        redact_token_in_logs(token, webhook_secret)
        # PTB warns from inside its own RetryAfter; the adapter reads the timedelta, so the warning is noise.
        warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
        # `Poller` reads getUpdates raw on purpose (one unreadable update must not stop the others).
        warnings.filterwarnings("ignore", message=r".*Bot\.getUpdates.*", category=PTBUserWarning)
        self.panel = panel
        self.webhook_url = webhook_address(webhook_url) if webhook_url else None
        self.webhook_secret = webhook_secret
        self.poll_timeout = poll_timeout
        self.api_url, file_url = api_urls(api_url)
        # No python-telegram-bot Updater: it confirms an update to Telegram as soon as it has fetched it, before
        # the update's work is done. Long polling is `Poller`'s, which confirms only after (bot.telegram.updates).
        builder = (
            ApplicationBuilder().token(token).base_url(self.api_url).base_file_url(file_url).job_queue(None).updater(None)
        )
        self.application: Application = builder.build()
        self.poller: Poller | None = None
        self.store = ConversationStore(panel)
        self.handlers: Handlers = register(self.application, panel, self.store)
        self.adapter = TelegramAdapter(self.application.bot, panel, self.store)

    @classmethod
    def from_settings(cls, panel: Panel, settings: Settings) -> TelegramBot:
        secret, token = settings.telegram.webhook_secret, settings.telegram.bot_token
        if token is None:
            raise PanelError("TELEGRAM_BOT_TOKEN is not set.")
        return cls(
            panel,
            token.get_secret_value(),
            api_url=settings.telegram.api_url,
            webhook_url=settings.telegram.webhook_url,
            webhook_secret=secret.get_secret_value() if secret else None,
        )

    @property
    def mode(self) -> str:
        return "webhook" if self.webhook_url else "polling"

    def add_routes(self, app: web.Application) -> None:
        """Call before the web server starts (its routes are fixed once it runs)."""
        if self.webhook_url and self.webhook_secret:
            add_webhook_route(app, self.application, self.webhook_secret)

    async def start(self) -> None:
        app = self.application
        try:
            await app.initialize()  # getMe: checks the token
            await app.bot.set_my_commands(bot_commands())
            if self.webhook_url:
                await app.bot.set_webhook(
                    url=self.webhook_url, secret_token=self.webhook_secret, allowed_updates=ALLOWED_UPDATES
                )
            await app.start()
            if not self.webhook_url:
                self.poller = Poller(app, self.panel, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES)
                await self.poller.start()
        except InvalidToken:
            await self._shutdown_quietly()
            raise PanelError(
                "Telegram did not accept TELEGRAM_BOT_TOKEN. Check the token @BotFather gave you."
            ) from None
        except NetworkError as exc:
            await self._shutdown_quietly()
            raise PanelError(
                f"Could not reach the Telegram Bot API at {self.api_url.removesuffix('/bot')} ({type(exc).__name__}). "
                "Check the network, or TELEGRAM_API_URL."
            ) from None
        except TelegramError as exc:
            await self._shutdown_quietly()
            raise PanelError(f"Telegram refused to start the bot: {exc}.") from None
        me = app.bot.username
        log.info("Telegram: @%s, %s mode", me, self.mode)

    async def _shutdown_quietly(self) -> None:
        with contextlib.suppress(Exception):
            if self.poller is not None:
                await self.poller.stop()
        with contextlib.suppress(Exception):
            if self.application.running:
                await self.application.stop()
        with contextlib.suppress(Exception):
            await self.application.shutdown()

    async def stop_polling(self) -> None:
        """Fetch no more updates (those fetched are finished and confirmed first)."""
        if self.poller is not None:
            await self.poller.stop()
            self.poller = None

    async def stop(self) -> None:
        app = self.application
        await self.stop_polling()
        if app.running:
            await app.stop()
        await app.shutdown()
