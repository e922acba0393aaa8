"""Consents: the versions of each municipality's data-protection notice, where each person's
consents to each municipality stand, and every declaration made; and feedback that staff
redacted.

People who had accepted the old one-screen notice keep their place: each gets a consent to
each municipality of their assemblies at notice version 0 and the old wording, so they are
asked again, once, at their next message.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 03:00:00.000000

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        'municipalities',
        sa.Column('notice_version', sa.Integer(), server_default='0', nullable=False),
    )
    op.add_column('feedback', sa.Column('redacted_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'privacy_notices',
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('wording', sa.String(16), nullable=False),
        sa.Column('stated', sa.JSON(), nullable=False),
        sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['municipality_id'], ['municipalities.id'],
            name=op.f('fk_privacy_notices_municipality_id_municipalities'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('municipality_id', 'version', name=op.f('pk_privacy_notices')),
    )
    op.create_table(
        'consents',
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('notice_version', sa.Integer(), nullable=False),
        sa.Column('wording', sa.String(16), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sensitive', sa.Boolean(), nullable=True),
        sa.Column('sensitive_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['participant_id'], ['participants.id'],
            name=op.f('fk_consents_participant_id_participants'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['municipality_id'], ['municipalities.id'],
            name=op.f('fk_consents_municipality_id_municipalities'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('participant_id', 'municipality_id', name=op.f('pk_consents')),
    )
    op.create_table(
        'consent_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('given', sa.Boolean(), nullable=False),
        sa.Column('notice_version', sa.Integer(), nullable=False),
        sa.Column('wording', sa.String(16), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['participant_id'], ['participants.id'],
            name=op.f('fk_consent_records_participant_id_participants'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['municipality_id'], ['municipalities.id'],
            name=op.f('fk_consent_records_municipality_id_municipalities'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_records')),
    )
    op.create_index(
        op.f('ix_consent_records_participant_id'), 'consent_records', ['participant_id']
    )
    earlier = """
        SELECT DISTINCT p.id, a.municipality_id, p.consent_version, p.consented_at
        FROM participants p
        JOIN memberships m ON m.participant_id = p.id
        JOIN assemblies a ON a.id = m.assembly_id
        WHERE p.consented_at IS NOT NULL
    """
    op.execute(
        "INSERT INTO consents (participant_id, municipality_id, notice_version, wording, given_at)"
        f" SELECT id, municipality_id, 0, COALESCE(consent_version, ''), consented_at FROM ({earlier}) e"
    )
    op.execute(
        "INSERT INTO consent_records (participant_id, municipality_id, kind, given, notice_version,"
        " wording, recorded_at) SELECT id, municipality_id, 'participation', TRUE, 0,"
        f" COALESCE(consent_version, ''), consented_at FROM ({earlier}) e"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_consent_records_participant_id'), table_name='consent_records')
    op.drop_table('consent_records')
    op.drop_table('consents')
    op.drop_table('privacy_notices')
    op.execute('ALTER TABLE municipalities DROP COLUMN notice_version')
    op.execute('ALTER TABLE feedback DROP COLUMN redacted_at')
