"""The settings in groups: the core, and one group per platform, each read from the environment variables it
always had, with the same refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bot.cli import app
from bot.platforms import platform_classes
from bot.settings import PLATFORM_GROUPS, Settings, SlackSettings, TeamsSettings, TelegramSettings

ROOT = Path(__file__).resolve().parents[2]
TEAMS = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"

# Every environment variable Panelbot reads, by who reads it. A name here is a promise to every deployment.
CORE = {
    "PANELBOT_DATABASE_URL", "PANELBOT_PRACTICE_DATABASE_URL", "PANELBOT_PRESET", "PANELBOT_CONFIG",
    "PANELBOT_HTTP_HOST", "PANELBOT_HTTP_PORT", "PANELBOT_TIMEZONE", "PANELBOT_LOG_LEVEL", "PANELBOT_LOG_FORMAT",
    "PANELBOT_METRICS_TOKEN", "PANELBOT_METRICS", "PANELBOT_SHUTDOWN_GRACE", "PANELBOT_STUCK_AFTER",
    "PANELBOT_CALENDAR_TOKEN", "PANELBOT_FILES_DIR",
}  # fmt: skip
GROUPS = {
    "slack": {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"},
    "telegram": {"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_URL"},
    "teams": {TEAMS + n for n in ("CLIENTID", "CLIENTSECRET", "TENANTID", "AUTHTYPE", "CERTPFXFILE",
                                  "ANONYMOUS_ALLOWED")} | {"TEAMS_CLIENT_ID"},
    "email": {"PANELBOT_SMTP_URL", "PANELBOT_EMAIL_FROM", "PANELBOT_PUBLIC_URL", "PANELBOT_LINK_SECRET",
              "PANELBOT_LINK_GRACE_DAYS", "PANELBOT_EMAIL_DIR", "PANELBOT_SMTP_RATE"},
}  # fmt: skip
NOT_SETTINGS = {"PANELBOT_TEST_DATABASE_URL"}  # in .env.example for the tests, read by them alone


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_each_environment_variable_keeps_its_name_and_is_read_by_one_group():
    assert Settings.names() == CORE
    assert {name: group.names() for name, group in PLATFORM_GROUPS.items()} == GROUPS
    # .env.example lists every setting (the Teams short alias TEAMS_CLIENT_ID is accepted, not advertised).
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert listed - NOT_SETTINGS == CORE | set().union(*GROUPS.values()) - {"TEAMS_CLIENT_ID"}


def test_a_platforms_variables_land_in_its_group():
    s = settings(
        SLACK_BOT_TOKEN="xoxb-1", SLACK_SIGNING_SECRET="sign", TELEGRAM_BOT_TOKEN="1:abc",
        TELEGRAM_WEBHOOK_URL="https://panel.example.org", TEAMS_CLIENT_ID="app-id",
        **{TEAMS + "TENANTID": "tenant", TEAMS + "ANONYMOUS_ALLOWED": "true"}, PANELBOT_HTTP_PORT="9000",
    )  # fmt: skip
    assert isinstance(s.slack, SlackSettings) and isinstance(s.telegram, TelegramSettings)
    assert isinstance(s.teams, TeamsSettings)
    assert s.slack.bot_token is not None and s.slack.bot_token.get_secret_value() == "xoxb-1"
    assert s.slack.api_url == "https://slack.com/api/"  # its default
    assert s.telegram.webhook_url == "https://panel.example.org" and s.telegram.webhook_secret is None
    assert (s.teams.client_id, s.teams.tenant_id, s.teams.anonymous_allowed) == ("app-id", "tenant", True)
    assert s.http_port == 9000
    assert "xoxb-1" not in repr(s) and "xoxb-1" not in s.model_dump_json()


def test_the_groups_read_the_environment_and_the_env_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=1:from-file\nPANELBOT_LOG_LEVEL=debug\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    monkeypatch.setenv("SLACK", "not json")  # a variable named as a group is nobody's setting
    s = Settings()
    assert s.slack.bot_token is not None and s.slack.bot_token.get_secret_value() == "xoxb-from-env"
    assert s.telegram.bot_token is not None and s.telegram.bot_token.get_secret_value() == "1:from-file"
    assert s.log_level == "DEBUG" and s.teams.client_id is None
    assert Settings(_env_file=None).telegram.bot_token is None  # type: ignore[call-arg]


def test_each_platform_is_switched_on_by_its_own_group_alone():
    """Each platform by its own settings alone. Email's setting is a relay (with the link secret it then needs);
    with no relay, email is switched on by the record instead (a member or channel with an address: the
    platform's `in_use`, tests/e2e/mail/test_email_platform.py), which no setting shows here."""
    only = {
        "slack": {"SLACK_BOT_TOKEN": "xoxb-1"},
        "telegram": {"TELEGRAM_BOT_TOKEN": "1:abc"},
        "teams": {TEAMS + "CLIENTID": "app-id"},
        "email": {"PANELBOT_SMTP_URL": "smtp://relay.example:587", "PANELBOT_LINK_SECRET": "k" * 43},
    }
    assert {cls.name for cls in platform_classes()} == set(only) == set(PLATFORM_GROUPS)
    for name, values in only.items():
        assert settings(**values).platform_tokens_set == [name]
    assert settings().platform_tokens_set == []


def test_every_bad_setting_is_refused_by_its_variable_core_first():
    with pytest.raises(ValidationError) as caught:
        settings(TELEGRAM_WEBHOOK_SECRET="has spaces", PANELBOT_LOG_LEVEL="loud")
    assert [(e["loc"], e["msg"]) for e in caught.value.errors()] == [
        (("PANELBOT_LOG_LEVEL",), "Value error, PANELBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
        (
            ("TELEGRAM_WEBHOOK_SECRET",),
            "Value error, TELEGRAM_WEBHOOK_SECRET must be 1 to 256 letters, digits, _ or - (Telegram's rule)",
        ),
    ]
    with pytest.raises(ValidationError) as caught:
        settings(TELEGRAM_WEBHOOK_SECRET="has spaces")
    assert [e["loc"] for e in caught.value.errors()] == [("TELEGRAM_WEBHOOK_SECRET",)]


def test_the_command_line_names_a_bad_platform_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["doctor"], env={"TELEGRAM_WEBHOOK_SECRET": "has spaces"})
    assert result.exit_code == 1
    assert "TELEGRAM_WEBHOOK_SECRET is not valid: Value error, TELEGRAM_WEBHOOK_SECRET must be 1 to 256" in (
        " ".join(result.output.split())
    )
