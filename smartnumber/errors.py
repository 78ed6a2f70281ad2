"""Errors a user can cause: the CLI prints their message on one line and exits 1."""


class UserError(Exception):
    """Bad input or a request that cannot be met; the message is shown as is."""


class NotFound(UserError):
    """A named thing (agent, number, contact...) does not exist."""


class Conflict(UserError):
    """The thing already exists, or the change would break a rule of the model."""
