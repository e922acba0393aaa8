"""Answers indexed by question, option, value and response, so results are counted without a sort or a table read (it replaces the index on question and option, its prefix).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:00:00.000000

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_tally', ['question_id', 'option_id', 'value_int', 'response_id'], unique=False)
        batch_op.drop_index('ix_answers_question_option')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_question_option', ['question_id', 'option_id'], unique=False)
        batch_op.drop_index('ix_answers_tally')
