"""The Alembic migrations build exactly the tables the models describe, on SQLite and PostgreSQL, so a
model change without its migration fails here rather than in a partnership's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import current_revision, head_revision
from storage.models import Base


async def test_migrated_schema_matches_the_models(engine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert diff == []


async def test_upgrade_leaves_the_database_at_head(engine):
    assert await current_revision(engine) == head_revision()
