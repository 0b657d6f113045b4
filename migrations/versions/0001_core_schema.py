"""Core schema: units, counters, questionnaires, ballots, answers, daily tallies, users, tokens, kiosks.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 10:45:19.318935
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
    sa.UniqueConstraint('code', 'version', name=op.f('uq_questionnaire_code_version'))
    )
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('stats_code', sa.String(length=20), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('province', 'department', 'district', 'commune', 'central_agency', 'service_centre', 'one_stop', 'counter_group')", name=op.f('ck_unit_kind')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_unit_not_own_parent')),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from', name=op.f('ck_unit_validity')),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], name=op.f('fk_unit_parent_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_unit_code'))
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_parent_id'), ['parent_id'], unique=False)

    op.create_table('counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_counter_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter')),
    sa.UniqueConstraint('unit_id', 'code', name=op.f('uq_counter_unit_id_code'))
    )
    op.create_table('daily_tally',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint("channel IN ('kiosk', 'qr_counter', 'qr_receipt', 'web', 'paper')", name=op.f('ck_daily_tally_channel')),
    sa.CheckConstraint("level IN ('very_satisfied', 'satisfied', 'not_satisfied')", name=op.f('ck_daily_tally_level')),
    sa.CheckConstraint("status IN ('valid', 'flagged', 'void', 'test')", name=op.f('ck_daily_tally_status')),
    sa.CheckConstraint('count >= 0', name=op.f('ck_daily_tally_count_not_negative')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_daily_tally_unit_id_unit')),
    sa.PrimaryKeyConstraint('unit_id', 'day', 'channel', 'status', 'level', name=op.f('pk_daily_tally'))
    )
    op.create_table('questionnaire_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('element', sa.String(length=40), nullable=True),
    sa.CheckConstraint("kind IN ('three_level', 'five_level', 'yes_no', 'single_choice', 'multiple_choice', 'short_text', 'long_text')", name=op.f('ck_questionnaire_item_kind')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_item_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_item')),
    sa.UniqueConstraint('questionnaire_id', 'code', name=op.f('uq_questionnaire_item_questionnaire_id_code'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role = 'admin' OR unit_id IS NOT NULL", name=op.f('ck_user_account_scoped_role_has_unit')),
    sa.CheckConstraint("role IN ('admin', 'officer', 'clerk')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_user_account_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_api_token_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('kiosk_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_device_counter_id_counter')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_kiosk_device_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_device')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_device_token_hash'))
    )
    op.create_table('ballot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('flag_reason', sa.String(length=24), nullable=True),
    sa.Column('respondent_group', sa.String(length=24), nullable=True),
    sa.Column('procedure_field', sa.String(length=80), nullable=True),
    sa.Column('procedure_code', sa.String(length=40), nullable=True),
    sa.Column('dossier_hash', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("channel IN ('kiosk', 'qr_counter', 'qr_receipt', 'web', 'paper')", name=op.f('ck_ballot_channel')),
    sa.CheckConstraint("flag_reason IS NULL OR flag_reason IN ('clock_ahead', 'clock_too_old', 'burst', 'rate_limit', 'honeypot', 'replayed_token')", name=op.f('ck_ballot_flag_reason')),
    sa.CheckConstraint("level IS NULL OR level IN ('very_satisfied', 'satisfied', 'not_satisfied')", name=op.f('ck_ballot_level')),
    sa.CheckConstraint("respondent_group IS NULL OR respondent_group IN ('citizen', 'organisation', 'enterprise', 'council_delegate', 'civil_servant')", name=op.f('ck_ballot_respondent_group')),
    sa.CheckConstraint("status <> 'flagged' OR flag_reason IS NOT NULL", name=op.f('ck_ballot_flag_has_reason')),
    sa.CheckConstraint("status IN ('valid', 'flagged', 'void', 'test')", name=op.f('ck_ballot_status')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_ballot_counter_id_counter')),
    sa.ForeignKeyConstraint(['device_id'], ['kiosk_device.id'], name=op.f('fk_ballot_device_id_kiosk_device')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_ballot_questionnaire_id_questionnaire')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_ballot_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ballot_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('client_id', name=op.f('uq_ballot_client_id'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_dossier_hash'), ['dossier_hash'], unique=False)
        batch_op.create_index('ix_ballot_unit_day', ['unit_id', 'local_day'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ballot_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['ballot.id'], name=op.f('fk_answer_ballot_id_ballot')),
    sa.ForeignKeyConstraint(['item_id'], ['questionnaire_item.id'], name=op.f('fk_answer_item_id_questionnaire_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer'))
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_ballot_id'), ['ballot_id'], unique=False)

    


def downgrade() -> None:
    
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_ballot_id'))

    op.drop_table('answer')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index('ix_ballot_unit_day')
        batch_op.drop_index(batch_op.f('ix_ballot_dossier_hash'))

    op.drop_table('ballot')
    op.drop_table('kiosk_device')
    op.drop_table('api_token')
    op.drop_table('user_account')
    op.drop_table('questionnaire_item')
    op.drop_table('daily_tally')
    op.drop_table('counter')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_parent_id'))

    op.drop_table('unit')
    op.drop_table('questionnaire')
    
