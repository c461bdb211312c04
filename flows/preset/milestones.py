"""A preset's `[[milestones]]`: what the business manager must do that has no clock, opened on a referral by
something that happens to it and shown as still to do until marked done (`done REF ID`).

    [[milestones]]
    id = "tell_family"
    label = "Tell the family in writing whether a review will be held"
    after = ["outcome:no_review", "event:review_commissioned", "done:sar_chair_decision"]
    referral_types = ["sar"]          # none listed: every type
    source = "11 (... must inform the victim's family, in writing ...)"

`after` names what opens it: `outcome:ID` (the panel's decision is that outcome), `event:EVENT` (the event is
recorded with `event REF EVENT`) or `done:CLOCK` (the business manager marks that clock's milestone met).
"""

from __future__ import annotations

from typing import Any

from flows.milestones import TELL_REFERRER
from flows.preset.model import EVENTS, Milestone
from flows.preset.readers import Readers

TRIGGERS = ("outcome", "event", "done")


class MilestoneReaders(Readers):
    def _milestones(
        self, data: dict[str, Any], type_ids: list[str], outcome_ids: list[str], clock_ids: list[str]
    ) -> tuple[Milestone, ...]:
        out = []
        for where, item in self.numbered(data, "milestones", required=False):
            milestone_id = self.text(item, "id", where)
            where = f"milestones.{milestone_id}."
            if milestone_id in clock_ids or milestone_id == TELL_REFERRER:
                taken = "a clock's id" if milestone_id in clock_ids else "the id Panelbot uses for telling the referrer"
                raise self.fail(f"{where}id", f'"{milestone_id}" is {taken}; `done REF ID` must name one thing')
            after = self.strings(item.get("after", []), f"{where}after", '"outcome:ID", "event:EVENT" or "done:CLOCK"')
            if not after:
                raise self.fail(f"{where}after", 'must name what opens it, e.g. ["outcome:no_review"]')
            for trigger in after:
                self._trigger(trigger, f"{where}after", outcome_ids, clock_ids)
            out.append(Milestone(
                id=milestone_id,
                label=self.text(item, "label", where),
                after=tuple(after),
                source=self.text(item, "source", where),
                referral_types=tuple(self._types(item, f"{where}referral_types", type_ids)),
            ))
        self.unique([m.id for m in out], "milestones")
        return tuple(out)

    def _trigger(self, trigger: str, key: str, outcome_ids: list[str], clock_ids: list[str]) -> None:
        kind, _, name = trigger.partition(":")
        known = {"outcome": outcome_ids, "event": list(EVENTS), "done": clock_ids}.get(kind)
        if known is None:
            raise self.fail(key, f'"{trigger}" must start with one of {", ".join(k + ":" for k in TRIGGERS)}')
        if name not in known:
            what = {"outcome": "an outcome", "event": "an event", "done": "a clock"}[kind]
            raise self.fail(key, f'"{trigger}": "{name}" is not {what} of this preset')
