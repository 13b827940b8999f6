"""Where lower-level errors become service errors, with ``raise … from exc``.

Every façade method runs its store, connector and document calls inside
`service_errors()`; nothing from SQLAlchemy, the store, the connectors or
pydantic reaches the GUI or the CLI unwrapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydantic import ValidationError

from fieldwright.connectors import ConnectorError, CredentialError
from fieldwright.domain import DocumentError
from fieldwright.service._transient import is_transient
from fieldwright.service.errors import (
    ConnectorProblem,
    CredentialProblem,
    InvalidDocument,
    InvalidRequest,
    NotFound,
    SaveConflict,
    ServiceError,
    StoreProblem,
)
from fieldwright.store import errors as store_errors

__all__ = ["connector_problem", "is_transient", "service_errors"]


def connector_problem(error: ConnectorError) -> ConnectorProblem:
    return ConnectorProblem(str(error), transient=is_transient(error))


@contextmanager
def service_errors(what: str | None = None) -> Iterator[None]:
    """Translate store, connector, document and validation errors raised in the block.

    `what` ("saving mapping 'x'") prefixes messages that do not name their subject.
    """
    try:
        yield
    except ServiceError:
        raise
    except store_errors.VersionConflict as exc:
        raise SaveConflict(
            str(exc),
            key=exc.key,
            latest_version=exc.latest_version,
            saved_by=exc.saved_by,
            saved_at=exc.saved_at,
        ) from exc
    except store_errors.Conflict as exc:
        raise SaveConflict(str(exc)) from exc
    except store_errors.NotFound as exc:
        raise NotFound(str(exc)) from exc
    except store_errors.InvalidRecord as exc:
        raise InvalidRequest(_prefixed(what, str(exc))) from exc
    except store_errors.StoreError as exc:
        raise StoreProblem(str(exc)) from exc
    except DocumentError as exc:
        raise InvalidDocument(str(exc), exc.problems) from exc
    except CredentialError as exc:
        raise CredentialProblem(str(exc), transient=is_transient(exc)) from exc
    except ConnectorError as exc:
        raise connector_problem(exc) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'value'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidRequest(_prefixed(what, f"{exc.title} is not valid: {problems}")) from exc


def _prefixed(what: str | None, message: str) -> str:
    return f"{what}: {message}" if what else message
