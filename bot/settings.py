"""Every setting the project reads from the environment, each with its default once.

Why one module: a default written in several places drifts (the Makefile, the code, the
README and the tests each had their own). Values are read when this module is imported,
i.e. once per process; the defaults are those of `make run` on one machine. Secrets have
no default. Rasa's own settings (endpoints.yml, credentials.yml) use `${VAR}` and are
exported by the Makefile for the Rasa process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def text_setting(name: str, default: str = "") -> str:
    """A string; an empty variable counts as unset."""
    return os.environ.get(name) or default


def path_setting(name: str, default: str) -> Path:
    """A path; relative paths are taken from the project root."""
    value = Path(text_setting(name, default))
    return value if value.is_absolute() else PROJECT_ROOT / value


def float_setting(name: str, default: float) -> float:
    return float(text_setting(name) or default)


def int_setting(name: str, default: int) -> int:
    return int(text_setting(name) or default)


# -- operator data and configuration files -------------------------------------------------
CONTACTS_FILE = path_setting("CONTACTS_FILE", "data/contacts.yml")
FAQ_TOPICS_FILE = path_setting("FAQ_TOPICS_FILE", "data/faq_topics.yml")
FAQ_RESPONSES_FILE = path_setting("FAQ_RESPONSES_FILE", "domain.yml")
# staffed hours and queue capacity for hand-offs (bot/handoffs/staffing.py)
STAFFING_FILE = path_setting("STAFFING_FILE", "data/staffing.yml")
SERVICE_POINTS_FILE = path_setting("SERVICE_POINTS_FILE", "data/service_points.yml")
# the NLU pipeline, which also holds the FAQ decision's thresholds (bot.faq.decision)
NLU_CONFIG_FILE = path_setting("NLU_CONFIG_FILE", "config.yml")

# -- the web app (bot.web.app) and its database -----------------------------------------------
WEB_HOST = text_setting("WEB_HOST", "127.0.0.1")
WEB_PORT = int_setting("WEB_PORT", 8080)
# the folder of the SQLite web database when WEB_DB_URL is not set
DATA_DIR = path_setting("DATA_DIR", "var")
# any SQLAlchemy URL (PostgreSQL when several processes share it); SQLite in DATA_DIR if empty
WEB_DB_URL = text_setting("WEB_DB_URL")
STAFF_TOKEN = text_setting("STAFF_TOKEN")
# the action server's key to the web app's conversation routes (subscriptions, hand-offs)
WEB_ACTIONS_TOKEN = text_setting("WEB_ACTIONS_TOKEN")
NOTIFY_RETRY_SECONDS = float_setting("NOTIFY_RETRY_SECONDS", 60)
# the socket.io URL the demo page gives the widget
RASA_PUBLIC_URL = text_setting("RASA_PUBLIC_URL", "http://127.0.0.1:5005")
# sites allowed to embed the widget and read a visitor's history (comma-separated)
CORS_ORIGINS = tuple(o.strip() for o in text_setting("CORS_ORIGINS", "http://127.0.0.1:8080").split(",") if o.strip())
LOG_FORMAT = text_setting("LOG_FORMAT", "text")
LOG_LEVEL = text_setting("LOG_LEVEL", "INFO")

# -- Rasa, as the web app sees it ----------------------------------------------------------
RASA_URL = text_setting("RASA_URL", "http://127.0.0.1:5005").rstrip("/")
RASA_AUTH_TOKEN = text_setting("RASA_AUTH_TOKEN")
# Rasa's tracker store, read by the console: a full SQLAlchemy URL, or the SQLite file
TRACKER_DB_URL = text_setting("TRACKER_DB_URL")
TRACKER_DB = path_setting("TRACKER_DB", "var/tracker.db")

# -- the web app, as the action server sees it (its one door to the web data) ---------------
WEB_URL = text_setting("WEB_URL", "http://127.0.0.1:8080").rstrip("/")
STATUS_URL = text_setting("STATUS_URL", f"{WEB_URL}/api/status")
SERVICE_POINTS_URL = text_setting("SERVICE_POINTS_URL", f"{WEB_URL}/api/service-points")
# timeout and cache of the live feeds (status, service points) and the web app's routes
STATUS_TIMEOUT = float_setting("STATUS_TIMEOUT", 2.0)
# the status is revalidated (ETag, 304) on every read by default: a staff change reaches the next
# answer; after a failure the feed is asked again only every STATUS_RETRY_SECONDS
STATUS_CACHE_SECONDS = float_setting("STATUS_CACHE_SECONDS", 0)
STATUS_RETRY_SECONDS = float_setting("STATUS_RETRY_SECONDS", 5)
SERVICE_POINTS_CACHE_SECONDS = float_setting("SERVICE_POINTS_CACHE_SECONDS", 30)

# -- the automatic platform check beside the staff-set status (bot/status/probes.py) --------
# comma-separated URLs (e.g. the e-invoice platform's login page); empty: no check
PROBE_URLS = tuple(u.strip() for u in text_setting("PROBE_URLS").split(",") if u.strip())
PROBE_INTERVAL_SECONDS = float_setting("PROBE_INTERVAL_SECONDS", 60)
PROBE_TIMEOUT_SECONDS = float_setting("PROBE_TIMEOUT_SECONDS", 5)
PROBE_DISAGREE_SECONDS = float_setting("PROBE_DISAGREE_SECONDS", 300)

# -- the doors (bot/action_server.py, bot/ratelimit.py, bot/widget_sessions.py) ---------------
# the secret Rasa sends to the action server (endpoints.yml); the action server needs it to start
ACTION_SERVER_TOKEN = text_setting("ACTION_SERVER_TOKEN")
ACTIONS_HOST = text_setting("ACTIONS_HOST", "127.0.0.1")
ACTIONS_PORT = int_setting("ACTIONS_PORT", 5055)
# the key of widget session keys; derived from RASA_AUTH_TOKEN when empty
WIDGET_SESSION_SECRET = text_setting("WIDGET_SESSION_SECRET")
# reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client
TRUSTED_PROXIES = tuple(p.strip() for p in text_setting("TRUSTED_PROXIES").split(",") if p.strip())
# messages per client address into Rasa's channels: a burst, then so many a second (0: off)
ADDRESS_BURST = int(text_setting("ADDRESS_BURST", "200"))
ADDRESS_PER_SECOND = float_setting("ADDRESS_PER_SECOND", 5.0)

# -- the WeChat channel --------------------------------------------------------------------
WECHAT_API_BASE = text_setting("WECHAT_API_BASE", "https://api.weixin.qq.com")
WECHAT_REPLY_DEADLINE = float_setting("WECHAT_REPLY_DEADLINE", 4.5)

# -- 微信客服 on WeCom (its account settings are in credentials.yml) and staff notifications --
WECOM_API_BASE = text_setting("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
# the wecom_kf channel's own state (cursor, answered msgids, quota, sends); SQLite in DATA_DIR if empty
WECOM_KF_DB_URL = text_setting("WECOM_KF_DB_URL")
WECOM_CORP_ID = text_setting("WECOM_CORP_ID")
# staff notifications of new hand-offs: a group robot's webhook URL and/or an internal app
WECOM_ROBOT_URL = text_setting("WECOM_ROBOT_URL")
WECOM_NOTIFY_AGENT_ID = text_setting("WECOM_NOTIFY_AGENT_ID")
WECOM_NOTIFY_SECRET = text_setting("WECOM_NOTIFY_SECRET")
WECOM_NOTIFY_TO = text_setting("WECOM_NOTIFY_TO", "@all")  # userids joined by "|"
# the console as staff open it (the link in a notification)
CONSOLE_URL = text_setting("CONSOLE_URL", "http://127.0.0.1:8080/console")


def tracker_db_url() -> str:
    """Rasa's tracker store as a SQLAlchemy URL (the same choice endpoints.yml makes)."""
    return TRACKER_DB_URL or f"sqlite:///{TRACKER_DB}"


