#!/usr/bin/env bash
# Stop what `scripts/run-scaled.sh --background` started.
set -u
cd "$(dirname "$0")/.."
S=$PWD/var/scaled
[[ -f $S/pids ]] && xargs -r kill < "$S/pids" 2>/dev/null
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $PG_BIN && -f $S/pg/PG_VERSION ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$S/pg" -m fast stop >/dev/null 2>&1
rm -f "$S/pids"
exit 0
