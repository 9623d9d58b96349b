#!/usr/bin/env bash
#
# deploy/deploy.sh — update an atocore install to the tip of a branch, restart
# it, and prove the restarted service runs exactly that commit.
#
# Usage:
#   deploy/deploy.sh [--dry-run] [--mode systemd|compose] [--branch NAME]
#                    [--app-dir DIR] [--health-url URL] [--no-backup]
#   deploy/deploy.sh --verify-only [--expect-sha SHA]   # "is live current?"
#
# Steps:
#   0  preflight: git checkout, writable, clean tree, tools present
#   1  find the target commit (dry run: `git ls-remote`, nothing fetched)
#   2  pre-deploy snapshot with the *current* code (`atocore backup create`)
#   3  move the checkout to the target; re-exec if this script changed
#   4  install + migrate + restart (systemd user units, or docker compose),
#      passing ATOCORE_BUILD_SHA/TIME/BRANCH to the service
#   5  wait for /health
#   6  compare /health's version and build_sha with what was just shipped
#
# Environment (all optional):
#   ATOCORE_APP_DIR         checkout to deploy (default: this script's repo)
#   ATOCORE_BRANCH          branch (default: main)
#   ATOCORE_DEPLOY_MODE     systemd | compose (default: systemd)
#   ATOCORE_HEALTH_URL      default http://127.0.0.1:8100/health
#   ATOCORE_ENV_FILE        settings file, sourced (default ~/.config/atocore/atocore.env);
#                           its ATOCORE_API_TOKEN is sent to /health
#   ATOCORE_BUILD_ENV_FILE  provenance file the systemd units read
#                           (default ~/.config/atocore/build.env)
#   ATOCORE_VENV            virtualenv for systemd mode (default APP_DIR/.venv)
#   ATOCORE_DEPLOY_DRY_RUN  1 = same as --dry-run
#   ATOCORE_DEPLOY_FORCE    1 = deploy over uncommitted changes in the checkout
#   ATOCORE_HEALTH_TRIES / ATOCORE_HEALTH_WAIT_S   polling (default 20 x 3 s)
#
# Exit codes: 0 ok · 2 usage/preflight · 3 /health never answered ·
#   4 version mismatch · 5 app dir not writable · 6 build_sha mismatch ·
#   7 pre-deploy snapshot failed
#
# Not done here: secrets (write the env file yourself), rollback (redeploy a
# known-good commit; restore the pre-deploy snapshot only if data broke).

set -euo pipefail

# Run from a private copy: `git reset` below may rewrite this very file while
# bash is still reading it.
if [ -z "${ATOCORE_DEPLOY_SELF_COPY:-}" ] && [ -f "$0" ]; then
    self_copy="$(mktemp "${TMPDIR:-/tmp}/atocore-deploy.XXXXXX")"
    cp "$0" "$self_copy"
    ATOCORE_DEPLOY_ORIGINAL="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
    export ATOCORE_DEPLOY_SELF_COPY="$self_copy" ATOCORE_DEPLOY_ORIGINAL
    exec bash "$self_copy" "$@"
fi
if [ -n "${ATOCORE_DEPLOY_SELF_COPY:-}" ]; then
    trap 'rm -f "$ATOCORE_DEPLOY_SELF_COPY"' EXIT
fi
SCRIPT_PATH="${ATOCORE_DEPLOY_ORIGINAL:-$0}"

DRY_RUN="${ATOCORE_DEPLOY_DRY_RUN:-0}"
MODE="${ATOCORE_DEPLOY_MODE:-systemd}"
BRANCH="${ATOCORE_BRANCH:-main}"
APP_DIR="${ATOCORE_APP_DIR:-$(cd "$(dirname "$SCRIPT_PATH")/.." && pwd)}"
HEALTH_URL="${ATOCORE_HEALTH_URL:-http://127.0.0.1:8100/health}"
ENV_FILE="${ATOCORE_ENV_FILE:-$HOME/.config/atocore/atocore.env}"
BUILD_ENV_FILE="${ATOCORE_BUILD_ENV_FILE:-$HOME/.config/atocore/build.env}"
HEALTH_TRIES="${ATOCORE_HEALTH_TRIES:-20}"
HEALTH_WAIT="${ATOCORE_HEALTH_WAIT_S:-3}"
BACKUP=1
VERIFY_ONLY=0
EXPECT_SHA=""
ORIGINAL_ARGS=("$@")

usage() { sed -n '3,38p' "$SCRIPT_PATH" | sed 's/^# \{0,1\}//'; }
log() { printf '==> %s\n' "$*"; }
die() { local code="$1"; shift; printf 'FATAL: %s\n' "$*" >&2; exit "$code"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --mode) MODE="${2:?--mode needs a value}"; shift ;;
        --branch) BRANCH="${2:?--branch needs a value}"; shift ;;
        --app-dir) APP_DIR="${2:?--app-dir needs a value}"; shift ;;
        --health-url) HEALTH_URL="${2:?--health-url needs a value}"; shift ;;
        --no-backup) BACKUP=0 ;;
        --verify-only) VERIFY_ONLY=1 ;;
        --expect-sha) EXPECT_SHA="${2:?--expect-sha needs a value}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) printf 'unknown option: %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$MODE" in systemd|compose) ;; *) die 2 "--mode must be systemd or compose, got '$MODE'" ;; esac

