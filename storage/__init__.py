"""Storage: SQLAlchemy models, engine and sessions, the repositories (all the SQL there is) and Alembic migrations."""
