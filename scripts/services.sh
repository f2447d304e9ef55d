#!/usr/bin/env bash
# Make sure the servers the tests talk to are up on loopback: PostgreSQL, Mosquitto, NATS.
# Installs them from Debian's packages when missing, starts them when down. Idempotent.
set -euo pipefail

up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  for _ in $(seq 1 60); do up "$1" && return 0; sleep 0.5; done
  echo "service on port $1 did not come up" >&2; return 1
}
need_pkgs=()
command -v pg_ctlcluster >/dev/null || need_pkgs+=(postgresql)
command -v mosquitto >/dev/null || need_pkgs+=(mosquitto)
command -v nats-server >/dev/null || need_pkgs+=(nats-server)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}"
fi

if ! up 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  wait_for 5432
fi
if ! up 1883; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_for 1883
fi
if ! up 4222; then
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for 4222
fi
echo "services up: postgresql:5432 mosquitto:1883 nats:4222"
