"""`panelbot doctor`: is this deployment ready to go live?

Each check is a small function returning a `Check` (ok, fail or not set up, a detail, and for a failure the
fix in one plain sentence). `run_doctor()` runs them in order: the settings, the database and its migration,
the preset, each platform that is switched on (its credentials, and for Telegram the webhook Telegram has),
the panel and BM channels (set, and the bot can post there), the voting roles (someone to vote in each), the
agencies (a channel for each the preset sends requests to), the strength of the secrets the bot generates or
checks, and that the addresses platforms call, and those the bot sends its tokens to, are `https`.

Nothing here prints or returns a secret: a secret is shown as "set", "missing" or the first 4 hex digits of
its SHA-256, and every detail is scrubbed of every configured secret's value before it is returned. Nothing
is written to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.settings import STRONG_SECRET, Settings

OK = "ok"
FAIL = "fail"
NOT_SET_UP = "not set up"
MARKS = {OK: "✓", FAIL: "✗", NOT_SET_UP: "–"}
TIMEOUT = 15  # seconds for one platform call
MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
SCOPE = "https://api.botframework.com/.default"  # what the Agents SDK asks Entra for to call the Bot Connector
TEAMS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@dataclass(frozen=True)
class Check:
    check: str
    status: str  # ok | fail | not set up
    detail: str
    fix: str = ""

    @property
    def line(self) -> str:
        if self.status == OK:
            return f"✓ {self.check}: {self.detail}"
        if self.status == NOT_SET_UP:
            return f"– {self.check}: not set up: {self.detail}"
        return f"✗ {self.check}: {self.detail} Fix: {self.fix}"


def ok(name: str, detail: str) -> Check:
    return Check(name, OK, detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name, FAIL, detail, fix)


def not_set_up(name: str, detail: str) -> Check:
    return Check(name, NOT_SET_UP, detail)


def fingerprint(value: str) -> str:
    """A short, safe way to tell two secrets apart: the first 4 hex digits of its SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:4]


def shown(value: Any) -> str:
    """A secret as the doctor shows it: never its value."""
    secret = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    return f"set (sha256 {fingerprint(secret)}…)" if secret else "missing"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def quiet(*loggers: str) -> Iterator[None]:
    """Libraries log a refused call at ERROR; the doctor says it once, in its own words."""
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in loggers]
    for logger, _ in saved:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in saved:
            logger.setLevel(level)


def slack_error(exc: Any) -> str | None:
    """The `error` of a refused Slack call, whatever shape its answer had."""
    data = getattr(exc.response, "data", None)
    return data.get("error") if isinstance(data, dict) else None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# The settings, the database, the preset -----------------------------------------------------------------


def check_settings(load: Callable[[], Settings] = Settings) -> tuple[Check, Settings | None]:
    try:
        settings = load()
    except ValidationError as exc:  # name the setting, never echo its value
        first = exc.errors()[0]
        name = first["loc"][0] if first["loc"] else "a setting"
        return (
            fail("Settings", f"{name} is not valid: {first['msg']}.",
                 f"Correct {name} in the environment or .env (.env.example explains each setting)."),
            None,
        )
    on = platforms_on(settings)
    return ok("Settings", f"read; platforms switched on: {', '.join(on) if on else 'none'}."), settings


