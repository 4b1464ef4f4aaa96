"""telegram_voice_note.unclear_at: a voice note nobody can make out stops waiting

A note ends typed up or marked unclear, never both (a check constraint says so).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("telegram_voice_note") as batch:
        batch.add_column(sa.Column("unclear_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("one_outcome", "transcribed_at IS NULL OR unclear_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("telegram_voice_note") as batch:
        batch.drop_constraint("one_outcome", type_="check")
        batch.drop_column("unclear_at")
