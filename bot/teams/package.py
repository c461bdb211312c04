"""The Teams app package: `manifest.json` and its two icons in a zip, for upload to Teams (sideloading, or
the Teams admin centre). `panelbot teams package --out panelbot.zip` writes it.

The icons are drawn here (PNG written with zlib and struct), so no image file is kept in the repository:
a 192x192 full-colour icon and a 32x32 white outline on a transparent background, as Teams asks.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.25"  # the first versions that allow 12 commands in a bot's command list are 1.2x
SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x1F, 0x4E, 0x79)  # a dark blue
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The command menu Teams offers when someone types @Panelbot (title, description). Every one is a shared
# command of `bot.commands` or one of the Teams adapter's own (`new`, `setup`).
COMMANDS: list[tuple[str, str]] = [
    ("new", "File a referral (business manager): opens the intake form"),
    ("status", "Open referrals, what each waits for and the next deadline; status REF for one"),
    ("overdue", "Everything past its deadline, oldest first"),
    ("decide", "decide REF OUTCOME: the business manager's or the chair's decision, with a reason"),
    ("close", "close REF: close voting once quorum is met (business manager)"),
    ("hold", "hold REF [until DATE] [REASON]: pause a referral (business manager)"),
    ("return", "return REF: return an incomplete referral to the referrer (business manager)"),
    ("request", "request REF AGENCY...: send information requests to agencies (business manager)"),
    ("members", "Who is on the panel"),
    ("setup", "Post referral cards in this channel; setup bm or setup agency:NAME for other chats"),
    ("help", "List every command"),
]


class PackageError(ValueError):
    """A value the manifest cannot take; the message says which and why, in one sentence."""


def _png(width: int, height: int, pixel: Any) -> bytes:
    """A PNG (8-bit RGBA) whose pixel (x, y) is `pixel(x, y)` -> (r, g, b, a)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # no filter
        for x in range(width):
            raw.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(
        b"IEND", b""
    )


def _mark(x: float, y: float) -> bool:
    """A tick inside a rounded ring, on a unit square: the panel's decision."""
    dx, dy = x - 0.5, y - 0.5
    r = (dx * dx + dy * dy) ** 0.5
    if 0.36 <= r <= 0.44:
        return True
    # the tick: from (0.30, 0.52) down to (0.45, 0.66), then up to (0.72, 0.36)
    for (x1, y1), (x2, y2) in (((0.30, 0.52), (0.45, 0.66)), ((0.45, 0.66), (0.72, 0.36))):
        vx, vy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * vx + (y - y1) * vy) / (vx * vx + vy * vy)))
        px, py = x1 + t * vx - x, y1 + t * vy - y
        if (px * px + py * py) ** 0.5 <= 0.05:
            return True
    return False


def color_icon(size: int = 192) -> bytes:
    white, fill = (255, 255, 255, 255), (*ACCENT, 255)
    return _png(size, size, lambda x, y: white if _mark((x + 0.5) / size, (y + 0.5) / size) else fill)


def outline_icon(size: int = 32) -> bytes:
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    return _png(size, size, lambda x, y: white if _mark((x + 0.5) / size, (y + 0.5) / size) else clear)


def manifest(
    *,
    bot_id: str,
    app_id: str | None = None,
    name: str = "Panelbot",
    partnership: str = "",
    developer: str = "Panelbot",
    website_url: str = "https://example.org/panelbot",
    privacy_url: str = "https://example.org/panelbot/privacy",
    terms_url: str = "https://example.org/panelbot/terms",
    version: str = "1.0.0",
) -> dict[str, Any]:
    if not GUID.match(bot_id or ""):
        raise PackageError(
            "The bot id must be the Entra app registration's client id (a GUID such as "
            "0c7c5d2e-1a11-4b7e-9c3a-8f1d2e3c4b5a)."
        )
    if app_id is not None and not GUID.match(app_id):
        raise PackageError("The Teams app id must be a GUID.")
    for label, url in (("website", website_url), ("privacy", privacy_url), ("terms of use", terms_url)):
        if not url.startswith("https://"):
            raise PackageError(f"The {label} address must start with https:// (Teams refuses others).")
    scopes = ["team", "groupChat", "personal"]
    full = f"{name} · {partnership}" if partnership else f"{name}: the virtual case-review panel"
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id or bot_id,
        "developer": {
            "name": developer[:32],
            "websiteUrl": website_url,
            "privacyUrl": privacy_url,
            "termsOfUseUrl": terms_url,
        },
        "name": {"short": name[:30], "full": full[:100]},
        "description": {
            "short": "Run the safeguarding partnership's case-review panel in Teams."[:80],
            "full": (
                "Panelbot runs a safeguarding partnership's virtual case-review panel. The business manager "
                "files a referral; the bot posts a referral card to the panel channel with one button per "
                "outcome; members vote with their reasons; the bot applies the partnership's quorum and "
                "majority rules, passes a tie to the chair, keeps every statutory clock, and reminds agencies "
                "and members of what is due. Children and adults are shown only by a reference and an "
                "anonymised subject."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": scopes,
                "supportsFiles": True,  # the file-consent card of a meeting's .ics (bot/teams/files.py)
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": scopes, "commands": [{"title": t, "description": d} for t, d in COMMANDS]}
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def build(out: Path, **fields: Any) -> Path:
    """Write the package (manifest.json, color.png, outline.png) to `out`."""
    data = manifest(**fields)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    out.write_bytes(buffer.getvalue())
    return out
