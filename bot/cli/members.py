"""`panelbot member`, `panelbot channel`, `panelbot contact`: who sits on the panel, where the bot posts, who
answers for an agency.
"""

from __future__ import annotations

import typer
from rich.table import Table

import bot.cli.common as cli
from bot.cli.common import ADD_PARTNERSHIP, PRESET, fail, with_panel

member_app = typer.Typer(help="Panel members: add, list, remove.", no_args_is_help=True)
channel_app = typer.Typer(help="Where the bot posts: the panel channel, the BM, each agency.", no_args_is_help=True)
contact_app = typer.Typer(
    help="Agency contacts: who may mark an agency's information returns made, from anywhere.", no_args_is_help=True
)


@member_app.command("add")
def member_add(
    name: str = typer.Argument(..., help="The member's name as colleagues know it."),
    role_arg: str | None = typer.Argument(None, metavar="[ROLE]", help="The role, as in the terminal (or --role)."),
    role: str | None = typer.Option(None, "--role", help="A role of the preset, e.g. police, health, chair, bm."),
    ids: list[str] = typer.Option(
        [], "--id", help="A platform identity, PLATFORM:ID (slack:U0123, telegram:5551234, email:pat@police.example)."
    ),
    preset_name: str | None = PRESET,
    add_partnership: bool = ADD_PARTNERSHIP,
) -> None:
    """Add a panel member (recorded in the audit log): `member add NAME ROLE` or `member add NAME --role ROLE`."""
    from bot.service import Actor

    if role and role_arg and role != role_arg:
        raise fail(f'Give the role once: "{role_arg}" or --role "{role}".', 2)
    chosen = role or role_arg
    if not chosen:
        raise fail("Say the member's role: panelbot member add NAME ROLE (or --role ROLE).", 2)
    info = with_panel(lambda p: p.add_member(actor=Actor.operator(), name=name, role=chosen, ids=ids),
                      preset=preset_name, add_partnership=add_partnership)
    cli.out.print(
        f"Added {info.name} as {info.role_label}" + (f" ({', '.join(info.identities)})." if info.identities else "."),
        highlight=False,
        markup=False,
    )


@member_app.command("list")
def member_list(preset_name: str | None = PRESET) -> None:
    """List the panel members, their roles and platform identities."""
    members = with_panel(lambda p: p.list_members(), preset=preset_name)
    if not members:
        cli.out.print("The panel has no members yet. Add one with `panelbot member add NAME --role ROLE`.",
                      markup=False)
        return
    table = Table("Name", "Role", "Votes", "Platform ids")
    for m in members:
        table.add_row(m.name, m.role_label, "yes" if m.votes else "no", ", ".join(m.identities) or "-")
    cli.out.print(table)


@member_app.command("remove")
def member_remove(
    name: str = typer.Argument(..., help="The member's name."), preset_name: str | None = PRESET
) -> None:
    """Remove a panel member (their past votes are kept)."""
    from bot.service import Actor

    info = with_panel(lambda p: p.remove_member(actor=Actor.operator(), name=name), preset=preset_name)
    cli.out.print(f"Removed {info.name} ({info.role_label}) from the panel.", markup=False, highlight=False)


@channel_app.command("set")
def channel_set(
    purpose: str = typer.Argument(..., help="panel, bm, agency:NAME or agency:NAME:lead"),
    platform_ids: list[str] = typer.Option(
        ..., "--id",
        help="PLATFORM:ID, e.g. slack:C0123, telegram:-1001234 or email:safeguarding@police.example. Repeat --id "
        "for more than one address on one platform (a shared mailbox and a deputy): each gets every message.",
    ),
    preset_name: str | None = PRESET,
) -> None:
    """Say where referrals are posted (panel), where the BM is told things (bm), where an agency is reached.
    Setting a platform again replaces its ids for that purpose; `channel add` adds one beside them and
    `channel remove` drops one."""
    from bot.service import Actor

    async def set_all(p):  # type: ignore[no-untyped-def]
        done, seen = [], set()
        for platform_id in platform_ids:
            platform = platform_id.partition(":")[0].strip().lower()
            done.append(await p.set_channel(actor=Actor.operator(), purpose=purpose, platform_id=platform_id,
                                            add=platform in seen))
            seen.add(platform)
        return done

    done = with_panel(set_all, preset=preset_name)
    ids = ", ".join(f"{platform}:{external}" for _, platform, external in done)
    cli.out.print(f"{done[0][0]} is now {ids}.", markup=False, highlight=False)


