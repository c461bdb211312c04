"""Reading `[intake]` and `[complaints]` of a preset file into the parts of `flows.preset.form`."""

from __future__ import annotations

from typing import Any

from flows.preset.form import (
    COMPLAINT_SUBJECTS,
    AuthorisedBy,
    ComplaintRules,
    IntakeRules,
    NotificationKind,
    ParallelKind,
    ReferralSource,
)
from flows.preset.readers import Readers


class IntakeReaders(Readers):
    """Reads `[intake]` and `[complaints]`; mixed into the preset parser."""

    def _source(self, item: dict[str, Any], where: str) -> str:
        source = item.get("source")
        if not isinstance(source, str) or not source.strip():
            raise self.fail(f"{where}source", 'is missing; name the section of the procedure it comes from, e.g. "7.3"')
        self.printable(source, f"{where}source")
        return source.strip()

    def _list(self, table: dict[str, Any], key: str, where: str) -> list[tuple[str, dict]]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{where}{key}", f"must be a list of [[{where}{key}]] tables")
        out = []
        for i, item in enumerate(value):
            at = f"{where}{key}[{i}]."
            self.known(item, f"{where}{key}", at)
            out.append((at, item))
        self.unique([self.text(item, "id", at) for at, item in out], f"{where}{key}")
        return out

    def intake_rules(self, data: dict[str, Any], type_ids: list[str], clock_ids: list[str]) -> IntakeRules:
        table = self.table(data, "intake", "", "[intake] with its [intake.authorised_by] and [[intake.sources]]")
        if table is None:
            return IntakeRules()
        self.known(table, "intake", "intake.")
        authorised = None
        a = self.table(table, "authorised_by", "intake.", '[intake.authorised_by] with label and source')
        if a is not None:
            self.known(a, "intake.authorised_by", "intake.authorised_by.")
            default = AuthorisedBy()
            authorised = AuthorisedBy(
                label=self.text(a, "label", "intake.authorised_by.", default.label),
                hint=self.text(a, "hint", "intake.authorised_by.", default.hint),
                required=self.flag(a, "required", "intake.authorised_by."),
                source=self._source(a, "intake.authorised_by."),
            )
        sources = [
            ReferralSource(self.text(s, "id", at), self.text(s, "label", at), self.flag(s, "agency", at),
                           self._source(s, at))
            for at, s in self._list(table, "sources", "intake.")
        ]
        if sum(s.agency for s in sources) > 1:
            raise self.fail("intake.sources", "only one source can be `agency = true` (the referring agency)")
        parallel = []
        for at, p in self._list(table, "parallel", "intake."):
            note = p.get("before_publication", "")
            if not isinstance(note, str):
                raise self.fail(f"{at}before_publication", "must be text in quotes")
            self.printable(note, f"{at}before_publication")
            parallel.append(ParallelKind(self.text(p, "id", at), self.text(p, "label", at), note.strip(),
                                         self._source(p, at)))
        notifications = []
        for at, n in self._list(table, "notifications", "intake."):
            meets = n.get("meets")
            if meets is not None and (not isinstance(meets, str) or meets not in clock_ids):
                raise self.fail(f"{at}meets", f'names clock "{meets}", which is not defined')
            required_for = self._types({"referral_types": n.get("required_for", [])}, f"{at}required_for", type_ids)
            notifications.append(NotificationKind(
                self.text(n, "id", at), self.text(n, "label", at), tuple(required_for),
                self.flag(n, "looked_after", at), meets, self._source(n, at)))
        return IntakeRules(authorised, tuple(sources), tuple(parallel), tuple(notifications))

    def complaint_rules(self, data: dict[str, Any], clock_ids: list[str]) -> ComplaintRules | None:
        table = self.table(data, "complaints", "", '[complaints] with response_clock = "..." and source')
        if table is None:
            return None
        where = "complaints."
        self.known(table, "complaints", where)
        clocks = []
        for key in ("response_clock", "escalation_clock"):
            value = table.get(key)
            if value is None and key == "escalation_clock":
                clocks.append(None)
                continue
            clock = self.text(table, key, where)
            if clock not in clock_ids:
                raise self.fail(f"{where}{key}", f'names clock "{clock}", which is not defined')
            clocks.append(clock)
        subjects = self.strings(table.get("subjects", list(COMPLAINT_SUBJECTS)), f"{where}subjects", "subjects")
        ombudsman = table.get("ombudsman", "")
        if not isinstance(ombudsman, str):
            raise self.fail(f"{where}ombudsman", "must be text in quotes")
        self.printable(ombudsman, f"{where}ombudsman")
        return ComplaintRules(str(clocks[0]), clocks[1], tuple(subjects), ombudsman.strip(), self._source(table, where))