async def check_database(settings: Settings) -> tuple[Check, Any]:
    """(the check, an engine at the latest migration or None)."""
    from sqlalchemy.engine import make_url

    from flows.errors import PanelError
    from storage.db import async_url, current_revision, head_revision, is_fresh_sqlite, make_engine

    name = "Database"
    url = settings.database_url.get_secret_value()
    try:
        where = make_url(async_url(url))
    except PanelError as exc:
        return fail(name, str(exc), "Set PANELBOT_DATABASE_URL to a sqlite:/// or postgresql:// URL."), None
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot read
        return fail(name, "PANELBOT_DATABASE_URL is not a database URL.",
                    "Set PANELBOT_DATABASE_URL to a sqlite:/// or postgresql:// URL."), None
    label = f"{where.get_backend_name()} {where.database or ''}".strip()
    if where.get_backend_name() == "postgresql":
        label = f"postgresql on {where.host or 'localhost'}, database {where.database or '(default)'}"
    if is_fresh_sqlite(url):
        return fail(name, f"{label} does not exist yet.",
                    "Run `panelbot db upgrade` to create it (or check PANELBOT_DATABASE_URL)."), None
    try:
        engine = make_engine(url)
    except PanelError as exc:
        return fail(name, str(exc), "Check PANELBOT_DATABASE_URL."), None
    head = head_revision()
    try:
        async with asyncio.timeout(TIMEOUT):
            current = await current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, wrong password, not a database
        await engine.dispose()
        reason = one_line(getattr(exc, "orig", None) or exc) if not isinstance(exc, TimeoutError) else "no answer"
        return fail(name, f"could not use {label} ({reason}).",
                    "Check PANELBOT_DATABASE_URL and that the database server is running and reachable."), None
    if current != head:
        await engine.dispose()
        return fail(name, f"{label} is at migration {current or 'none (empty)'}, the latest is {head}.",
                    "Run `panelbot db upgrade`."), None
    return ok(name, f"{label}, at the latest migration ({head})."), engine


def check_preset(settings: Settings) -> tuple[Check, Any]:
    from zoneinfo import ZoneInfo

    from flows.clocks import calendar_for
    from flows.preset import PresetError, load_preset

    try:
        preset = load_preset(settings.preset)
    except PresetError as exc:
        return fail("Preset", str(exc),
                    "Correct the preset (check it with `panelbot preset check FILE`) or PANELBOT_PRESET."), None
    try:
        ZoneInfo(settings.timezone or preset.timezone)
        calendar_for(preset, settings.timezone)
    except (ValueError, LookupError, OSError):
        return fail("Preset", f'PANELBOT_TIMEZONE "{settings.timezone}" is not a time zone.',
                    "Set PANELBOT_TIMEZONE to a zone like Europe/London, or leave it unset."), None
    return ok("Preset", f"{preset.name} ({preset.id}): {len(preset.roles)} roles, {len(preset.clocks)} clocks."), preset


def platforms_on(settings: Settings) -> list[str]:
    """The registered platforms the settings switch on (bot/platforms.py), by name."""
    from bot.platforms import platform_classes

    return sorted(cls.name for cls in platform_classes() if cls.enabled(settings))


def check_platforms(settings: Settings) -> Check:
    on = platforms_on(settings)
    if not on:
        return fail("Platforms", "no chat platform is switched on, so nobody is told anything.",
                    "Set SLACK_BOT_TOKEN, TELEGRAM_BOT_TOKEN or the Teams app registration (see the README).")
    return ok("Platforms", f"switched on: {', '.join(on)}.")


# Slack ---------------------------------------------------------------------------------------------------

SLACK_REINSTALL = ("Reinstall the Slack app to the workspace (OAuth & Permissions) and set SLACK_BOT_TOKEN to its "
                   "new Bot User OAuth Token.")


