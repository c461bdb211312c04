"""`panelbot teams package`: the Microsoft Teams app package to upload.
"""

from __future__ import annotations

from pathlib import Path

import typer

import bot.cli.common as cli
from bot.cli.common import fail, settings
from bot.settings import DEFAULT_PRESET
from flows.preset import PresetError, load_preset

teams_app = typer.Typer(help="Microsoft Teams: the app package to upload.", no_args_is_help=True)


@teams_app.command("package")
def teams_package(
    out_file: Path | None = typer.Option(
        None, "--out", help="The zip to write (default: panelbot.zip in Panelbot's files folder)."
    ),
    bot_id: str | None = typer.Option(
        None, "--bot-id", help="The Entra app's client id (default: ...SERVICE_CONNECTION__SETTINGS__CLIENTID)."
    ),
    app_id: str | None = typer.Option(None, "--app-id", help="A GUID for the Teams app (default: the bot id)."),
    name: str = typer.Option("Panelbot", "--name", help="The app's name in Teams (30 characters at most)."),
    developer: str = typer.Option("Panelbot", "--developer", help="Who publishes the app in your organisation."),
    website_url: str = typer.Option("https://example.org/panelbot", "--website-url", help="https:// address."),
    privacy_url: str = typer.Option("https://example.org/panelbot/privacy", "--privacy-url", help="https:// address."),
    terms_url: str = typer.Option("https://example.org/panelbot/terms", "--terms-url", help="https:// address."),
    version: str = typer.Option("1.0.0", "--version", help="The app's version; raise it for every re-upload."),
) -> None:
    """Write the Teams app package (manifest.json and two icons) to upload to Teams: sideload it, or ask your
    Teams admin to add it in the admin centre."""
    from bot.reports.files import files_dir
    from bot.teams.package import PackageError, build

    out_file = out_file or files_dir() / "panelbot.zip"
    s = settings()
    bot_id = bot_id or s.teams.client_id
    if not bot_id:
        raise fail(
            "Give the bot's Entra client id with --bot-id, or set CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID."
        )
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        build(
            out_file,
            bot_id=bot_id.strip(),
            app_id=app_id,
            name=name,
            partnership=load_preset(s.preset or DEFAULT_PRESET).name,
            developer=developer,
            website_url=website_url,
            privacy_url=privacy_url,
            terms_url=terms_url,
            version=version,
        )
    except PackageError as exc:
        raise fail(str(exc)) from None
    except PresetError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"Could not write {out_file} ({exc.strerror or exc}).") from None
    cli.out.print(f"Wrote {out_file}: manifest.json, color.png and outline.png.", markup=False, highlight=False)

