"""One answer row per response, question and slot (0, or the option of a multiple choice): doubled answers are reported, repaired, then made impossible by a unique index.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 12:30:00.000000

Two turns of one person running at once on two processes could store two values for one
question of one response. The repair keeps what the person answered last: for each response
and question, the rows written at its latest time (one write of a multiple choice shares it),
and of those the newest row per slot. What it removed is printed on stderr.
"""
import sys
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SLOTS = (
    "UPDATE answers SET slot = option_id WHERE option_id IS NOT NULL AND question_id IN "
    "(SELECT id FROM questions WHERE kind = 'multi')"
)
# Rows of an earlier write than the latest one to the same question of the same response.
OLDER_WRITES = (
    "answered_at < (SELECT MAX(later.answered_at) FROM answers later "
    "WHERE later.response_id = answers.response_id AND later.question_id = answers.question_id)"
)
# Rows that share their response, question and slot with a newer row.
DOUBLES = (
    "id < (SELECT MAX(twin.id) FROM answers twin WHERE twin.response_id = answers.response_id "
    "AND twin.question_id = answers.question_id AND twin.slot = answers.slot)"
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slot', sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    bind.execute(sa.text(SLOTS))
    doomed = f"({OLDER_WRITES}) OR ({DOUBLES})"
    rows, responses = bind.execute(
        sa.text(f"SELECT COUNT(*), COUNT(DISTINCT response_id) FROM answers WHERE {doomed}")
    ).one()
    if rows:
        bind.execute(sa.text(f"DELETE FROM answers WHERE {OLDER_WRITES}"))
        bind.execute(sa.text(f"DELETE FROM answers WHERE {DOUBLES}"))
        print(
            f"migration 0009: {rows} doubled answer rows in {responses} responses removed "
            "(the latest answer to each question was kept)",
            file=sys.stderr,
        )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_response_id')
        batch_op.create_index('uq_answers_one_value', ['response_id', 'question_id', 'slot'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('uq_answers_one_value')
        batch_op.create_index('ix_answers_response_id', ['response_id'], unique=False)
        batch_op.drop_column('slot')