class Slack:
    def __init__(self, settings: Settings) -> None:
        from slack_sdk.web.async_client import AsyncWebClient

        self.settings = settings
        base = settings.slack_api_url or "https://slack.com/api/"
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else "",
            base_url=base if base.endswith("/") else base + "/",
            timeout=TIMEOUT,
        )
        self.working = False

    async def credentials(self) -> Check:
        from slack_sdk.errors import SlackApiError

        from bot.slack.app import SlackConfig
        from flows.errors import PanelError

        name = "Slack"
        try:
            SlackConfig.from_settings(self.settings)
        except PanelError as exc:
            return fail(name, str(exc), "Set SLACK_SIGNING_SECRET, or SLACK_APP_TOKEN for Socket Mode.")
        token = shown(self.settings.slack_bot_token)
        try:
            with quiet("slack_sdk"):
                answer = await self.client.auth_test()
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in ("invalid_auth", "token_revoked", "account_inactive", "not_authed", "token_expired"):
                return fail(name, f"Slack refused SLACK_BOT_TOKEN, {token} ({error}).", SLACK_REINSTALL)
            return fail(name, f"auth.test failed ({error or 'no answer'}).",
                        "Check SLACK_BOT_TOKEN and SLACK_API_URL, then run the doctor again.")
        except Exception as exc:  # noqa: BLE001 - the network, a timeout, not Slack at all
            return fail(name, f"could not reach Slack at {self.client.base_url} ({type(exc).__name__}).",
                        "Check the network (and SLACK_API_URL, which is normally https://slack.com/api/).")
        self.working = True
        mode = "Socket Mode" if self.settings.slack_app_token else "events to /slack/events"
        return ok(name, f"bot @{answer.get('user')} in workspace {answer.get('team')}, {mode}; token {token}.")

    async def can_post(self, name: str, channel: str) -> Check:
        from slack_sdk.errors import SlackApiError

        if channel[:1] in ("U", "W"):  # a person: the bot opens a direct message with them
            return ok(name, f"a direct message to Slack user {channel}.")
        try:
            with quiet("slack_sdk"):
                info = await self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = slack_error(exc)
            if error == "channel_not_found":
                return fail(name, f"Slack has no channel {channel} that the bot can see.",
                            "Invite the bot to the channel (/invite @YOUR-BOT), then type /panel setup in it.")
            return fail(name, f"conversations.info failed for {channel} ({error or 'no answer'}).",
                        "Add the channels:read and groups:read scopes to the Slack app and reinstall it.")
        except Exception as exc:  # noqa: BLE001
            return fail(name, f"could not reach Slack ({type(exc).__name__}).", "Check the network.")
        conv = info.get("channel") or {}
        label = f"#{conv['name']}" if conv.get("name") else channel
        if conv.get("is_im"):
            return ok(name, f"a direct message ({channel}).")
        if conv.get("is_archived"):
            return fail(name, f"{label} is archived.", "Unarchive it, or set another channel with setup.")
        if not conv.get("is_member"):
            return fail(name, f"the bot is not in {label}, so it cannot post there.",
                        f"In Slack, open {label} and type /invite @ followed by the bot's name.")
        return ok(name, f"the bot is in {label}.")


# Telegram ------------------------------------------------------------------------------------------------


class Telegram:
    def __init__(self, settings: Settings) -> None:
        from telegram import Bot
        from telegram.request import HTTPXRequest

        from bot.telegram.runner import api_urls

        self.settings = settings
        base, files = api_urls(settings.telegram_api_url)
        self.base = base.removesuffix("/bot")
        token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
        request = HTTPXRequest(connect_timeout=TIMEOUT, read_timeout=TIMEOUT)
        self.bot = Bot(token, base_url=base, base_file_url=files, request=request)
        self.working = False

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.bot.shutdown()

    async def credentials(self) -> Check:
        from telegram.error import InvalidToken, NetworkError, TelegramError

        name = "Telegram"
        token = shown(self.settings.telegram_bot_token)
        try:
            await self.bot.initialize()  # getMe
        except InvalidToken:
            return fail(name, f"Telegram refused TELEGRAM_BOT_TOKEN, {token}.",
                        "Ask @BotFather for the bot's current token (/token) and set TELEGRAM_BOT_TOKEN to it.")
        except NetworkError as exc:
            return fail(name, f"could not reach the Bot API at {self.base} ({type(exc).__name__}).",
                        "Check the network (and TELEGRAM_API_URL, normally unset).")
        except TelegramError as exc:
            return fail(name, f"getMe failed ({exc}).", "Check TELEGRAM_BOT_TOKEN with @BotFather.")
        self.working = True
        mode = "webhook" if self.settings.telegram_webhook_url else "long polling"
        return ok(name, f"bot @{self.bot.username}, {mode}; token {token}.")

    async def webhook(self) -> Check:
        from telegram.error import TelegramError

        from bot.telegram.runner import webhook_address

        name = "Telegram webhook"
        try:
            info = await self.bot.get_webhook_info()
        except TelegramError as exc:
            return fail(name, f"getWebhookInfo failed ({exc}).", "Check TELEGRAM_BOT_TOKEN with @BotFather.")
        wanted = webhook_address(self.settings.telegram_webhook_url) if self.settings.telegram_webhook_url else ""
        last = f" Telegram's last delivery error: {info.last_error_message}." if info.last_error_message else ""
        if wanted:
            if info.url != wanted:
                has = f"to {info.url}" if info.url else "nowhere (no webhook is set)"
                return fail(name, f"Telegram delivers updates {has}, not to TELEGRAM_WEBHOOK_URL ({wanted}).",
                            "Start the bot (`panelbot run`): it registers TELEGRAM_WEBHOOK_URL with Telegram.")
            return ok(name, f"Telegram delivers to {wanted} ({info.pending_update_count} waiting).{last}")
        if info.url:
            return fail(name, f"a webhook is set ({info.url}) but TELEGRAM_WEBHOOK_URL is not, so long polling "
                        "gets nothing.", "Set TELEGRAM_WEBHOOK_URL to that address, or start the bot in long "
                        "polling after deleting the webhook (Bot API deleteWebhook).")
        return ok(name, "long polling; no webhook is set.")

    async def can_post(self, name: str, chat: str) -> Check:
        from telegram.constants import ChatMemberStatus
        from telegram.error import BadRequest, Forbidden, TelegramError

        try:
            found = await self.bot.get_chat(chat)
        except (BadRequest, Forbidden):
            return fail(name, f"Telegram has no chat {chat} that the bot can reach.",
                        "Add the bot to that group (or, for a person, they press Start in a chat with the bot), "
                        "then send /setup there.")
        except TelegramError as exc:
            return fail(name, f"getChat failed for {chat} ({exc}).", "Check the network and try again.")
        label = f'"{found.title}"' if found.title else f"chat {chat}"
        if found.type == "private":
            return ok(name, f"a private chat with the bot ({chat}).")
        try:
            member = await self.bot.get_chat_member(chat, self.bot.id)
        except TelegramError as exc:
            return fail(name, f"getChatMember failed in {label} ({exc}).", "Add the bot to the group again.")
        status = member.status
        if status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
            return fail(name, f"the bot is not a member of {label} ({status}), so it cannot post there.",
                        "Add the bot to the group again, then send /setup there.")
        if status == ChatMemberStatus.RESTRICTED and not getattr(member, "can_send_messages", True):
            return fail(name, f"the bot may not send messages in {label}.",
                        "Let the bot send messages in the group's permissions.")
        return ok(name, f"the bot is a {status} of {label}.")


