#!/usr/bin/env bash
# The whole test suite, from a fresh Debian (bookworm) machine, run as root:
#   1. installs the backing services if missing (Redis, NATS, PostgreSQL, MariaDB),
#      and starts a 3-master Redis Cluster next to the single Redis,
#   2. starts each on a free loopback port with its own temp data dir,
#      and moto's server mode (a local AWS: SQS, Lambda; from PyPI into a venv if missing),
#   3. cargo build --locked --all-features, cargo test --locked --workspace --all-features,
#   4. the fuzz targets in fuzz/ (cargo-fuzz on nightly), each for a short bounded time:
#      installs cargo-fuzz (`cargo install cargo-fuzz --locked`) if missing, builds every
#      target, runs each for SOCKUDO_FUZZ_SECONDS on its seeds plus a scratch corpus; a crash
#      fails the run and its input stays in fuzz/artifacts/<target>/ (see fuzz/README.md),
#   5. the end-to-end suite in tests/e2e (real pusher-js and pusher npm packages).
# Every service is stopped and every temp dir removed on any exit.
#
# Environment:
#   SOCKUDO_TEST_ONLY   comma-separated phases to run: services,build,cargo,fuzz,e2e
#                       (default: all). Services start when cargo or e2e runs;
#                       `SOCKUDO_TEST_ONLY=services` only starts and stops them.
#   SOCKUDO_TEST_NO_SERVICES=1   skip installing/starting services.
#   SOCKUDO_TEST_KEEP=1          keep temp dirs (logs) after the run.
#   SOCKUDO_FUZZ_SECONDS=15      how long the fuzz phase runs each target.
# Exported to the test processes:
#   SOCKUDO_TEST_REDIS_URL, SOCKUDO_TEST_NATS_URL, SOCKUDO_TEST_POSTGRES_URL,
#   SOCKUDO_TEST_MYSQL_URL,
#   SOCKUDO_TEST_REDIS_CLUSTER_NODES (comma-separated redis:// URLs of the 3 masters),
#   SOCKUDO_TEST_AWS_ENDPOINT (moto_server, for the `aws` feature's SQS and Lambda tests),
#   SOCKUDO_TEST_TLS_CA / SOCKUDO_TEST_TLS_OTHER_CA (the CA every TLS-enabled service's
#   certificate comes from, and one that signed nothing), SOCKUDO_TEST_REDIS_TLS_URL (rediss://),
#   SOCKUDO_TEST_NATS_TLS_URL (tls://), SOCKUDO_TEST_REDIS_CLUSTER_TLS_NODES (rediss:// URLs of a
#   TLS-only Redis Cluster); PostgreSQL and MariaDB offer TLS on their usual port
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$(pwd)"

ONLY="${SOCKUDO_TEST_ONLY:-services,build,cargo,fuzz,e2e}"
want() { [[ ",${ONLY}," == *",$1,"* ]]; }
for p in ${ONLY//,/ }; do
  case "$p" in
    services | build | cargo | fuzz | e2e) ;;
    *) echo "SOCKUDO_TEST_ONLY: unknown phase '$p' (use services,build,cargo,fuzz,e2e)" >&2; exit 2 ;;
  esac
done

