"""Our own errors for router operations.

Their messages are written by us from the failure's kind and the router's own trap text, never
from a client library's message: routeros-api puts the whole command, password included, into the
text of its login error. Raise them ``from None`` so a logged traceback cannot carry the
library's exception along.
"""


class RouterError(Exception):
    """A router operation failed; the message is safe to show and to log.

    Connection failures read the same whatever happened ("unreachable", "refused the login"),
    without the address: a person who may change a router's host or port must not learn from
    the error whether a port on the server's network is closed, filtered or open. `detail`
    (address and cause) is for the server's log and the operator's commands only.
    """

    retryable = False

    def __init__(self, message: str = "", *, detail: str = ""):
        super().__init__(message)
        self.detail = detail or message


class RouterUnreachable(RouterError):
    """No answer: host down, port closed, timeout, dropped connection, TLS mismatch."""

    retryable = True


class PushBusy(RouterUnreachable):
    """Another process is pushing to this router now (it holds the router's lock); retried."""


class RouterAuthFailed(RouterError):
    """The router refused the API username or password (or the login method)."""


class RouterTrap(RouterError):
    """The router refused a command and said why (its !trap message)."""

    def __init__(self, message: str, *, command: str = ""):
        super().__init__(message, detail=f"{command}: {message}" if command else message)
        self.router_message = message
        self.command = command  # the command path only, never its arguments


class RouterProtocolError(RouterError):
    """The router's answer was not understood."""

    retryable = True
