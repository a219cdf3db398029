#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# Readers benchmark (DESIGN §6): `email2ctl validate` of a large payload
# against `xmllint --noout` on the same file, wall time and peak memory.
#
#   bench/validate.sh [BUILDDIR]
#
# BUILDDIR defaults to `build` at the top of the source tree. The payload
# holds BENCH_ACCOUNTS accounts (default 1000; a space-separated list runs
# one measurement per size; the reader refuses documents over 16 MiB, about
# 2700 accounts), written by BUILDDIR/bench/gen-payload. Each
# command runs BENCH_RUNS times (default 7) after one warm-up run, the two
# commands taking turns. The time figure is the fastest run, measured with
# a nanosecond wall clock, less the same figure for /bin/true (starting a
# process and reading the clock); /usr/bin/time's 0.01 s is too coarse here.
# The memory figure is the largest peak RSS that `/usr/bin/time -f %M`
# reports. A ratio is email2ctl's figure divided by xmllint's; the target is
# 2 or less for both.
#
# The exit status is 0 when the measurement ran, even if a target is missed.
# It is non-zero on errors: a missing tool, a payload that does not
# validate, or a failing command.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
builddir=${1:-$here/../build}
accounts_list=${BENCH_ACCOUNTS:-1000}
runs=${BENCH_RUNS:-7}
target=2

die() {
  echo "validate.sh: $*" >&2
  exit 2
}

email2ctl=$builddir/src/email2ctl
gen_payload=$builddir/bench/gen-payload
[ -x "$email2ctl" ] || die "$email2ctl not found; build first (ninja -C $builddir)"
[ -x "$gen_payload" ] || die "$gen_payload not found; build first (ninja -C $builddir)"
command -v xmllint >/dev/null 2>&1 || die "xmllint not found (Debian package libxml2-utils)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package time)"
case $(date +%N) in
  *N*|'') die "date +%N is not supported; GNU date is needed" ;;
esac
case $runs in
  ''|*[!0-9]*|0) die "BENCH_RUNS must be a positive number" ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/email2-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

. "$here/lib/timing.sh"

# seconds NS: nanoseconds as seconds.
seconds() {
  awk -v ns="$1" 'BEGIN { printf "%.4f\n", ns / 1e9 }'
}

# rss NAME COMMAND...: runs COMMAND once under /usr/bin/time and appends
# its peak RSS in KiB to $tmp/NAME.kib.
rss() {
  rss_name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$tmp/$rss_name.one" "$@" >/dev/null ||
    die "$rss_name: '$*' failed under /usr/bin/time (exit status $?)"
  # The last line: /usr/bin/time puts a "Command exited…" line first on failure.
  tail -n 1 "$tmp/$rss_name.one" | awk '{ print $2 }' >>"$tmp/$rss_name.kib"
}

verdict=met
for accounts in $accounts_list; do
  case $accounts in
    ''|*[!0-9]*|0) die "BENCH_ACCOUNTS must hold positive numbers" ;;
  esac
  payload=$tmp/payload-$accounts.xml
  "$gen_payload" "$accounts" >"$payload" || die "gen-payload $accounts failed"

  size=$(wc -c <"$payload" | tr -d ' ')
  xmllint --noout "$payload" || die "xmllint rejects the generated payload"
  status=0
  "$email2ctl" validate --json "$payload" >"$tmp/check.json" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "validate.sh: email2ctl validate exits $status on the $accounts-account payload ($size bytes)" >&2
    grep '"status" : [3-9]' "$tmp/check.json" | head -n 5 >&2 || true
    exit 1
  fi

  # The runs alternate between the two commands, so that both see the same
  # machine load. The time figure is each command's fastest run, which is
  # the one least disturbed by other work. /bin/true is timed the same way,
  # because the clock also counts starting a process and running `date`
  # once, and its time is subtracted from both figures.
  rm -f "$tmp"/*.ns "$tmp"/*.kib
  "$email2ctl" validate "$payload" >/dev/null    # warm-up
  xmllint --noout "$payload" >/dev/null
  i=0
  while [ "$i" -lt "$runs" ]; do
    timed floor /bin/true
    timed email2ctl "$email2ctl" validate "$payload"
    timed xmllint xmllint --noout "$payload"
    rss email2ctl "$email2ctl" validate "$payload"
    rss xmllint xmllint --noout "$payload"
    i=$((i + 1))
  done

  floor_ns=$(minimum "$tmp/floor.ns")
  e_ns=$(( $(minimum "$tmp/email2ctl.ns") - floor_ns ))
  x_ns=$(( $(minimum "$tmp/xmllint.ns") - floor_ns ))
  if [ "$e_ns" -le 0 ] || [ "$x_ns" -le 0 ]; then
    die "a run took less time than starting /bin/true"
  fi
  e_rss=$(maximum "$tmp/email2ctl.kib")
  x_rss=$(maximum "$tmp/xmllint.kib")

  awk -v n="$accounts" -v et="$e_ns" -v xt="$x_ns" -v er="$e_rss" -v xr="$x_rss" \
    'BEGIN {
       printf "validate-%s: time ratio %.2f (email2ctl %.3f s, xmllint %.3f s), peak-memory ratio %.2f (email2ctl %d KiB, xmllint %d KiB)\n", n, et / xt, et / 1e9, xt / 1e9, er / xr, er, xr
     }'
  echo "validate-$accounts: payload $size bytes; $runs runs each, alternating; time = fastest run less $(seconds "$floor_ns") s for starting a process; memory = largest peak RSS"
  if ! awk -v et="$e_ns" -v xt="$x_ns" -v er="$e_rss" -v xr="$x_rss" -v t="$target" \
       'BEGIN { exit !(et / xt <= t && er / xr <= t) }'; then
    verdict=missed
  fi
done

if [ "$verdict" = met ]; then
  echo "validate: target met (time and peak-memory ratios <= $target)"
else
  echo "validate: target MISSED (a time or peak-memory ratio > $target)"
fi
exit 0