if [ -f "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    set +a
fi
VENV="${ATOCORE_VENV:-$APP_DIR/.venv}"
COMPOSE=(docker compose -f "$APP_DIR/deploy/docker-compose.yml")

run() {
    if [ "$DRY_RUN" = "1" ]; then
        printf '    [dry-run] %s\n' "$*"
    else
        "$@"
    fi
}

health_get() {  # health_get OUTFILE -> curl's status
    local auth=()
    if [ -n "${ATOCORE_API_TOKEN:-}" ]; then
        auth=(-H "Authorization: Bearer $ATOCORE_API_TOKEN")
    fi
    curl -fsS --max-time 5 "${auth[@]}" "$HEALTH_URL" >"$1" 2>/dev/null
}

json_field() {  # json_field FILE NAME
    if command -v jq >/dev/null 2>&1; then
        jq -r --arg k "$2" '.[$k] // empty' <"$1"
    else
        python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
    fi
}

expected_version() {
    sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$APP_DIR/atocore/__init__.py" | head -1
}

show_logs() {
    if [ "$MODE" = "compose" ]; then
        "${COMPOSE[@]}" logs --tail=50 atocore || true
    else
        journalctl --user -u atocore-serve.service -n 50 --no-pager 2>/dev/null || true
    fi
}

verify() {  # verify EXPECTED_SHA EXPECTED_VERSION
    local want_sha="$1" want_version="$2" body i
    body="$(mktemp)"
    log "Step 5: waiting for $HEALTH_URL"
    for ((i = 1; i <= HEALTH_TRIES; i++)); do
        if health_get "$body"; then break; fi
        if [ "$i" -eq "$HEALTH_TRIES" ]; then
            log "    /health did not answer after $HEALTH_TRIES tries"
            show_logs
            rm -f "$body"
            exit 3
        fi
        log "    not ready ($i/$HEALTH_TRIES); waiting ${HEALTH_WAIT}s"
        sleep "$HEALTH_WAIT"
    done
    local live_sha live_version live_time
    live_sha="$(json_field "$body" build_sha)"
    live_version="$(json_field "$body" version)"
    live_time="$(json_field "$body" build_time)"
    rm -f "$body"
    log "Step 6: verifying the live build"
    log "    version:   live ${live_version:-?}   expected ${want_version:-?}"
    log "    build_sha: live ${live_sha:-?}   expected $want_sha   (built ${live_time:-?})"
    if [ -n "$want_version" ] && [ "$live_version" != "$want_version" ]; then
        log "    the service reports another release: did the restart pick up the new code?"
        exit 4
    fi
    if [ "$live_sha" != "$want_sha" ]; then
        log "    build_sha mismatch. \"unknown\" means the service started without the"
        log "    provenance env ($BUILD_ENV_FILE / compose environment); another sha means"
        log "    a stale image or process is answering on $HEALTH_URL."
        exit 6
    fi
    log "    live service runs $want_sha"
}

# --- verify-only -------------------------------------------------------------------
if [ "$VERIFY_ONLY" = "1" ]; then
    if [ -z "$EXPECT_SHA" ]; then
        EXPECT_SHA="$(git -C "$APP_DIR" rev-parse HEAD 2>/dev/null)" \
            || die 2 "$APP_DIR is not a git checkout; pass --expect-sha"
    fi
    verify "$EXPECT_SHA" ""
    exit 0
fi

log "atocore deploy: mode $MODE, branch $BRANCH, app dir $APP_DIR"
[ "$DRY_RUN" = "1" ] && log "DRY RUN: nothing will be changed"

# --- Step 0: preflight ------------------------------------------------------------------
log "Step 0: preflight"
command -v git >/dev/null || die 2 "git is not installed"
command -v curl >/dev/null || die 2 "curl is not installed"
[ -d "$APP_DIR/.git" ] || die 2 "$APP_DIR is not a git checkout (clone the repository there first)"
if [ "$MODE" = "systemd" ]; then
    command -v systemctl >/dev/null || die 2 "systemctl not found (use --mode compose?)"
else
    command -v docker >/dev/null || die 2 "docker not found"
fi
if [ "$DRY_RUN" != "1" ]; then
    marker="$APP_DIR/.deploy-write-check"
    if ! ( : >"$marker" ) 2>/dev/null; then
        log "    cannot write to $APP_DIR as $(id -un); it is owned by $(stat -c %U "$APP_DIR")"
        log "    fix: sudo chown -R $(id -u):$(id -g) $APP_DIR"
        exit 5
    fi
    rm -f "$marker"
fi
if [ -n "$(git -C "$APP_DIR" status --porcelain --untracked-files=no)" ]; then
    if [ "${ATOCORE_DEPLOY_FORCE:-0}" != "1" ]; then
        git -C "$APP_DIR" status --short --untracked-files=no | sed 's/^/    /'
        die 2 "uncommitted changes in $APP_DIR would be overwritten (ATOCORE_DEPLOY_FORCE=1 to discard them)"
    fi
    log "    WARNING: discarding uncommitted changes (ATOCORE_DEPLOY_FORCE=1)"
fi

# --- Step 1: target commit ------------------------------------------------------------------
log "Step 1: resolving origin/$BRANCH"
CURRENT_SHA="$(git -C "$APP_DIR" rev-parse HEAD)"
if [ "$DRY_RUN" = "1" ]; then
    TARGET_SHA="$(git -C "$APP_DIR" ls-remote origin "refs/heads/$BRANCH" | cut -f1)"
else
    git -C "$APP_DIR" fetch --quiet origin "$BRANCH"
    TARGET_SHA="$(git -C "$APP_DIR" rev-parse FETCH_HEAD)"
fi
[ -n "$TARGET_SHA" ] || die 2 "branch '$BRANCH' not found on origin"
log "    checkout: $CURRENT_SHA"
log "    target:   $TARGET_SHA"
body="$(mktemp)"
if health_get "$body"; then
    log "    live:     $(json_field "$body" build_sha) (from $HEALTH_URL)"
else
    log "    live:     not reachable at $HEALTH_URL"
fi
rm -f "$body"

# --- Step 2: pre-deploy snapshot --------------------------------------------------------------
if [ -n "${ATOCORE_DEPLOY_REEXECED:-}" ]; then
    log "Step 2: pre-deploy snapshot already taken before the re-exec"
elif [ "$BACKUP" = "1" ]; then
    log "Step 2: pre-deploy snapshot (current code, service keeps running)"
    rc=0
    if [ "$MODE" = "systemd" ]; then
        if [ -x "$VENV/bin/atocore" ]; then
            run "$VENV/bin/atocore" backup create || rc=$?
        else
            log "    no install at $VENV yet; skipping"
        fi
    else
        run "${COMPOSE[@]}" run --rm --no-deps atocore atocore backup create || rc=$?
    fi
    case "$rc" in
        0) ;;
        2) log "    nothing to back up yet (no database); continuing" ;;
        *) die 7 "pre-deploy snapshot failed (exit $rc); fix it or pass --no-backup" ;;
    esac
