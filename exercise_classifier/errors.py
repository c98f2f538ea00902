"""User-facing errors, in a module of their own at the bottom of the package.

Every error a user can fix (a bad argument, a missing input, an unwritable output, settings that do not match the
data or the model) is a :class:`UserError`. The console command prints it as exactly one line and exits with
status 2; a library caller can catch the one base class. Messages never contain credentials.
"""


class UserError(Exception):
    """An error the user can fix; printed as one line by the CLI, exit status 2."""





def require(condition: bool, message: str) -> None:
    """Argument validation for the ``run_*`` functions: raise :class:`UserError` with ``message`` unless true."""
    if not condition:
        raise UserError(message)
