"""PANELBOT_CONFIG: the panel members and channels in a TOML file, applied at every start.

Applying it must add what is missing, and on the next start (same file) change nothing at all: no
duplicate member, no second audit entry. A mistake in the file is refused with a message that says
what is wrong. Runs on SQLite, and on PostgreSQL when PANELBOT_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config_file import apply_config
from flows.errors import InvalidInput
from flows.preset import load_preset
from storage.models import AuditEntry, Member

CONFIG = """
[[members]]
name = "Ann Example"
role = "independent_adviser"
ids = ["slack:U0123", "telegram:5551234"]

[[members]]
name = "Ben Example"
role = "chair"

[[members]]
name = "Dee Example"
role = "business_manager"
ids = ["slack:U0DEE"]

[channels]
panel = ["slack:C0PANEL"]
bm = "slack:D0BM"
"agency:police" = ["telegram:-1001234"]
"""


def write(tmp_path: Path, body: str, name: str = "panel.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


async def audit_count(panel) -> int:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


async def member_rows(panel) -> int:  # type: ignore[no-untyped-def]
    async with panel.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(Member))).scalar_one())


async def test_adds_members_with_their_ids_and_sets_channels(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    done = await apply_config(panel, write(tmp_path, CONFIG))

    assert "added Ann Example" in done and "added Dee Example" in done
    members = {m.name: m for m in await panel.list_members()}
    assert set(members) == {"Ann Example", "Ben Example", "Dee Example"}
    assert members["Ann Example"].role == "independent_adviser"
    assert set(members["Ann Example"].identities) == {"slack:U0123", "telegram:5551234"}
    assert members["Ben Example"].identities == ()
    assert set(await panel.list_channels()) == {
        ("panel", "slack", "C0PANEL"),
        ("bm", "slack", "D0BM"),
        ("agency:police", "telegram", "-1001234"),
    }
    # The platform ids work: Ann on Slack is Ann.
    actor = await panel.actor_for("slack", "U0123")
    assert actor is not None and actor.name == "Ann Example"


async def test_applying_the_same_file_again_changes_nothing(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    path = write(tmp_path, CONFIG)
    await apply_config(panel, path)
    members, rows, audit = await panel.list_members(), await member_rows(panel), await audit_count(panel)
    channels = await panel.list_channels()

    assert await apply_config(panel, path) == []
    assert await panel.list_members() == members
    assert await member_rows(panel) == rows
    assert await panel.list_channels() == channels
    assert await audit_count(panel) == audit


async def test_existing_member_is_matched_whatever_the_case(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    await apply_config(panel, write(tmp_path, CONFIG))
    audit = await audit_count(panel)
    assert await apply_config(panel, write(tmp_path, CONFIG.replace("Ann Example", "ANN EXAMPLE"))) == []
    assert await audit_count(panel) == audit


async def test_a_name_with_stray_spaces_is_not_added_twice_on_the_next_start(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The member is stored as "Ann Example" (spaces tidied); the next start must recognise her rather than
    # refuse to start with "Ann Example is already on the panel".
    panel = await make_panel("salford")
    path = write(tmp_path, '[[members]]\nname = "Ann  Example "\nrole = "independent_adviser"\n')
    await apply_config(panel, path)
    assert [m.name for m in await panel.list_members()] == ["Ann Example"]
    audit = await audit_count(panel)

    assert await apply_config(panel, path) == []
    assert await audit_count(panel) == audit


async def test_channels_written_in_mixed_case_are_not_set_again_on_every_start(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # set_channel stores "agency:police" and "slack"; the file said "agency:Police" and "Slack". The next
    # start with the same file must see they are already set, not write another audit entry every time.
    panel = await make_panel("salford")
    path = write(tmp_path, '[channels]\npanel = ["Slack:C0PANEL"]\n"agency:Police" = "telegram:-1001234"\n')
    await apply_config(panel, path)
    expected = {("panel", "slack", "C0PANEL"), ("agency:police", "telegram", "-1001234")}
    assert set(await panel.list_channels()) == expected
    audit = await audit_count(panel)

    assert await apply_config(panel, path) == []
    assert await audit_count(panel) == audit


async def test_a_member_added_by_hand_is_left_alone(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bot.service import Actor

    panel = await make_panel("salford")
    await panel.add_member(actor=Actor.operator(), name="Cat Example", role="deputy_chair")
    await apply_config(panel, write(tmp_path, CONFIG))
    assert "Cat Example" in {m.name for m in await panel.list_members()}


async def test_invalid_role_is_refused_with_the_valid_roles(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    path = write(tmp_path, '[[members]]\nname = "Zed"\nrole = "wizard"\n')
    audit = await audit_count(panel)

    with pytest.raises(InvalidInput) as refused:
        await apply_config(panel, path)
    message = str(refused.value)
    assert '"wizard" is not a role' in message
    for role in load_preset("salford").role_labels:
        assert role in message
    assert await panel.list_members() == []
    assert await audit_count(panel) == audit


async def test_unknown_platform_is_refused_with_the_valid_platforms(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    path = write(tmp_path, '[[members]]\nname = "Zed"\nrole = "chair"\nids = ["myspace:1"]\n')
    with pytest.raises(InvalidInput) as refused:
        await apply_config(panel, path)
    assert '"myspace" is not a platform' in str(refused.value)
    assert "slack" in str(refused.value) and "telegram" in str(refused.value)
    assert await panel.list_members() == []


async def test_member_without_a_role_names_the_file_and_the_entry(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    path = write(tmp_path, '[[members]]\nname = "Zed"\n')
    with pytest.raises(InvalidInput) as refused:
        await apply_config(panel, path)
    assert str(path) in str(refused.value)
    assert "members[0] needs a name and a role" in str(refused.value)


async def test_missing_file_is_a_clear_message(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(InvalidInput) as refused:
        await apply_config(panel, missing)
    assert str(refused.value) == f"The panel config file {missing} does not exist (PANELBOT_CONFIG)."


async def test_file_that_is_not_toml_is_a_clear_message(make_panel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    panel = await make_panel("salford")
    path = write(tmp_path, "[[members]\nname = \n")
    with pytest.raises(InvalidInput) as refused:
        await apply_config(panel, path)
    assert str(path) in str(refused.value)
    assert "not valid TOML" in str(refused.value)
    assert await audit_count(panel) == 1  # only the partnership's creation
