"""The small readers a preset file is read with: text, flags, whole numbers, tables and arrays of tables,
each refusing a wrong value with an error naming the file and the key, and the settings each part of the
file may hold (a key that belongs elsewhere is refused with a hint where it goes)."""

from __future__ import annotations

import difflib
import re
from typing import Any

from flows.preset.model import PresetError

TEXT_MAX = 2_000  # characters in any text of a preset
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# The settings each part of a preset file may hold, keyed by where they are written ("" is the top of the
# file). Anything else is refused, because TOML puts a key written below a [table] or [[table]] header into
# that table: a top-level key typed after the last [[agencies]] would otherwise vanish without a word.
SETTINGS: dict[str, tuple[str, ...]] = {
    "": (
        "id",
        "name",
        "reference_prefix",
        "nation",
        "timezone",
        "themes",
        "request_template",
        "working_hours",
        "roles",
        "referral_types",
        "panel",
        "outcomes",
        "clocks",
        "agencies",
        "stages",
        "intake",
        "complaints",
        "milestones",
        "meetings",
    ),
    "working_hours": ("start", "end"),
    "roles": ("id", "label", "votes", "statutory"),
    "referral_types": ("id", "label", "request_template", "return_clock"),
    "panel": ("quorum", "tie_break", "immediate_decision", "decision_clock", "monthly", "meeting_quorate_by"),
    "panel.meeting_quorate_by": ("working_days_before", "at"),
    "panel.quorum": ("count", "roles"),
    "panel.monthly": ("day", "cutoff_day", "cutoff_days_before"),
    "outcomes": ("id", "label", "reason_required", "follow_up", "incomplete", "hold", "stops", "referral_types"),
    "clocks": (
        "id",
        "label",
        "amount",
        "unit",
        "starts",
        "source",
        "owner",
        "referral_types",
        "reminders",
        "before",
        "whichever",
        "earliest",
        "met_by",
    ),
    "agencies": ("id", "label"),
    "stages": ("id", "label", "by", "outcomes", "referral_types", "after", "source"),
    # Issue 23 (`flows/preset/form.py`): the referral form's extra parts, and the complaints procedure.
    "intake": ("authorised_by", "sources", "parallel", "notifications"),
    "intake.authorised_by": ("label", "hint", "required", "source"),
    "intake.sources": ("id", "label", "agency", "source"),
    "intake.parallel": ("id", "label", "before_publication", "source"),
    "intake.notifications": ("id", "label", "required_for", "looked_after", "meets", "source"),
    "complaints": ("response_clock", "escalation_clock", "subjects", "ombudsman", "source"),
    "milestones": ("id", "label", "after", "referral_types", "source"),
    "meetings": ("event", "quorum", "referral_types", "after", "source"),
}
_TABLES = ("working_hours", "panel")  # written [name]
# written [[name]]
_ARRAYS = ("roles", "referral_types", "outcomes", "clocks", "agencies", "stages", "milestones", "meetings")


