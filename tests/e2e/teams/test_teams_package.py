"""`panelbot teams package`: the zip Teams takes (manifest.json and the two icons), and its refusals."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.commands import COMMANDS
from bot.teams.package import COMMANDS as MENU
from bot.teams.package import manifest

CLIENT_ID = "0c7c5d2e-1a11-4b7e-9c3a-8f1d2e3c4b5a"
runner = CliRunner()


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TEAMS_CLIENT_ID", "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", "PANELBOT_PRESET"):
        monkeypatch.delenv(name, raising=False)


def png_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) of a PNG, after checking its signature and every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        kinds.append(kind)
        pos += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    width, height, _, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def test_the_package_holds_the_manifest_with_the_command_menu_and_two_icons(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", CLIENT_ID)
    monkeypatch.setenv("PANELBOT_PRESET", "dudley")
    result = runner.invoke(app, ["teams", "package", "--out", "panelbot.zip"])
    assert result.exit_code == 0, result.output
    assert "Wrote panelbot.zip: manifest.json, color.png and outline.png." in result.output
    with zipfile.ZipFile(tmp_path / "panelbot.zip") as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(z.read("manifest.json"))
        assert png_size(z.read("color.png")) == (192, 192, 6)
        assert png_size(z.read("outline.png")) == (32, 32, 6)
    assert data["id"] == CLIENT_ID and data["bots"][0]["botId"] == CLIENT_ID
    assert data["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert data["name"]["full"] == "Panelbot · Dudley Safeguarding People Partnership"
    assert set(data["bots"][0]["scopes"]) == {"team", "groupChat", "personal"}
    assert data["bots"][0]["supportsFiles"] is True  # the file-consent card (a meeting's .ics) needs it
    commands = data["bots"][0]["commandLists"][0]["commands"]
    assert [c["title"] for c in commands] == [
        "new", "status", "overdue", "decide", "close", "hold", "return", "request", "members", "setup", "help"]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    assert len(data["name"]["short"]) <= 30 and len(data["description"]["short"]) <= 80
    assert re.fullmatch(r"#[0-9A-F]{6}", data["accentColor"])
    assert all(data["developer"][k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))


def test_every_menu_command_is_one_the_bot_answers() -> None:
    teams_only = {"new", "setup"}
    assert {t for t, _ in MENU} - teams_only <= set(COMMANDS)


def test_the_package_needs_the_bots_client_id_and_https_addresses(tmp_path) -> None:
    result = runner.invoke(app, ["teams", "package", "--out", "p.zip"])
    assert result.exit_code == 1
    assert "Give the bot's Entra client id with --bot-id" in " ".join(result.output.split())
    assert not (tmp_path / "p.zip").exists()
    result = runner.invoke(app, ["teams", "package", "--bot-id", "panelbot", "--out", "p.zip"])
    assert result.exit_code == 1 and "must be the Entra app registration's client id" in " ".join(result.output.split())
    result = runner.invoke(
        app, ["teams", "package", "--bot-id", CLIENT_ID, "--website-url", "http://x.org", "--out", "p.zip"]
    )
    assert result.exit_code == 1 and "must start with https://" in result.output
    assert "Traceback" not in result.output
    assert manifest(bot_id=CLIENT_ID, app_id=CLIENT_ID.replace("0c", "1d"))["id"] != CLIENT_ID
