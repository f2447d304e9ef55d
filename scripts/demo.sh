#!/usr/bin/env bash
# Start the demo: migrate the embedded database, load the demo sites once, then run the server
# and the device simulator until Ctrl-C. LINLI_DEMO_VAR (default var/) holds the logs and the
# device list; LINLI_DATABASE_URL (default var/linli.db) the database.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$PWD/.venv/bin"
export LINLI_ENV="${LINLI_ENV:-development}"
# Port 8000 unless it is taken (another demo, another program): then the next free one.
PORT="${LINLI_PORT:-$("$BIN/python" - <<'PY'
import socket
for port in range(8000, 8100):
    with socket.socket() as probe:
        # As the server binds: a port that only closed connections linger on is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
PY
)}"
URL="http://127.0.0.1:${PORT}"
# Links in notifications (inbox, e-mail, SMS) point at the server this script starts.
export LINLI_BASE_URL="${LINLI_BASE_URL:-$URL}"
VAR="${LINLI_DEMO_VAR:-var}"
# Seconds between the simulator's rounds: each of the demo's ~3,000 devices posts its batch
# once a round, so the embedded server keeps pace on two busy cores.
INTERVAL="${LINLI_DEMO_INTERVAL:-60}"
mkdir -p "$VAR"

"$BIN/linli" db upgrade
"$BIN/linli" demo load --devices-file "$VAR/demo-devices.json" ${LINLI_DEMO_ARGS:-}
# Read the logins before the server and simulator start writing: the embedded database has one
# writer at a time, and a busy first simulator round must not keep this read waiting.
logins="$("$BIN/linli" demo logins)"

"$BIN/linli" serve --port "$PORT" --no-migrate > "$VAR/server.log" 2>&1 &
server=$!
trap 'kill $server ${sim:-} 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 120); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server failed to start; see $VAR/server.log" >&2; exit 1; }
  sleep 0.5
done
"$BIN/linli" simulate --url "$URL" --devices "$VAR/demo-devices.json" --interval "$INTERVAL" \
  > "$VAR/simulator.log" 2>&1 &
sim=$!

echo "$logins"
echo
echo "Linli is running at $URL  (server log: $VAR/server.log, simulator log: $VAR/simulator.log)"
echo "Press Ctrl-C to stop."
wait "$server"
