"""A preset's `[[meetings]]`: each meeting's own quorum (issue 21 section 1), the roles that must each be present,
with the section of the seed it comes from. A meeting the preset gives no entry is quorate with one
representative of each statutory partner (Salford 7.12, Dudley "The Rapid Review Meeting").

    [[meetings]]
    event = "screening_meeting"       # rr_meeting | screening_meeting | review_panel | monthly_panel
    referral_types = ["sar"]          # none listed: every type
    quorum = ["screening_panel_chair", "business_manager"]
    source = "8 (membership of the screening panel)"

    [[meetings]]
    event = "review_panel"
    after = "review_commissioned"     # held once this event is recorded, beside the referral's first meeting
    quorum = ["local_authority", "police", "health", "review_panel_chair"]
    source = "10 (quorate when the police, health and local authority ... with the Review Panel Chair)"

An entry without `after` sets the quorum of a referral's first meeting (the one its clocks use: Stockport's SARs,
the screening meeting), or, for a type whose clocks use none, makes that event its first meeting. An entry with
`after` adds a meeting the referral has once that event is recorded (Stockport 9 and 10: the review panel meets
during the review). `monthly_panel` is the partnership's own monthly panel (Suffolk section 3), of no referral.
"""

from __future__ import annotations

from typing import Any

from flows.preset.model import (
    EVENTS,
    MEETING_EVENTS,
    MONTHLY_PANEL_EVENT,
    Clock,
    MeetingRule,
    MonthlyPanel,
    Role,
)
from flows.preset.readers import Readers


def first_meeting(clocks: tuple[Clock, ...] | list[Clock], meetings: tuple[MeetingRule, ...] | list[MeetingRule],
                  type_id: str) -> str:
    """The meeting a referral of this type has from the start: the first meeting event a clock of the type starts
    from, falls before or is met by (Stockport's SARs: the screening meeting); else the one the first
    `[[meetings]]` entry without `after` for the type names; else the rapid review meeting."""
    for event in MEETING_EVENTS:
        for clock in clocks:
            if clock.applies_to(type_id) and event in (clock.starts, clock.before, clock.met_by):
                return event
    for rule in meetings:
        if rule.after is None and rule.event in MEETING_EVENTS and rule.applies_to(type_id):
            return rule.event
    return MEETING_EVENTS[0]


class MeetingReaders(Readers):
    def _meetings(
        self, data: dict[str, Any], roles: list[Role], type_ids: list[str], clocks: list[Clock],
        monthly: MonthlyPanel | None,
    ) -> tuple[MeetingRule, ...]:
        rules = [(where, self._meeting(where, item, roles, type_ids, monthly))
                 for where, item in self.numbered(data, "meetings", required=False)]
        kept = [rule for _, rule in rules]
        seen: dict[tuple[str, str | None], str] = {}
        for where, rule in rules:
            types: list[str | None] = [None] if rule.event == MONTHLY_PANEL_EVENT else list(
                rule.referral_types or type_ids)
            for type_id in types:
                name = EVENTS.get(rule.event, "the monthly panel")
                whose = f'a "{type_id}" referral\'s {name.removeprefix("the ")}' if type_id else name
                if (rule.event, type_id) in seen:
                    raise self.fail(f"{where}event", f"{whose} already has its quorum in {seen[rule.event, type_id]}")
                seen[rule.event, type_id] = where.rstrip(".")
                if type_id is None:
                    continue
                first = first_meeting(clocks, kept, type_id)
                if rule.after is None and first != rule.event:
                    raise self.fail(
                        f"{where}event", f'a "{type_id}" referral\'s meeting is {EVENTS[first]} (its clocks or an '
                        f"earlier entry say so), so this quorum would never be used; name that event, list other "
                        f"referral_types, or add `after` for a meeting held later")
                if rule.after is not None and first == rule.event:
                    raise self.fail(
                        f"{where}after", f'{EVENTS[first]} is a "{type_id}" referral\'s first meeting; leave out '
                        "`after` to set its quorum")
        return tuple(kept)

    def _meeting(
        self, where: str, item: dict[str, Any], roles: list[Role], type_ids: list[str], monthly: MonthlyPanel | None
    ) -> MeetingRule:
        event = self.text(item, "event", where)
        if event not in (*MEETING_EVENTS, MONTHLY_PANEL_EVENT):
            raise self.fail(f"{where}event", f'"{event}" is not a meeting; use one of {", ".join(MEETING_EVENTS)} '
                            f"(or {MONTHLY_PANEL_EVENT}, where the preset has [panel.monthly])")
        role_ids = [r.id for r in roles]
        quorum = self.strings(item.get("quorum", []), f"{where}quorum", "role ids")
        if not quorum:
            raise self.fail(f"{where}quorum", 'must name the roles that must be present, e.g. ["local_authority", '
                            '"police", "health"]')
        for role_id in quorum:
            if role_id not in role_ids:
                raise self.fail(f"{where}quorum", f'"{role_id}" is not a role of this preset; use one of '
                                f"{', '.join(role_ids)}")
        self.unique(quorum, f"{where}quorum")
        source = self.text(item, "source", where)
        types = tuple(self._types(item, f"{where}referral_types", type_ids))
        after = item.get("after")
        if after is not None:
            after = self.text(item, "after", where)
            if after not in EVENTS or after in (*MEETING_EVENTS, "referral_received"):
                usable = ", ".join(e for e in EVENTS if e not in (*MEETING_EVENTS, "referral_received"))
                raise self.fail(f"{where}after", f'"{after}" is not an event a later meeting can follow; use one of '
                                f"{usable}")
        if event == MONTHLY_PANEL_EVENT:
            if monthly is None:
                raise self.fail(f"{where}event", "monthly_panel needs a [panel.monthly] table")
            if types or after is not None:
                key = "referral_types" if types else "after"
                raise self.fail(f"{where}{key}", "the monthly panel is the partnership's own meeting, of no referral; "
                                f"leave out {key}")
        return MeetingRule(event, tuple(r for r in role_ids if r in quorum), source, types, after)
