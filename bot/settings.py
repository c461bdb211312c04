"""Settings, from the environment and an optional `.env` file. Every one is listed in `.env.example`.

`Settings` holds the core settings (the database, the preset, the web server, logs, metrics, files) and one
group per platform, each read from the same environment variables as always: `settings.slack`
(`SlackSettings`), `settings.telegram` (`TelegramSettings`), `settings.teams` (`TeamsSettings`) and
`settings.email` (`EmailSettings`). A
platform reads only its own group (`bot/*/platform.py`). A setting that is not valid is refused with the
name of its environment variable, whichever group it belongs to.

Secrets (platform tokens, database passwords) are held as `SecretStr` so they never appear in a log line,
an error message or `repr()`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL, DEFAULT_PRACTICE_DATABASE_URL

DEFAULT_PRESET = "salford"  # a new, empty database with no preset named

# The rule for a secret the bot generates or checks (the calendar token, webhook secrets): 32 or more letters,
# digits, _ or - (a token_urlsafe(32) is 43). `panelbot doctor` applies it to every such secret.
STRONG_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


class FromEnvironment(BaseSettings):
    """Read from the environment and `.env`, each field by its environment variable's name (its alias)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    @classmethod
    def names(cls) -> frozenset[str]:
        """The environment variables this group reads."""
        found: set[str] = set()
        for info in cls.model_fields.values():
            if isinstance(info.validation_alias, AliasChoices):
                found.update(c for c in info.validation_alias.choices if isinstance(c, str))
            elif isinstance(info.validation_alias, str):
                found.add(info.validation_alias)
            if info.alias:
                found.add(info.alias)
        return frozenset(found)


class SlackSettings(FromEnvironment):
    """Slack (bot/slack): on when the bot token is set. The signing secret verifies requests to /slack/events;
    an app-level token (xapp-...) switches to Socket Mode; the Web API base URL is Slack's own unless tests or
    staging say."""

    bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")


