"""Settings, from the environment and an optional `.env` file. Every one is listed in `.env.example`.

Secrets (platform tokens, database passwords) are held as `SecretStr` so they never appear in a log line,
an error message or `repr()`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL, DEFAULT_PRACTICE_DATABASE_URL

DEFAULT_PRESET = "salford"  # a new, empty database with no preset named

# The rule for a secret the bot generates or checks (the calendar token, webhook secrets): 32 or more letters,
# digits, _ or - (a token_urlsafe(32) is 43). `panelbot doctor` applies it to every such secret.
STRONG_SECRET = re.compile(r"[A-Za-z0-9_-]{32,256}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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

    # Platform tokens. Their adapters arrive with their own issues; while none is set the bot runs the
    # terminal adapter.
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    # Slack (bot/slack): the signing secret verifies requests to /slack/events; an app-level token
    # (xapp-...) switches to Socket Mode; the Web API base URL is Slack's own unless tests or staging say.
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    # Telegram: webhook mode when the URL is set (Telegram posts to /telegram/webhook with the secret in
    # X-Telegram-Bot-Api-Secret-Token), long polling otherwise. The API URL is for tests and self-hosted
    # Bot API servers.
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_url: str | None = Field(default=None, alias="TELEGRAM_API_URL")
    # Microsoft Teams (bot/teams), named as the Microsoft 365 Agents SDK names them: the Entra app registration's
    # client id (TEAMS_CLIENT_ID is accepted too), secret or certificate, and tenant. Requests are JWT-validated
    # unless ANONYMOUS_ALLOWED is set to true, which is for local testing only.
    teams_client_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "TEAMS_CLIENT_ID"),
    )
    teams_client_secret: SecretStr | None = Field(
        default=None, alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET"
    )
    teams_tenant_id: str | None = Field(default=None, alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID")
    teams_auth_type: str | None = Field(default=None, alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__AUTHTYPE")
    teams_cert_pfx_file: str | None = Field(
        default=None, alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CERTPFXFILE"
    )
    teams_anonymous_allowed: bool = Field(
        default=False, alias="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED"
    )

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

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1 to 256 letters, digits, _ or - (Telegram's rule)")
        return value

    @property
    def stuck_after_delta(self) -> timedelta:
        return timedelta(minutes=self.stuck_after)

    @property
    def platform_tokens_set(self) -> list[str]:
        """The platforms these settings switch on (bot/platforms.py decides, from each platform's own rule)."""
        from bot.platforms import platform_classes

        return sorted(cls.name for cls in platform_classes() if cls.enabled(self))