else
    log "Step 2: pre-deploy snapshot skipped (--no-backup)"
fi

# --- Step 3: move the checkout ------------------------------------------------------------
log "Step 3: checking out $TARGET_SHA"
run git -C "$APP_DIR" reset --hard --quiet "$TARGET_SHA"
if [ "$DRY_RUN" != "1" ] && [ -z "${ATOCORE_DEPLOY_REEXECED:-}" ] \
    && [ -f "$APP_DIR/deploy/deploy.sh" ] \
    && ! cmp -s "$0" "$APP_DIR/deploy/deploy.sh"; then
    log "    deploy.sh changed in this commit: continuing with the new version"
    export ATOCORE_DEPLOY_REEXECED=1
    rm -f "$0"
    unset ATOCORE_DEPLOY_SELF_COPY
    exec bash "$APP_DIR/deploy/deploy.sh" "${ORIGINAL_ARGS[@]}"
fi

BUILD_SHA="$TARGET_SHA"
BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export ATOCORE_BUILD_SHA="$BUILD_SHA" ATOCORE_BUILD_TIME="$BUILD_TIME" ATOCORE_BUILD_BRANCH="$BRANCH"

# --- Step 4: install, migrate, restart ------------------------------------------------------
log "Step 4: install and restart ($MODE)"
if [ "$MODE" = "systemd" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        run python3 -m venv "$VENV"
    fi
    run "$VENV/bin/pip" install --quiet --upgrade -e "$APP_DIR"
    run "$VENV/bin/atocore" init
    if [ "$DRY_RUN" = "1" ]; then
        printf '    [dry-run] write %s (sha %s, branch %s)\n' "$BUILD_ENV_FILE" "$BUILD_SHA" "$BRANCH"
    else
        mkdir -p "$(dirname "$BUILD_ENV_FILE")"
        printf 'ATOCORE_BUILD_SHA=%s\nATOCORE_BUILD_TIME=%s\nATOCORE_BUILD_BRANCH=%s\n' \
            "$BUILD_SHA" "$BUILD_TIME" "$BRANCH" >"$BUILD_ENV_FILE"
    fi
    run systemctl --user restart atocore-serve.service
    if [ "$DRY_RUN" = "1" ] || systemctl --user is-enabled --quiet atocore-watch.service 2>/dev/null; then
        run systemctl --user restart atocore-watch.service
    fi
else
    run "${COMPOSE[@]}" up -d --build
fi

if [ "$DRY_RUN" = "1" ]; then
    log "dry run complete: would deploy $TARGET_SHA (currently $CURRENT_SHA); nothing changed"
    exit 0
fi

# --- Steps 5 and 6: health + provenance -------------------------------------------------------
verify "$BUILD_SHA" "$(expected_version)"
log "deploy complete: $BUILD_SHA on $BRANCH"
