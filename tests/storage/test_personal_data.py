"""Every column of every table is declared: as part of a category of personal data beside its
model, or as holding none. A new column with neither fails here."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, MetaData, String, Table

from storage.base import Base
from storage.models import Participant


def _undeclared(table: Table, model: type[Any]) -> list[str]:
    """The table's columns its model does not declare, after checking the declarations."""
    columns = {column.name for column in table.columns}
    categories = model.__dict__.get("__personal_data__")
    not_personal = model.__dict__.get("__not_personal__")
    assert categories is not None and not_personal is not None, (
        f"{table.name} declares neither __personal_data__ nor __not_personal__"
    )
    personal = [column for category in categories for column in category.columns]
    assert len(personal) == len(set(personal)), f"{table.name}: a column in two categories"
    assert not set(personal) & not_personal, f"{table.name}: a column both personal and not"
    assert set(personal) | not_personal <= columns, f"{table.name}: declares no such column"
    for category in categories:
        assert category.purpose and category.legal_basis and category.retention, category.name
    return [f"{table.name}.{name}" for name in sorted(columns - set(personal) - not_personal)]


def test_every_column_is_declared_personal_or_not_exactly_once() -> None:
    undeclared = [
        name
        for mapper in Base.registry.mappers
        for name in _undeclared(mapper.local_table, mapper.class_)  # type: ignore[arg-type]
    ]
    assert undeclared == []


def test_a_column_added_without_a_declaration_is_caught() -> None:
    table = Participant.__table__.to_metadata(MetaData())  # type: ignore[attr-defined]
    table.append_column(Column("phone", String(20)))
    assert _undeclared(table, Participant) == ["participants.phone"]