header() {
  printf '\n==================== %s ====================\n' "$*"
}
log() { printf '[test.sh] %s\n' "$*"; }
die() {
  printf '[test.sh] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------- cleanup
TMP_ROOT=""
PIDS=()          # "name:pid" of services we started directly
PG_BIN=""
OUR_POLICY_RC=0  # 1 while a policy-rc.d we created is in place

stop_pid() { # name pid [signal]
  local name="$1" pid="$2" sig="${3:-TERM}" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for i in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  log "$name (pid $pid) ignored SIG$sig for 15 s; killing"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  [[ "$OUR_POLICY_RC" == 1 ]] && rm -f /usr/sbin/policy-rc.d
  local entry name
  for entry in "${PIDS[@]+"${PIDS[@]}"}"; do
    name="${entry%%:*}"
    # postgres: SIGINT is its "fast" shutdown (SIGTERM waits for clients)
    if [[ "$name" == postgres ]]; then
      stop_pid "$name" "${entry##*:}" INT
    else
      stop_pid "$name" "${entry##*:}"
    fi
  done
  if [[ -n "$TMP_ROOT" && -d "$TMP_ROOT" ]]; then
    if [[ "${SOCKUDO_TEST_KEEP:-0}" == 1 ]]; then
      log "kept $TMP_ROOT"
    else
      rm -rf "$TMP_ROOT"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

USED_PORTS=" "
free_port() {
  local p i
  for i in $(seq 1 200); do
    # Below the kernel's ephemeral range (32768+), so no outgoing connection can hold it.
    p=$((20000 + RANDOM % 12000))

    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if ! port_in_use "$p"; then
      USED_PORTS+="$p "
      echo "$p"
      return 0
    fi
  done
  die "no free port found"
}

# wait_for NAME SECONDS LOGFILE PID CMD...: polls CMD until it succeeds.
wait_for() {
  local name="$1" secs="$2" logfile="$3" pid="$4"
  shift 4
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "---- $name log ($logfile) ----" >&2
      tail -n 40 "$logfile" >&2 || true
      die "$name exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      echo "---- $name log ($logfile) ----" >&2
      tail -n 40 "$logfile" >&2 || true
      die "$name did not become ready within ${secs}s"
    fi
    sleep 0.2
  done
  log "$name ready"
}

pg_bin_dir() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$d" && -x "$d/initdb" && -x "$d/postgres" ]] && echo "$d"
}

# ---------------------------------------------------------------- install
install_services() {
  header "install services"
  local missing=()
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
  command -v nats-server >/dev/null 2>&1 || [[ -x /usr/sbin/nats-server ]] || missing+=(nats-server)
  [[ -n "$(pg_bin_dir)" ]] || missing+=(postgresql)
  { [[ -x /usr/sbin/mariadbd ]] && command -v mariadb-install-db >/dev/null 2>&1; } || missing+=(mariadb-server)
  # jemalloc, the binary's allocator, is built from C sources with make.
  command -v make >/dev/null 2>&1 || missing+=(make)
  # The `sockudo top` test drives the dashboard in a real terminal.
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  # The web console's e2e test drives Debian's Chromium with playwright-core.
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # The packaging test reads docker-compose.yml with PyYAML (there is no Docker engine here).
  python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
  # The TLS tests' CA and certificates are made at run time.
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if ((${#missing[@]} == 0)); then
    log "redis-server, nats-server, postgresql, mariadb-server, tmux, chromium, make, python3-yaml already installed"

    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "need root to install: ${missing[*]}"
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  # The packages' own services must not start (we run private instances): where
  # no policy-rc.d forbids it already, forbid it for the install only.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    OUR_POLICY_RC=1
  fi
  apt-get install -y --no-install-recommends "${missing[@]}"
  if [[ "$OUR_POLICY_RC" == 1 ]]; then
    rm -f /usr/sbin/policy-rc.d
    OUR_POLICY_RC=0
  fi
}

# moto's server mode: an AWS-compatible server for the `aws` feature's tests.
MOTO_VENV=/opt/sockudo-moto
moto_bin() {
  if [[ -x "$MOTO_VENV/bin/moto_server" ]]; then
    echo "$MOTO_VENV/bin/moto_server"
  elif command -v moto_server >/dev/null 2>&1 && moto_server --help >/dev/null 2>&1; then
    command -v moto_server
  fi
}

install_moto() {
  if [[ -n "$(moto_bin)" ]]; then
    log "moto_server already installed ($(moto_bin))"
    return 0
  fi
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    [[ "$(id -u)" == 0 ]] || die "need root to install python3-venv (for moto)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv
  fi
  log "installing moto[server] from PyPI into $MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
}

# ---------------------------------------------------------------- services
# A CA made for this run and a certificate it signed for 127.0.0.1 / localhost, which every
# TLS-enabled service presents; and a second CA that signed nothing here, for refusal tests.
make_test_ca() {
  local dir="$TMP_ROOT/tls"
  mkdir -p "$dir"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sockudo test CA" \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
      -keyout other-ca.key -out other-ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile san.ext -out server.pem 2>/dev/null
  ) || die "openssl could not make the test CA"
  chmod 644 "$dir"/*.pem "$dir/server.key"
  export SOCKUDO_TEST_TLS_CA="$dir/ca.pem" SOCKUDO_TEST_TLS_OTHER_CA="$dir/other-ca.pem"
}

start_redis() {
  local dir="$TMP_ROOT/redis" port tls_port pid
  mkdir -p "$dir"
  port="$(free_port)"
  tls_port="$(free_port)"
  # One server, two ports: plain, and TLS with the test CA's certificate (no client certificates).
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --tls-port "$tls_port" --tls-cert-file "$TMP_ROOT/tls/server.pem" \
    --tls-key-file "$TMP_ROOT/tls/server.key" --tls-ca-cert-file "$TMP_ROOT/tls/ca.pem" \
    --tls-auth-clients no --dir "$dir" --logfile "$dir/redis.log" &
  pid=$!
  PIDS+=("redis:$pid")
  wait_for redis 30 "$dir/redis.log" "$pid" bash -c "[[ \"\$(redis-cli -h 127.0.0.1 -p $port ping)\" == PONG ]]"
  export SOCKUDO_TEST_REDIS_URL="redis://127.0.0.1:$port"
  export SOCKUDO_TEST_REDIS_TLS_URL="rediss://127.0.0.1:$tls_port"
}

# A port P for a Redis Cluster node: P and its cluster bus port P+10000 are both free and
# both below the ephemeral range (P in 20000-21999, bus in 30000-31999).
free_cluster_port() {
  local p i
  for i in $(seq 1 200); do
    p=$((20000 + RANDOM % 2000))
    [[ "$USED_PORTS" == *" $p "* || "$USED_PORTS" == *" $((p + 10000)) "* ]] && continue
    if ! port_in_use "$p" && ! port_in_use "$((p + 10000))"; then
      USED_PORTS+="$p $((p + 10000)) "
      echo "$p"
      return 0
    fi
  done
  die "no free port pair for a Redis Cluster node found"
}

# redis-cli's options for the cluster being started: none, or TLS with the test CA.
CLUSTER_CLI=()

cluster_ok() { # port...: every node reports cluster_state:ok
  local p
  for p in "$@"; do
    redis-cli "${CLUSTER_CLI[@]}" -h 127.0.0.1 -p "$p" cluster info 2>/dev/null |
      grep -q '^cluster_state:ok' || return 1
  done
}

# start_redis_cluster [tls]: three masters; with `tls`, every node and the cluster bus speak only
# TLS with the test CA's certificate (SOCKUDO_TEST_REDIS_CLUSTER_TLS_NODES, rediss:// URLs).
start_redis_cluster() {
  local tls="${1:-}" dir ports=() port pid i nodes=() urls=() listen scheme
  dir="$TMP_ROOT/redis-cluster${tls:+-tls}"
  mkdir -p "$dir"
  CLUSTER_CLI=()
  scheme=redis
  if [[ -n "$tls" ]]; then
    CLUSTER_CLI=(--tls --cacert "$TMP_ROOT/tls/ca.pem")
    scheme=rediss
  fi
  for i in 1 2 3; do
    port="$(free_cluster_port)"
    ports+=("$port")
    listen=(--port "$port")
    [[ -n "$tls" ]] && listen=(--port 0 --tls-port "$port" --tls-cluster yes --tls-replication yes
      --tls-cert-file "$TMP_ROOT/tls/server.pem" --tls-key-file "$TMP_ROOT/tls/server.key"
      --tls-ca-cert-file "$TMP_ROOT/tls/ca.pem" --tls-auth-clients no)
    redis-server --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
      --cluster-node-timeout 2000 "${listen[@]}" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no --dir "$dir" --logfile "$dir/redis-$port.log" &
    pid=$!
    PIDS+=("redis-cluster${tls:+-tls}-$port:$pid")
    wait_for "redis-cluster${tls:+-tls} node $port" 30 "$dir/redis-$port.log" "$pid" \
      bash -c "[[ \"\$(redis-cli ${CLUSTER_CLI[*]} -h 127.0.0.1 -p $port ping)\" == PONG ]]"
    nodes+=("127.0.0.1:$port")
    urls+=("$scheme://127.0.0.1:$port")
  done
  redis-cli "${CLUSTER_CLI[@]}" --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes \
    >"$dir/create.log" 2>&1 || { tail -n 40 "$dir/create.log" >&2; die "redis-cli --cluster create failed"; }
  wait_for "redis-cluster${tls:+-tls}" 30 "$dir/create.log" "" cluster_ok "${ports[@]}"
  if [[ -n "$tls" ]]; then
    SOCKUDO_TEST_REDIS_CLUSTER_TLS_NODES="$(IFS=,; echo "${urls[*]}")"
    export SOCKUDO_TEST_REDIS_CLUSTER_TLS_NODES
  else
    SOCKUDO_TEST_REDIS_CLUSTER_NODES="$(IFS=,; echo "${urls[*]}")"
    export SOCKUDO_TEST_REDIS_CLUSTER_NODES
  fi
}

nats_ready() { # port: the server greets every client with an INFO line
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    [[ "$line" == INFO* ]]
  )
}

start_nats() {
  local dir="$TMP_ROOT/nats" port pid bin
  mkdir -p "$dir"
  port="$(free_port)"
  bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
  "$bin" -a 127.0.0.1 -p "$port" -l "$dir/nats.log" &
  pid=$!
  PIDS+=("nats:$pid")
  wait_for nats 30 "$dir/nats.log" "$pid" nats_ready "$port"
  export SOCKUDO_TEST_NATS_URL="nats://127.0.0.1:$port"
  # A second server that speaks only TLS, with the test CA's certificate.
  port="$(free_port)"
  "$bin" -a 127.0.0.1 -p "$port" -l "$dir/nats-tls.log" --tls \
    --tlscert "$TMP_ROOT/tls/server.pem" --tlskey "$TMP_ROOT/tls/server.key" &
  pid=$!
  PIDS+=("nats-tls:$pid")
  wait_for nats-tls 30 "$dir/nats-tls.log" "$pid" nats_ready "$port"
  export SOCKUDO_TEST_NATS_TLS_URL="tls://127.0.0.1:$port"
}

start_postgres() {
  local dir="$TMP_ROOT/postgres" port pid data
  PG_BIN="$(pg_bin_dir)"
  [[ -n "$PG_BIN" ]] || die "postgresql binaries not found under /usr/lib/postgresql/*/bin"
  mkdir -p "$dir/sock"
  # TLS offered to clients that ask (sslmode); the key must belong to postgres, mode 0600.
  cp "$TMP_ROOT/tls/server.pem" "$TMP_ROOT/tls/server.key" "$dir/"
  chmod 600 "$dir/server.key"
  chown -R postgres:postgres "$dir"
  data="$dir/data"
  port="$(free_port)"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust \
    --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
    { tail -n 40 "$dir/initdb.log" >&2; die "initdb failed"; }
  # setpriv execs postgres in place (no intermediate process), so $! is the
  # postmaster and this shell reaps it.
  setpriv --reuid=postgres --regid=postgres --clear-groups -- \
    "$PG_BIN/postgres" -D "$data" -p "$port" -k "$dir/sock" -c listen_addresses=127.0.0.1 \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    -c ssl=on -c ssl_cert_file="$dir/server.pem" -c ssl_key_file="$dir/server.key" \
    >"$dir/postgres.log" 2>&1 &
  pid=$!
  PIDS+=("postgres:$pid")
  wait_for postgres 60 "$dir/postgres.log" "$pid" \
    "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$port" -U postgres
  runuser -u postgres -- "$PG_BIN/psql" -h "$dir/sock" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE USER sockudo WITH SUPERUSER PASSWORD 'sockudo';" \
    -c "CREATE DATABASE sockudo_test OWNER sockudo;" >/dev/null
  export SOCKUDO_TEST_POSTGRES_URL="postgres://sockudo:sockudo@127.0.0.1:$port/sockudo_test"
}

start_mariadb() {
  local dir="$TMP_ROOT/mariadb" port pid sock
  mkdir -p "$dir"
  chown mysql:mysql "$dir"
  port="$(free_port)"
  sock="$dir/mysqld.sock"
  mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
    { tail -n 40 "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  # TLS offered to clients that ask (ssl-mode); the files must be readable by mysql.
  cp "$TMP_ROOT/tls/server.pem" "$TMP_ROOT/tls/server.key" "$TMP_ROOT/tls/ca.pem" "$dir/"
  chown mysql:mysql "$dir"/*.pem "$dir/server.key"
  /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$dir/data" --port="$port" \
    --ssl-cert="$dir/server.pem" --ssl-key="$dir/server.key" --ssl-ca="$dir/ca.pem" \
    --bind-address=127.0.0.1 --socket="$sock" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/error.log" --skip-log-bin --innodb-buffer-pool-size=64M \
    --innodb-flush-log-at-trx-commit=0 >"$dir/mariadbd.out" 2>&1 &
  pid=$!
  PIDS+=("mariadb:$pid")
  wait_for mariadb 60 "$dir/error.log" "$pid" mariadb-admin --no-defaults --socket="$sock" -uroot ping
  mariadb --no-defaults --socket="$sock" -uroot -e "
    CREATE DATABASE sockudo_test;
    CREATE USER 'sockudo'@'127.0.0.1' IDENTIFIED BY 'sockudo';
    CREATE USER 'sockudo'@'localhost' IDENTIFIED BY 'sockudo';
    GRANT ALL PRIVILEGES ON *.* TO 'sockudo'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'sockudo'@'localhost';
    FLUSH PRIVILEGES;"
  export SOCKUDO_TEST_MYSQL_URL="mysql://sockudo:sockudo@127.0.0.1:$port/sockudo_test"
}

moto_ready() { # port: the moto API answers 200
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ "$line" == *" 200"* ]]
  )
}

start_moto() {
  local dir="$TMP_ROOT/moto" port pid bin
  mkdir -p "$dir"
  port="$(free_port)"
  bin="$(moto_bin)"
  # Its request recorder (used by the Lambda test) writes to MOTO_RECORDER_FILEPATH.
  MOTO_RECORDER_FILEPATH="$dir/recording" "$bin" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 &
  pid=$!
  PIDS+=("moto:$pid")
  wait_for moto 60 "$dir/moto.log" "$pid" moto_ready "$port"
  export SOCKUDO_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"
}

start_services() {
  header "start services"
  TMP_ROOT="$(mktemp -d /tmp/sockudo-test.XXXXXX)"
  chmod 755 "$TMP_ROOT"
  make_test_ca
  start_redis
  start_redis_cluster
  start_redis_cluster tls
  start_nats
  start_postgres
  start_mariadb
  start_moto
  log "SOCKUDO_TEST_REDIS_URL=$SOCKUDO_TEST_REDIS_URL"
  log "SOCKUDO_TEST_REDIS_CLUSTER_NODES=$SOCKUDO_TEST_REDIS_CLUSTER_NODES"
  log "SOCKUDO_TEST_NATS_URL=$SOCKUDO_TEST_NATS_URL"
  log "SOCKUDO_TEST_POSTGRES_URL=$SOCKUDO_TEST_POSTGRES_URL"
  log "SOCKUDO_TEST_MYSQL_URL=$SOCKUDO_TEST_MYSQL_URL"
  log "SOCKUDO_TEST_REDIS_TLS_URL=$SOCKUDO_TEST_REDIS_TLS_URL SOCKUDO_TEST_NATS_TLS_URL=$SOCKUDO_TEST_NATS_TLS_URL (CA $SOCKUDO_TEST_TLS_CA)"
  log "SOCKUDO_TEST_AWS_ENDPOINT=$SOCKUDO_TEST_AWS_ENDPOINT"
}

# ---------------------------------------------------------------- phases

if [[ "${SOCKUDO_TEST_NO_SERVICES:-0}" != 1 ]] && { want services || want cargo || want e2e; }; then
  install_services
  install_moto
  start_services
fi

if want build; then
  # Every feature (`aws` adds no dependencies): one build serves the tests and the e2e suite.
  header "cargo build --locked --all-features"
  cargo build --locked --all-features
fi

if want cargo; then
  header "cargo test --locked --workspace --all-features"
  cargo test --locked --workspace --all-features
fi

if want fuzz; then
  fuzz_seconds="${SOCKUDO_FUZZ_SECONDS:-15}"
  header "fuzz (cargo-fuzz, ${fuzz_seconds} s per target)"
  fuzz_started=$SECONDS
  rustup run nightly rustc --version >/dev/null 2>&1 ||
    rustup toolchain install nightly --profile minimal
  command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
  # No sanitizer (safe Rust; a panic is the crash we look for) and parallel codegen: the build is
  # most of this phase's time. `cargo fuzz run` must get the same flags or it rebuilds.
  fuzz_flags=(-s none --codegen-units 16)
  (cd fuzz && cargo +nightly fuzz build "${fuzz_flags[@]}")
  fuzz_scratch="$(mktemp -d /tmp/sockudo-fuzz.XXXXXX)"
  fuzz_failed=()
  for target in $(cd fuzz && cargo +nightly fuzz list); do
    log "fuzz $target"
    mkdir -p "$fuzz_scratch/$target"
    # New inputs go to the scratch corpus (first directory); the committed seeds are read only.
    if ! (cd fuzz && cargo +nightly fuzz run "${fuzz_flags[@]}" "$target" \
      "$fuzz_scratch/$target" "corpus/$target" -- \
      -max_total_time="$fuzz_seconds" -timeout=10 -print_final_stats=1 \
      >"$fuzz_scratch/$target.log" 2>&1); then
      tail -n 60 "$fuzz_scratch/$target.log" >&2
      fuzz_failed+=("$target")
    fi
    grep -h 'Done [0-9]* runs' "$fuzz_scratch/$target.log" || true
  done
  rm -rf "$fuzz_scratch"
  log "fuzz phase took $((SECONDS - fuzz_started)) s"
  ((${#fuzz_failed[@]} == 0)) ||
    die "fuzz targets crashed: ${fuzz_failed[*]} (inputs in fuzz/artifacts/; see fuzz/README.md)"
fi

if want e2e; then
  header "e2e (pusher-js + pusher SDK)"
  command -v node >/dev/null 2>&1 || die "node is required for the e2e suite"
  command -v npm >/dev/null 2>&1 || die "npm is required for the e2e suite"
  export SOCKUDO_BIN="${SOCKUDO_BIN:-target/debug/sockudo}"
  [[ -x "$REPO/$SOCKUDO_BIN" || -x "$SOCKUDO_BIN" ]] ||
    die "server binary $SOCKUDO_BIN not found (run the build phase first)"
  (
    cd tests/e2e
    if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json \
      || package.json -nt node_modules/.package-lock.json ]]; then
      log "npm ci"
      npm ci --no-audit --no-fund
    fi
    npm test
  )
fi
# Nothing is printed after the last test runner: its closing lines stay last.
