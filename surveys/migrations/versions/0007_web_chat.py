"""web chat: browser sessions and resume codes

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("web_user", sa.String(length=64), nullable=False),
        sa.Column("view", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_session_web_user"), ["web_user"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_session_last_seen_at"), ["last_seen_at"], unique=False
        )

    op.create_table(
        "web_resume_code",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("web_user", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_resume_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_web_resume_code_code_hash")),
    )
    with op.batch_alter_table("web_resume_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_resume_code_web_user"), ["web_user"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_resume_code_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("web_resume_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_resume_code_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_resume_code_web_user"))
    op.drop_table("web_resume_code")
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_session_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_web_session_web_user"))
    op.drop_table("web_session")
