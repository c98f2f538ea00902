"""User-facing errors, in a module of their own so every entry point (console script, ``python -m``) shares them."""


class CliError(Exception):
    """An error the user can fix; printed as one line by the CLI, exit status 2."""
