#!/usr/bin/env bash
# Run one atocore command from cron: load the settings file, append the
# output to <data>/logs/cron.log with a timestamp, keep the exit status,
# and say something on stderr on failure (so cron mails you).
#
#   atocore-cron.sh backup create
#   ATOCORE_ENV_FILE=/path/to/atocore.env atocore-cron.sh backup validate latest
set -uo pipefail

ENV_FILE="${ATOCORE_ENV_FILE:-$HOME/.config/atocore/atocore.env}"
if [ -f "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
ATOCORE_BIN="${ATOCORE_BIN:-$HOME/src/atocore/.venv/bin/atocore}"
LOG_DIR="${ATOCORE_DATA_DIR:-$HOME/.local/share/atocore}/logs"
mkdir -p "$LOG_DIR"

rc=0
{
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) atocore $*"
    "$ATOCORE_BIN" "$@" || rc=$?
    echo "=== exit $rc"
} >>"$LOG_DIR/cron.log" 2>&1

if [ "$rc" -ne 0 ]; then
    echo "atocore $* failed with exit $rc; see $LOG_DIR/cron.log" >&2
fi
exit "$rc"
