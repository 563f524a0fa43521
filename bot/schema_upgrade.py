"""Columns added to a table after a database was made: ALTER TABLE ADD COLUMN for the missing ones.

Why: `metadata.create_all` makes missing tables but never changes an existing one, and the
web database of a running installation outlives a release.
"""
from __future__ import annotations

import sqlalchemy as sa


def add_missing_columns(engine: sa.engine.Engine, table: sa.Table) -> None:
    """Every column of `table` that the database lacks (nullable, or with a server default)."""
    present = {c["name"] for c in sa.inspect(engine).get_columns(table.name)}
    with engine.begin() as connection:
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(engine.dialect)
            default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
            connection.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}"))
