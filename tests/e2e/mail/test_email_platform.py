"""Email as a platform: addresses as ids on the command line and at the terminal (checked, lower-cased), more
than one address for one agency, and the embedded default with no relay: each email written as a .eml file to
the files folder (never the repository), said at the start, switched on once the record holds an address."""

from __future__ import annotations

import email
import email.policy
import logging
from pathlib import Path

import pytest
from mail_world import OP, draft
from sqlalchemy import update
from typer.testing import CliRunner

from bot.cli import app
from bot.email.platform import EmailPlatform
from bot.notify import OutboxPump, Sender
from bot.platforms import enabled_platforms
from bot.settings import Settings
from flows.errors import InvalidInput
from storage.models import OutboxMessage


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    env = {"PANELBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'panel.db'}", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, " ".join(result.output.split())


def test_addresses_are_ids_on_the_command_line_and_an_agency_may_have_several(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out = cli(tmp_path, "member", "add", "Pat Doe", "--role", "police", "--id", "email:Pat.Doe@Police.example")
    assert code == 0 and "Added Pat Doe as Police (email:pat.doe@police.example)." in out, out
    code, out = cli(tmp_path, "member", "add", "Sam Roe", "--role", "health", "--id", "email:sam at nhs")
    assert code != 0 and '"sam at nhs" is not an email address; write it as email:name@agency.example' in out, out
    code, out = cli(tmp_path, "member", "list")
    assert "Sam Roe" not in out  # refused: nothing changed

    code, out = cli(tmp_path, "channel", "set", "agency:police", "--id", "email:safeguarding@police.example",
                    "--id", "email:deputy@police.example")
    assert code == 0 and "agency:police is now email:safeguarding@police.example, email:deputy@police.example" in out
    code, out = cli(tmp_path, "channel", "add", "agency:police", "--id", "email:duty@police.example")
    assert code == 0 and "agency:police now also goes to email:duty@police.example." in out, out
    code, out = cli(tmp_path, "channel", "add", "agency:police", "--id", "email:DUTY@police.example")
    assert code != 0 and "email:duty@police.example is already set for agency:police" in out, out
    code, out = cli(tmp_path, "channel", "remove", "agency:police", "--id", "email:deputy@police.example")
    assert code == 0 and "agency:police no longer goes to email:deputy@police.example." in out, out
    code, out = cli(tmp_path, "channel", "list")
    assert "agency:police: email:safeguarding@police.example agency:police: email:duty@police.example" in out, out
    # Setting it again replaces that platform's ids for the purpose.
    code, out = cli(tmp_path, "channel", "set", "agency:police", "--id", "email:new@police.example")
    code, out = cli(tmp_path, "channel", "list")
    assert out == "agency:police: email:new@police.example", out
    code, out = cli(tmp_path, "channel", "set", "--help")
    assert "Repeat --id for more than one address on one platform" in out, out


async def test_the_terminal_takes_an_address_as_a_member_s_id(make_panel) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    from bot.console.repl import ConsoleSession, SimClock

    panel = await make_panel("salford")
    console = Console(record=True, width=200)
    session = ConsoleSession(panel, Sender(panel, []), console, SimClock())
    await session.handle('member add "Pat Doe" police email:pat@police.example')
    await session.handle('member add "Sam Roe" health email:nobody')
    shown = " ".join(console.export_text().split())
    assert "Added Pat Doe as Police." in shown, shown
    assert '"nobody" is not an email address' in shown, shown
    [pat] = [m for m in await panel.list_members() if m.name == "Pat Doe"]
    assert pat.identities == ("email:pat@police.example",)


async def test_with_no_relay_each_email_is_a_eml_file_in_the_files_folder(make_panel, panelbot_files, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    panel = await make_panel("salford")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    pump = OutboxPump(Sender(panel, []))
    assert not EmailPlatform.enabled(settings)
    assert [p.name for p in await enabled_platforms(panel, settings, pump)] == []  # no address yet: off
    await panel.set_channel(actor=OP, purpose="agency:police", platform_id="email:safeguarding@police.example")
    [platform] = await enabled_platforms(panel, settings, pump)  # the record switches it on
    assert platform.name == "email"
    await platform.start()
    folder = Path(panelbot_files) / "email"
    assert f"each email is written as a .eml file to {folder}" in caplog.text

    ref = await panel.file_referral(actor=OP, draft=draft())
    await panel.send_requests(actor=OP, reference=ref, agencies=["police"])
    sender = Sender(panel, [platform.adapter])
    await sender.flush()
    [written] = list(folder.glob("*.eml"))
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    mail = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert str(mail["Subject"]).startswith(f"[{ref}] Information request: return due ")
    assert "http://127.0.0.1:8080/email/return/" in mail.get_body(("plain",)).get_content()  # the local server
    # Delivered again (as after a crash before its delivery was recorded): the same Message-ID, so the same
    # file, not a second one.
    async with panel.uow() as uow:
        await uow.session.execute(update(OutboxMessage).values(sent_at=None, delivered_to=[]))
        await uow.commit()
    await Sender(panel, [platform.adapter]).flush()
    assert list(folder.glob("*.eml")) == [written]


def test_an_address_is_checked_and_kept_lower_cased() -> None:
    assert EmailPlatform.check_id(" Safeguarding@Police.Example ") == "safeguarding@police.example"
    assert EmailPlatform.check_id("mailto:a.b+c@x.example") == "a.b+c@x.example"
    for bad in ("safeguarding", "a@b", "a b@x.example", "a@x..example", "<a@x.example>", "a@x.example, b@y.example",
                "x" * 65 + "@x.example"):
        with pytest.raises(InvalidInput, match="is not an email address"):
            EmailPlatform.check_id(bad)