# Teams ---------------------------------------------------------------------------------------------------


async def teams_credentials(settings: Settings) -> Check:
    """A token for the configured app, from Entra, through the Agents SDK's own MSAL auth (the same path the
    bot uses to call the Bot Connector). `...__AUTHORITY` overrides Entra's address, as it does for the SDK."""
    from microsoft_agents.authentication.msal import MsalConnectionManager

    from bot.teams.config import TeamsConfig
    from flows.errors import PanelError

    name = "Teams"
    try:
        config = TeamsConfig.from_settings(settings)
    except PanelError as exc:
        return fail(name, str(exc), f"Set {TEAMS_PREFIX}CLIENTSECRET, or a certificate (see the README).")
    if config is None:
        return not_set_up(name, "no app registration is set.")
    if config.anonymous:
        return not_set_up(name, "anonymous local mode (never for production).")
    secret = shown(settings.teams_client_secret) if settings.teams_client_secret else "a certificate"
    try:
        manager = MsalConnectionManager(**config.sdk)
        provider = manager.get_default_connection()
    except (ValueError, KeyError) as exc:
        return fail(name, f"the Teams settings are incomplete ({one_line(exc)}).",
                    f"Set {TEAMS_PREFIX}CLIENTID, TENANTID and CLIENTSECRET (see .env.example).")
    try:
        with quiet("microsoft_agents", "msal"):
            async with asyncio.timeout(TIMEOUT * 2):
                await provider.get_access_token("https://api.botframework.com", [SCOPE])
    except Exception as exc:  # noqa: BLE001 - MSAL's refusal, a network error, a bad certificate
        text = str(exc)
        code = next((w.strip("\"',:.") for w in text.replace("'", " ").split() if w.startswith("AADSTS")), "")
        why = f" ({code})" if code else f" ({type(exc).__name__})"
        if "invalid_client" in text or code in ("AADSTS7000215", "AADSTS7000222"):
            return fail(name, f"Entra refused the app's client secret, {secret}{why}.",
                        "Create a new client secret for the app registration (Certificates & secrets) and set "
                        f"{TEAMS_PREFIX}CLIENTSECRET to it.")
        if "unauthorized_client" in text or code in ("AADSTS700016", "AADSTS90002"):
            return fail(name, f"Entra does not know app {config.client_id} in tenant {settings.teams_tenant_id}"
                        f"{why}.", f"Check {TEAMS_PREFIX}CLIENTID and TENANTID against the app registration.")
        return fail(name, f"no token could be had for app {config.client_id}{why}.",
                    f"Check the network and {TEAMS_PREFIX}CLIENTID, TENANTID and CLIENTSECRET.")
    return ok(name, f"Entra gave app {config.client_id} a token for the Bot Connector; secret {secret}.")


