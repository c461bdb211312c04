"""Secrets and addresses: each secret the bot generates or checks is strong, each address platforms call or the
bot sends its tokens to is https, and no configured secret's value survives in what the doctor says."""

from __future__ import annotations

import contextlib
import os
from typing import Any
from urllib.parse import urlsplit

from bot.doctor.checks import MAKE_SECRET, Check, fail, is_loopback, not_set_up, ok, shown
from bot.doctor.core import platforms_on
from bot.settings import STRONG_SECRET, TEAMS_PREFIX, Settings


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
    if "telegram" in on and (settings.telegram.webhook_url or settings.telegram.webhook_secret):
        out.append(strength("TELEGRAM_WEBHOOK_SECRET", settings.telegram.webhook_secret,
                            needed=bool(settings.telegram.webhook_url), why="long polling."))
    if "slack" in on and settings.slack.signing_secret:
        out.append(strength("SLACK_SIGNING_SECRET", settings.slack.signing_secret, needed=False, why=""))
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
    if "telegram" in on and settings.telegram.webhook_url:
        out.append(address("TELEGRAM_WEBHOOK_URL", settings.telegram.webhook_url, platform_calls=True))
    if "telegram" in on and settings.telegram.api_url:
        out.append(address("TELEGRAM_API_URL", settings.telegram.api_url, platform_calls=False))
    if "slack" in on:
        out.append(address("SLACK_API_URL", settings.slack.api_url or "https://slack.com/api/", platform_calls=False))
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
    slack, telegram, teams = settings.slack, settings.telegram, settings.teams
    for value in (slack.bot_token, slack.signing_secret, slack.app_token, telegram.bot_token, telegram.webhook_secret,
                  teams.client_secret, settings.calendar_token):
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
