"""Errors a person can act on.

Every refusal in the product is a `PanelError` whose message is one plain-English sentence meant for the
person who asked (a business manager, a panel member, an agency contact). Adapters show it as it is,
privately where the platform allows; nothing changes when one is raised.
"""


class PanelError(Exception):
    """A request was refused. `str(error)` is the message for the person who made it."""


class NotFound(PanelError):
    """A reference, member or channel that does not exist."""


class NotAllowed(PanelError):
    """The person may not do this (wrong role, not on the panel)."""


class InvalidInput(PanelError):
    """The request was understood but a value in it is wrong."""


class WrongState(PanelError):
    """The referral or ballot is not in a state where this can happen (voting closed, already decided)."""


class AlreadyDone(PanelError):
    """The same platform delivery (a Telegram update, a Teams activity) came again after its work had been
    recorded: nothing is recorded twice."""

    def __init__(self, message: str = "That was already recorded; nothing more was changed.") -> None:
        super().__init__(message)
