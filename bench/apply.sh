#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# Apply and start-up benchmarks (DESIGN §6), inside a throwaway session
# (tools/with-session; the script starts one when it is not in one).
#
#   bench/apply.sh [BUILDDIR]
#
# apply: `email2ctl apply` of one account (data/examples/create-imap-
#   account.xml) against the floor of the host's own APIs making the same
#   writes in the same session: BUILDDIR/bench/apply-floor sends the three
#   key files email2 wrote to the registry's SourceManager.CreateSources
#   and stores the same three secrets through libsecret. The account is
#   deleted after every run (not timed). Both commands get their input
#   through a pipe, take turns, and run BENCH_RUNS times (default 15)
#   after a warm-up; a figure is a command's median (and its fastest) run
#   less the fastest /bin/true (starting a process, reading the clock).
#   Target: median ratio <= 1.3.
# start-up: the registry's start with email2's module and BENCH_ACCOUNTS
#   provisioned accounts (default 50) against its start without the module
#   (EDS_REGISTRY_MODULES pointing at an empty directory) over the same key
#   files: the time from starting evolution-source-registry until
#   GetManagedObjects lists every one of the accounts' sources
#   (BUILDDIR/bench/registry-start), BENCH_STARTS times each (default 25),
#   taking turns after one warm-up each. Target: median ratio <= 1.05.
#
# The exit status is 0 when the measurements ran, even if a target is
# missed; non-zero on errors (a missing tool, a failing command).
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
builddir=$(CDPATH='' cd -- "${1:-$here/../build}" && pwd)

if [ "${EMAIL2_IN_SESSION:-}" != 1 ]; then
  EMAIL2_BUILDDIR=$builddir exec "$here/../tools/with-session" sh "$0" "$builddir"
fi

runs=${BENCH_RUNS:-15}
starts=${BENCH_STARTS:-25}
accounts=${BENCH_ACCOUNTS:-50}
registry=/usr/libexec/evolution-source-registry

die() {
  echo "apply.sh: $*" >&2
  exit 2
}

email2ctl=$builddir/src/email2ctl
floor=$builddir/bench/apply-floor
timer=$builddir/bench/registry-start
gen_payload=$builddir/bench/gen-payload
for program in "$email2ctl" "$floor" "$timer" "$gen_payload"; do
  [ -x "$program" ] || die "$program not found; build first (ninja -C $builddir)"
done
case $(date +%N) in
  *N*|'') die "date +%N is not supported; GNU date is needed" ;;
esac
for n in "$runs" "$starts" "$accounts"; do
  case $n in
    ''|*[!0-9]*|0) die "BENCH_RUNS, BENCH_STARTS and BENCH_ACCOUNTS must be positive numbers" ;;
  esac
done

tmp=$EMAIL2_SESSION_DIR/bench
mkdir -p "$tmp"
sources=$XDG_CONFIG_HOME/evolution/sources

# The example account; its password is the example's, public.
payload_file=$here/../data/examples/create-imap-account.xml
payload=$(cat "$payload_file")
secret=example-password
guid='{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}'
uri='./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D'
uid=email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0

. "$here/lib/timing.sh"

with_email2ctl() {
  printf '%s\n' "$payload" | "$email2ctl" apply -
}

with_floor() {
  printf '%s' "$secret" |
    "$floor" "$guid" "$tmp/$uid.source" "$tmp/$uid-identity.source" "$tmp/$uid-transport.source"
}

delete_account() {
  "$email2ctl" delete "$guid" >/dev/null || die "email2ctl delete failed"
  [ ! -e "$sources/$uid.source" ] || die "the account's key file is still there after delete"
}

# ---- apply ----

# Warm-up, and the floor's input: the key files email2 writes.
with_email2ctl >/dev/null || die "email2ctl apply of $payload_file failed"
cp "$sources/$uid.source" "$sources/$uid-identity.source" "$sources/$uid-transport.source" "$tmp/"
delete_account

