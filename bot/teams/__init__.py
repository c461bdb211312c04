"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK (`microsoft-agents-*` 1.x).

- `app`: the SDK host (connection manager, `CloudAdapter`, `AgentApplication`), `POST /api/messages` behind
  the SDK's JWT middleware; `config`: the SDK's env-based settings;
- `handlers`: @-mention commands and `Action.Execute` presses, registered in one `register(app, panel, outbound)`;
- `cards`: shared views as Adaptive Cards; `proactive`: conversation references and messages sent outside a
  person's turn; `store`: where references are kept (the project's database); `adapter`: the outbox
  `Adapter`; `package`: the Teams app package (`panelbot teams package`).

Every decision is the core's: a rule that lives in this folder is a bug.
"""

from importlib import import_module
from typing import Any

# Loaded when first asked for, so a module that only renders (`cards`, `render`) does not load the SDK.
_LAZY = {
    "TeamsBot": "bot.teams.app",
    "TeamsConfig": "bot.teams.config",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
