"""The live outage status: one record, validated the same way wherever it comes from."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Dict, Optional

STATES = ("suspended", "degraded", "normal")
MAX_MESSAGE_CHARS = 500
MAX_URL_CHARS = 500


class StatusError(ValueError):
    """An invalid status; `field` names what is wrong."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def parse_time(field: str, value: Any, required: bool = False) -> Optional[datetime]:
    """An ISO 8601 time with its UTC offset (naive times are ambiguous: refused)."""
    if value is None or value == "":
        if required:
            raise StatusError(field, "is required")
        return None
    if not isinstance(value, str):
        raise StatusError(field, "must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise StatusError(field, "must be an ISO 8601 time, e.g. 2026-12-03T09:00:00+08:00") from None
    if parsed.tzinfo is None:
        raise StatusError(field, "needs a UTC offset, e.g. +08:00")
    return parsed


def required_time(field: str, value: Any) -> datetime:
    parsed = parse_time(field, value, required=True)
    assert parsed is not None  # parse_time raises when a required time is missing
    return parsed


@dataclass(frozen=True)
class OutageStatus:
    state: str
    message: str
    started_at: Optional[datetime]
    expected_resume_at: Optional[datetime]
    source_url: str
    updated_at: datetime
    updated_by: str

    @classmethod
    def from_dict(cls, data: Any) -> "OutageStatus":
        """Validate a status as sent by a feed or by staff; raises StatusError."""
        if not isinstance(data, dict):
            raise StatusError("body", "must be a JSON object")
        state = data.get("state")
        if state not in STATES:
            raise StatusError("state", f"must be one of {', '.join(STATES)}")
        message = data.get("message") or ""
        if not isinstance(message, str) or len(message) > MAX_MESSAGE_CHARS:
            raise StatusError("message", f"must be text of at most {MAX_MESSAGE_CHARS} characters")
        source_url = data.get("source_url") or ""
        if (
            not isinstance(source_url, str)
            or len(source_url) > MAX_URL_CHARS
            or (source_url and not source_url.startswith(("https://", "http://")))
        ):
            raise StatusError("source_url", "must be an http(s) URL")
        updated_by = data.get("updated_by") or ""
        if not isinstance(updated_by, str) or len(updated_by) > 100:
            raise StatusError("updated_by", "must be a name of at most 100 characters")
        return cls(
            state=state,
            message=message.strip(),
            started_at=parse_time("started_at", data.get("started_at")),
            expected_resume_at=parse_time("expected_resume_at", data.get("expected_resume_at")),
            source_url=source_url,
            updated_at=required_time("updated_at", data.get("updated_at")),
            updated_by=updated_by,
        )

    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        for key in ("started_at", "expected_resume_at", "updated_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data
