"""A preset's clocks: each `[[clocks]]` entry read and checked (its unit, amount, start event, owner, the
referral types it runs for, its reminder overrides), and the chains of clocks that start from another
clock's due time checked for loops and for types that could never start."""

from __future__ import annotations

from typing import Any

from flows.preset.model import AMOUNT_MAX, EVENTS, OWNERS, UNITS, Clock
from flows.preset.readers import Readers
from flows.reminders import PlanError, plan_from


class ClockReaders(Readers):
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
