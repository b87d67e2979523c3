#!/bin/sh
# Container entrypoint: an ensemble member learns its id from CANOPY_MYID (written to /data/myid, where
# canopy-server looks for it when the config names an ensemble). Arguments that start with a flag
# (docker run canopy --tickTime 1000) override the image's standalone config rather than replace it.
# exec makes the server PID 1, so the SIGTERM of `docker stop` reaches it and it shuts down gracefully.
set -eu
if [ -n "${CANOPY_MYID:-}" ]; then
  case "$CANOPY_MYID" in
    *[!0-9]*) echo "canopy-entrypoint: CANOPY_MYID must be a server id (1-255), not '$CANOPY_MYID'" >&2; exit 2 ;;
  esac
  printf '%s\n' "$CANOPY_MYID" > /data/myid
fi
case "${1:-}" in
  ''|-*) set -- /etc/canopy/zoo.cfg "$@" ;;
esac
exec node /app/dist/src/server/main.js "$@"
