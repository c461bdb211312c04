"""Partnership presets: one TOML file per partnership, validated at start.

A preset is the whole of a partnership's procedure that the bot enforces: who sits on the panel, what the
panel can decide, what makes a vote quorate, who breaks a tie, and every clock. A partnership that differs
from the five shipped here edits (or copies) a preset file; it never edits code.

Validation errors name the file, the key and what is wrong, because the person reading them is a business
manager or an administrator editing a TOML file, not a Python developer.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.reminders import Plan, PlanError, plan_from

PRESET_DIR = Path(__file__).parent / "presets"

STATUTORY_ROLES = ("local_authority", "police", "health")
UNITS = ("hours", "working_days", "days", "weeks", "months", "panel_meeting")
# The longest clock of each unit: ten years, near enough. (A typing slip of a few zeros would otherwise only
# show when a referral is filed, as a date past the year 9999.)
AMOUNT_MAX = {"hours": 87_600, "working_days": 2_600, "days": 3_660, "weeks": 520, "months": 120,
              "panel_meeting": 120}
TEXT_MAX = 2_000  # characters in any text of a preset
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
NATIONS = ("ENG", "NIR", "SCT", "WLS")
# Who a clock waits on: the business manager, the panel, an agency, the (Independent) Chair, the local
# authority.
OWNERS = ("bm", "panel", "agency", "chair", "la")

# The settings each part of a preset file may hold, keyed by where they are written ("" is the top of the
# file). Anything else is refused, because TOML puts a key written below a [table] or [[table]] header into
# that table: a top-level key typed after the last [[agencies]] would otherwise vanish without a word.
SETTINGS: dict[str, tuple[str, ...]] = {
    "": ("id", "name", "reference_prefix", "nation", "timezone", "themes", "request_template", "working_hours",
         "roles", "referral_types", "panel", "outcomes", "clocks", "agencies"),
    "working_hours": ("start", "end"),
    "roles": ("id", "label", "votes", "statutory"),
    "referral_types": ("id", "label", "request_template"),
    "panel": ("quorum", "tie_break", "immediate_decision", "decision_clock", "monthly"),
    "panel.quorum": ("count", "roles"),
    "panel.monthly": ("day", "cutoff_day"),
    "outcomes": ("id", "label", "reason_required", "follow_up", "incomplete", "stops", "referral_types"),
    "clocks": ("id", "label", "amount", "unit", "starts", "source", "owner", "referral_types", "reminders"),
    "agencies": ("id", "label"),
}
_TABLES = ("working_hours", "panel")  # written [name]
_ARRAYS = ("roles", "referral_types", "outcomes", "clocks", "agencies")  # written [[name]]

# The events a clock may start from. A clock may also start from another clock's due time ("clock:ID"),
# which is how chains such as Kirklees' chronology -> learning event -> first draft are written.
EVENTS = {
    "referral_received": "the referral is received",
    "became_aware": "the partnership became aware of the incident",
    "request_sent": "an information request is sent",
    "decision": "the panel's decision",
    "returned_incomplete": "an incomplete referral is returned to the referrer",
    "review_commissioned": "a review is commissioned",
    "rr_meeting": "the rapid review meeting",
    "screening_meeting": "the SAR screening meeting",
    "recommendation": "the recommendation is sent to the Independent Chair",
    "scoping_review": "the scoping review",
    "reviewers_appointed": "the reviewers are appointed",
    "board_sign_off": "the Board signs the report off",
    "draft_report": "the draft report is shared",
    "publication": "the planned publication date",
    "complaint": "a complaint is received",
}


_LONG_QUOTE = re.compile(r'"([^"]{80,})"')


class PresetError(ValueError):
    """A preset file is malformed or inconsistent. The message names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source = source
        self.key = key
        # A value quoted back is cut short: the message names the problem, not 100,000 characters of it.
        self.problem = problem = _LONG_QUOTE.sub(lambda m: f'"{m[1][:60]}…"', problem)
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True)
class Role:
    id: str
    label: str
    votes: bool = False
    statutory: bool = False


@dataclass(frozen=True)
class Choice:
    """A referral type or an agency: an id and a label people read."""

    id: str
    label: str


@dataclass(frozen=True)
class ReferralType(Choice):
    """A referral type; what an information request asks agencies for, where it differs from the preset's."""

    request_template: str | None = None


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    reason_required: bool = False
    follow_up: str | None = None  # clock id started by this decision
    stops: tuple[str, ...] = ()  # clocks this decision makes unnecessary (e.g. no rapid review: no RR clocks)
    incomplete: bool = False  # deciding this returns the referral to the referrer
    referral_types: tuple[str, ...] = ()  # offered only for these referral types; empty means every type

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types


