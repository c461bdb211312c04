"""Dudley with its rapid review meeting deciding a child's referral: the `[[stages]]` entry that the shipped
`dudley.toml` carries commented out (the platform suites still use Dudley's child referral as their voting
panel), switched on, for the tests of a deciding meeting."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from flows.preset import Preset, load_preset, parse_preset

_ENTRY = "# [[stages]]\n"


@cache
def dudley_meeting_decides() -> Preset:
    path = Path(load_preset("dudley").source_file)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(_ENTRY)
    for i in range(start, start + 6):
        assert lines[i].startswith("# "), lines[i]
        lines[i] = lines[i][2:]
    return parse_preset(tomllib.loads("".join(lines)), source=str(path))
