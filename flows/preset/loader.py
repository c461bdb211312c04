"""Loading a preset: by name from the shipped `flows/presets/*.toml` or by path, parsed and validated into a
:class:`~flows.preset.model.Preset`. Validation errors name the file, the key and what is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.preset.clocks import ClockReaders
from flows.preset.intake import IntakeReaders
from flows.preset.meetings import MeetingReaders
from flows.preset.milestones import MilestoneReaders
from flows.preset.model import (
    NATIONS,
    STATUTORY_ROLES,
    Choice,
    Clock,
    MonthlyPanel,
    Outcome,
    Preset,
    PresetError,
    QuorateBy,
    Quorum,
    ReferralType,
    Role,
)
from flows.preset.stages import StageReaders

PRESET_DIR = Path(__file__).parent.parent / "presets"


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
    try:
        candidate = Path(name_or_path).expanduser()
    except RuntimeError:  # "~name" for a user this machine does not have: no home folder to expand it to
        raise PresetError(name_or_path, "file", "no such preset file (no home folder for that user)") from None
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


class _Parser(ClockReaders, StageReaders, IntakeReaders, MilestoneReaders, MeetingReaders):
    """Reads one preset file; the readers it is built on are in `readers.py` and `clocks.py`."""

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
            ReferralType(self.text(t, "id", where), self.text(t, "label", where), self._template(t, where),
                         self._return_clock(t, where))
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
        self._check_return_clocks(types, clocks)

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
            hold = self.flag(item, "hold", where)
            if hold and self.flag(item, "incomplete", where):
                raise self.fail(f"{where}hold", "an outcome either returns the referral (incomplete) or puts it on "
                                "hold, not both")
            outcomes.append(
                Outcome(
                    id=outcome_id,
                    stops=tuple(stops),
                    label=self.text(item, "label", where),
                    reason_required=self.flag(item, "reason_required", where),
                    follow_up=follow_up,
                    incomplete=self.flag(item, "incomplete", where),
                    hold=hold,
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
        m = self.table(panel, "monthly", "panel.", "monthly = { day = 25, cutoff_days_before = 10 }")
        if m is not None:
            day, cutoff, before = m.get("day"), m.get("cutoff_day"), m.get("cutoff_days_before")
            if not (self.whole(day) and 1 <= day <= 28):
                raise self.fail("panel.monthly", "needs day (1-28) and cutoff_days_before (or cutoff_day)")
            if (cutoff is None) == (before is None):
                raise self.fail("panel.monthly", "give exactly one of cutoff_days_before = N or cutoff_day = N")
            if cutoff is not None and not (self.whole(cutoff) and 1 <= cutoff < day):
                raise self.fail("panel.monthly", "needs day (1-28) and cutoff_day (before day)")
            if before is not None and not (self.whole(before) and 0 <= before <= 20):
                raise self.fail("panel.monthly.cutoff_days_before", "must be a whole number of days from 0 to 20")
            monthly = MonthlyPanel(day=day, cutoff_day=cutoff, cutoff_days_before=before)
        for clock in clocks:
            if clock.unit == "panel_meeting" and monthly is None:
                raise self.fail(f"clocks.{clock.id}.unit", "panel_meeting needs a [panel.monthly] table")
        immediate = self.flag(panel, "immediate_decision", "panel.")
        stages = self._stages(data, type_ids, outcomes, roles)
        quorate_by = self._quorate_by(panel)
        meetings = self._meetings(data, roles, type_ids, clocks, monthly)

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
        intake = self.intake_rules(data, type_ids, clock_ids)
        complaints = self.complaint_rules(data, clock_ids)

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
            meeting_quorate_by=quorate_by,
            stages=stages,
            intake=intake,
            complaints=complaints,
            milestones=self._milestones(data, type_ids, [o.id for o in outcomes], clock_ids),
            meetings=meetings,
            source_file=self.source,
        )

    def _quorate_by(self, panel: dict[str, Any]) -> QuorateBy:
        example = 'meeting_quorate_by = { working_days_before = 1, at = "17:00" }'
        q = self.table(panel, "meeting_quorate_by", "panel.", example)
        if q is None:
            return QuorateBy()
        days, at = q.get("working_days_before", 1), self.text(q, "at", "panel.meeting_quorate_by.", "17:00")
        if not (self.whole(days) and 0 <= days <= 10):
            raise self.fail("panel.meeting_quorate_by.working_days_before", "must be a whole number from 0 to 10")
        hh, _, mm = at.partition(":")
        if not (hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60 and len(mm) == 2):
            raise self.fail("panel.meeting_quorate_by.at", f'"{at}" is not a time like 17:00')
        return QuorateBy(days, at.zfill(5))

    def _template(self, item: dict[str, Any], where: str) -> str | None:
        template = item.get("request_template")
        if template is None:
            return None
        if not isinstance(template, str) or not template.strip():
            raise self.fail(f"{where}request_template", "must be text in quotes saying what agencies are asked for")
        self.printable(template, f"{where}request_template")
        return template.strip()

    def _return_clock(self, item: dict[str, Any], where: str) -> str | None:
        if "return_clock" not in item:
            return None
        return self.text(item, "return_clock", where)

    def _check_return_clocks(self, types: list[ReferralType], clocks: list[Clock]) -> None:
        """A referral type's `return_clock` is a clock of the preset that runs for that type, that an agency
        owes, and that is counted forward (a request is never due before an event by its clock: with no return
        clock, it is due before the panel or meeting that considers it)."""
        by_id = {c.id: c for c in clocks}
        for t in types:
            if t.return_clock is None:
                continue
            key = f"referral_types.{t.id}.return_clock"
            clock = by_id.get(t.return_clock)
            if clock is None:
                raise self.fail(key, f'names clock "{t.return_clock}", which is not defined')
            if not clock.applies_to(t.id):
                raise self.fail(key, f'clock "{clock.id}" does not run for "{t.id}" referrals; add "{t.id}" to '
                                "its referral_types")
            if clock.owner != "agency":
                raise self.fail(key, f'clock "{clock.id}" waits on "{clock.owner}"; a return clock has owner = '
                                '"agency"')
            if not clock.starts or clock.after_clock is not None or clock.is_window:
                raise self.fail(key, f'clock "{clock.id}" must be counted from an event (starts = "request_sent" '
                                "or another event), not before one, after another clock, or as a window")

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
