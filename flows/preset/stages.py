"""A preset's `[[stages]]`: how each stage of a referral is decided (a vote of the panel, a meeting, or the
business manager after the statutory partners' views) and with which outcomes, per referral type, each with
the section of the seed it comes from. A preset that sets none keeps the panel's vote for every type.

    [[stages]]
    id = "panel"                      # the first decision; or a later stage's own id
    referral_types = ["cspr"]         # none listed: every type
    by = "meeting"                    # ballot | meeting | bm_after_views
    outcomes = ["cspr", "alternative_review", "no_review"]   # the panel: optional (every outcome of the type)
    source = "Rapid Reviews: The Rapid Review Meeting"

A later stage (Salford 7.12) names the panel outcomes it follows (`after`) and is decided by a meeting; its
outcomes are offered only there, never to the panel's vote. `ballot` and `bm_after_views` are for the panel's
stage only: both rest on the partners' votes, and the partners vote once on a referral (a later stage's votes
would need a second ballot for the referral, with its stage, which the record does not hold).
"""

from __future__ import annotations

from typing import Any

from flows.preset.model import DECIDERS, PANEL_STAGE, Outcome, Role, Stage
from flows.preset.readers import Readers


class StageReaders(Readers):
    def _stages(
        self, data: dict[str, Any], type_ids: list[str], outcomes: list[Outcome], roles: list[Role]
    ) -> tuple[Stage, ...]:
        stages = [self._stage(where, item, type_ids, outcomes) for where, item in self.numbered(
            data, "stages", required=False)]
        seen: set[tuple[str, str]] = set()
        for i, stage in enumerate(stages):
            for type_id in stage.referral_types or type_ids:
                if (stage.id, type_id) in seen:
                    raise self.fail(f"stages[{i}]", f'a "{type_id}" referral already has a "{stage.id}" stage')
                seen.add((stage.id, type_id))
        for i, stage in enumerate(stages):
            where = f"stages[{i}]."
            if stage.id == PANEL_STAGE:
                continue
            for type_id in stage.referral_types or type_ids:
                panel = next((s for s in stages if s.id == PANEL_STAGE and s.applies_to(type_id)), None)
                offered = panel.outcomes if panel is not None and panel.outcomes else tuple(
                    o.id for o in outcomes if o.applies_to(type_id))
                for outcome_id in stage.after:
                    if outcome_id not in offered or outcome_id in stage.outcomes:
                        raise self.fail(f"{where}after", f'"{outcome_id}" is not a panel outcome of a "{type_id}" '
                                        "referral, so nothing leads to this stage")
                    if any(o.id == outcome_id and o.hold for o in outcomes):
                        raise self.fail(f"{where}after", f'"{outcome_id}" puts the referral on hold (hold = true), '
                                        "so nothing follows it until it is decided again")
        self._check_panel_outcomes(stages, type_ids, outcomes)
        voting = {r.id for r in roles if r.votes}
        statutory = [r.id for r in roles if r.statutory]
        for i, stage in enumerate(stages):
            if stage.by == "bm_after_views" and not set(statutory) <= voting:
                missing = ", ".join(r for r in statutory if r not in voting)
                raise self.fail(f"stages[{i}].by", f"bm_after_views waits for each statutory partner's view, given "
                                f"by voting; give {missing} votes = true")
        return tuple(stages)

    def _stage(self, where: str, item: dict[str, Any], type_ids: list[str], outcomes: list[Outcome]) -> Stage:
        stage_id = self.text(item, "id", where)
        by = self.text(item, "by", where)
        if by not in DECIDERS:
            raise self.fail(f"{where}by", f'"{by}" is not one of {", ".join(DECIDERS)}')
        source = self.text(item, "source", where)
        types = tuple(self._types(item, f"{where}referral_types", type_ids))
        chosen = self.strings(item.get("outcomes", []), f"{where}outcomes", "outcome ids")
        self.unique(chosen, f"{where}outcomes")
        known = {o.id: o for o in outcomes}
        for outcome_id in chosen:
            if outcome_id not in known:
                raise self.fail(f"{where}outcomes", f'names outcome "{outcome_id}", which is not defined')
            for type_id in types or type_ids:
                if not known[outcome_id].applies_to(type_id):
                    raise self.fail(f"{where}outcomes", f'"{outcome_id}" is not an outcome of a "{type_id}" referral; '
                                    "list the type in the outcome's referral_types")
        after = self.strings(item.get("after", []), f"{where}after", "outcome ids")
        if stage_id == PANEL_STAGE:
            if after:
                raise self.fail(
                    f"{where}after", "the panel's stage is the first decision; only a later stage has `after`")
            label = self.text(item, "label", where, "the panel's decision")
        else:
            if not after:
                raise self.fail(f"{where}after", "a later stage names the panel outcomes it follows, e.g. "
                                '["commence_rapid_review"]')
            if by != "meeting":
                # The partners vote once on a referral (one ballot a round, at the panel's stage): views or a vote
                # on a later stage would need a second ballot for it, which the record does not hold.
                raise self.fail(f"{where}by", f'a later stage is decided by a meeting only (by = "meeting"); by = '
                                f'"{by}" needs the partners\' votes, and they vote once on a referral, at the panel\'s '
                                "stage (which may be decided by ballot, meeting or bm_after_views)")
            if len(chosen) < 2:
                raise self.fail(f"{where}outcomes", "a later stage needs at least two outcomes to choose between")
            if any(known[o].incomplete for o in chosen):
                raise self.fail(f"{where}outcomes", "an incomplete outcome returns the referral, which only the panel "
                                "can do")
            if any(known[o].hold for o in chosen):
                raise self.fail(f"{where}outcomes", "an outcome with hold = true puts the referral on hold, which only "
                                "the panel's decision can do")
            label = self.text(item, "label", where)
        return Stage(stage_id, by, tuple(chosen), types, tuple(after), label, source)

    def _check_panel_outcomes(self, stages: list[Stage], type_ids: list[str], outcomes: list[Outcome]) -> None:
        """Each type keeps at least two outcomes for its panel once a later stage has taken its own."""
        for type_id in type_ids:
            panel = next((s for s in stages if s.id == PANEL_STAGE and s.applies_to(type_id)), None)
            if panel is not None and panel.outcomes:
                count = len(panel.outcomes)
            else:
                later = {o for s in stages if s.id != PANEL_STAGE and s.applies_to(type_id) for o in s.outcomes}
                count = sum(o.applies_to(type_id) and o.id not in later for o in outcomes)
            if count < 2:
                raise self.fail("stages", f'a "{type_id}" referral needs at least two outcomes for the panel to '
                                "choose between once its later stages have taken theirs")