async def teams_can_post(panel: Any, name: str, target: str) -> Check:
    from bot.teams.proactive import OBJECT_ID
    from bot.teams.store import DatabaseStorage, People

    items = await DatabaseStorage(panel).items()
    known = {((i.get("conversation_reference") or {}).get("conversation") or {}).get("id") for i in items}
    if target in known:
        return ok(name, "a conversation reference is stored, so the bot can post there.")
    if OBJECT_ID.match(target):
        person = await People(panel).get(target)
        if person.get("personal") in known:
            return ok(name, "the bot has a 1:1 chat with this person.")
        homes = [i for i in items
                 if ((i.get("conversation_reference") or {}).get("conversation") or {}).get("conversationType")
                 != "personal"]
        if homes:
            return ok(name, "the bot can open a 1:1 chat with this person from a channel it knows.")
    return fail(name, "no conversation reference is stored for it, so the bot cannot post there yet.",
                "Add the Teams app there and type @Panelbot setup in it (setup bm in the BM's 1:1 chat).")


# The panel: channels, roles, agencies --------------------------------------------------------------------


async def read_panel(engine: Any, preset: Any, settings: Settings) -> Any:
    """The panel on the database, read only: None when the partnership has never been set up."""
    from sqlalchemy import select

    from bot.service import Panel
    from flows.clocks import calendar_for
    from storage.models import Partnership
    from storage.uow import make_sessionmaker

    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        row = (await session.execute(select(Partnership.id).where(Partnership.preset_id == preset.id))).first()
    if row is None:
        return None
    return Panel(preset=preset, calendar=calendar_for(preset, settings.timezone), sessionmaker=sessionmaker,
                 partnership_id=row[0])


CHANNEL_FIX = {
    "panel": "In the panel's channel type /panel setup (Slack), /setup (Telegram) or @Panelbot setup (Teams), or "
    "run `panelbot channel set panel --id PLATFORM:ID`.",
    "bm": "In the business manager's own chat with the bot type setup bm, or run "
    "`panelbot channel set bm --id PLATFORM:ID`.",
}
CHANNEL_NAME = {"panel": "Panel channel", "bm": "BM channel"}


async def check_channels(
    channels: list[tuple[str, str, str]], on: list[str], posters: dict[str, Callable[[str, str], Awaitable[Check]]]
) -> list[Check]:
    out: list[Check] = []
    for purpose in ("panel", "bm"):
        rows = [(p, x) for (pp, p, x) in channels if pp == purpose]
        live = [(p, x) for p, x in rows if p in on]
        if not live:
            elsewhere = f" (set only on {', '.join(p for p, _ in rows)}, which is not switched on)" if rows else ""
            out.append(fail(CHANNEL_NAME[purpose], f"not set{elsewhere}.", CHANNEL_FIX[purpose]))
            continue
        for platform, external in live:
            name = f"{CHANNEL_NAME[purpose]} ({platform}:{external})"
            poster = posters.get(platform)
            if poster is None:
                out.append(not_set_up(name, f"not checked: {platform} credentials do not work (see above)."))
                continue
            out.append(await poster(name, external))
    return out


