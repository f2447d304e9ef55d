#!/usr/bin/env bash
# Start the demo: migrate the embedded database, load the demo sites once, then run the server
# and the device simulator until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export LINLI_ENV="${LINLI_ENV:-development}"
PORT="${LINLI_PORT:-8000}"
URL="http://127.0.0.1:${PORT}"

"$BIN/linli" db upgrade
"$BIN/linli" demo load ${LINLI_DEMO_ARGS:-}
# Read the logins before the server and simulator start writing: the embedded database has one
# writer at a time, and a busy first simulator round must not keep this read waiting.
logins="$("$BIN/linli" demo logins)"

"$BIN/linli" serve --port "$PORT" --no-migrate > var/server.log 2>&1 &
server=$!
trap 'kill $server ${sim:-} 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server failed to start; see var/server.log" >&2; exit 1; }
  sleep 0.5
done
"$BIN/linli" simulate --url "$URL" --devices var/demo-devices.json > var/simulator.log 2>&1 &
sim=$!

echo "$logins"
echo
echo "Linli is running at $URL  (server log: var/server.log, simulator log: var/simulator.log)"
echo "Press Ctrl-C to stop."
wait "$server"
