"""The panel as the database holds it: its channels (set, and the bot can post there), someone to vote in each
voting role, and a channel for each agency the preset sends requests to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.doctor.checks import Check, fail, not_set_up, ok
from bot.settings import Settings


async def read_panel(engine: Any, preset: Any, settings: Settings) -> Any:
    """The panel on the database, read only: None when the partnership has never been set up."""
    from sqlalchemy import select

    from bot.service.bootstrap import build_panel
    from flows.clocks import calendar_for
    from storage.models import Partnership
    from storage.uow import make_sessionmaker

    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        row = (await session.execute(select(Partnership.id).where(Partnership.preset_id == preset.id))).first()
    if row is None:
        return None
    return build_panel(preset=preset, calendar=calendar_for(preset, settings.timezone), sessionmaker=sessionmaker,
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