class TelegramSettings(FromEnvironment):
    """Telegram (bot/telegram): on when the bot token is set. Webhook mode when the URL is set (Telegram posts
    to /telegram/webhook with the secret in X-Telegram-Bot-Api-Secret-Token), long polling otherwise. The API
    URL is for tests and self-hosted Bot API servers."""

    bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    api_url: str | None = Field(default=None, alias="TELEGRAM_API_URL")

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 letters, digits, _ or - (Telegram's rule)")
        return value


TEAMS_PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


class TeamsSettings(FromEnvironment):
    """Microsoft Teams (bot/teams), named as the Microsoft 365 Agents SDK names them: the Entra app
    registration's client id (TEAMS_CLIENT_ID is accepted too), secret or certificate, and tenant. On when the
    client id is set, or anonymous mode. Requests are JWT-validated unless ANONYMOUS_ALLOWED is set to true,
    which is for local testing only."""

    client_id: str | None = Field(
        default=None, validation_alias=AliasChoices(TEAMS_PREFIX + "CLIENTID", "TEAMS_CLIENT_ID")
    )
    client_secret: SecretStr | None = Field(default=None, alias=TEAMS_PREFIX + "CLIENTSECRET")
    tenant_id: str | None = Field(default=None, alias=TEAMS_PREFIX + "TENANTID")
    auth_type: str | None = Field(default=None, alias=TEAMS_PREFIX + "AUTHTYPE")
    cert_pfx_file: str | None = Field(default=None, alias=TEAMS_PREFIX + "CERTPFXFILE")
    anonymous_allowed: bool = Field(default=False, alias=TEAMS_PREFIX + "ANONYMOUS_ALLOWED")


class EmailSettings(FromEnvironment):
    """Email (bot/email): requests, reminders and notices to members and agency channels whose id is an address
    (`email:pat@police.example`), with signed links to answer from a page the bot serves. With no relay set,
    mail is written as .eml files to a folder instead of being sent; the link secret is then made once and kept
    beside the database. Once a relay is set, PANELBOT_LINK_SECRET must be set too."""

    # smtp://USER:PASSWORD@HOST:587 (STARTTLS, on by default) or smtps://USER:PASSWORD@HOST:465 (implicit TLS).
    smtp_url: SecretStr | None = Field(default=None, alias="PANELBOT_SMTP_URL")
    # The From: address (the relay must allow the bot to send as it).
    email_from: str = Field(default="panelbot@localhost", alias="PANELBOT_EMAIL_FROM")
    # The base of every link in an email. Unset: http://127.0.0.1:PORT (the bot's own server, for local use).
    public_url: str | None = Field(default=None, alias="PANELBOT_PUBLIC_URL")
    # Signs the links (itsdangerous): 32 to 256 letters, digits, _ or -.
    link_secret: SecretStr | None = Field(default=None, alias="PANELBOT_LINK_SECRET")
    # Days a return link keeps working after the return was due.
    link_grace_days: int = Field(default=14, ge=0, le=365, alias="PANELBOT_LINK_GRACE_DAYS")
    # With no relay: where .eml files are written. Unset: FILES/email (bot/reports/files.py's folder).
    email_dir: Path | None = Field(default=None, alias="PANELBOT_EMAIL_DIR")
    # Messages a minute the relay allows (Exchange Online: 30 for one mailbox).
    smtp_rate: int = Field(default=30, ge=1, le=100_000, alias="PANELBOT_SMTP_RATE")

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not re.match(r"smtps?://[^/\s]+", value.get_secret_value().strip()):
            raise ValueError("PANELBOT_SMTP_URL must look like smtp://USER:PASSWORD@HOST:587 or smtps://...:465")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = urlsplit(value.strip())
        loopback = url.hostname in ("localhost", "::1") or bool(url.hostname and url.hostname.startswith("127."))
        if url.scheme != "https" and not (url.scheme == "http" and loopback):
            raise ValueError("PANELBOT_PUBLIC_URL must start with https:// (http:// only for 127.0.0.1 or localhost)")
        if not url.hostname or url.query or url.fragment:
            raise ValueError("PANELBOT_PUBLIC_URL must be a base address such as https://panel.example.org")
        return value.strip().rstrip("/")

    @field_validator("link_secret")
    @classmethod
    def _link_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not STRONG_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(
                "PANELBOT_LINK_SECRET must be 32 to 256 letters, digits, _ or -; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @model_validator(mode="after")
    def _secret_with_relay(self) -> EmailSettings:
        if self.smtp_url is not None and self.link_secret is None:
            raise ValueError("PANELBOT_LINK_SECRET must be set once PANELBOT_SMTP_URL is set (it signs the links)")
        return self


# Each platform's group, by the attribute of `Settings` that holds it (the platform's name).
PLATFORM_GROUPS: dict[str, type[FromEnvironment]] = {
    "slack": SlackSettings,
    "telegram": TelegramSettings,
    "teams": TeamsSettings,
    "email": EmailSettings,
}


class Settings(FromEnvironment):
    """The core settings, and each platform's group (`slack`, `telegram`, `teams`, `email`)."""

    database_url: SecretStr = Field(default=SecretStr(DEFAULT_DATABASE_URL), alias="PANELBOT_DATABASE_URL")
    # The practice database (`panelbot run --practice`): never the real record's.
    practice_database_url: SecretStr = Field(
        default=SecretStr(DEFAULT_PRACTICE_DATABASE_URL), alias="PANELBOT_PRACTICE_DATABASE_URL"
    )
    # Unset: the partnership the database holds (a new, empty database gets DEFAULT_PRESET).
    preset: str | None = Field(default=None, alias="PANELBOT_PRESET")
    config: Path | None = Field(default=None, alias="PANELBOT_CONFIG")
    http_host: str = Field(default="127.0.0.1", alias="PANELBOT_HTTP_HOST")
    http_port: int = Field(default=8080, alias="PANELBOT_HTTP_PORT")
    timezone: str | None = Field(default=None, alias="PANELBOT_TIMEZONE")
    log_level: str = Field(default="INFO", alias="PANELBOT_LOG_LEVEL")
    # `text` (a line for a person) or `json` (one JSON object per line, for a log service: bot/logging_json.py).
    log_format: str = Field(default="text", alias="PANELBOT_LOG_FORMAT")
    # GET /metrics (bot/metrics.py), Prometheus text format: off unless a bearer token is set (the calendar
    # token's strength rule), or PANELBOT_METRICS=local, which answers only clients on this machine.
    metrics_token: SecretStr | None = Field(default=None, alias="PANELBOT_METRICS_TOKEN")
    metrics: str = Field(default="off", alias="PANELBOT_METRICS")
    # On SIGTERM or SIGINT: seconds the requests in flight, the outbox flush and a scheduled sweep under way
    # are given to finish before the bot stops (each step waits at most this long).
    shutdown_grace: float = Field(default=10.0, gt=0, le=600, alias="PANELBOT_SHUTDOWN_GRACE")
    # Minutes a message may wait (a platform or an address cannot be reached) before it counts as stuck: /healthz
    # says degraded, `panelbot outbox list` lists it, and the business manager is told in their channel, once
    # and then once a day while it lasts (bot/service/stuck.py).
    stuck_after: int = Field(default=15, ge=1, le=7 * 24 * 60, alias="PANELBOT_STUCK_AFTER")
    # The business manager's calendar feed, GET /calendar/TOKEN.ics (bot/reports/ics.py): a long random token
    # is the only key, so it must be long; unset, the route answers 404.
    calendar_token: SecretStr | None = Field(default=None, alias="PANELBOT_CALENDAR_TOKEN")
    # The one folder for files written without an --out (report charts and CSVs, exports, the Teams package):
    # unset, the user's data folder, $XDG_DATA_HOME/panelbot/files (bot/reports/files.py).
    files_dir: Path | None = Field(default=None, alias="PANELBOT_FILES_DIR")

    @field_validator("calendar_token")
    @classmethod
    def _calendar_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not STRONG_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(
                "PANELBOT_CALENDAR_TOKEN must be 32 to 256 letters, digits, _ or -; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not STRONG_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(
                "PANELBOT_METRICS_TOKEN must be 32 to 256 letters, digits, _ or -; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, value: str) -> str:
        mode = (value or "off").strip().lower()
        if mode not in ("off", "local"):
            raise ValueError("PANELBOT_METRICS must be local or off (set PANELBOT_METRICS_TOKEN to allow others)")
        return mode

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = (value or "text").strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError("PANELBOT_LOG_FORMAT must be text or json")
        return fmt

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("PANELBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    # One group per platform (PLATFORM_GROUPS), read by `__init__` from the same environment and `.env`.
    # `NoDecode`: an environment variable that happens to be called SLACK, TELEGRAM, TEAMS or EMAIL is never read.
    slack: Annotated[SlackSettings, NoDecode]
    telegram: Annotated[TelegramSettings, NoDecode]
    teams: Annotated[TeamsSettings, NoDecode]
    email: Annotated[EmailSettings, NoDecode]

    def __init__(self, **values: Any) -> None:
        """Each platform's group takes its own environment variables from `values` (and the environment and
        `.env`, read with the same options, such as `_env_file`); the rest are the core's. Every setting that
        is not valid is reported, the core's first, as when they were all one class."""
        options = {k: v for k, v in values.items() if k.startswith("_")}
        errors: list[Any] = []
        groups: dict[str, FromEnvironment] = {}
        for attribute, group in PLATFORM_GROUPS.items():
            if attribute in values:  # a group given whole
                continue
            mine = {k: values.pop(k) for k in list(values) if k in group.names()}
            try:
                groups[attribute] = group(**options, **mine)
            except ValidationError as exc:
                errors += exc.errors()
                groups[attribute] = group.model_construct()  # a stand-in, so the core is still checked
        try:
            super().__init__(**values, **groups)
        except ValidationError as exc:
            if not errors:
                raise
            errors = exc.errors() + errors
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)

    @property
    def stuck_after_delta(self) -> timedelta:
        return timedelta(minutes=self.stuck_after)

    @property
    def platform_tokens_set(self) -> list[str]:
        """The platforms these settings switch on (bot/platforms.py decides, from each platform's own rule)."""
        from bot.platforms import platform_classes

        return sorted(cls.name for cls in platform_classes() if cls.enabled(self))
