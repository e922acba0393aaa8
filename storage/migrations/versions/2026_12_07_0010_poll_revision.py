"""A revision number on polls, one more at every change to a poll, its questions or options, so that a process may keep poll definitions in memory and know when to read them again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 13:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('polls', sa.Column('revision', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    # Not a batch copy of the table on SQLite: other tables refer to polls. Both databases
    # drop a column in place (SQLite since 3.35).
    op.execute('ALTER TABLE polls DROP COLUMN revision')
