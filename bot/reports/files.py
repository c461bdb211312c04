"""Saving the files a reply carries (the report's charts) where a person at a terminal can open them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

REPORTS_DIR = "panelbot-reports"


def save_files(files: Sequence[tuple[str, bytes]], when: datetime, base: Path | None = None) -> Path:
    """Write each (name, bytes) into ./panelbot-reports/YYYYMMDD-HHMMSS/ and return the folder."""
    folder = (base or Path.cwd()) / REPORTS_DIR / when.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name) or "file"
        (folder / safe).write_bytes(data)
    return folder
