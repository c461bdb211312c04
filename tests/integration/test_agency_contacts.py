"""Agency contacts (issue 17, point 2): the business manager registers who may mark an agency's information
returns made from anywhere, in chat (`contact add agency:NAME PLATFORM:ID`, `contact list`, `contact remove`)
or on the command line (`panelbot contact ...`). Everything else about who may mark a return is in
`tests/integration/test_access_matrix.py` and `tests/e2e/test_return_origin.py`; the pure rule is `flows/returns.py`."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_cli import assert_refused, db, flat, invoke, quiet_env  # noqa: F401  (db, quiet_env: fixtures)

from bot.commands import run
from bot.service import Actor, Panel
from flows.errors import NotAllowed
from flows.referrals import ReferralDraft
from flows.returns import Delivered, Origin, who_marks_return
from storage.models import AuditEntry

OP = Actor.operator()


async def _panel(make_panel) -> tuple[Panel, Actor, Actor, str]:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    await panel.add_member(actor=OP, name="Dee Manager", role="business_manager", ids=["slack:U0BM"])
    await panel.add_member(actor=OP, name="Pol Officer", role="police", ids=["slack:U0POL"])
    bm = await panel.actor_for("slack", "U0BM")
    member = await panel.actor_for("slack", "U0POL")
    assert bm is not None and member is not None
    ref = await panel.file_referral(
        actor=OP,
        draft=ReferralDraft(referral_type="rapid_review", referrer="Education", category="young person", letter="C",
                            summary="Unexplained bruising seen at school."),
    )
    await panel.decide_now(actor=OP, reference=ref, outcome="commence_rapid_review", reason="obvious")
    await panel.send_requests(actor=OP, reference=ref, agencies=["police", "health"])
    return panel, bm, member, ref


async def _audit(panel: Panel) -> list[AuditEntry]:
    async with panel.uow() as uow:
        return list((await uow.session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())


async def test_a_contact_the_bm_registers_in_chat_marks_the_return_from_anywhere(make_panel) -> None:
    panel, bm, _, ref = await _panel(make_panel)
    sgt = Actor.guest("telegram", "4242", "Sgt Olu")  # not on the panel; writes to the bot in a private chat
    refused = await run(panel, sgt, f"returned {ref} police")
    assert not refused.ok and refused.lines[0].startswith("Only Greater Manchester Police (its button")

    said = await run(panel, bm, "contact add agency:police telegram:4242")
    assert said.ok and said.lines == [
        "telegram:4242 is now a contact for Greater Manchester Police: they can mark its returns made."
    ]
    assert (await run(panel, bm, "contact list")).lines == ["Greater Manchester Police (agency:police): telegram:4242"]

    # Typed, with no message behind it: the police's contact, so it is theirs to mark; health's is not.
    other = await run(panel, sgt, f"returned {ref} health")
    assert not other.ok and other.lines[0].startswith("Only Health (ICB) (its button")
    done = await run(panel, sgt, f"returned {ref} police")
    assert done.lines == [f"Thank you: Greater Manchester Police's return for {ref} is recorded. No more reminders."]
    entries = await _audit(panel)
    added = next(e for e in entries if e.action == "contact_added")
    assert (added.subject, added.payload, added.actor) == (
        "agency:police", {"contact": "telegram:4242"}, "Dee Manager (business_manager)"
    )
    returned = next(e for e in entries if e.action == "request_returned")
    assert returned.payload["via"] == "contact" and returned.payload["contact"] == "telegram:4242"
    assert returned.actor == "Sgt Olu (telegram:4242) (guest)"


async def test_a_removed_contact_can_no_longer_mark_a_return(make_panel) -> None:
    panel, bm, _, ref = await _panel(make_panel)
    await run(panel, bm, "contact add agency:police slack:U0SGT")
    said = await run(panel, bm, "contact remove agency:police slack:U0SGT")
    assert said.lines == ["slack:U0SGT is no longer a contact for Greater Manchester Police."]
    assert (await run(panel, bm, "contact list")).lines[0].startswith("No agency contacts are registered.")
    refused = await run(panel, Actor.guest("slack", "U0SGT"), f"returned {ref} police")
    assert not refused.ok
    assert "contact_removed" in [e.action for e in await _audit(panel)]
    again = await run(panel, bm, "contact remove agency:police slack:U0SGT")
    assert not again.ok and again.lines == [
        "slack:U0SGT is not a contact for Greater Manchester Police; `contact list` shows who is."
    ]


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("contact add agency:fire_brigade slack:U0X",
         '"fire_brigade" is not an agency this partnership sends requests to; use one of police, health, '
         "childrens_social_care, education, probation, mental_health."),
        ("contact add agency:police myspace:42", '"myspace" is not a platform Panelbot knows; use one of email, slack, '
         "teams, telegram, console."),
        ("contact add agency:police", "Usage: `contact add agency:NAME PLATFORM:ID`, `contact remove agency:NAME "
         "PLATFORM:ID` or `contact list` (for example `contact add agency:police slack:U0123`)."),
        ("contact add agency:police slack:" + "U" * 250, "That platform id is over 200 characters long, which no "
         "platform uses."),
    ],
)
async def test_bad_contact_commands_are_one_sentence_and_change_nothing(make_panel, line: str, said: str) -> None:
    panel, bm, _, _ = await _panel(make_panel)
    before = len(await _audit(panel))
    reply = await run(panel, bm, line)
    assert not reply.ok and reply.lines == [said]
    assert len(await _audit(panel)) == before


async def test_only_the_bm_manages_contacts(make_panel) -> None:
    panel, bm, member, _ = await _panel(make_panel)
    await run(panel, bm, "contact add agency:police slack:U0SGT")
    before = len(await _audit(panel))
    for line in ("contact add agency:police slack:U0POL", "contact list", "contact remove agency:police slack:U0SGT"):
        reply = await run(panel, member, line)
        assert not reply.ok and reply.lines == ["Only the business manager can manage agency contacts. Nothing was "
                                                "changed."], line
        reply = await run(panel, Actor.guest("slack", "U0SGT"), line)
        assert not reply.ok and reply.lines[0].startswith("You are not on this partnership's panel"), line
    assert len(await _audit(panel)) == before
    duplicate = await run(panel, bm, "contact add police slack:U0SGT")  # `agency:` may be left out
    assert duplicate.lines == [
        "slack:U0SGT is already a contact for Greater Manchester Police, so nothing was changed."
    ]


@pytest.mark.usefixtures("db")
def test_contact_add_list_remove_on_the_command_line() -> None:
    assert "No agency contacts are registered." in flat(invoke("contact", "list").stdout)
    result = invoke("contact", "add", "agency:police", "--id", "slack:U0123")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "slack:U0123 is now a contact for Greater Manchester Police (agency:police)."
    assert flat(invoke("contact", "list").stdout) == "agency:police (Greater Manchester Police): slack:U0123"
    assert_refused(invoke("contact", "add", "agency:police", "--id", "slack:U0123"), "already a contact")
    assert_refused(invoke("contact", "add", "agency:wizards", "--id", "slack:U0123"),
                   '"wizards" is not an agency this partnership sends requests to; use one of police, health')
    result = invoke("contact", "remove", "agency:police", "--id", "slack:U0123")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "slack:U0123 is no longer a contact for Greater Manchester Police."
    assert_refused(invoke("contact", "remove", "agency:police", "--id", "slack:U0123"), "is not a contact for")


# The pure rule ---------------------------------------------------------------------------------------------

POLICE_MSG = Delivered("police", "slack", "C0POLICE", "1795000000.000100")


def _who(**kw):  # type: ignore[no-untyped-def]
    args = dict(agency="police", agency_label="Greater Manchester Police", is_bm=False, account="slack:U0X",
                contacts=[], origin=None, delivered=[POLICE_MSG])
    args.update(kw)
    return who_marks_return(**args)


def test_the_rule_binds_a_press_to_the_message_and_the_chat_it_was_delivered_to() -> None:
    assert _who(origin=Origin("slack", "C0POLICE", "1795000000.000100")).audit() == {
        "via": "agency_channel", "channel": "slack:C0POLICE"
    }
    for wrong in (
        Origin("slack", "D0X", "1795000000.000100"),  # the message's id, another chat
        Origin("slack", "C0POLICE", "1795000000.000999"),  # the right chat, another message
        Origin("teams", "C0POLICE", "1795000000.000100"),  # another platform
        Origin("slack", "C0POLICE", None),  # typed in the agency's channel: no message
        None,
    ):
        with pytest.raises(NotAllowed):
            _who(origin=wrong)
    with pytest.raises(NotAllowed):  # the police's message cannot mark health's return
        _who(agency="health", agency_label="Health (ICB)", origin=Origin("slack", "C0POLICE", "1795000000.000100"))
    # A message the bot sent to a person directly (the agency's "channel" is their account): their own chat.
    direct = Delivered("police", "slack", "U0SGT", "1795000000.000200")
    assert _who(account="slack:U0SGT", delivered=[direct], origin=Origin("slack", "D0SGT", "1795000000.000200"))
    with pytest.raises(NotAllowed):
        _who(account="slack:U0X", delivered=[direct], origin=Origin("slack", "D0X", "1795000000.000200"))
    assert _who(contacts=["slack:U0X"]).audit() == {"via": "contact", "contact": "slack:U0X"}
    assert _who(is_bm=True, account=None).audit() == {"via": "business_manager"}
