"""How the panel's record is kept: SQLAlchemy 2 models, a unit of work per command, Alembic migrations,
the hash-chained audit log and the outbox. Runs unchanged on SQLite and PostgreSQL."""
