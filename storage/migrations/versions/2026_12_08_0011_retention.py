"""Retention: each municipality's periods and privacy contact, the inactivity warning on
participants, outbox rows that outlive their recipient's link, the purge's runs, the
destruction log and the keyed hashes of erased addresses.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 02:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PERIODS = (
    ('inactive_months', '24'),
    ('feedback_months', '12'),
    ('outbox_days', '30'),
    ('message_key_days', '7'),
)


def upgrade() -> None:
    """Upgrade schema."""
    for name, default in PERIODS:
        op.add_column(
            'municipalities', sa.Column(name, sa.Integer(), server_default=default, nullable=False)
        )
    op.add_column('municipalities', sa.Column('privacy_contact', sa.String(200), nullable=True))
    op.add_column('participants', sa.Column('retention_warned_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.alter_column('participant_id', existing_type=sa.Integer(), nullable=True)
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trigger', sa.String(16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs')),
    )
    op.create_index(op.f('ix_retention_runs_started_at'), 'retention_runs', ['started_at'])
    op.create_table(
        'destructions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('destroyed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=True),
        sa.Column('category', sa.String(32), nullable=False),
        sa.Column('reason', sa.String(32), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['municipality_id'], ['municipalities.id'],
            name=op.f('fk_destructions_municipality_id_municipalities'), ondelete='SET NULL',
        ),
        sa.ForeignKeyConstraint(
            ['run_id'], ['retention_runs.id'],
            name=op.f('fk_destructions_run_id_retention_runs'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_destructions')),
    )
    op.create_index(op.f('ix_destructions_destroyed_at'), 'destructions', ['destroyed_at'])
    op.create_table(
        'erased_addresses',
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('address_hash', sa.String(64), nullable=False),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'address_hash', name=op.f('pk_erased_addresses')),
    )


def downgrade() -> None:
    """Downgrade schema: outbox rows that lost their recipient go (they cannot be kept)."""
    op.drop_table('erased_addresses')
    op.drop_index(op.f('ix_destructions_destroyed_at'), table_name='destructions')
    op.drop_table('destructions')
    op.drop_index(op.f('ix_retention_runs_started_at'), table_name='retention_runs')
    op.drop_table('retention_runs')
    op.execute('DELETE FROM outbox WHERE participant_id IS NULL')
    with op.batch_alter_table('outbox') as batch_op:
        batch_op.alter_column('participant_id', existing_type=sa.Integer(), nullable=False)
    op.execute('ALTER TABLE participants DROP COLUMN retention_warned_at')
    for name in ('privacy_contact', *(name for name, _ in reversed(PERIODS))):
        op.execute(f'ALTER TABLE municipalities DROP COLUMN {name}')
