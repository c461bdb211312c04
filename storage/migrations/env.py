"""Alembic runs migrations on a connection that Panelbot hands it (see storage/db.py), so the same code
works for the async SQLite and PostgreSQL engines and for `alembic` on the command line."""

from alembic import context

from storage.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations with `panelbot db upgrade`.")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