@dataclass(frozen=True)
class Clock:
    id: str
    label: str
    amount: int
    unit: str
    starts: str  # an EVENTS key or "clock:<id>"
    source: str = ""  # section of the seed document the rule comes from
    owner: str = "bm"  # who the clock waits on: bm, panel, agency, chair, la
    referral_types: tuple[str, ...] = ()  # started only for these referral types; empty means every type
    reminders: dict[str, Any] | None = field(default=None, hash=False, compare=False)  # overrides, see reminders.py

    def applies_to(self, referral_type: str) -> bool:
        return not self.referral_types or referral_type in self.referral_types

    @property
    def after_clock(self) -> str | None:
        return self.starts.removeprefix("clock:") if self.starts.startswith("clock:") else None

    def describe(self) -> str:
        unit = self.unit.replace("_", " ")
        if self.amount == 1:
            unit = unit.rstrip("s")
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class Quorum:
    """`count: k` (at least k votes) or `roles: [...]` (at least one vote from each listed role)."""

    count: int | None = None
    roles: tuple[str, ...] = ()

    def describe(self, labels: dict[str, str]) -> str:
        if self.roles:
            return "one vote from each of " + ", ".join(labels.get(r, r) for r in self.roles)
        return f"any {self.count} panel members"


@dataclass(frozen=True)
class MonthlyPanel:
    """Suffolk section 4: the panel meets monthly on `day`; referrals received after `cutoff_day` wait for
    the following month's panel."""

    day: int
    cutoff_day: int


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    reference_prefix: str
    nation: str
    timezone: str
    day_start: str
    day_end: str
    roles: tuple[Role, ...]
    referral_types: tuple[Choice, ...]
    outcomes: tuple[Outcome, ...]
    quorum: Quorum
    tie_break_role: str
    immediate_decision: bool
    decision_clock: str
    clocks: tuple[Clock, ...]
    agencies: tuple[Choice, ...] = ()
    themes: tuple[str, ...] = ()
    monthly_panel: MonthlyPanel | None = None
    request_template: str = "information about the agency's involvement"
    source_file: str = ""
    notes: dict[str, Any] = field(default_factory=dict)

    # Lookups -----------------------------------------------------------------------------------------
    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise KeyError(role_id)

    def role_label(self, role_id: str) -> str:
        try:
            return self.role(role_id).label
        except KeyError:
            return role_id.replace("_", " ").capitalize()

    @property
    def role_labels(self) -> dict[str, str]:
        return {r.id: r.label for r in self.roles}

    @property
    def voting_roles(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.roles if r.votes)

    def outcome(self, outcome_id: str) -> Outcome:
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)

    def clock(self, clock_id: str) -> Clock:
        for clock in self.clocks:
            if clock.id == clock_id:
                return clock
        raise KeyError(clock_id)

    def reminder_plan(self, clock: Clock) -> Plan:
        """When this clock nags, and whom (flows/reminders.py): the defaults with the preset's overrides."""
        return plan_from(clock.reminders, clock.unit, clock.owner, decision_clock=clock.id == self.decision_clock)

    def has_clock(self, clock_id: str) -> bool:
        return any(c.id == clock_id for c in self.clocks)

    def referral_type(self, type_id: str) -> Choice:
        for choice in self.referral_types:
            if choice.id == type_id:
                return choice
        raise KeyError(type_id)

    def outcomes_for(self, type_id: str) -> tuple[Outcome, ...]:
        """The outcomes a referral of this type can be given, in the preset's order."""
        return tuple(o for o in self.outcomes if o.applies_to(type_id))

    def request_template_for(self, type_id: str) -> str:
        """What an information request for a referral of this type asks each agency for."""
        for choice in self.referral_types:
            if choice.id == type_id and isinstance(choice, ReferralType) and choice.request_template:
                return choice.request_template
        return self.request_template


# Loading ---------------------------------------------------------------------------------------------

def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long for the file system, a path through something that is not a folder
        return False


