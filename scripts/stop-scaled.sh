#!/usr/bin/env bash
# Stop what `scripts/run-scaled.sh --background` started (waits for it, up to 20 s each).
set -u
cd "$(dirname "$0")/.."
S=$PWD/var/scaled
if [[ -f $S/pids ]]; then
  pids=$(cat "$S/pids")
  kill $pids 2>/dev/null
  for _ in $(seq 40); do
    alive=$(for p in $pids; do kill -0 "$p" 2>/dev/null && echo "$p"; done)
    [[ -z $alive ]] && break
    sleep 0.5
  done
  [[ -n ${alive:-} ]] && kill -9 $alive 2>/dev/null
fi
# a Redis restarted by make test-scale is ours too
redis-cli -p "${SCALED_REDIS_PORT:-6380}" shutdown nosave >/dev/null 2>&1
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $PG_BIN && -f $S/pg/PG_VERSION ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" -m fast stop >/dev/null 2>&1
rm -f "$S/pids"
exit 0
