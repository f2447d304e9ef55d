from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from linli.core.database import Base, get_engine
from linli.migrations import include_object


async def test_migrations_build_exactly_the_schema_the_models_declare(db: str) -> None:
    def diff(conn: Connection) -> list[object]:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))

    async with get_engine().connect() as conn:
        assert await conn.run_sync(diff) == []
