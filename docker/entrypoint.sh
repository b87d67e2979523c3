#!/bin/sh
# Container entrypoint: an ensemble member learns its id from CANOPY_MYID (written to /data/myid, where
# canopy-server looks for it when the config names an ensemble). exec makes the server PID 1, so the
# SIGTERM of `docker stop` reaches it and it shuts down gracefully.
set -eu
if [ -n "${CANOPY_MYID:-}" ]; then
  printf '%s\n' "$CANOPY_MYID" > /data/myid
fi
exec node /app/dist/src/server/main.js "$@"