def resolve_preset_path(name_or_path: str) -> Path:
    """A preset is named (`salford`) or given by path (`/etc/panelbot/ours.toml`)."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == ".toml" or "/" in name_or_path:
        if not _is_file(candidate):
            raise PresetError(str(candidate), "file", "no such preset file")
        return candidate
    path = PRESET_DIR / f"{name_or_path}.toml"
    if not _is_file(path):
        raise PresetError(
            name_or_path, "name", f"no preset of that name; choose one of {', '.join(available_presets())}"
        )
    return path


def load_preset(name_or_path: str) -> Preset:
    path = resolve_preset_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(str(path), "file", f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise PresetError(str(path), "file", "is not UTF-8 text") from None
    except OSError as exc:
        raise PresetError(str(path), "file", f"cannot be read ({exc.strerror or exc})") from None
    return parse_preset(data, source=str(path))


def parse_preset(data: dict[str, Any], *, source: str = "<preset>") -> Preset:
    p = _Parser(source)
    return p.preset(data)


class _Parser:
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
            raise self.fail(key, f"must be a list of {what} in quotes, e.g. [\"a\", \"b\"]")
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

    # The preset --------------------------------------------------------------------------------------
    def preset(self, data: dict[str, Any]) -> Preset:
        if not isinstance(data, dict):
            raise self.fail("file", "must hold the settings of a preset")
        self.check_settings(data)
        preset_id = self.text(data, "id", "")
        name = self.text(data, "name", "")
        prefix = self.text(data, "reference_prefix", "")
        if not (prefix.isalpha() and prefix.isupper() and 2 <= len(prefix) <= 6):
            raise self.fail("reference_prefix", "must be 2 to 6 capital letters, e.g. SAL")
        nation = self.text(data, "nation", "", "ENG")
        if nation not in NATIONS:
            raise self.fail("nation", f'"{nation}" is not one of {", ".join(NATIONS)}')
        timezone = self.text(data, "timezone", "", "Europe/London")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
            problem = f'"{timezone}" is not a time zone; write one like "Europe/London"'
            raise self.fail("timezone", problem) from None
        example = '[working_hours] with start = "09:00" and end = "17:00"'
        hours = self.table(data, "working_hours", "", example) or {}
        day_start = self.text(hours, "start", "working_hours.", "09:00")
        day_end = self.text(hours, "end", "working_hours.", "17:00")
        for key, value in (("start", day_start), ("end", day_end)):
            hh, _, mm = value.partition(":")
            if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60 and len(mm) == 2):
                raise self.fail(f"working_hours.{key}", f'"{value}" is not a time like 09:00')
        if day_start.zfill(5) >= day_end.zfill(5):
            raise self.fail("working_hours", "start must be before end")

        roles = []
        for i, item in enumerate(self.items(data, "roles")):
            where = f"roles[{i}]."
            roles.append(
                Role(
                    id=self.text(item, "id", where),
                    label=self.text(item, "label", where),
                    votes=self.flag(item, "votes", where),
                    statutory=self.flag(item, "statutory", where),
                )
            )
        role_ids = [r.id for r in roles]
        self.unique(role_ids, "roles")
        for required in (*STATUTORY_ROLES, "business_manager"):
            if required not in role_ids:
                raise self.fail("roles", f'must include the role "{required}"')
        if not any(r.votes for r in roles):
            raise self.fail("roles", "no role has votes = true, so nobody could vote")

        types = [
            ReferralType(self.text(t, "id", where), self.text(t, "label", where), self._template(t, where))
            for where, t in self.numbered(data, "referral_types")
        ]
        type_ids = [t.id for t in types]
        self.unique(type_ids, "referral_types")

        clocks = [self._clock(i, item, type_ids) for i, item in enumerate(self.items(data, "clocks"))]
        clock_ids = [c.id for c in clocks]
        self.unique(clock_ids, "clocks")
        for clock in clocks:
            after = clock.after_clock
            if after is not None and after not in clock_ids:
                problem = f'refers to clock "{after}", which is not defined'
                raise self.fail(f"clocks.{clock.id}.starts", problem)
        self._check_chain(clocks)
        self._check_chain_types(clocks)

        outcomes = []
        for i, item in enumerate(self.items(data, "outcomes")):
            where = f"outcomes[{i}]."
            outcome_id = self.text(item, "id", where)
            where = f"outcomes.{outcome_id}."
            follow_up = item.get("follow_up")
            if follow_up is not None and not isinstance(follow_up, str):
                raise self.fail(f"{where}follow_up", 'must be the id of a clock, in quotes, e.g. "review"')
            if follow_up is not None and follow_up not in clock_ids:
                raise self.fail(f"{where}follow_up", f'points at clock "{follow_up}", which is not defined')
            stops = self.strings(item.get("stops", []), f"{where}stops", "clock ids")
            applies = self._types(item, f"{where}referral_types", type_ids)
            for clock_id in stops:
                if clock_id not in clock_ids:
                    raise self.fail(f"{where}stops", f'names clock "{clock_id}", which is not defined')
            outcomes.append(
                Outcome(
                    id=outcome_id,
                    stops=tuple(stops),
                    label=self.text(item, "label", where),
                    reason_required=self.flag(item, "reason_required", where),
                    follow_up=follow_up,
                    incomplete=self.flag(item, "incomplete", where),
                    referral_types=tuple(applies),
                )
            )
        self.unique([o.id for o in outcomes], "outcomes")
        if len(outcomes) < 2:
            raise self.fail("outcomes", "a panel needs at least two outcomes to choose between")
        for t in types:
            if sum(o.applies_to(t.id) for o in outcomes) < 2:
                raise self.fail(
                    "outcomes",
                    f'a "{t.id}" referral needs at least two outcomes to choose between; list it in more '
                    "outcomes' referral_types",
                )

        panel = data.get("panel")
        if panel is None:
            raise self.fail("panel", "is missing: it holds the quorum, tie_break and decision_clock")
        if not isinstance(panel, dict):
            raise self.fail("panel", "must be a [panel] table with the quorum, tie_break and decision_clock")
        quorum_table = panel.get("quorum")
        if quorum_table is None:
            raise self.fail("panel.quorum", "is missing; write count = 2 or roles = [...]")
        if not isinstance(quorum_table, dict):
            raise self.fail("panel.quorum", "must be a table: quorum = { count = 2 } or { roles = [...] }")
        quorum = self._quorum(quorum_table, roles)
        tie_break = self.text(panel, "tie_break", "panel.")
        if tie_break not in role_ids:
            raise self.fail("panel.tie_break", f'"{tie_break}" is not a role of this preset')
        decision_clock = self.text(panel, "decision_clock", "panel.", "panel_decision")
        if decision_clock not in clock_ids:
            problem = f'points at clock "{decision_clock}", which is not defined'
            raise self.fail("panel.decision_clock", problem)
        deciding = clocks[clock_ids.index(decision_clock)]
        if not set(type_ids) <= {t for t in type_ids if deciding.applies_to(t)}:
            raise self.fail(
                f"clocks.{decision_clock}.referral_types",
                "this is the panel's decision clock, which every referral needs; remove referral_types here",
            )
        monthly = None
        m = self.table(panel, "monthly", "panel.", "monthly = { day = 25, cutoff_day = 15 }")
        if m is not None:
            day, cutoff = m.get("day"), m.get("cutoff_day")
            if not (self.whole(day) and 1 <= day <= 28 and self.whole(cutoff) and 1 <= cutoff < day):
                raise self.fail("panel.monthly", "needs day (1-28) and cutoff_day (before day)")
            monthly = MonthlyPanel(day=day, cutoff_day=cutoff)
        for clock in clocks:
            if clock.unit == "panel_meeting" and monthly is None:
                raise self.fail(f"clocks.{clock.id}.unit", "panel_meeting needs a [panel.monthly] table")
        immediate = self.flag(panel, "immediate_decision", "panel.")

        agencies = [
            Choice(self.text(a, "id", where), self.text(a, "label", where))
            for where, a in self.numbered(data, "agencies", required=False)
        ]
        self.unique([a.id for a in agencies], "agencies")
        themes = self.strings(data.get("themes", []), "themes", "themes")
        request_template = data.get("request_template", "information about the agency's involvement")
        if not isinstance(request_template, str) or not request_template.strip():
            raise self.fail("request_template", "must be text in quotes saying what agencies are asked for")
        self.printable(request_template, "request_template")

        return Preset(
            id=preset_id,
            name=name,
            reference_prefix=prefix,
            nation=nation,
            timezone=timezone,
            day_start=day_start,
            day_end=day_end,
            roles=tuple(roles),
            referral_types=tuple(types),
            outcomes=tuple(outcomes),
            quorum=quorum,
            tie_break_role=tie_break,
            immediate_decision=immediate,
            decision_clock=decision_clock,
            clocks=tuple(clocks),
            agencies=tuple(agencies),
            themes=tuple(themes),
            request_template=request_template.strip(),
            monthly_panel=monthly,
            source_file=self.source,
        )

    def _clock(self, index: int, item: dict[str, Any], type_ids: list[str]) -> Clock:
        clock_id = self.text(item, "id", f"clocks[{index}].")
        where = f"clocks.{clock_id}."
        if "unit" not in item:
            raise self.fail(f"{where}unit", f"is missing; use one of {', '.join(UNITS)}")
        unit = self.text(item, "unit", where)
        if unit not in UNITS:
            raise self.fail(f"{where}unit", f'"{unit}" is not one of {", ".join(UNITS)}')
        amount = item.get("amount")
        if not self.whole(amount) or amount < 0:
            raise self.fail(f"{where}amount", "must be a whole number, 0 or more")
        if amount > AMOUNT_MAX[unit]:
            # A clock longer than this is a typing slip, and its due date would not fit in a date at all.
            raise self.fail(f"{where}amount", f"is {amount:,}; a clock in {unit} can be at most {AMOUNT_MAX[unit]:,}")
        starts = self.text(item, "starts", where)
        if not starts.startswith("clock:") and starts not in EVENTS:
            raise self.fail(
                f"{where}starts", f'"{starts}" is not an event; use "clock:ID" or one of {", ".join(EVENTS)}'
            )
        source = item.get("source", "")
        if not isinstance(source, str):
            raise self.fail(f"{where}source", 'must be text in quotes naming the section, e.g. "7.5"')
        self.printable(source, f"{where}source")
        owner = self.text(item, "owner", where, "bm")
        if owner not in OWNERS:
            raise self.fail(f"{where}owner", f'"{owner}" is not one of {", ".join(OWNERS)}')
        applies = self._types(item, f"{where}referral_types", type_ids)
        reminders = item.get("reminders")
        if reminders is not None:
            if not isinstance(reminders, dict):
                raise self.fail(f"{where}reminders", 'must be a table, e.g. reminders = { before = ["24h"] }')
            try:
                plan_from(reminders, unit, owner)
            except PlanError as exc:
                raise self.fail(f"{where}reminders", str(exc)) from None
        return Clock(
            id=clock_id,
            label=self.text(item, "label", where),
            amount=amount,
            unit=unit,
            starts=starts,
            source=source,
            owner=owner,
            referral_types=tuple(applies),
            reminders=reminders,
        )

    def _types(self, item: dict[str, Any], key: str, type_ids: list[str]) -> list[str]:
        """A clock's or an outcome's `referral_types`: ids of this preset's referral types, each once."""
        applies = self.strings(item.get("referral_types", []), key, "referral type ids")
        for type_id in applies:
            if type_id not in type_ids:
                raise self.fail(key, f'"{type_id}" is not a referral type of this preset; use {", ".join(type_ids)}')
        self.unique(applies, key)
        return applies

    def _template(self, item: dict[str, Any], where: str) -> str | None:
        template = item.get("request_template")
        if template is None:
            return None
        if not isinstance(template, str) or not template.strip():
            raise self.fail(f"{where}request_template", "must be text in quotes saying what agencies are asked for")
        self.printable(template, f"{where}request_template")
        return template.strip()

    def _quorum(self, table: dict[str, Any], roles: list[Role]) -> Quorum:
        count, role_list = table.get("count"), table.get("roles")
        if (count is None) == (role_list is None):
            raise self.fail("panel.quorum", "give exactly one of count = N or roles = [...]")
        voting = {r.id for r in roles if r.votes}
        if count is not None:
            if not self.whole(count) or count < 1:
                raise self.fail("panel.quorum.count", "must be a whole number, 1 or more")
            if count > len(voting):
                raise self.fail("panel.quorum.count", f"is {count}, but only {len(voting)} roles can vote")
            return Quorum(count=count)
        if not isinstance(role_list, list) or not role_list or not all(isinstance(r, str) for r in role_list):
            raise self.fail("panel.quorum.roles", "must be a non-empty list of role ids")
        known = {r.id for r in roles}
        for role_id in role_list:
            if role_id not in known:
                raise self.fail("panel.quorum.roles", f'"{role_id}" is not a role of this preset')
            if role_id not in voting:
                raise self.fail("panel.quorum.roles", f'"{role_id}" is in the quorum but has votes = false')
        return Quorum(roles=tuple(role_list))

    def _check_chain(self, clocks: list[Clock]) -> None:
        by_id = {c.id: c for c in clocks}
        for clock in clocks:
            seen = {clock.id}
            current = clock
            while current.after_clock is not None:
                nxt = current.after_clock
                if nxt in seen:
                    raise self.fail(f"clocks.{clock.id}.starts", "the clocks it starts from form a loop")
                seen.add(nxt)
                current = by_id[nxt]

    def _check_chain_types(self, clocks: list[Clock]) -> None:
        """A clock written starts = "clock:OTHER" runs whenever OTHER does, so it cannot promise to run for a
        referral type that OTHER never runs for."""
        by_id = {c.id: c for c in clocks}
        for clock in clocks:
            after = clock.after_clock
            if after is None or not by_id[after].referral_types:
                continue
            parent = by_id[after].referral_types
            for type_id in clock.referral_types:
                if type_id not in parent:
                    raise self.fail(
                        f"clocks.{clock.id}.referral_types",
                        f'"{type_id}" can never start: this clock starts from clock "{after}", which runs'
                        f" only for {', '.join(parent)}",
                    )
