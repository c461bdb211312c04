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


def _name_key(name: str) -> str:
    return " ".join(name.split()).lower()


async def apply_config(panel: Panel, path: Path) -> list[str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"The panel config file {path} does not exist (PANELBOT_CONFIG).") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The panel config file {path} is not valid TOML ({exc}).") from None
    operator = Actor.operator()
    done: list[str] = []
    _check(panel, path, data)
    existing = {_name_key(m.name) for m in await panel.list_members()}
    for i, item in enumerate(data.get("members", [])):
        if not isinstance(item, dict) or "name" not in item or "role" not in item:
            raise InvalidInput(f"{path}: members[{i}] needs a name and a role.")
        if _name_key(str(item["name"])) in existing:
            continue
        await panel.add_member(
            actor=operator, name=str(item["name"]), role=str(item["role"]), ids=[str(x) for x in item.get("ids", [])]
        )
        done.append(f"added {item['name']}")
    current = set(await panel.list_channels())
    for purpose, ids in (data.get("channels") or {}).items():
        for platform_id in [ids] if isinstance(ids, str) else ids:
            platform, _, external = str(platform_id).partition(":")
            if (purpose.strip().lower(), platform.strip().lower(), external.strip()) in current:
                continue
            await panel.set_channel(actor=operator, purpose=purpose, platform_id=str(platform_id))
            done.append(f"set {purpose} to {platform_id}")
    return done


def _check(panel: Panel, path: Path, data: dict) -> None:
    """Check the whole file before changing anything, so a mistake never leaves the panel half set up."""
    from bot.service.members import parse_platform_id

    for i, item in enumerate(data.get("members", [])):
        if not isinstance(item, dict) or "name" not in item or "role" not in item:
            raise InvalidInput(f"{path}: members[{i}] needs a name and a role.")
        role = str(item["role"]).strip().lower()
        if role not in panel.preset.role_labels:
            raise InvalidInput(
                f'{path}: members[{i}]: "{item["role"]}" is not a role in the '
                f"{panel.preset.name} panel; use one of {', '.join(panel.preset.role_labels)}."
            )
        for platform_id in item.get("ids", []):
            try:
                parse_platform_id(str(platform_id))
            except InvalidInput as exc:
                raise InvalidInput(f"{path}: members[{i}]: {exc}") from None
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        raise InvalidInput(f'{path}: [channels] must be a table of purpose = ["PLATFORM:ID", ...].')
    for purpose, ids in channels.items():
        for platform_id in [ids] if isinstance(ids, str) else ids:
            try:
                parse_platform_id(str(platform_id))
            except InvalidInput as exc:
                raise InvalidInput(f"{path}: channels.{purpose}: {exc}") from None
