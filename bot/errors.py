"""Errors a user can fix (bad config, wrong database file, bad arguments).

The CLI turns a `UserError` into one line on stderr and exit status 2, never a traceback: the person running the
bot needs to know which file and which key to fix, not where in our code we noticed.
"""


class UserError(Exception):
    """An error caused by input the user controls; its message is shown as is."""


class ConfigError(UserError):
    """The configuration file is missing, unreadable or does not validate."""


class StoreError(UserError):
    """The database file is not a claimdesk SQLite database this version can use."""


class StoreConflict(Exception):
    """Another process's transaction and this unit of work waited for each other (a deadlock the database server
    broke): this one was rolled back, nothing of it written, and may be run again."""


class FeedError(Exception):
    """This feed could not be read or parsed; the message says why, for logs and the feed row. Not a `UserError`:
    a feed's failure is counted and shown on the feed, never the end of the command."""
