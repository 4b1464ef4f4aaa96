"""telegram channel: processed update ids, voice notes waiting to be typed up

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_telegram_update")),
    )
    with op.batch_alter_table("telegram_update", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_update_received_at"), ["received_at"], unique=False
        )
    op.create_table(
        "telegram_voice_note",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transcribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
            name=op.f("fk_telegram_voice_note_answer_id_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participant.id"],
            name=op.f("fk_telegram_voice_note_participant_id_participant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_voice_note")),
    )
    with op.batch_alter_table("telegram_voice_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_voice_note_answer_id"), ["answer_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_telegram_voice_note_participant_id"), ["participant_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_voice_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_voice_note_participant_id"))
        batch_op.drop_index(batch_op.f("ix_telegram_voice_note_answer_id"))
    op.drop_table("telegram_voice_note")
    with op.batch_alter_table("telegram_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_update_received_at"))
    op.drop_table("telegram_update")