@channel_app.command("add")
def channel_add(
    purpose: str = typer.Argument(..., help="panel, bm, agency:NAME or agency:NAME:lead"),
    platform_id: str = typer.Option(..., "--id", help="PLATFORM:ID to add, e.g. email:deputy@police.example"),
    preset_name: str | None = PRESET,
) -> None:
    """Add one more id for a purpose, beside those set (an agency's deputy's address): each gets every message."""
    from bot.service import Actor

    purpose_, platform, external = with_panel(
        lambda p: p.set_channel(actor=Actor.operator(), purpose=purpose, platform_id=platform_id, add=True),
        preset=preset_name,
    )
    cli.out.print(f"{purpose_} now also goes to {platform}:{external}.", markup=False, highlight=False)


@channel_app.command("remove")
def channel_remove(
    purpose: str = typer.Argument(..., help="panel, bm, agency:NAME or agency:NAME:lead"),
    platform_id: str = typer.Option(..., "--id", help="PLATFORM:ID to stop using"),
    preset_name: str | None = PRESET,
) -> None:
    """Stop sending a purpose's messages to one id (the others set for it carry on)."""
    from bot.service import Actor

    purpose_, platform, external = with_panel(
        lambda p: p.remove_channel(actor=Actor.operator(), purpose=purpose, platform_id=platform_id),
        preset=preset_name,
    )
    cli.out.print(f"{purpose_} no longer goes to {platform}:{external}.", markup=False, highlight=False)


@channel_app.command("list")
def channel_list(preset_name: str | None = PRESET) -> None:
    """List the channels set."""
    rows = with_panel(lambda p: p.list_channels(), preset=preset_name)
    if not rows:
        cli.out.print("No channels are set yet.")
    for purpose, platform, external in rows:
        cli.out.print(f"{purpose}: {platform}:{external}", markup=False, highlight=False)


@contact_app.command("add")
def contact_add(
    agency: str = typer.Argument(..., help="agency:NAME, an agency of the preset, e.g. agency:police"),
    platform_id: str = typer.Option(..., "--id", help="The person's PLATFORM:ID, e.g. slack:U0123"),
) -> None:
    """Register a person as an agency's contact: they may mark its returns made (recorded in the audit log)."""
    from bot.service import Actor

    chosen, account = with_panel(
        lambda p: p.add_contact(actor=Actor.operator(), agency=agency, platform_id=platform_id)
    )
    cli.out.print(f"{account} is now a contact for {chosen.label} (agency:{chosen.id}).", markup=False, highlight=False)


@contact_app.command("list")
def contact_list() -> None:
    """List the agency contacts."""
    from bot.service import Actor

    rows = with_panel(lambda p: p.list_contacts(actor=Actor.operator()))
    if not rows:
        cli.out.print("No agency contacts are registered. Add one with `panelbot contact add agency:NAME --id "
                  "PLATFORM:ID`.", markup=False, highlight=False)
    for r in rows:
        cli.out.print(f"agency:{r.agency} ({r.agency_label}): {r.account}", markup=False, highlight=False)


@contact_app.command("remove")
def contact_remove(
    agency: str = typer.Argument(..., help="agency:NAME"),
    platform_id: str = typer.Option(..., "--id", help="The person's PLATFORM:ID"),
) -> None:
    """Remove an agency contact (recorded in the audit log)."""
    from bot.service import Actor

    chosen, account = with_panel(
        lambda p: p.remove_contact(actor=Actor.operator(), agency=agency, platform_id=platform_id)
    )
    cli.out.print(f"{account} is no longer a contact for {chosen.label}.", markup=False, highlight=False)
