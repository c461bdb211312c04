"""Where Panelbot writes files when it is not told where, and saving the files a reply carries (the report's
charts) where a person at a terminal can open them.

Everything goes into one folder: `PANELBOT_FILES_DIR` when it is set, else the user's data folder
(`$XDG_DATA_HOME/panelbot/files`, by default `~/.local/share/panelbot/files`). Never the folder Panelbot was
started in, which is usually the repository: a report lists references and an export holds summaries, and
neither belongs next to the code. Names have no spaces."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

FILES_DIR_ENV = "PANELBOT_FILES_DIR"
REPORTS_DIR = "reports"


def files_dir() -> Path:
    """The one folder for files written without an `--out`: PANELBOT_FILES_DIR, else the user's data folder."""
    configured = os.environ.get(FILES_DIR_ENV, "").strip() or _from_env_file()
    if configured:
        return Path(configured).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "panelbot" / "files"


def _from_env_file() -> str:
    """PANELBOT_FILES_DIR as written in `.env`, read the way every other setting is."""
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        return str(Settings().files_dir or "")
    except ValidationError:  # another setting is wrong: that one's own command says so
        return ""


def safe_name(name: str) -> str:
    """A file or folder name with nothing but letters, digits, dots, dashes and underscores (no spaces)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name) or "file"


def save_files(files: Sequence[tuple[str, bytes]], when: datetime, base: Path | None = None) -> Path:
    """Write each (name, bytes) into FILES/reports/YYYYMMDD-HHMMSS/ and return the folder."""
    folder = (base or files_dir()) / REPORTS_DIR / when.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        (folder / safe_name(name)).write_bytes(data)
    return folder
