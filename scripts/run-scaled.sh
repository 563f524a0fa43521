#!/usr/bin/env bash
# `make run-scaled`: the same project on Rasa's scale-out design, on one machine.
#   PostgreSQL (tracker store and web app store) and Redis (lock store) from Debian's packages,
#   two Rasa servers, the action server and the web app, behind nginx on one port (8000).
# Data under var/scaled/. Ctrl-C stops everything. With --background, it leaves everything
# running and writes var/scaled/pids (scripts/stop-scaled.sh stops it).
# Every port can be moved by the environment (defaults below), e.g. to run beside `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
S=$ROOT/var/scaled
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_PORT=${PG_PORT:-5433}
REDIS_PORT=${SCALED_REDIS_PORT:-6380}  # its own port, whatever REDIS_PORT `make` exports
NGINX_PORT=${NGINX_PORT:-8000}
RASA_PORTS=(${RASA_PORTS:-5006 5007})
# ANCHOR_MODEL (make test-scale: models/anchor-diet-3ep.tar.gz, the stock DIET pipeline) adds one more
# Rasa server with that model, served the same way, and left out of nginx's routing (`down`)
# until the load test routes to it alone.
ANCHOR_MODEL=${ANCHOR_MODEL:-} ANCHOR_PORT=${ANCHOR_PORT:-5008}
WEB_PORT=${SCALED_WEB_PORT:-8080}            # the web app (its own name: `make` exports none)
ACTION_SERVER_PORT=${SCALED_ACTIONS_PORT:-5055}
ACTIONS_PROXY_PORT=${ACTIONS_PROXY_PORT:-5056}  # nginx -> action server, or its stand-in
RASA_API_PORT=${RASA_API_PORT:-5057}            # nginx -> Rasa's API on any live replica
RATE_PER_IP=${RATE_PER_IP:-100} BURST_PER_IP=${BURST_PER_IP:-200}
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
export LOCK_STORE_TYPE=bot.lock_store.RetryingRedisLockStore REDIS_HOST=127.0.0.1
# a replica that dies holding a conversation's lock holds it this long (Rasa's default: 60 s)
export TICKET_LOCK_LIFETIME=${TICKET_LOCK_LIFETIME:-10}
export REDIS_PORT
# socket.io messages reach a widget on any replica (python-socketio's Redis manager)
export SOCKETIO_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/2"
export RASA_URL="http://127.0.0.1:$RASA_API_PORT"
export RASA_PUBLIC_URL="http://127.0.0.1:$NGINX_PORT"
export WEB_PORT WEB_URL="http://127.0.0.1:$WEB_PORT"
export STATUS_URL="http://127.0.0.1:$WEB_PORT/api/status"
export SERVICE_POINTS_URL="http://127.0.0.1:$WEB_PORT/api/service-points"
# the widget's page is served through nginx; nginx limits per address (bot/ratelimit.py need not)
export CORS_ORIGINS="http://127.0.0.1:$NGINX_PORT" ADDRESS_BURST=0

stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" -m fast stop >/dev/null 2>&1 || true
}

for port in "$REDIS_PORT" "$NGINX_PORT" "$WEB_PORT" "$ACTION_SERVER_PORT" "$ACTIONS_PROXY_PORT" "$RASA_API_PORT" "${RASA_PORTS[@]}" ${ANCHOR_MODEL:+"$ANCHOR_PORT"}; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use (scripts/stop-scaled.sh, or move it: see the top of this script)" >&2; exit 1
  fi
done
pids=()
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$S/redis" --save "" --appendonly no \
  > "$S/logs/redis.log" 2>&1 &
pids+=($!)
.venv/bin/python -m bot.web.app > "$S/logs/web.log" 2>&1 &
pids+=($!)
.venv/bin/python -m bot.action_server --host 127.0.0.1 --port "$ACTION_SERVER_PORT" > "$S/logs/actions.log" 2>&1 &
pids+=($!)
rasa_server() {  # model port
  .venv/bin/rasa run --model "$1" --interface 127.0.0.1 --port "$2" --enable-api \
    --auth-token "$RASA_AUTH_TOKEN" --credentials credentials.yml --endpoints endpoints.yml \
    --cors "http://127.0.0.1:$NGINX_PORT" > "$S/logs/rasa-$2.log" 2>&1 &
  pids+=($!)
}
for port in "${RASA_PORTS[@]}"; do rasa_server models/current.tar.gz "$port"; done
[[ -n $ANCHOR_MODEL ]] && rasa_server "$ANCHOR_MODEL" "$ANCHOR_PORT"

upstreams=$(printf '    server 127.0.0.1:%s max_fails=1 fail_timeout=5s;\n' "${RASA_PORTS[@]}")
[[ -n $ANCHOR_MODEL ]] && upstreams+=$'\n'"    server 127.0.0.1:$ANCHOR_PORT down;"
sed -e "s|@PORT@|$NGINX_PORT|g" -e "s|@ACTIONS_PORT@|$ACTIONS_PROXY_PORT|g" -e "s|@ROOT@|$S/nginx|g" \
    -e "s|@WEB_PORT@|$WEB_PORT|g" -e "s|@ACTION_SERVER_PORT@|$ACTION_SERVER_PORT|g" \
    -e "s|@RASA_API_PORT@|$RASA_API_PORT|g" -e "s|@RATE_PER_IP@|$RATE_PER_IP|g" -e "s|@BURST_PER_IP@|$BURST_PER_IP|g" \
    deploy/nginx.conf.template |
  awk -v ups="$upstreams" '{ if ($0 ~ /@RASA_UPSTREAMS@/) print ups; else print }' > "$S/nginx/nginx.conf"
nginx -c "$S/nginx/nginx.conf" -p "$S/nginx" -g "daemon off;" > "$S/logs/nginx.log" 2>&1 &
pids+=($!)
printf '%s\n' "${pids[@]}" > "$S/pids"
trap stop INT TERM EXIT  # whatever fails from here on, nothing is left running


wait_for() {
  for _ in $(seq "$3"); do curl -fs -o /dev/null "$2" && return 0; sleep 1; done
  echo "$1 did not come up; see $S/logs" >&2; return 1
}
wait_for "web app" "http://127.0.0.1:$WEB_PORT/health" 30
wait_for "action server" "http://127.0.0.1:$ACTION_SERVER_PORT/health" 60
for port in "${RASA_PORTS[@]}"; do wait_for "Rasa :$port" "http://127.0.0.1:$port/" 180; done
[[ -n $ANCHOR_MODEL ]] && wait_for "Rasa :$ANCHOR_PORT (anchor: $ANCHOR_MODEL)" "http://127.0.0.1:$ANCHOR_PORT/" 300
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
