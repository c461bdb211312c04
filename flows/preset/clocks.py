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
        before = self._event(item, "before", where) if "before" in item else None
        starts = "" if before is not None and "starts" not in item else self.text(item, "starts", where)
        if starts and not starts.startswith("clock:") and starts not in EVENTS:
            raise self.fail(
                f"{where}starts", f'"{starts}" is not an event; use "clock:ID" or one of {", ".join(EVENTS)}'
            )
        self._timing(item, where, unit, amount, starts, before)
        earliest = item.get("earliest")
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
            before=before,
            earliest=earliest,
            met_by=self._event(item, "met_by", where) if "met_by" in item else None,
        )

    def _event(self, item: dict[str, Any], key: str, where: str) -> str:
        event = self.text(item, key, where)
        if event not in EVENTS:
            raise self.fail(f"{where}{key}", f'"{event}" is not an event; use one of {", ".join(EVENTS)}')
        return event

    def _timing(
        self, item: dict[str, Any], where: str, unit: str, amount: int, starts: str, before: str | None
    ) -> None:
        """A clock before an event, the sooner of two, or a window: the settings that go together."""
        whichever = item.get("whichever")
        if before is not None and starts:
            if whichever != "sooner":
                raise self.fail(
                    f"{where}whichever",
                    "a clock with both starts and before is due at whichever is sooner; say so with "
                    'whichever = "sooner"',
                )
        elif whichever is not None:
            raise self.fail(f"{where}whichever", "only goes with both starts and before")
        if before is not None and unit == "panel_meeting":
            raise self.fail(f"{where}unit", "a clock before an event cannot be counted in panel meetings")
        earliest = item.get("earliest")
        if earliest is None:
            return
        if before is not None:
            raise self.fail(f"{where}earliest", "a window runs after its start; it cannot also be before an event")
        if unit == "panel_meeting":
            raise self.fail(f"{where}earliest", "a window cannot be counted in panel meetings")
        if not self.whole(earliest) or not 0 <= earliest < amount:
            raise self.fail(f"{where}earliest", f"must be a whole number from 0 to {amount - 1} (less than amount)")

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
