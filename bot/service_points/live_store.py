"""The live service-point list in the web app's database, seeded from the operator YAML.

The YAML (`data/service_points.yml`) is the seed and the reviewed source; staff edits through
the API or console go here, each with who changed it and when.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import sqlalchemy as sa

from bot.service_points.store import ServicePoint, load_points, parse_point
from bot.status.store import metadata, now_utc

service_points = sa.Table(
    "service_points",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
)

service_point_changes = sa.Table(
    "service_point_changes",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(100), nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("changed_at", sa.String(40), nullable=False),
    sa.Column("changed_by", sa.String(100), nullable=False),
)


def _dump(point: ServicePoint) -> str:
    return json.dumps(point.to_dict(), ensure_ascii=False)


class ServicePointStore:
    def __init__(self, engine: sa.engine.Engine, seed_file: Optional[Path] = None) -> None:
        self.engine = engine
        metadata.create_all(engine)
        if seed_file is not None:
            self.seed(load_points(seed_file), only_if_empty=True)

    def seed(self, points: List[ServicePoint], only_if_empty: bool = False) -> int:
        """Load the YAML's points; with only_if_empty, only on a first start."""
        with self.engine.begin() as connection:
            if only_if_empty and connection.execute(
                sa.select(sa.func.count()).select_from(service_points)
            ).scalar():
                return 0
            connection.execute(service_points.delete())
            now = now_utc().isoformat()
            for position, point in enumerate(points):
                connection.execute(service_points.insert().values(
                    id=point.id, position=position, data=_dump(point), updated_at=now, updated_by="seed",
                ))
        return len(points)

    def all(self) -> List[ServicePoint]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(service_points).order_by(service_points.c.position)).all()
        return [parse_point(json.loads(row.data), i) for i, row in enumerate(rows)]

    def get(self, point_id: str) -> Optional[ServicePoint]:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(service_points).where(service_points.c.id == point_id)).first()
        return parse_point(json.loads(row.data), 0) if row else None

    def put(self, point: ServicePoint, changed_by: str) -> bool:
        """Create or replace one point, logging the change; True when it was new."""
        now = now_utc().isoformat()
        with self.engine.begin() as connection:
            exists = connection.execute(
                sa.select(service_points.c.id).where(service_points.c.id == point.id)
            ).first()
            if exists:
                connection.execute(service_points.update().where(service_points.c.id == point.id).values(
                    data=_dump(point), updated_at=now, updated_by=changed_by,
                ))
            else:
                position = connection.execute(
                    sa.select(sa.func.coalesce(sa.func.max(service_points.c.position), -1))
                ).scalar() + 1
                connection.execute(service_points.insert().values(
                    id=point.id, position=position, data=_dump(point), updated_at=now, updated_by=changed_by,
                ))
            connection.execute(service_point_changes.insert().values(
                id=point.id, data=_dump(point), changed_at=now, changed_by=changed_by,
            ))
        return not exists

    def changes(self, limit: int = 100) -> List[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(service_point_changes).order_by(service_point_changes.c.seq.desc()).limit(limit)
            ).all()
        return [
            {"id": r.id, "changed_at": r.changed_at, "changed_by": r.changed_by, "data": json.loads(r.data)}
            for r in rows
        ]
