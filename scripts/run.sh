#!/usr/bin/env bash
# Start the action server, the Rasa server (and, where present, the web app); print the
# URLs; stop everything on Ctrl-C. Called by `make run` after install and training.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
# another run (or anything else) on our ports would answer the health checks below in our place
for port in 8080 5055 5005; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Port $port on 127.0.0.1 is already in use (another \`make run\`?); stop it first." >&2
    exit 1
  fi
done

# the sites allowed to call Rasa from a browser: bot/settings.py's CORS_ORIGINS
CORS_ORIGINS=$(.venv/bin/python -c 'from bot import settings; print(" ".join(settings.CORS_ORIGINS))')

if [[ -z "${RASA_AUTH_TOKEN:-}" ]]; then
  RASA_AUTH_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "RASA_AUTH_TOKEN was not set; generated one for this run: $RASA_AUTH_TOKEN"
fi
export RASA_AUTH_TOKEN
if [[ -z "${STAFF_TOKEN:-}" ]]; then
  STAFF_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "STAFF_TOKEN was not set; generated one for this run: $STAFF_TOKEN"
fi
export STAFF_TOKEN
if [[ -z "${ACTION_SERVER_TOKEN:-}" ]]; then
  ACTION_SERVER_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
  echo "ACTION_SERVER_TOKEN was not set; generated one for this run: $ACTION_SERVER_TOKEN"
fi
export ACTION_SERVER_TOKEN
# the action server's key to the web app's conversation routes (no one else needs it)
export WEB_ACTIONS_TOKEN=${WEB_ACTIONS_TOKEN:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')}

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

.venv/bin/python -m bot.web.app > var/web.log 2>&1 &
pids+=($!)
# every server on loopback: put a reverse proxy in front to publish them (README, "Behind a proxy")
.venv/bin/python -m bot.action_server --host 127.0.0.1 --port 5055 > var/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --model models/current.tar.gz --interface 127.0.0.1 --port 5005 --enable-api \
  --auth-token "$RASA_AUTH_TOKEN" --credentials credentials.yml --endpoints endpoints.yml \
  --cors $CORS_ORIGINS > var/rasa.log 2>&1 &
pids+=($!)

wait_for() {  # name url seconds
  for _ in $(seq "$3"); do
    if curl -fs -o /dev/null "$2"; then return 0; fi
    sleep 1
  done
  echo "$1 did not come up; see var/*.log" >&2
  return 1
}
wait_for "web app" http://127.0.0.1:8080/health 30
wait_for "action server" http://127.0.0.1:5055/health 60
wait_for "Rasa server" http://127.0.0.1:5005/ 180

cat <<MSG

Everything is up (logs in var/):
  Demo page       http://127.0.0.1:8080/        (a demo host page with the chat widget)
  Rasa server     http://127.0.0.1:5005   (REST: POST /webhooks/rest/webhook)
  Rasa HTTP API   http://127.0.0.1:5005/status?token=\$RASA_AUTH_TOKEN
  Action server   http://127.0.0.1:5055/health   (Rasa only: Authorization: Bearer \$ACTION_SERVER_TOKEN)
  Widget script   http://127.0.0.1:8080/widget.js
  Live status     http://127.0.0.1:8080/api/status   (staff: PUT with Authorization: Bearer \$STAFF_TOKEN)
  Service points  http://127.0.0.1:8080/api/service-points
  Staff console   http://127.0.0.1:8080/console   (accounts: .venv/bin/python -m bot.console adduser NAME)

Try:  curl -s http://127.0.0.1:5005/webhooks/rest/webhook -H 'Content-Type: application/json' \\
        -d '{"sender": "me", "message": "网上开不了发票怎么办"}'

Everything listens on 127.0.0.1 only; to publish it, see "Behind a proxy" in README.md.
Press Ctrl-C to stop.
MSG
grep -h "service points:" var/web.log | tail -n 1 || true
wait -n "${pids[@]}"
echo "A server stopped; see var/*.log" >&2
