"""Staff labels on unanswered questions (the topic a question should have had), for the next
training's NLU data. The questions themselves stay in the tracker store."""

from __future__ import annotations

from typing import Dict

import sqlalchemy as sa

from bot.db import metadata, now_utc

labels = sa.Table(
    "unanswered_labels",
    metadata,
    sa.Column("question_id", sa.String(300), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("topic", sa.String(100), nullable=False),
    sa.Column("labeled_by", sa.String(100), nullable=False),
    sa.Column("labeled_at", sa.String(40), nullable=False),
)


class LabelStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def all(self) -> Dict[str, sa.engine.Row]:
        """Every label by question id (rows with text, topic, labeled_by, labeled_at)."""
        with self.engine.connect() as connection:
            return {row.question_id: row for row in connection.execute(sa.select(labels))}

    def put(self, question_id: str, text: str, topic: str, labeled_by: str) -> None:
        """Label a question (again: the newest label wins)."""
        with self.engine.begin() as connection:
            connection.execute(labels.delete().where(labels.c.question_id == question_id))
            connection.execute(
                labels.insert().values(
                    question_id=question_id,
                    text=text,
                    topic=topic,
                    labeled_by=labeled_by,
                    labeled_at=now_utc().isoformat(),
                )
            )
