#!/usr/bin/env bash
# `make run-scaled`: the same project on Rasa's scale-out design, on one machine.
#   PostgreSQL (tracker store and web app store) and Redis (lock store) from Debian's packages,
#   two Rasa servers, the action server and the web app, behind nginx on one port (8000).
# Data under var/scaled/. Ctrl-C stops everything. With --background, it leaves everything
# running and writes var/scaled/pids (scripts/stop-scaled.sh stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
S=$ROOT/var/scaled
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_PORT=${PG_PORT:-5433}
REDIS_PORT=${SCALED_REDIS_PORT:-6380}  # its own port, whatever REDIS_PORT `make` exports
NGINX_PORT=${NGINX_PORT:-8000}
RASA_PORTS=(${RASA_PORTS:-5006 5007})
mkdir -p "$S"/{logs,redis,nginx}

need() { dpkg -s "$@" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; }
need postgresql redis-server nginx
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

export RASA_AUTH_TOKEN=${RASA_AUTH_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}
export STAFF_TOKEN=${STAFF_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}
export ACTION_SERVER_TOKEN=${ACTION_SERVER_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}
export WEB_ACTIONS_TOKEN=${WEB_ACTIONS_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}

# PostgreSQL: a cluster of our own in var/scaled/pg, owned by the postgres user, loopback only.
if [[ ! -f $S/pg/PG_VERSION ]]; then
  install -d -o postgres -g postgres "$S/pg"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$S/pg" -U rasa -A trust >/dev/null
fi
chown -R postgres:postgres "$S/pg"
install -d -o postgres -g postgres "$S/logs/postgres"
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" status >/dev/null 2>&1 ||
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" -l "$S/logs/postgres/postgres.log" -w \
    -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
for db in rasa web; do
  runuser -u postgres -- "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U rasa -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
    runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U rasa "$db"
done

# what endpoints.yml and credentials.yml read (as the Makefile sets them for `make run`)
ACTIONS_PROXY_PORT=${ACTIONS_PROXY_PORT:-5056}
# Rasa reaches the action server through nginx, which falls back to the web app's stand-in
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTIONS_PROXY_PORT/webhook"
export TRACKER_DB=${TRACKER_DB:-$S/unused.db}
for name in WECHAT_TOKEN WECHAT_APP_ID WECHAT_APP_SECRET WECHAT_ENCODING_AES_KEY; do export "$name=${!name:-}"; done
export WECHAT_API_BASE=${WECHAT_API_BASE:-https://api.weixin.qq.com} WECHAT_KF_TRANSFER=${WECHAT_KF_TRANSFER:-false}
for name in WECOM_CORP_ID WECOM_KF_SECRET WECOM_TOKEN WECOM_ENCODING_AES_KEY WECOM_OPEN_KFID WECOM_SERVICER_USERID; do export "$name=${!name:-}"; done
export WECOM_API_BASE=${WECOM_API_BASE:-https://qyapi.weixin.qq.com}
export PYTHONPATH=$ROOT RASA_TELEMETRY_ENABLED=false LOG_FORMAT=${LOG_FORMAT:-json}

export TRACKER_DB_URL="postgresql://rasa@127.0.0.1:$PG_PORT/rasa"
export WEB_DB_URL="postgresql://rasa@127.0.0.1:$PG_PORT/web"
export LOCK_STORE_TYPE=redis REDIS_HOST=127.0.0.1
export REDIS_PORT
export RASA_URL="http://127.0.0.1:${RASA_PORTS[0]}"
export RASA_PUBLIC_URL="http://127.0.0.1:$NGINX_PORT"
export STATUS_URL="http://127.0.0.1:8080/api/status"
export SERVICE_POINTS_URL="http://127.0.0.1:8080/api/service-points"
# the widget's page is served through nginx; nginx limits per address (bot/ratelimit.py need not)
export CORS_ORIGINS="http://127.0.0.1:$NGINX_PORT" ADDRESS_BURST=0

pids=()
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$S/redis" --save "" --appendonly no \
  > "$S/logs/redis.log" 2>&1 &
pids+=($!)
.venv/bin/python -m bot.web.app > "$S/logs/web.log" 2>&1 &
pids+=($!)
.venv/bin/python -m bot.action_server --host 127.0.0.1 --port 5055 > "$S/logs/actions.log" 2>&1 &
pids+=($!)
for port in "${RASA_PORTS[@]}"; do
  .venv/bin/rasa run --model models/current.tar.gz --interface 127.0.0.1 --port "$port" --enable-api \
    --auth-token "$RASA_AUTH_TOKEN" --credentials credentials.yml --endpoints endpoints.yml \
    --cors "http://127.0.0.1:$NGINX_PORT" > "$S/logs/rasa-$port.log" 2>&1 &
  pids+=($!)
done

upstreams=$(printf '    server 127.0.0.1:%s max_fails=1 fail_timeout=5s;\n' "${RASA_PORTS[@]}")
sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@ACTIONS_PORT@|$ACTIONS_PROXY_PORT|g" -e "s|@ROOT@|$S/nginx|g" deploy/nginx.conf.template |
  awk -v ups="$upstreams" '{ if ($0 ~ /@RASA_UPSTREAMS@/) print ups; else print }' > "$S/nginx/nginx.conf"
nginx -c "$S/nginx/nginx.conf" -p "$S/nginx" -g "daemon off;" > "$S/logs/nginx.log" 2>&1 &
pids+=($!)
printf '%s\n' "${pids[@]}" > "$S/pids"

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" -m fast stop >/dev/null 2>&1 || true
}

wait_for() {
  for _ in $(seq "$3"); do curl -fs -o /dev/null "$2" && return 0; sleep 1; done
  echo "$1 did not come up; see $S/logs" >&2; return 1
}
wait_for "web app" http://127.0.0.1:8080/health 30
wait_for "action server" http://127.0.0.1:5055/health 60
for port in "${RASA_PORTS[@]}"; do wait_for "Rasa :$port" "http://127.0.0.1:$port/" 180; done
wait_for "nginx" "http://127.0.0.1:$NGINX_PORT/health" 20

cat <<MSG
Scaled set-up is up (logs in $S/logs):
  Everything, through nginx   http://127.0.0.1:$NGINX_PORT/   (demo page, widget, console, webhooks)
  Rasa replicas               ${RASA_PORTS[*]} (PostgreSQL tracker store :$PG_PORT, Redis locks :$REDIS_PORT)
  RASA_AUTH_TOKEN=$RASA_AUTH_TOKEN
  STAFF_TOKEN=$STAFF_TOKEN
MSG

if [[ "${1:-}" == "--background" ]]; then
  trap - INT TERM EXIT
  exit 0
fi
trap stop INT TERM EXIT
wait -n "${pids[@]}"
echo "A process stopped; see $S/logs" >&2