# The floor makes the same account: the module reads it back.
with_floor || die "apply-floor failed"
[ "$("$email2ctl" get "$uri/AUTHSECRET")" = '********' ] || die "the floor's account is not the same"
[ "$(secret-tool lookup e-source-uid "$uid-transport")" = "$secret" ] ||
  die "the floor did not store the transport's password"
delete_account

i=0
while [ "$i" -lt "$runs" ]; do
  timed true /bin/true
  timed email2ctl with_email2ctl
  delete_account
  timed floor with_floor
  delete_account
  i=$((i + 1))
done

true_ns=$(minimum "$tmp/true.ns")
e_med=$(( $(median "$tmp/email2ctl.ns") - true_ns ))
f_med=$(( $(median "$tmp/floor.ns") - true_ns ))
e_min=$(( $(minimum "$tmp/email2ctl.ns") - true_ns ))
f_min=$(( $(minimum "$tmp/floor.ns") - true_ns ))
[ "$f_min" -gt 0 ] || die "a floor run took less time than starting /bin/true"

awk -v em="$e_med" -v fm="$f_med" -v en="$e_min" -v fn="$f_min" -v t="$true_ns" -v n="$runs" \
  'BEGIN {
     printf "apply: median ratio %.2f (email2ctl %.1f ms, floor %.1f ms), fastest-run ratio %.2f (%.1f ms, %.1f ms)\n", em / fm, em / 1e6, fm / 1e6, en / fn, en / 1e6, fn / 1e6
     printf "apply: one account, %d runs each, alternating; floor = CreateSources of the same three key files + the same three libsecret stores; less %.1f ms for starting a process\n", n, t / 1e6
     if (em / fm <= 1.3) print "apply: target met (median ratio <= 1.3)"
     else print "apply: target MISSED (median ratio > 1.3)"
   }'

# ---- start-up ----

"$gen_payload" "$accounts" | "$email2ctl" apply - >/dev/null ||
  die "email2ctl apply of $accounts generated accounts failed"
count=$(find "$sources" -name 'email2-*.source' | wc -l)
[ "$count" -eq $((3 * accounts)) ] || die "$accounts accounts gave $count key files"

# The session's registry stops; this one starts its own, one at a time.
stop_session_registry

no_modules=$tmp/no-modules
mkdir -p "$no_modules"
module_dir=$EDS_REGISTRY_MODULES
start_with() {
  EDS_REGISTRY_MODULES=$1 "$timer" "$registry" "$count" "$tmp/registry.log"
}

start_with "$module_dir" >/dev/null || die "the registry with the module did not start"
start_with "$no_modules" >/dev/null || die "the registry without the module did not start"
i=0
while [ "$i" -lt "$starts" ]; do
  start_with "$module_dir" >>"$tmp/with.ns" || die "the registry with the module did not start"
  start_with "$no_modules" >>"$tmp/without.ns" || die "the registry without the module did not start"
  i=$((i + 1))
done

w_med=$(median "$tmp/with.ns")
o_med=$(median "$tmp/without.ns")
w_min=$(minimum "$tmp/with.ns")
o_min=$(minimum "$tmp/without.ns")
awk -v wm="$w_med" -v om="$o_med" -v wn="$w_min" -v on="$o_min" -v n="$starts" -v a="$accounts" -v c="$count" \
  'BEGIN {
     printf "startup-%d: median ratio %.3f (with the module %.1f ms, without %.1f ms), fastest-run ratio %.3f (%.1f ms, %.1f ms)\n", a, wm / om, wm / 1e6, om / 1e6, wn / on, wn / 1e6, on / 1e6
     printf "startup-%d: from starting evolution-source-registry until GetManagedObjects lists the %d sources; %d starts each, alternating\n", a, c, n
     if (wm / om <= 1.05) print "startup: target met (median ratio <= 1.05)"
     else print "startup: target MISSED (median ratio > 1.05)"
   }'
exit 0
