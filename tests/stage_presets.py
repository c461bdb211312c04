"""A partnership whose panel decides by vote: Dudley's shipped preset with its `[[stages]]` entry removed.

The shipped `dudley.toml` has a child's referral decided at the rapid review meeting (the framework's "The Rapid
Review Meeting"), so the partners' votes on it are advice. Tests about the mechanics of a vote (quorum by role,
ties, changed votes, concurrency, crash bursts, forged requests, delivery) need a panel whose vote decides a
child's referral; they use this one, which is Dudley in every other respect (its roles, quorum, tie-break,
outcomes and clocks), so that what they check is the vote and not Dudley's own rule. Tests of Dudley's rule use
the shipped preset.

- `dudley_panel_votes()`: the preset, for a test that opens a panel itself.
- `write_dudley_panel_votes(folder)`: the preset as a file, for a process started with `PANELBOT_PRESET=PATH`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from flows.preset import Preset, load_preset, parse_preset

FILE_NAME = "dudley-panel-votes.toml"
_ENTRY = "[[stages]]\n"


def _text_without_stages() -> str:
    path = Path(load_preset("dudley").source_file)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines.count(_ENTRY) == 1, "dudley.toml should carry exactly one [[stages]] entry"
    start = lines.index(_ENTRY)
    end = lines.index("\n", start)  # the entry runs to the next blank line
    entry = "".join(lines[start:end])
    assert 'by = "meeting"' in entry and 'referral_types = ["cspr"]' in entry, entry
    return "".join(lines[:start] + lines[end:])


def write_dudley_panel_votes(folder: Path) -> Path:
    """Writes the preset into `folder` and returns its path (a value for PANELBOT_PRESET)."""
    path = Path(folder) / FILE_NAME
    path.write_text(_text_without_stages(), encoding="utf-8")
    return path


@cache
def dudley_panel_votes() -> Preset:
    """The preset itself, for a test that opens a panel with it."""
    preset = parse_preset(tomllib.loads(_text_without_stages()), source=f"<{FILE_NAME}>")
    stage = preset.stage_for("cspr")
    assert stage is not None and stage.by == "ballot", "the vote should decide a child's referral here"
    return preset
