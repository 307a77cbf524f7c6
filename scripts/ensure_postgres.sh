#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is installed and down. Tests need 127.0.0.1:5432.
set -u
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then exit 0; fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "${ver}" ]; then
    pg_ctlcluster --skip-systemctl-redirect "${ver}" main start || true
  fi
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && exit 0
  sleep 1
done
echo "PostgreSQL is not reachable on 127.0.0.1:5432; PostgreSQL tests will fail (set RFBOT_SKIP_PG=1 to skip them)." >&2
exit 0
