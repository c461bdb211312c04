"""Errors a person can act on.

Every refusal in the product is a `PanelError` whose message is one plain-English sentence meant for the
person who asked (a business manager, a panel member, an agency contact). Adapters show it as it is,
privately where the platform allows; nothing changes when one is raised.
"""


class PanelError(Exception):
    """A request was refused. `str(error)` is the message for the person who made it.

    A refusal that is about one answer of a form (a meeting day outside its window, a place holding a date of
    birth) names that form field (`field`), so a platform shows it beside the field, or asks that question
    again; `in_form` is what it says there, where the typed command's wording ("add `override REASON`") does not
    fit a form."""

    def __init__(self, *args: object, field: str | None = None, in_form: str | None = None) -> None:
        super().__init__(*args)
        self.field = field
        self.in_form = in_form

    @property
    def beside(self) -> str:
        """The refusal as a form shows it."""
        return self.in_form or str(self)


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
