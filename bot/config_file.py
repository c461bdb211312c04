"""PANELBOT_CONFIG: a TOML file naming the panel members, their roles and platform ids, and the channels.

    [[members]]
    name = "Ann Example"
    role = "independent_adviser"
    ids = ["slack:U0123", "telegram:5551234"]

    [channels]
    panel = ["slack:C0PANEL"]
    bm = ["slack:D0BM"]
    "agency:police" = ["telegram:-1001234"]

Applied at start: members not yet on the panel are added and channels are set, each recorded in the audit
log like the same command typed by hand. Members missing from the file are left alone (removing someone
is a deliberate `panelbot member remove`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bot.service import Actor, Panel
from flows.errors import InvalidInput


async def apply_config(panel: Panel, path: Path) -> list[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"The panel config file {path} does not exist (PANELBOT_CONFIG).") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The panel config file {path} is not valid TOML ({exc}).") from None
    operator = Actor.operator()
    done: list[str] = []
    existing = {m.name.lower() for m in await panel.list_members()}
    for i, item in enumerate(data.get("members", [])):
        if not isinstance(item, dict) or "name" not in item or "role" not in item:
            raise InvalidInput(f"{path}: members[{i}] needs a name and a role.")
        if str(item["name"]).lower() in existing:
            continue
        await panel.add_member(
            actor=operator, name=str(item["name"]), role=str(item["role"]), ids=[str(x) for x in item.get("ids", [])]
        )
        done.append(f"added {item['name']}")
    current = set(await panel.list_channels())
    for purpose, ids in (data.get("channels") or {}).items():
        for platform_id in [ids] if isinstance(ids, str) else ids:
            platform, _, external = str(platform_id).partition(":")
            if (purpose, platform, external) in current:
                continue
            await panel.set_channel(actor=operator, purpose=purpose, platform_id=str(platform_id))
            done.append(f"set {purpose} to {platform_id}")
    return done
