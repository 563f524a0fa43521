"""The live service-point list in the web app's database, kept in step with the operator YAML.

The YAML (`data/service_points.yml`) is the reviewed source; staff edits through the API or
console go here, each with who changed it and when. At each start the entries the YAML changed
since it was last applied replace their live copies; entries it did not change keep any console
edit, so neither way of maintaining the list silently undoes the other.
"""

from __future__ import annotations

import json
from typing import List, Optional

import sqlalchemy as sa

from bot.db import metadata, now_utc
from bot.service_points.store import ServicePoint, parse_point

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

# Each entry as the YAML last gave it: what tells a YAML edit from a console edit.
service_point_yaml = sa.Table(
    "service_point_yaml",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)

YAML_EDITOR = "data/service_points.yml"


def _dump(point: ServicePoint) -> str:
    return json.dumps(point.to_dict(), ensure_ascii=False)


class ServicePointStore:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def sync_from_yaml(self, points: List[ServicePoint]) -> None:
        """Apply what the YAML changed since it was last applied."""
        now = now_utc().isoformat()
        wanted = {p.id: _dump(p) for p in points}
        with self.engine.begin() as connection:
            applied = dict(connection.execute(sa.select(service_point_yaml.c.id, service_point_yaml.c.data)).all())
            live = dict(connection.execute(sa.select(service_points.c.id, service_points.c.data)).all())
            for point in points:
                data = wanted[point.id]
                if applied.get(point.id) != data and live.get(point.id) != data:
                    self._write(connection, point.id, data, YAML_EDITOR, now)
            for point_id in applied.keys() - wanted.keys():
                if point_id in live:
                    self._remove(connection, point_id, json.loads(live[point_id]), YAML_EDITOR, now)
            connection.execute(service_point_yaml.delete())
            for point_id, data in wanted.items():
                connection.execute(service_point_yaml.insert().values(id=point_id, data=data))

    @staticmethod
    def _write(connection: sa.engine.Connection, point_id: str, data: str, changed_by: str, now: str) -> bool:
        """Create or replace one point and log the change; True when it was new."""
        exists = connection.execute(sa.select(service_points.c.id).where(service_points.c.id == point_id)).first()
        if exists:
            connection.execute(
                service_points.update()
                .where(service_points.c.id == point_id)
                .values(
                    data=data,
                    updated_at=now,
                    updated_by=changed_by,
                )
            )
        else:
            position = (
                connection.execute(sa.select(sa.func.coalesce(sa.func.max(service_points.c.position), -1))).scalar() + 1
            )
            connection.execute(
                service_points.insert().values(
                    id=point_id,
                    position=position,
                    data=data,
                    updated_at=now,
                    updated_by=changed_by,
                )
            )
        connection.execute(
            service_point_changes.insert().values(
                id=point_id,
                data=data,
                changed_at=now,
                changed_by=changed_by,
            )
        )
        return not exists

    @staticmethod
    def _remove(connection: sa.engine.Connection, point_id: str, last: dict, changed_by: str, now: str) -> None:
        connection.execute(service_points.delete().where(service_points.c.id == point_id))
        gone = json.dumps({"id": point_id, "name": last.get("name", ""), "deleted": True}, ensure_ascii=False)
        connection.execute(
            service_point_changes.insert().values(
                id=point_id,
                data=gone,
                changed_at=now,
                changed_by=changed_by,
            )
        )

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
        with self.engine.begin() as connection:
            return self._write(connection, point.id, _dump(point), changed_by, now_utc().isoformat())

    def changes(self, limit: int = 100) -> List[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(service_point_changes).order_by(service_point_changes.c.seq.desc()).limit(limit)
            ).all()
        return [
            {"id": r.id, "changed_at": r.changed_at, "changed_by": r.changed_by, "data": json.loads(r.data)}
            for r in rows
        ]
