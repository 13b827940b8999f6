"""The second sources of enrich steps: files, SQL tables or queries, HTTP endpoints.

An enrich step's `source` is a file connector (its path relative to the
pipeline's folder), inline SQL or HTTP connector settings, or a saved
connection named in `source.connection` (its settings, then the step's own
`source.settings` over them: a table or query of that database; the secret
from the OS keyring). `EnrichSources` opens them for a run (read whole, mode
index; or a `SqlLookup`/`HttpLookup`, mode lookup) and checks them for
validate: an unknown connection, a kind that does not match the connection's,
a table without the key columns (probing the database only when asked).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from fieldwright.connectors import ConnectorError, open_connector_source, open_source
from fieldwright.domain import ConnectorRef, CredentialRef, MappingDocument
from fieldwright.domain.pipeline import EnrichStep
from fieldwright.domain.records import SourceItem
from fieldwright.engine.paths import PathError
from fieldwright.engine.pipeline import PipelineResolver
from fieldwright.engine.pipeline.steps import PartnerLookup
from fieldwright.engine.pipeline.values import last_name
from fieldwright.service._connectors import file_kind_format
from fieldwright.service.files import file_settings
from fieldwright.store import NotFound, StoreError

if TYPE_CHECKING:  # the store's models load when a saved connection is looked up
    from fieldwright.store import ConnectionRepository, Store

__all__ = [
    "ConnectionLookup",
    "EnrichSources",
    "default_store_connections",
    "enrich_resolver",
    "store_connections",
]

#: The connector reference of a saved connection by name; raises KeyError when unknown.
ConnectionLookup = Callable[[str], ConnectorRef]

_KEYRING_SERVICE = "fieldwright"


def _reference(repository: ConnectionRepository, name: str) -> ConnectorRef:
    """Connection `name` as a connector reference; KeyError saying why when it cannot be
    had (none of that name, or the store cannot be read)."""
    try:
        record = repository.get(name)
    except NotFound as exc:
        known = ", ".join(sorted(r.name for r in repository.list_connections())) or "(none)"
        raise KeyError(f"no saved connection is named {name!r}; saved: {known}") from exc
    except StoreError as exc:
        raise KeyError(f"cannot read saved connection {name!r} from the store: {exc}") from exc
    credential = None
    if record.keyring_username:
        credential = CredentialRef(
            service=record.keyring_service or _KEYRING_SERVICE, username=record.keyring_username
        )
    return ConnectorRef(
        kind=record.kind, settings=record.settings, credential=credential, connection=name
    )


def store_connections(store: Store) -> ConnectionLookup:
    """Saved connections of an open store."""
    from fieldwright.store import ConnectionRepository

    repository = ConnectionRepository(store)
    return lambda name: _reference(repository, name)


def default_store_connections(url: str | None = None) -> ConnectionLookup:
    """Saved connections of the default store (FIELDWRIGHT_DATABASE_URL, else the user's),
    opened when a step first names one: a pipeline file run reads them from there."""

    def lookup(name: str) -> ConnectorRef:
        from fieldwright.store import ConnectionRepository, Store

        try:
            store = Store.open(url)
        except StoreError as exc:
            raise KeyError(f"cannot open the store to find connection {name!r}: {exc}") from exc
        with store:
            return _reference(ConnectionRepository(store), name)

    return lookup


def _source_keys(step: EnrichStep) -> list[str]:
    """The source's key names: the last member of each source path of `on`."""
    return [last_name(path) for path in step.on.values()]


class EnrichSources:
    """Opens and checks enrich steps' sources; files relative to `base`."""

    def __init__(self, base: Path | None, connections: ConnectionLookup | None) -> None:
        self.base = base
        self.connections = connections

    def reference(self, step: EnrichStep) -> ConnectorRef:
        """The step's source with a saved connection's settings and credential merged in."""
        source = step.source
        if source.connection is None:
            return source
        if self.connections is None:
            raise ConnectorError(
                f"step {step.name!r}: its source names the saved connection "
                f"{source.connection!r}, and no store is open to find it"
            )
        try:
            saved = self.connections(source.connection)
        except KeyError as exc:
            raise ConnectorError(f"step {step.name!r}: {exc.args[0]}") from exc
        if saved.kind != source.kind:
            raise ConnectorError(
                f"step {step.name!r}: connection {source.connection!r} is {saved.kind}, "
                f"not {source.kind}"
            )
        settings = {**saved.settings, **source.settings}
        base, given = saved.settings.get("url"), source.settings.get("url")
        if saved.kind == "http" and isinstance(given, str) and given.startswith("/"):
            if not isinstance(base, str) or not base:
                raise ConnectorError(
                    f"step {step.name!r}: its URL {given!r} is a path, and connection "
                    f"{source.connection!r} has no url to take it from"
                )
            settings["url"] = base.rstrip("/") + given  # a path on the connection's host
        return saved.model_copy(
            update={
                "settings": settings,
                "credential": source.credential or saved.credential,
            }
        )

    def partner(self, step: EnrichStep) -> Iterable[SourceItem]:
        """Every record of the step's source (mode index), read once per run."""
        connector = step.source
        try:
            if file_kind_format(connector.kind) is not None:
                given = connector.settings.get("path")
                if not isinstance(given, str) or not given:
                    raise ConnectorError(
                        f"a {connector.kind} source needs settings.path: the file to read"
                    )
                path = (self.base or Path.cwd()) / given
                name, settings = file_settings(connector, path, None, "source")
                source = open_source(path, name, **settings)
            else:
                source = open_connector_source(self.reference(step))
        except ConnectorError as exc:
            raise ConnectorError(f"step {step.name!r}: its enrich source {exc}") from exc
        try:
            yield from source
        finally:
            source.close()

    def lookup(self, step: EnrichStep) -> PartnerLookup:
        """The step's source asked for keys a batch at a time (mode lookup)."""
        try:
            from fieldwright.connectors.lookup import open_connector_lookup  # httpx: lazily

            return open_connector_lookup(
                self.reference(step),
                keys=_source_keys(step),
                records_path=step.records_path,
                batch_param=step.batch_param,
                max_requests=step.max_requests,
            )
        except ConnectorError as exc:
            raise ConnectorError(f"step {step.name!r}: its enrich source {exc}") from exc

    def check(self, step: EnrichStep, *, probe: bool) -> list[tuple[str, str]]:
        """What is wrong with the step's source: (pointer below the step, message).

        Without `probe` only what needs no database or network: the saved connection
        exists and is of the step's kind. With it, a SQL source is opened: its table or
        query must be there and hold the key columns."""
        source = step.source
        if file_kind_format(source.kind) is not None:
            return []
        if source.kind not in ("sql", "http"):
            return [("/source/kind", f"an enrich source is a file, sql or http, not {source.kind}")]
        if source.connection is not None:
            if self.connections is None:
                return []  # nothing to look it up in (a file checked outside the app's store)
            try:
                self.connections(source.connection)
            except KeyError as exc:
                return [("/source/connection", str(exc.args[0]))]
        try:
            reference = self.reference(step)
        except ConnectorError as exc:
            return [("/source", str(exc))]
        if reference.kind == "sql":
            given = {k for k in ("table", "query") if reference.settings.get(k)}
            if not given:
                return [("/source/settings", "a SQL source names a table or a query")]
            if len(given) == 2:
                return [("/source/settings", "give a SQL source a table or a query, not both")]
        if reference.kind == "http" and not reference.settings.get("url"):
            return [("/source/settings/url", "an HTTP source needs its url")]
        try:
            keys = _source_keys(step)
        except PathError:
            return []  # the path's own problem is reported at /on
        if not probe or reference.kind != "sql":
            return []
        try:
            from fieldwright.connectors.lookup import open_connector_lookup  # httpx: lazily

            opened = open_connector_lookup(reference, keys=keys)
        except ConnectorError as exc:
            where = "/on" if "no key column" in str(exc) else "/source"
            return [(where, str(exc))]
        opened.close()
        return []

    def resolver_parts(
        self, *, probe: bool = False
    ) -> tuple[
        Callable[[EnrichStep], Iterable[SourceItem]],
        Callable[[EnrichStep], PartnerLookup],
        Callable[[EnrichStep], list[tuple[str, str]]],
    ]:
        return self.partner, self.lookup, lambda step: self.check(step, probe=probe)


def enrich_resolver(
    base: Path | None,
    connections: ConnectionLookup | None,
    mapping: Callable[[str], MappingDocument] | None = None,
    *,
    probe: bool = False,
) -> PipelineResolver:
    """A pipeline resolver whose enrich steps read through `EnrichSources`."""
    sources = EnrichSources(base, connections)
    partner, lookup, check = sources.resolver_parts(probe=probe)
    return PipelineResolver(
        mapping=mapping,
        partner=partner,
        lookup=lookup,
        check_source=check,
    )
