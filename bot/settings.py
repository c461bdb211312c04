"""Settings, from the environment and an optional `.env` file. Every one is listed in `.env.example`.

Secrets (platform tokens, database passwords) are held as `SecretStr` so they never appear in a log line,
an error message or `repr()`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storage.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr = Field(default=SecretStr(DEFAULT_DATABASE_URL), alias="PANELBOT_DATABASE_URL")
    preset: str = Field(default="salford", alias="PANELBOT_PRESET")
    config: Path | None = Field(default=None, alias="PANELBOT_CONFIG")
    http_host: str = Field(default="127.0.0.1", alias="PANELBOT_HTTP_HOST")
    http_port: int = Field(default=8080, alias="PANELBOT_HTTP_PORT")
    timezone: str | None = Field(default=None, alias="PANELBOT_TIMEZONE")
    log_level: str = Field(default="INFO", alias="PANELBOT_LOG_LEVEL")

    # Platform tokens. Their adapters arrive with their own issues; while none is set the bot runs the
    # terminal adapter.
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    # Slack (bot/slack): the signing secret verifies requests to /slack/events; an app-level token
    # (xapp-...) switches to Socket Mode; the Web API base URL is Slack's own unless tests or staging say.
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    teams_client_id: str | None = Field(default=None, alias="TEAMS_CLIENT_ID")

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("PANELBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return level

    @property
    def platform_tokens_set(self) -> list[str]:
        names = []
        if self.slack_bot_token:
            names.append("slack")
        if self.telegram_bot_token:
            names.append("telegram")
        if self.teams_client_id:
            names.append("teams")
        return names
