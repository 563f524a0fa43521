"""Staff accounts and login sessions, in the web app's database.

Passwords are hashed with the standard library's scrypt (a random salt per account);
sessions are random ids with their own CSRF token and an expiry. Two roles: an agent answers
hand-offs; a supervisor also sees every agent's conversations and figures, reassigns, and
manages the accounts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from bot.db import metadata, now_utc

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
SESSION_SECONDS = 12 * 3600
NAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,50}$"
ROLES = ("agent", "supervisor")

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("role", sa.String(20), nullable=False, default="agent", server_default="agent"),
)

staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, **SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hash_password(password, bytes.fromhex(salt)).split("$")[2]
    return hmac.compare_digest(candidate, digest)


@dataclass(frozen=True)
class Session:
    id: str
    name: str
    csrf_token: str
    role: str = "agent"


class Accounts:
    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine

    def add_user(self, name: str, password: str, role: str = "agent") -> None:
        """Create or reset an account."""
        if not re.match(NAME_PATTERN, name):
            raise ValueError("name: 2-50 letters, digits or . _ @ -")
        if len(password) < 10:
            raise ValueError("password: at least 10 characters")
        if role not in ROLES:
            raise ValueError(f"role: one of {', '.join(ROLES)}")
        with self.engine.begin() as connection:
            connection.execute(staff_users.delete().where(staff_users.c.name == name))
            connection.execute(
                staff_users.insert().values(
                    name=name, password_hash=hash_password(password), created_at=now_utc().isoformat(), role=role
                )
            )

    def set_role(self, name: str, role: str) -> bool:
        if role not in ROLES:
            raise ValueError(f"role: one of {', '.join(ROLES)}")
        with self.engine.begin() as connection:
            return (
                connection.execute(staff_users.update().where(staff_users.c.name == name).values(role=role)).rowcount
                > 0
            )

    def remove_user(self, name: str) -> bool:
        """Delete an account and end its sessions."""
        with self.engine.begin() as connection:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.name == name))
            return connection.execute(staff_users.delete().where(staff_users.c.name == name)).rowcount > 0

    def users(self) -> List[Dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                sa.select(staff_users.c.name, staff_users.c.role, staff_users.c.created_at).order_by(staff_users.c.name)
            ).all()
        return [dict(row._mapping) for row in rows]

    def role(self, name: str) -> Optional[str]:
        with self.engine.connect() as connection:
            return connection.execute(sa.select(staff_users.c.role).where(staff_users.c.name == name)).scalar()

    def check_login(self, name: str, password: str) -> bool:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(staff_users).where(staff_users.c.name == name)).first()
        if row is None:
            hash_password(password)  # same work either way: no timing hint about names
            return False
        return verify_password(password, row.password_hash)

    def start_session(self, name: str) -> Session:
        session = Session(secrets.token_urlsafe(32), name, secrets.token_urlsafe(32))
        with self.engine.begin() as connection:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < time.time()))
            connection.execute(
                staff_sessions.insert().values(
                    id=session.id, name=name, csrf_token=session.csrf_token, expires_at=time.time() + SESSION_SECONDS
                )
            )
        return session

    def session(self, session_id: Optional[str]) -> Optional[Session]:
        if not session_id:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(staff_sessions, staff_users.c.role)
                .join(staff_users, staff_users.c.name == staff_sessions.c.name)
                .where((staff_sessions.c.id == session_id) & (staff_sessions.c.expires_at > time.time()))
            ).first()
        return Session(row.id, row.name, row.csrf_token, row.role) if row else None

    def end_session(self, session_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(staff_sessions.delete().where(staff_sessions.c.id == session_id))
