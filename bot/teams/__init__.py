"""The Microsoft Teams adapter, on the Microsoft 365 Agents SDK (`microsoft-agents-*` 1.x).

- `app`: the SDK host (connection manager, `CloudAdapter`, `AgentApplication`), `POST /api/messages` behind
  the SDK's JWT middleware; `config`: the SDK's env-based settings;
- `handlers`: @-mention commands and `Action.Execute` presses, registered in one `register(app, panel, outbound)`;
- `cards`: shared views as Adaptive Cards; `proactive`: conversation references and messages sent outside a
  person's turn; `store`: where references are kept (the project's database); `adapter`: the outbox
  `Adapter`; `package`: the Teams app package (`panelbot teams package`).

Every decision is the core's: a rule that lives in this folder is a bug.
"""

from bot.teams.app import TeamsBot
from bot.teams.config import TeamsConfig

__all__ = ["TeamsBot", "TeamsConfig"]
