"""Whether a failure may go away by trying again later (the retry strategy's question).

Store-free and httpx-free: SQLAlchemy's and httpx's errors are looked up, not
imported; if neither library ever loaded, none of their errors can be among the
causes, and a file run starts without them.
"""

from __future__ import annotations

import re
import sys

from fieldwright.connectors import ConnectorError

__all__ = ["is_transient"]


#: Connector messages of failures that go away by themselves: an API failing or limiting
#: (HTTP 429, 5xx) or a database that is busy or cannot be reached right now.
_TRANSIENT_TEXT = re.compile(
    r"\bHTTP (?:429|5\d\d)\b|database is locked|connection refused|could not connect"
    r"|server closed the connection|timed? ?out",
    re.IGNORECASE,
)


def is_transient(error: BaseException) -> bool:
    """Whether trying again later may work.

    A connector error that says so (a true ``transient`` attribute), a network or
    connection error anywhere in its causes (OS, httpx, a dropped database
    connection), or a connector message naming an HTTP 429/5xx or a busy database.
    Never a failure after the run published part of its records (a true
    ``repeats_delivery`` on the error: a pipeline's targets), whatever its cause:
    trying again would deliver those twice.
    """
    if getattr(error, "repeats_delivery", False) is True:
        return False
    httpx = sys.modules.get("httpx")
    sa_exc = sys.modules.get("sqlalchemy.exc")
    network: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
    dropped: tuple[type[BaseException], ...] = ()  # a database connection that went away
    if httpx is not None:
        network += (httpx.TransportError,)
    if sa_exc is not None:
        network += (sa_exc.DisconnectionError,)
        dropped = (sa_exc.DBAPIError,)
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "transient", False) is True:
            return True
        if isinstance(current, network):
            return True
        if isinstance(current, dropped) and getattr(current, "connection_invalidated", False):
            return True
        if isinstance(current, ConnectorError) and _TRANSIENT_TEXT.search(str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False
