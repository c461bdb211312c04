"""Deciding a referral and the business manager's handling of its case: `vote`, `recuse`, `decide`, `close`,
`escalate`, `return`, `resubmit`, `hold`, `resume` and `withdraw`."""

from __future__ import annotations

from bot.commands.parsing import parse_date, split_outcome
from bot.commands.registry import AskReason, Reply, command
from bot.service import Actor, Panel
from flows.errors import InvalidInput
from flows.intake import referral_form


def needs_reason(panel: Panel, cmd: str, reference: str, outcome: str) -> Reply | None:
    """The usage line, when the outcome needs a reason (the procedure asks for one) and none was given."""
    chosen = next((o for o in panel.preset.outcomes if o.id == outcome), None)
    if chosen is None or not chosen.reason_required:
        return None
    return Reply(
        [
            f'"{chosen.label}" needs a reason: `{cmd} {reference} {outcome} REASON`. Nothing was recorded.'
        ],
        ok=False,
    )


@command("vote", "vote REF OUTCOME [REASON]", "vote (again to change your vote)", "vote SAL-2026-001 commence", 2)
async def _vote(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    outcome, reason = split_outcome(panel.preset, args[1:])
    if not reason and (refusal := needs_reason(panel, "vote", args[0], outcome)) is not None:
        return refusal
    receipt = await panel.vote(actor=actor, reference=args[0], outcome=outcome, reason=reason)
    return Reply([receipt.message], ok=receipt.changed)


@command("recuse", "recuse REF [REASON]", "step aside for a conflict of interest", "recuse SAL-2026-001", 1)
async def _recuse(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    receipt = await panel.recuse(actor=actor, reference=args[0], reason=" ".join(args[1:]))
    return Reply([receipt.message])


@command("new", "new", "BM: file a referral (a form, or a few questions)", "new")
async def _new(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    panel.require_bm(actor, "file a referral")
    return Reply(form=referral_form(panel.preset))


def outcome_label(panel: Panel, outcome: str) -> str:
    return next((o.label for o in panel.preset.outcomes if o.id == outcome), outcome)


@command(
    "decide",
    "decide REF OUTCOME REASON",
    "BM: decide at once, without waiting for the votes; chair: decide an escalation",
    "decide SAL-2026-001 commence obviously a rapid review",
    2,
)
async def _decide(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    ref = args[0]
    outcome, reason = split_outcome(panel.preset, args[1:])
    card = await panel.card(ref)
    if not reason:  # a decision always gives its reason: ask for it (once the outcome is one it can take)
        if card.outcomes and outcome not in dict(card.outcomes):
            choices = ", ".join(f"{oid} ({label})" for oid, label in card.outcomes)
            raise InvalidInput(f'"{outcome}" is not an outcome {card.reference} can take. Choose one of: {choices}.')
        return Reply(ask=AskReason(f"decide {card.reference} {outcome}",
                                   (f"**{card.reference}**: decide **{outcome_label(panel, outcome)}**.",),
                                   "The reason for the decision", "Decide"))
    if card.status == "escalated":
        return Reply([await panel.chair_decide(actor=actor, reference=ref, outcome=outcome, reason=reason)])
    return Reply([await panel.decide_now(actor=actor, reference=ref, outcome=outcome, reason=reason)])


@command("close", "close REF", "BM: close voting once quorum is met", "close SAL-2026-001", 1)
async def _close(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.close_ballot(actor=actor, reference=args[0])])


@command("escalate", "escalate REF", "BM: pass a referral to the chair without waiting", "escalate SAL-2026-001", 1)
async def _escalate(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.escalate(actor=actor, reference=args[0])])


@command(
    "return",
    "return REF WHAT IS MISSING",
    "BM: return an incomplete referral to the referrer",
    "return SAL-2026-001 no chronology attached",
    1,
)
async def _return(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    if len(args) == 1:  # what is missing: ask for it
        panel.require_bm(actor, "return a referral")
        card = await panel.card(args[0])
        intro = f"**{card.reference}** goes back to the referrer as incomplete. They are told what is missing."
        return Reply(ask=AskReason(f"return {card.reference}", (intro,), "What is missing", "Return as incomplete"))
    return Reply([await panel.return_incomplete(actor=actor, reference=args[0], missing=" ".join(args[1:]))])


@command("resubmit", "resubmit REF", "BM: an incomplete referral is back; voting reopens", "resubmit SAL-2026-001", 1)
async def _resubmit(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.resubmit(actor=actor, reference=args[0])])


@command(
    "hold",
    "hold REF [until DATE] [REASON]",
    "BM: pause a referral, until a date or until resumed",
    "hold SUF-2026-003 until 2027-01-25",
    1,
)
async def _hold(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    until = None
    rest = args[1:]
    if rest and rest[0].lower() == "until":
        if len(rest) < 2:
            raise InvalidInput(
                f"Say the date to hold until, e.g. `hold {args[0].upper()} until 2027-01-25`."
            )
        until, rest = parse_date(rest[1]), rest[2:]
    return Reply([await panel.hold(actor=actor, reference=args[0], until=until, reason=" ".join(rest))])


@command("resume", "resume REF", "BM: bring a held referral back to the panel", "resume SUF-2026-003", 1)
async def _resume(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.resume(actor=actor, reference=args[0])])


@command("withdraw", "withdraw REF REASON", "BM: withdraw a referral", "withdraw SAL-2026-001 filed twice", 2)
async def _withdraw(panel: Panel, actor: Actor, args: list[str]) -> Reply:
    return Reply([await panel.withdraw(actor=actor, reference=args[0], reason=" ".join(args[1:]))])
