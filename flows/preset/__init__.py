"""Partnership presets: one TOML file per partnership, validated at start.

A preset is the whole of a partnership's procedure that the bot enforces: who sits on the panel, what the
panel can decide, what makes a vote quorate, who breaks a tie, and every clock. A partnership that differs
from the five shipped here edits (or copies) a preset file; it never edits code.

Validation errors name the file, the key and what is wrong, because the person reading them is a business
manager or an administrator editing a TOML file, not a Python developer.

The package, by concern: `model` (the preset's parts as data, and `PresetError`), `loader` (finding, reading
and validating a preset file), `readers` (the small readers and the settings each part may hold), `clocks`
(reading the clocks and checking their chains), `meetings` (each meeting's own quorum). The shipped files are
in `flows/presets/`. Every name is imported from here: `from flows.preset import load_preset`.
"""

from flows.preset.loader import PRESET_DIR, available_presets, load_preset, parse_preset, resolve_preset_path
from flows.preset.model import (
    AMOUNT_MAX,
    DECIDERS,
    EVENTS,
    MEETING_EVENTS,
    MONTHLY_PANEL_EVENT,
    NATIONS,
    OWNERS,
    PANEL_STAGE,
    RETURN_CLOCK,
    STATUTORY_ROLES,
    UNITS,
    Choice,
    Clock,
    MeetingRule,
    Milestone,
    MonthlyPanel,
    Outcome,
    Preset,
    PresetError,
    QuorateBy,
    Quorum,
    ReferralType,
    Role,
    Stage,
)
from flows.preset.readers import SETTINGS, TEXT_MAX

__all__ = [
    "AMOUNT_MAX",
    "DECIDERS",
    "EVENTS",
    "MEETING_EVENTS",
    "MONTHLY_PANEL_EVENT",
    "NATIONS",
    "OWNERS",
    "PANEL_STAGE",
    "PRESET_DIR",
    "SETTINGS",
    "STATUTORY_ROLES",
    "TEXT_MAX",
    "UNITS",
    "Choice",
    "Clock",
    "MeetingRule",
    "Milestone",
    "MonthlyPanel",
    "QuorateBy",
    "Outcome",
    "Preset",
    "PresetError",
    "Quorum",
    "RETURN_CLOCK",
    "ReferralType",
    "Role",
    "Stage",
    "available_presets",
    "load_preset",
    "parse_preset",
    "resolve_preset_path",
]