class Readers:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> PresetError:
        return PresetError(self.source, key, problem)

    # Small readers -----------------------------------------------------------------------------------
    def text(self, table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "is missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", "must be a non-empty string")
        self.printable(value, f"{where}{key}")
        return value.strip()

    def printable(self, value: str, key: str) -> None:
        """Text from a preset reaches messages and the database: no control characters (PostgreSQL refuses
        NUL), no lone surrogates (not UTF-8), and nothing longer than anyone would read."""
        if len(value) > TEXT_MAX:
            raise self.fail(key, f"is {len(value):,} characters long; keep it under {TEXT_MAX:,}")
        if _UNPRINTABLE.search(value):
            raise self.fail(key, "holds a control character or an invalid one; write plain text")

    def flag(self, table: dict[str, Any], key: str, where: str, default: bool = False) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{where}{key}", "must be true or false")
        return value

    def whole(self, value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def table(self, data: dict[str, Any], key: str, where: str, example: str) -> dict[str, Any] | None:
        """An optional [table] (or inline { ... } table); None when it is absent."""
        value = data.get(key)
        if value is None or isinstance(value, dict):
            return value
        raise self.fail(f"{where}{key}", f"must be a table, written {example}")

    def items(self, data: dict[str, Any], key: str, *, required: bool = True) -> list[dict[str, Any]]:
        value = data.get(key)
        if value is None and not required:
            return []
        tables = isinstance(value, list) and all(isinstance(v, dict) for v in value)
        if not tables or (required and not value):
            kind = "non-empty list" if required else "list"
            raise self.fail(key, f"must be a {kind} of [[{key}]] tables")
        return value

    def numbered(self, data: dict[str, Any], key: str, *, required: bool = True) -> list[tuple[str, dict]]:
        return [(f"{key}[{i}].", item) for i, item in enumerate(self.items(data, key, required=required))]

    def strings(self, value: Any, key: str, what: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, f'must be a list of {what} in quotes, e.g. ["a", "b"]')
        for v in value:
            self.printable(v, key)
        return [v.strip() for v in value]

    def unique(self, ids: list[str], key: str) -> None:
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                raise self.fail(key, f'"{item}" appears twice')
            seen.add(item)

    # Unknown settings --------------------------------------------------------------------------------
    def check_settings(self, data: dict[str, Any]) -> None:
        """Refuse any setting the product does not know, before anything else is read, so that a key in the
        wrong place is reported as such rather than as some other key being missing."""
        self.known(data, "", "")
        for name in _TABLES:
            if isinstance(data.get(name), dict):
                self.known(data[name], name, f"{name}.")
        panel = data.get("panel")
        if isinstance(panel, dict):
            for name in ("quorum", "monthly"):
                if isinstance(panel.get(name), dict):
                    self.known(panel[name], f"panel.{name}", f"panel.{name}.")
        for name in _ARRAYS:
            value = data.get(name)
            if not isinstance(value, list):
                continue
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    self.known(item, name, self.item_where(name, i, item))

    def item_where(self, name: str, index: int, item: dict[str, Any]) -> str:
        """How an entry of a [[name]] list is named in messages: clocks and outcomes by their id (as the rest
        of the messages do), everything else by position."""
        item_id = item.get("id")
        if name in ("clocks", "outcomes") and isinstance(item_id, str) and item_id.strip():
            return f"{name}.{item_id.strip()}."
        return f"{name}[{index}]."

    def known(self, table: dict[str, Any], section: str, where: str) -> None:
        allowed = SETTINGS[section]
        for key in table:
            if key not in allowed:
                raise self.fail(f"{where}{key}", "is not a setting here" + self.hint(key, section))

    def hint(self, key: str, section: str) -> str:
        if section and key in SETTINGS[""] and key not in (*_TABLES, *_ARRAYS):
            return (
                " (did you put a top-level key after a [[table]]? Top-level settings such as this one go"
                " above the first [table] or [[table]] header)"
            )
        if not section:
            homes = [f"[{n}]" for n in _TABLES if key in SETTINGS[n]]
            homes += [f"[[{n}]]" for n in _ARRAYS if key in SETTINGS[n]]
            if homes:
                return f" at the top of the file; it belongs under a {' or '.join(homes)} header"
        close = difflib.get_close_matches(key, SETTINGS[section], n=1)
        if close:
            return f'; did you mean "{close[0]}"?'
        return f"; the settings here are {', '.join(SETTINGS[section])}"

    def _types(self, item: dict[str, Any], key: str, type_ids: list[str]) -> list[str]:
        """A clock's or an outcome's `referral_types`: ids of this preset's referral types, each once."""
        applies = self.strings(item.get("referral_types", []), key, "referral type ids")
        for type_id in applies:
            if type_id not in type_ids:
                raise self.fail(key, f'"{type_id}" is not a referral type of this preset; use {", ".join(type_ids)}')
        self.unique(applies, key)
        return applies
