"""Digests: unions of municipalities and their members, digest settings and recipients, each run and each delivery.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('unions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('suppression_k', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unions')),
    sa.UniqueConstraint('slug', name=op.f('uq_unions_slug'))
    )
    op.create_table('digest_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('union_id', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.String(length=8), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('send_time', sa.String(length=5), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_digest_settings_municipality_id_municipalities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['union_id'], ['unions.id'], name=op.f('fk_digest_settings_union_id_unions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_settings')),
    sa.UniqueConstraint('municipality_id', name=op.f('uq_digest_settings_municipality_id')),
    sa.UniqueConstraint('union_id', name=op.f('uq_digest_settings_union_id'))
    )
    op.create_table('union_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('union_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('member_union_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_union_id'], ['unions.id'], name=op.f('fk_union_members_member_union_id_unions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipalities.id'], name=op.f('fk_union_members_municipality_id_municipalities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['union_id'], ['unions.id'], name=op.f('fk_union_members_union_id_unions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_union_members')),
    sa.UniqueConstraint('union_id', 'member_union_id', name='uq_union_members_member_union'),
    sa.UniqueConstraint('union_id', 'municipality_id', name='uq_union_members_municipality')
    )
    with op.batch_alter_table('union_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_union_members_union_id'), ['union_id'], unique=False)

    op.create_table('digest_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('setting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('address_enc', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['setting_id'], ['digest_settings.id'], name=op.f('fk_digest_recipients_setting_id_digest_settings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_recipients')),
    sa.UniqueConstraint('setting_id', 'kind', 'address_hash', name=op.f('uq_digest_recipients_setting_id'))
    )
    with op.batch_alter_table('digest_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_recipients_setting_id'), ['setting_id'], unique=False)

    op.create_table('digest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('setting_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['setting_id'], ['digest_settings.id'], name=op.f('fk_digest_runs_setting_id_digest_settings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_runs')),
    sa.UniqueConstraint('setting_id', 'period_start', 'period_end', name=op.f('uq_digest_runs_setting_id'))
    )
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_runs_setting_id'), ['setting_id'], unique=False)

    op.create_table('digest_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['digest_recipients.id'], name=op.f('fk_digest_deliveries_recipient_id_digest_recipients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['digest_runs.id'], name=op.f('fk_digest_deliveries_run_id_digest_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_deliveries')),
    sa.UniqueConstraint('run_id', 'kind', 'address_hash', name=op.f('uq_digest_deliveries_run_id'))
    )
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_deliveries_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('digest_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_deliveries_run_id'))

    op.drop_table('digest_deliveries')
    with op.batch_alter_table('digest_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_runs_setting_id'))

    op.drop_table('digest_runs')
    with op.batch_alter_table('digest_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_recipients_setting_id'))

    op.drop_table('digest_recipients')
    with op.batch_alter_table('union_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_union_members_union_id'))

    op.drop_table('union_members')
    op.drop_table('digest_settings')
    op.drop_table('unions')
