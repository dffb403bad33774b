#!/bin/sh
# A Docker Glue handler script: notify.sh <ini file> <action> <container id>.
# reactor also sets REACTOR_CONTAINER_NAME, REACTOR_CONTAINER_IP, REACTOR_PARAM_* and writes the
# event as JSON to stdin. Every line printed here goes to reactor's log.
set -eu
[ $# -eq 3 ] || { echo "usage: $(basename "$0") config.ini action container_id" >&2; exit 2; }
ini=$1 action=$2 id=$3
prefix=$(crudini --get "$ini" params prefix 2>/dev/null || echo glue)
if [ "$action" = none ]; then
  echo "$prefix: none (startup or after a triggers-none handler)"
else
  echo "$prefix: container ${REACTOR_CONTAINER_NAME:-?} ($(printf %.12s "$id")) $action ip=${REACTOR_CONTAINER_IP:-none}"
fi