def web_db_url() -> str:
    """The web database: WEB_DB_URL, or web.db in DATA_DIR (created when missing)."""
    if WEB_DB_URL:
        return WEB_DB_URL
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'web.db'}"


def wecom_kf_db_url() -> str:
    """The wecom_kf channel's database: WECOM_KF_DB_URL, or wecom_kf.db in DATA_DIR."""
    if WECOM_KF_DB_URL:
        return WECOM_KF_DB_URL
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'wecom_kf.db'}"


def child_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """This process's environment for a child process (servers started by tests and tools)."""
    return {**os.environ, **(extra or {})}


# -- several Rasa replicas (make run-scaled) -------------------------------------------------
# socket.io messages through Redis, to a widget on any replica (bot/channels/socketio_redis.py);
# empty: one process
SOCKETIO_REDIS_URL = text_setting("SOCKETIO_REDIS_URL")
# ports of the scaled set-up (scripts/run-scaled.sh reads the same variables) and the load steps
SCALED_NGINX_PORT = int_setting("NGINX_PORT", 8000)
SCALED_PG_PORT = int_setting("PG_PORT", 5433)
SCALED_REDIS_PORT = int_setting("SCALED_REDIS_PORT", 6380)
SCALED_RASA_PORTS = tuple(int(p) for p in text_setting("RASA_PORTS", "5006 5007").split())
SCALE_STEP_SECONDS = float_setting("SCALE_STEP_SECONDS", 26)
SCALE_SETTLE_SECONDS = float_setting("SCALE_SETTLE_SECONDS", 14)
