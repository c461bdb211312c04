"""`panelbot doctor`: is this deployment ready to go live?

Each check is a small function returning a `Check` (ok, fail or not set up, a detail, and for a failure the
fix in one plain sentence). `run_doctor()` runs them in order: the settings, the database and its migration,
the preset, each platform that is switched on (its credentials, and for Telegram the webhook Telegram has),
the panel and BM channels (set, and the bot can post there), the voting roles (someone to vote in each), the
agencies (a channel for each the preset sends requests to), email (a relay answers EHLO, or where the .eml files
go), the strength of the secrets the bot generates or
checks, and that the addresses platforms call, and those the bot sends its tokens to, are `https`.

Nothing here prints or returns a secret: a secret is shown as "set", "missing" or the first 4 hex digits of
its SHA-256, and every detail is scrubbed of every configured secret's value before it is returned. Nothing
is written to the database.

The package: `checks` (a check's result and the shared helpers), `core` (settings, database, preset,
platforms), one module per platform (`slack`, `telegram`, `teams`, `email`), `panel` (channels, roles, agencies),
`safety` (secrets and addresses) and `run` (every check in order, and the result as text or JSON).
"""

from bot.doctor.checks import FAIL, NOT_SET_UP, OK, Check
from bot.doctor.run import as_json, as_text, exit_code, run_doctor
from bot.doctor.safety import check_addresses, check_secrets

__all__ = [
    "FAIL",
    "NOT_SET_UP",
    "OK",
    "Check",
    "as_json",
    "as_text",
    "check_addresses",
    "check_secrets",
    "exit_code",
    "run_doctor",
]
