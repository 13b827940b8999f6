"""Alembic environment, configured from code (fieldwright.store.migrate); no alembic.ini.

Online: the caller hands over an open connection in ``config.attributes["connection"]``.
Offline (``--sql``, used by fieldwright.store.ddl): the URL's dialect renders the DDL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from fieldwright.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online(config.attributes["connection"])
