#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, on a free port, listening on
# 127.0.0.1 only, trust auth; stopped and deleted on exit.
#
#   bash .ci/postgres.sh                 # runs `npm test` with TEST_DATABASE_URL set
#   bash .ci/postgres.sh -- CMD ARGS…    # runs CMD with TEST_DATABASE_URL set
#   bash .ci/postgres.sh --shell         # opens $SHELL with TEST_DATABASE_URL set (exit to stop)
#
# Needs the PostgreSQL server binaries (Debian: apt-get install postgresql). As root, the cluster
# runs as the `postgres` OS user, because initdb refuses to run as root.
set -euo pipefail

AS_OWNER=()

# initdb and pg_ctl: on PATH, or in Debian's versioned directory (not on PATH by default).
find_pg_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then
    echo "$dir"
    return 0
  fi
  return 1
}

# Runs a command as the cluster's owner (AS_OWNER is empty when we are not root).
run_as_owner() {
  if [[ ${#AS_OWNER[@]} -eq 0 ]]; then "$@"
  elif [[ ${AS_OWNER[0]} == runuser ]]; then "${AS_OWNER[@]}" "$@"
  else "${AS_OWNER[@]}" "$(printf '%q ' "$@")"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

main() {
  local mode=npm-test
  local -a cmd=(npm test)
  if [[ "${1:-}" == "--shell" ]]; then
    mode=shell
    cmd=("${SHELL:-bash}")
  elif [[ "${1:-}" == "--" ]]; then
    shift
    [[ $# -gt 0 ]] || { echo "postgres.sh: nothing to run after --" >&2; exit 2; }
    mode=command
    cmd=("$@")
  elif [[ $# -gt 0 ]]; then
    echo "usage: $0 [--shell | -- command args…]" >&2
    exit 2
  fi

  local bin
  if ! bin=$(find_pg_bin); then
    echo "postgres.sh: PostgreSQL server binaries not found (Debian: apt-get install -y postgresql)" >&2
    exit 1
  fi

  # As root, hand the cluster to an unprivileged user; as anyone else, run it as ourselves.
  AS_OWNER=()
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "postgres.sh: running as root but there is no 'postgres' user" >&2; exit 1; }
    if command -v runuser >/dev/null 2>&1; then AS_OWNER=(runuser -u postgres --); else AS_OWNER=(su postgres -s /bin/sh -c); fi
  fi

  # As root, under /tmp: the postgres user may not be able to reach root's own TMPDIR.
  local tmp_base="${TMPDIR:-/tmp}"
  [[ ${#AS_OWNER[@]} -gt 0 ]] && tmp_base=/tmp
  PG_TMP=$(mktemp -d "$tmp_base/fb-pg-XXXXXX")
  PG_DATA="$PG_TMP/data"
  PG_BIN="$bin"
  PG_STARTED=0
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  if [[ ${#AS_OWNER[@]} -gt 0 ]]; then chown postgres: "$PG_TMP"; fi
  chmod 700 "$PG_TMP"

  local port
  echo "postgres.sh: initdb in $PG_DATA ($("$bin/initdb" --version))"
  # C.UTF-8 where the system has it; plain C (still UTF8-encoded) otherwise.
  if ! run_as_owner "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-instructions >"$PG_TMP/initdb.log" 2>&1; then
    run_as_owner rm -rf "$PG_DATA"
    run_as_owner "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-instructions >"$PG_TMP/initdb.log" 2>&1 \
      || { cat "$PG_TMP/initdb.log" >&2; exit 1; }
  fi

  # Tests only: no durability needed, so skip fsync; enough connections for parallel test files.
  # The free port may be taken between the check and the start: try another one, three times.
  local attempt opts
  for attempt in 1 2 3; do
    port=$(free_port)
    opts="-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c fsync=off -c synchronous_commit=off"
    opts+=" -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
    if run_as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -o "$opts" -w -t 60 start >/dev/null; then
      PG_STARTED=1
      break
    fi
    grep -q "could not bind\|already in use" "$PG_TMP/server.log" 2>/dev/null && [[ $attempt -lt 3 ]] && continue
    cat "$PG_TMP/server.log" >&2
    exit 1
  done

  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "postgres.sh: PostgreSQL listening on 127.0.0.1:$port; TEST_DATABASE_URL=$TEST_DATABASE_URL"
  [[ $mode == shell ]] && echo "postgres.sh: exit the shell to stop and delete the cluster"
  local rc=0
  "${cmd[@]}" || rc=$?
  return "$rc"
}

cleanup() {
  local rc=$?
  if [[ ${PG_STARTED:-0} -eq 1 ]]; then
    run_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -n "${PG_TMP:-}" ]] && rm -rf "$PG_TMP"
  exit "$rc"
}

main "$@"
