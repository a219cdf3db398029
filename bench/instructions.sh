#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# Instruction counts of the module's part of an apply and of a start-up
# (DESIGN §6): a measure that a loaded machine does not move, for
# comparing two builds where bench/apply.sh's wall-clock ratios are too
# noisy (a run moves by a third on a shared machine).
#
#   bench/instructions.sh BUILDDIR [BASE_BUILDDIR]
#
# For each build, in a throwaway session of its own (tools/with-session),
# evolution-source-registry runs under valgrind's callgrind, counting only
# inside the module's entry points: e_module_load, on_files_loaded (the
# module's start on the main context), serve (one call in the module's
# worker, from its start to its answer and clean-up) and main_call_dispatch
# (the worker's work handed to the main context). A dump is taken after
# each call (--dump-after=serve), so each figure is one call's:
#   apply: the second `email2ctl apply` of data/examples/create-imap-
#     account.xml in a registry without accounts (the first warms up; the
#     account is deleted after each); what the keyring daemon, the bus and
#     EDS's own code do for it is not counted;
#   start-up: the module's start with BENCH_ACCOUNTS (default 50) accounts
#     (gen-payload, as bench/apply.sh), up to the end of its first worker
#     call (recovery and the launchers' reconciliation), the main-context
#     work included.
# Prints both counts for BUILDDIR, and with BASE_BUILDDIR the counts of
# that build and the ratios BUILDDIR / BASE_BUILDDIR (the same within
# about 0.1 % from one run to the next). BENCH_KEEP=DIR keeps the dumps
# (DIR/apply, DIR/start) for callgrind_annotate.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
registry=/usr/libexec/evolution-source-registry

die() {
  echo "instructions.sh: $*" >&2
  exit 2
}

# ---- inside a session: one build's counts ----

. "$here/lib/timing.sh"

# Waits until $1 holds the dump after the worker's call number $2 (1 is
# the first), written whole; prints its name.
wait_dump() {
  i=0
  until grep -qs '^totals:' "$1/cg.out.$2"; do
    i=$((i + 1))
    [ $i -lt 1200 ] || die "no callgrind dump after 120 s"
    sleep 0.1
  done
  echo "$1/cg.out.$2"
}

# Waits until the number of dumps in $1 stays the same for a second (the
# last call's dump is written just after its answer).
settle() {
  last=-1
  n=$(find "$1" -name 'cg.out.*' | wc -l)
  while [ "$n" -ne "$last" ]; do
    last=$n
    sleep 1
    n=$(find "$1" -name 'cg.out.*' | wc -l)
  done
}

# The instructions of one dump file.
total() {
  awk '/^(summary|totals):/ { print $2; exit }' "$1"
}

# Starts the registry under callgrind, its dumps into $1; sets cg_pid.
start_counted() {
  mkdir -p "$1"
  valgrind --tool=callgrind --callgrind-out-file="$1/cg.out" --collect-atstart=no \
    --toggle-collect=e_module_load --toggle-collect=on_files_loaded \
    --toggle-collect=serve --toggle-collect=main_call_dispatch \
    --dump-after=serve --dump-instr=no "$registry" >>"$1/registry.log" 2>&1 &
  cg_pid=$!
}

# Waits until the registry under callgrind owns the registry's bus name:
# a call before that would have D-Bus start another registry.
wait_owned() {
  i=0
  while :; do
    owner=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
              --method org.freedesktop.DBus.GetConnectionUnixProcessID \
              org.gnome.evolution.dataserver.Sources5 2>/dev/null | sed -n 's/.*uint32 \([0-9]*\).*/\1/p') || true
    [ "$owner" != "$cg_pid" ] || return 0
    i=$((i + 1))
    [ $i -lt 600 ] || die "the registry under callgrind did not take its bus name"
    sleep 0.2
  done
}

stop_counted() {
  kill "$cg_pid" 2>/dev/null || true
  wait "$cg_pid" 2>/dev/null || true
}

inner() {
  builddir=$1
  email2ctl=$builddir/src/email2ctl
  gen_payload=$builddir/bench/gen-payload
  accounts=${BENCH_ACCOUNTS:-50}
  tmp=$EMAIL2_SESSION_DIR/instructions
  payload_file=$here/../data/examples/create-imap-account.xml
  guid='{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}'
  mkdir -p "$tmp"

  # apply: a registry without accounts.
  stop_session_registry
  start_counted "$tmp/apply"
  wait_owned
  i=0
  until "$email2ctl" list >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 600 ] || die "the registry under callgrind did not answer"
    sleep 0.2
  done
  settle "$tmp/apply"
  for step in apply delete apply; do
    n=$(find "$tmp/apply" -name 'cg.out.*' | wc -l)
    if [ "$step" = apply ]; then
      "$email2ctl" apply - <"$payload_file" >/dev/null || die "email2ctl apply failed"
    else
      "$email2ctl" delete "$guid" >/dev/null || die "email2ctl delete failed"
    fi
    dump=$(wait_dump "$tmp/apply" $((n + 1)))
  done
  apply=$(total "$dump")
  "$email2ctl" delete "$guid" >/dev/null || die "email2ctl delete failed"

  # start-up: the accounts provisioned, then a counted start.
  "$gen_payload" "$accounts" | "$email2ctl" apply - >/dev/null ||
    die "email2ctl apply of $accounts generated accounts failed"
  stop_counted
  start_counted "$tmp/start"
  dump=$(wait_dump "$tmp/start" 1)
  startup=$(total "$dump")
  stop_counted

  [ -n "$apply" ] && [ -n "$startup" ] || die "a dump had no total"
  # BENCH_KEEP=DIR keeps the dumps, for callgrind_annotate.
  if [ -n "${BENCH_KEEP:-}" ]; then
    mkdir -p "$BENCH_KEEP"
    cp -r "$tmp/apply" "$tmp/start" "$BENCH_KEEP/"
  fi
  echo "$apply $startup"
}

if [ "${1:-}" = --inner ]; then
  inner "$2"
  exit 0
fi

# ---- outside: one session per build ----

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: bench/instructions.sh BUILDDIR [BASE_BUILDDIR]"
command -v valgrind >/dev/null || die "valgrind is needed (tools/install-deps)"

count() {
  dir=$(CDPATH='' cd -- "$1" && pwd)
  for program in "$dir/src/email2ctl" "$dir/bench/gen-payload"; do
    [ -x "$program" ] || die "$program not found; build first (ninja -C $dir)"
  done
  EMAIL2_BUILDDIR=$dir "$here/../tools/with-session" sh "$here/instructions.sh" --inner "$dir" | tail -n 1
}

set -- "$1" "${2:-}"
read -r apply startup <<EOF
$(count "$1")
EOF
echo "instructions: $1: apply $apply, start-up-${BENCH_ACCOUNTS:-50} $startup"
if [ -n "$2" ]; then
  read -r base_apply base_startup <<EOF
$(count "$2")
EOF
  echo "instructions: $2: apply $base_apply, start-up-${BENCH_ACCOUNTS:-50} $base_startup"
  awk -v a="$apply" -v b="$base_apply" -v s="$startup" -v t="$base_startup" \
    'BEGIN { printf "instructions: ratio %s: apply %.4f, start-up %.4f\n", "BUILDDIR / BASE_BUILDDIR", a / b, s / t }'
fi
