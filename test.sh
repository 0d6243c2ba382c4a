#!/usr/bin/env bash
# Runs Parley's whole test suite: ./test.sh (from any folder).
#
# Installs what is missing (chromium, postgresql, redis-server) from Debian packages, starts PostgreSQL
# and Redis on 127.0.0.1 unless they already run, restores, builds and tests the solution in Release,
# then stops only the services it started. Tests find the services through PARLEY_TEST_POSTGRES,
# PARLEY_TEST_REDIS and CHROMIUM_PATH. The last line printed is "N passed, N failed, N skipped" (summed
# from the run's TRX reports); the exit code is dotnet test's.
#
# Works as root without systemd (Debian's pg_ctlcluster). As another user it needs the packages
# installed, and either sudo without a password or PostgreSQL already running with the parley_test role.
set -euo pipefail
exec </dev/null   # nothing here may wait for input

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOLUTION=Parley.slnx
PG_DB=parley_test PG_USER=parley_test PG_PASS=parley_test
REDIS_PORT=6379
RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/parley-test.XXXXXX")"   # apt log, redis files
export DEBIAN_FRONTEND=noninteractive DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

log() { printf '[test.sh %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "$*"; exit 1; }
T0=$SECONDS; lap() { log "$1 took $((SECONDS - T0)) s"; T0=$SECONDS; }

if [ "$(id -u)" = 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(none); fi
as_root() { [ "${SUDO[0]:-}" != none ] || return 1; "${SUDO[@]}" "$@"; }
command -v dotnet >/dev/null || die "dotnet not found: install the .NET 10 SDK (https://dot.net)"

# ---------------------------------------------------------------- 1. packages
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)   # Playwright drives Debian's chromium; no chromium-driver needed
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
command -v pg_dump >/dev/null && command -v psql >/dev/null || missing+=(postgresql-client)
command -v redis-server >/dev/null || missing+=(redis-server)

# Another apt/dpkg (unattended upgrades, a provisioning script) may hold the locks: wait for it, up to 10 min.
apt_get() {
  local deadline=$((SECONDS + 600))
  until as_root apt-get -o DPkg::Lock::Timeout=60 "$@" >>"$RUN_DIR/apt.log" 2>&1; do
    if ((SECONDS < deadline)) && tail -n 5 "$RUN_DIR/apt.log" | grep -qi 'lock'; then
      log "apt is busy (lock held), waiting"; sleep 5
    else
      tail -n 30 "$RUN_DIR/apt.log"; die "apt-get $* failed"
    fi
  done
}
if ((${#missing[@]})); then
  [ "${SUDO[0]:-}" != none ] || die "missing packages; install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  log "installing ${missing[*]} (log: $RUN_DIR/apt.log)"
  apt_get update -qq
  apt_get install -y -qq "${missing[@]}"
  lap "packages"
fi

# ---------------------------------------------------------------- 2. services
STARTED_PG="" STARTED_REDIS=0
stop_services() {
  if [ "$STARTED_REDIS" = 1 ]; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 \
      || { [ -s "$RUN_DIR/redis.pid" ] && kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null; } || true
    STARTED_REDIS=0
  fi
  if [ -n "$STARTED_PG" ]; then
    # shellcheck disable=SC2086 # "version cluster"
    as_root pg_ctlcluster $STARTED_PG stop -m fast >/dev/null 2>&1 || true
    STARTED_PG=""
  fi
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL: use a Debian cluster that is already online, else start (or create) the newest version's "main".
read -r PG_VER PG_CLUSTER PG_PORT < <(pg_lsclusters -h | awk '$4 == "online" {print $1, $2, $3; exit}') || true
if [ -z "${PG_VER:-}" ]; then
  PG_VER="$(ls /usr/lib/postgresql | sort -V | tail -n 1)" PG_CLUSTER=main
  [ "${SUDO[0]:-}" != none ] || die "PostgreSQL is not running; start it as root: pg_ctlcluster $PG_VER main start"
  pg_lsclusters -h | awk -v v="$PG_VER" '$1 == v && $2 == "main" {f = 1} END {exit !f}' \
    || as_root pg_createcluster "$PG_VER" main >/dev/null
  log "starting PostgreSQL $PG_VER/$PG_CLUSTER"
  as_root pg_ctlcluster "$PG_VER" main start   # works without systemd
  STARTED_PG="$PG_VER main"
  PG_PORT="$(pg_lsclusters -h | awk -v v="$PG_VER" '$1 == v && $2 == "main" {print $3}')"
fi
for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.5; done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL $PG_VER/$PG_CLUSTER does not answer on 127.0.0.1:$PG_PORT"

# Role and database parley_test; CREATEDB so tests can create a database each.
if ! PGPASSWORD="$PG_PASS" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc \
    "SELECT 1 FROM pg_roles WHERE rolname = current_user AND rolcreatedb" 2>/dev/null | grep -q 1; then
  [ "${SUDO[0]:-}" != none ] || die "cannot create role $PG_USER: run this once as root, or as the postgres user:
  psql -p $PG_PORT -c \"CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASS'\" && createdb -p $PG_PORT -O $PG_USER $PG_DB"
  pgsu() { (cd / && as_root runuser -u postgres -- "$@"); }   # cd /: postgres can't read the caller's folder
  pgsu psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -q -c "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_USER') THEN
      CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASS';
    ELSE
      ALTER ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASS';
    END IF; END\$\$;"
  pgsu psql -p "$PG_PORT" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1 \
    || pgsu createdb -p "$PG_PORT" -O "$PG_USER" "$PG_DB"
fi
export PARLEY_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Database=$PG_DB;Username=$PG_USER;Password=$PG_PASS"

# Redis: a throwaway daemon on loopback without persistence, unless one already answers.
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' --appendonly no \
    --dir "$RUN_DIR" --pidfile "$RUN_DIR/redis.pid" --logfile "$RUN_DIR/redis.log"
  STARTED_REDIS=1
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || die "Redis did not start (see $RUN_DIR/redis.log)"
fi
export PARLEY_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export CHROMIUM_PATH=/usr/bin/chromium
lap "services"

# ---------------------------------------------------------------- 3. restore, build, test
# dotnet finds global.json (which selects Microsoft.Testing.Platform for xunit.v3) from the current folder.
cd "$ROOT"
mkdir -p TestResults
RESULTS="$(mktemp -d "$ROOT/TestResults/run-$(date +%Y%m%d-%H%M%S).XXXX")"
test_rc=0
# Every Parley the tests start also logs into this folder, and the secrets the tests create are noted there; once
# every test has run, Parley.RunLogTests searches those logs for those secrets.
export PARLEY_TEST_RUN_LOG="$RESULTS/run-log"
dotnet test --solution "$SOLUTION" -c Release --no-ansi --report-xunit-trx --results-directory "$RESULTS" || test_rc=$?
lap "dotnet test (exit code $test_rc, TRX in $RESULTS)"
scan_rc=0
dotnet test --project tests/Parley.RunLogTests/Parley.RunLogTests.csproj -c Release --no-ansi --report-xunit-trx \
  --results-directory "$RESULTS" || scan_rc=$?
lap "the run's logs searched for secrets (exit code $scan_rc)"
[ "$test_rc" -ne 0 ] || test_rc=$scan_rc
[ "$scan_rc" -ne 0 ] || rm -rf "$PARLEY_TEST_RUN_LOG"

# dotnet test prints no "N passed, N failed" line: sum the <Counters> of this run's TRX files
# (one per test project); skipped = total - executed.
SUMMARY="$(find "$RESULTS" -name '*.trx' -exec cat {} + 2>/dev/null \
  | { grep -o '<Counters [^>]*>' || true; } \
  | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); gsub(/[^0-9]/, "", kv[2]); c[kv[1]] += kv[2] } }
         END { printf "%d passed, %d failed, %d skipped",
               c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["total"] - c["executed"] }')"

# Name each failed test with the start of its message just above the summary, where a log tail shows it.
find "$RESULTS" -name '*.trx' -exec cat {} + 2>/dev/null | perl -0777 -ne '
  while (m{<UnitTestResult\b([^>]*[^/])>(.*?)</UnitTestResult>}gs) {
    my ($attributes, $body) = ($1, $2);
    next unless $attributes =~ /outcome="(?:Failed|Error|Timeout|Aborted)"/;
    my ($name) = $attributes =~ /testName="([^"]*)"/;
    my ($message) = $body =~ /<Message>(.*?)<\/Message>/s;
    $message = substr($message // "", 0, 800);
    print "FAILED $name\n  $message\n";
  }' || true

# ---------------------------------------------------------------- 4. stop what we started, summary last
stop_services
rm -rf "$RUN_DIR"
echo "$SUMMARY"
exit "$test_rc"