def check_roles(preset: Any, members: list[Any], on: list[str]) -> Check:
    missing = []
    for role in preset.voting_roles:
        reachable = [m for m in members if m.role == role and any(i.split(":", 1)[0] in on for i in m.identities)]
        if not reachable:
            missing.append(role)
    if missing:
        labels = ", ".join(preset.role_label(r) for r in missing)
        first = missing[0]
        where = on[0] if on else "PLATFORM"
        platforms = ", ".join(on[:-1]) + f" or {on[-1]}" if len(on) > 1 else (on[0] if on else "a platform that is on")
        return fail("Voting roles", f"no member with an id on {platforms} for: "
                    f"{labels}.", f"Add one for each, e.g. `panelbot member add NAME --role {first} --id {where}:ID`.")
    return ok("Voting roles", f"each of the {len(preset.voting_roles)} voting roles has a member to vote.")


def check_agencies(preset: Any, channels: list[tuple[str, str, str]], on: list[str]) -> Check:
    if not preset.has_clock("agency_return") or not preset.agencies:
        return not_set_up("Agencies", "this preset sends no information requests.")
    have = {purpose for purpose, platform, _ in channels if platform in on}
    missing = [a for a in preset.agencies if f"agency:{a.id}" not in have]
    if missing:
        return fail("Agencies", f"no channel for: {', '.join(a.label for a in missing)}.",
                    f"Set each, e.g. `panelbot channel set agency:{missing[0].id} --id PLATFORM:ID`, or type "
                    f"setup agency:{missing[0].id} in that agency's chat.")
    return ok("Agencies", f"all {len(preset.agencies)} agencies have a channel.")


# Secrets and addresses -----------------------------------------------------------------------------------


def strength(name: str, value: Any, *, needed: bool, why: str) -> Check:
    secret = value.get_secret_value() if value is not None else ""
    if not secret:
        if needed:
            return fail(name, "missing.", f"Set {name} to a long random value: {MAKE_SECRET}.")
        return not_set_up(name, why)
    if not STRONG_SECRET.fullmatch(secret):
        return fail(name, f"too weak: {shown(value)}, {len(secret)} characters; it needs 32 or more letters, "
                    "digits, _ or -.", f"Replace it with a long random one: {MAKE_SECRET}.")
    return ok(name, f"strong; {shown(value)}.")


def check_secrets(settings: Settings) -> list[Check]:
    on = platforms_on(settings)
    out = [strength("PANELBOT_CALENDAR_TOKEN", settings.calendar_token, needed=False, why="no calendar feed.")]
    out.append(strength("PANELBOT_METRICS_TOKEN", settings.metrics_token, needed=False, why="/metrics off to others."))
    if "telegram" in on and (settings.telegram_webhook_url or settings.telegram_webhook_secret):
        out.append(strength("TELEGRAM_WEBHOOK_SECRET", settings.telegram_webhook_secret,
                            needed=bool(settings.telegram_webhook_url), why="long polling."))
    if "slack" in on and settings.slack_signing_secret:
        out.append(strength("SLACK_SIGNING_SECRET", settings.slack_signing_secret, needed=False, why=""))
    return out


def address(name: str, url: str, *, platform_calls: bool) -> Check:
    parts = urlsplit(url.strip())
    if parts.scheme == "https" and parts.hostname:
        if name == "TELEGRAM_WEBHOOK_URL" and (parts.port or 443) not in (443, 80, 88, 8443):
            return fail(name, f"{url} uses port {parts.port}; Telegram posts only to 443, 80, 88 or 8443.",
                        "Serve the webhook on port 443 (or 80, 88, 8443) behind your HTTPS proxy.")
        return ok(name, f"{url} is https.")
    if parts.scheme in ("http", "https") and is_loopback(parts.hostname):
        return ok(name, f"{url} is on this machine (loopback).")
    who = "the platform calls it" if platform_calls else "the bot sends its token there"
    return fail(name, f"{url} is not https, and {who}.", f"Use an https:// address for {name}.")


def check_addresses(settings: Settings) -> list[Check]:
    on = platforms_on(settings)
    out = []
    if "telegram" in on and settings.telegram_webhook_url:
        out.append(address("TELEGRAM_WEBHOOK_URL", settings.telegram_webhook_url, platform_calls=True))
    if "telegram" in on and settings.telegram_api_url:
        out.append(address("TELEGRAM_API_URL", settings.telegram_api_url, platform_calls=False))
    if "slack" in on:
        out.append(address("SLACK_API_URL", settings.slack_api_url or "https://slack.com/api/", platform_calls=False))
    authority = os.environ.get(TEAMS_PREFIX + "AUTHORITY") or os.environ.get(TEAMS_PREFIX + "AUTHORITYENDPOINT")
    if "teams" in on and authority:
        out.append(address(TEAMS_PREFIX + "AUTHORITY", authority, platform_calls=False))
    return out


