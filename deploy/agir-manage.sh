#!/bin/sh
# Run one `manage.py` command of Agir Ensemble with the server's environment, at most
# one instance of it at a time (while a run is still going, the next one exits at once
# with status 75, EX_TEMPFAIL).
# For cron (see cron.example); systemd timers use systemd/agir-job@.service instead.
#
#   agir-manage.sh send_outbox
#   agir-manage.sh prune_room_events --dry-run
#
# AGIR_DIR: the checkout with its .venv (default /srv/agir). AGIR_ENV: the variables
# `make serve` runs with, KEY=value lines, values with spaces in double quotes (the same
# file a systemd unit reads with EnvironmentFile=; default /etc/agir/agir.env).
set -eu
[ $# -ge 1 ] || { echo "usage: $0 <command> [options]" >&2; exit 2; }
AGIR_DIR=${AGIR_DIR:-/srv/agir}
AGIR_ENV=${AGIR_ENV:-/etc/agir/agir.env}
cd "$AGIR_DIR"
set -a
. "$AGIR_ENV"
set +a
exec flock -n -E 75 "${LOCK_DIR:-/run/lock}/agir-$1.lock" \
    nice -n 10 "$AGIR_DIR/.venv/bin/python" manage.py "$@"
