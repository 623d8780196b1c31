"""One error base for the tool: an OpsError is a message for the operator, not a traceback."""


class OpsError(Exception):
    """A failure the operator can act on; the CLI prints it and exits non-zero."""

    exit_code = 2


class ConfirmationRefused(OpsError):
    """The operator did not type the confirmation word: nothing was changed."""

    exit_code = 3
