# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# What the benchmarks time with, sourced by bench/*.sh (not run by
# bench/run, which runs only bench/*.sh). The sourcing script defines
# die() and $tmp, a directory of its own.

# now_ns: the wall clock in nanoseconds (GNU date).
now_ns() {
  date +%s%N
}

# timed NAME COMMAND...: runs COMMAND once, its output thrown away, under
# the nanosecond clock, and appends the nanoseconds to $tmp/NAME.ns.
timed() {
  timed_name=$1
  shift
  timed_start=$(now_ns)
  "$@" >/dev/null || die "$timed_name: '$*' failed (exit status $?)"
  timed_end=$(now_ns)
  echo $((timed_end - timed_start)) >>"$tmp/$timed_name.ns"
}

# minimum FILE: the smallest number in FILE, one per line.
minimum() {
  sort -n "$1" | head -n 1
}

# maximum FILE: the largest number in FILE, one per line.
maximum() {
  sort -n "$1" | tail -n 1
}

# median FILE: the median of the numbers in FILE, one per line.
median() {
  sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int ((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# stop_session_registry: stops the registry tools/with-session started
# ($EMAIL2_REGISTRY_PID) and waits until it is gone, for a benchmark that
# starts its own.
stop_session_registry() {
  kill "$EMAIL2_REGISTRY_PID"
  stop_i=0
  while [ -e "/proc/$EMAIL2_REGISTRY_PID" ] &&
        [ "$(awk '{ print $3 }' "/proc/$EMAIL2_REGISTRY_PID/stat" 2>/dev/null)" != Z ]; do
    stop_i=$((stop_i + 1))
    [ $stop_i -lt 600 ] || die "the session's registry did not stop"
    sleep 0.1
  done
}