# Running them --------------------------------------------------------------------------------------------


def secret_values(settings: Settings | None) -> list[str]:
    if settings is None:
        return []
    from sqlalchemy.engine import make_url

    values = []
    for field in ("slack_bot_token", "slack_signing_secret", "slack_app_token", "telegram_bot_token",
                  "telegram_webhook_secret", "teams_client_secret", "calendar_token"):
        value = getattr(settings, field)
        if value is not None and value.get_secret_value():
            values.append(value.get_secret_value())
    with contextlib.suppress(Exception):
        password = make_url(settings.database_url.get_secret_value()).password
        if password:
            values.append(str(password))
    return sorted(values, key=len, reverse=True)


def scrub(checks: list[Check], secrets: list[str]) -> list[Check]:
    """Belt and braces: no configured secret's value survives in a detail or a fix, whatever a library said."""
    out = []
    for c in checks:
        detail, fix = c.detail, c.fix
        for s in secrets:
            if len(s) >= 4:
                detail, fix = detail.replace(s, "[hidden]"), fix.replace(s, "[hidden]")
        out.append(Check(c.check, c.status, detail, fix))
    return out


async def run_doctor(load: Callable[[], Settings] = Settings) -> list[Check]:
    """Every check, in order."""
    first, settings = check_settings(load)
    if settings is None:
        return [first]
    checks = [first, *await _after_settings(settings)]
    return scrub(checks, secret_values(settings))


async def _after_settings(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    db, engine = await check_database(settings)
    checks.append(db)
    preset_check, preset = check_preset(settings)
    checks.append(preset_check)
    on = platforms_on(settings)
    checks.append(check_platforms(settings))

    posters: dict[str, Callable[[str, str], Awaitable[Check]]] = {}
    slack = telegram = None
    try:
        if "slack" in on:
            slack = Slack(settings)
            checks.append(await slack.credentials())
            if slack.working:
                posters["slack"] = slack.can_post
        else:
            checks.append(not_set_up("Slack", "SLACK_BOT_TOKEN is not set."))
        if "telegram" in on:
            telegram = Telegram(settings)
            checks.append(await telegram.credentials())
            if telegram.working:
                checks.append(await telegram.webhook())
                posters["telegram"] = telegram.can_post
        else:
            checks.append(not_set_up("Telegram", "TELEGRAM_BOT_TOKEN is not set."))
        teams = await teams_credentials(settings)
        checks.append(teams)

        if engine is None or preset is None:
            why = "the database is not ready" if engine is None else "the preset is not valid"
            for name in ("Panel channel", "BM channel", "Voting roles", "Agencies"):
                checks.append(not_set_up(name, f"not checked: {why} (see above)."))
        else:
            panel = await read_panel(engine, preset, settings)
            channels = await panel.list_channels() if panel is not None else []
            members = await panel.list_members() if panel is not None else []
            if teams.status == OK and panel is not None:
                posters["teams"] = lambda name, target: teams_can_post(panel, name, target)
            checks += await check_channels(channels, on, posters)
            checks.append(check_roles(preset, members, on))
            checks.append(check_agencies(preset, channels, on))
    finally:
        if telegram is not None:
            await telegram.close()
        if engine is not None:
            await engine.dispose()
    checks += check_secrets(settings)
    checks += check_addresses(settings)
    return checks


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == FAIL for c in checks) else 0


def as_json(checks: list[Check]) -> list[dict[str, str]]:
    return [asdict(c) for c in checks]


def as_text(checks: list[Check]) -> list[str]:
    lines = [c.line for c in checks]
    failed = sum(1 for c in checks if c.status == FAIL)
    if failed:
        lines.append(f"{failed} problem{'s' if failed != 1 else ''} to fix before going live; run "
                     "`panelbot doctor` again afterwards.")
    else:
        lines.append("Ready: nothing failed.")
    return lines
