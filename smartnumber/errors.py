"""Errors the CLI turns into one line and exit status 1.

UserError and its kinds are what a user can cause; StorageError is the database
failing (locked, unreadable, full): not the user's fault, but still one clear line.
"""


class UserError(Exception):
    """Bad input or a request that cannot be met; the message is shown as is."""


class NotFound(UserError):
    """A named thing (agent, number, contact...) does not exist."""


class Conflict(UserError):
    """The thing already exists, or the change would break a rule of the model."""


class StorageError(Exception):
    """The database could not do what was asked (raised by storage/ only)."""


class StorageBusy(StorageError):
    """The database is locked by someone else for longer than we wait: try again later."""


class StorageUnavailable(StorageBusy):
    """The database cannot be reached now (a server restarting, a network down): like a
    lock, it passes; what must not be lost waits for it and tries again."""
