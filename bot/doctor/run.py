"""Running every check in order, and the result as text, JSON and an exit code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict

from bot.doctor.checks import FAIL, OK, Check, not_set_up
from bot.doctor.core import check_database, check_platforms, check_preset, check_settings, platforms_on
from bot.doctor.email import check_email, email_can_post, email_in_use
from bot.doctor.panel import check_agencies, check_channels, check_roles, read_panel
from bot.doctor.safety import check_addresses, check_secrets, scrub, secret_values
from bot.doctor.slack import Slack
from bot.doctor.teams import teams_can_post, teams_credentials
from bot.doctor.telegram import Telegram
from bot.settings import Settings


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
    platforms_at = len(checks)  # the Platforms line goes here, once the record says whether email is on

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

        panel = await read_panel(engine, preset, settings) if engine is not None and preset is not None else None
        channels = await panel.list_channels() if panel is not None else []
        members = await panel.list_members() if panel is not None else []
        mail = email_in_use(settings, channels, members)
        checks.append(await check_email(settings, mail))
        if mail and "email" not in on:  # switched on by the record: an address is a channel like any other
            on = sorted([*on, "email"])
        if mail:
            posters["email"] = lambda name, target: email_can_post(settings, name, target)
        checks.insert(platforms_at, check_platforms(on))
        if engine is None or preset is None:
            why = "the database is not ready" if engine is None else "the preset is not valid"
            for name in ("Panel channel", "BM channel", "Voting roles", "Agencies"):
                checks.append(not_set_up(name, f"not checked: {why} (see above)."))
        else:
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
