#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# Probe benchmark (DESIGN §6), through a delay proxy on loopback
# (BENCH_DELAY_MS each way, default 50, so one round trip is 100 ms) in
# front of the private Dovecot of tools/dovecot-test-server:
#
#  (a) time to a decision against the floor of one direct successful
#      attempt (connection, TLS, greeting, capabilities) on the mode the
#      probe chose, same run, same proxy: for each protocol on the
#      TLS-optional server (implicit TLS wins), and for IMAP with only the
#      STARTTLS port and on the no-TLS server (plain). Target <= 1.15.
#  (b) with the implicit-TLS port silently dropping SYNs, the probe
#      against a sequential SSL -> STARTTLS -> plain prober built from the
#      same legs with the same per-attempt deadlines (10 s connect).
#      Target >= 10.
#
#   bench/probe.sh [BUILDDIR]
#
# Each figure is the fastest of BENCH_RUNS runs (default 5; 3 for (b),
# whose sequential runs take over 10 s each) after a warm-up, the two
# sides taking turns. The exit status is 0 when the measurement ran, even
# if a target is missed; non-zero when something could not run.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
top=$(cd "$here/.." && pwd)
builddir=${1:-$top/build}
delay=${BENCH_DELAY_MS:-50}
runs=${BENCH_RUNS:-5}
runs_b=${BENCH_RUNS_B:-3}

die() {
  echo "probe.sh: $*" >&2
  exit 2
}

proxy=$builddir/bench/delay-proxy
bench=$builddir/bench/probe-bench
[ -x "$proxy" ] || die "$proxy not found; build first (ninja -C $builddir)"
[ -x "$bench" ] || die "$bench not found; build first (ninja -C $builddir)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/email2-bench-probe.XXXXXX")
chmod 755 "$tmp"
proxy_pid=""
cleanup() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
  "$top/tools/dovecot-test-server" stop "$tmp/dovecot" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir "$tmp/dovecot"
base=""
for try in 1 2 3 4; do
  b=$((21000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 380 * 100))
  if "$top/tools/dovecot-test-server" start "$tmp/dovecot" "$b" $$ 2>"$tmp/dovecot.err"; then
    base=$b
    break
  fi
done
[ -n "$base" ] || die "Dovecot does not start: $(cat "$tmp/dovecot.err")"
ca=$tmp/dovecot/certs/ca.pem

# The proxy listens on 127.0.0.5 (in the test certificate) with the
# Dovecot ports plus 1000; :PORT+2000 is a filtered port.
maps=""
for p in 143 993 110 995 587 465; do
  maps="$maps 127.0.0.5:$((base + 1000 + p))=127.0.0.2:$((base + p))"
  maps="$maps 127.0.0.6:$((base + 1000 + p))=127.0.0.3:$((base + p))"
done
maps="$maps filter:127.0.0.5:$((base + 2993)) filter:127.0.0.5:$((base + 2995)) filter:127.0.0.5:$((base + 2465))"
# shellcheck disable=SC2086
"$proxy" "$delay" $maps >"$tmp/proxy.out" 2>"$tmp/proxy.err" &
proxy_pid=$!
i=0
until grep -q ready "$tmp/proxy.out" 2>/dev/null; do
  kill -0 "$proxy_pid" 2>/dev/null || die "delay-proxy failed: $(cat "$tmp/proxy.err")"
  i=$((i + 1))
  [ "$i" -lt 100 ] || die "delay-proxy does not start"
  sleep 0.05
done

verdict=met
worst_a=0
echo "probe: delay proxy $delay ms each way (one round trip $((2 * delay)) ms); Dovecot 2.3 on loopback"

# (a)
for spec in "imap 993 143 127.0.0.5" "pop3 995 110 127.0.0.5" "smtp 465 587 127.0.0.5" \
            "imap 143 143 127.0.0.5" "imap 993 143 127.0.0.6"; do
  set -- $spec
  line=$("$bench" floor "$1" "$4" $((base + 1000 + $2)) $((base + 1000 + $3)) "$ca" "$runs") ||
    die "probe-bench floor $spec failed"
  set -- $spec $line
  echo "probe (a) $1 on $4 ports $2/$3: $5 decided in $6 ms; direct $5 attempt $7 ms; ratio $8"
  worst_a=$(awk -v a="$worst_a" -v b="$8" 'BEGIN { print (b > a) ? b : a }')
done

# (b)
worst_b=""
for spec in "imap 2993 143" "pop3 2995 110" "smtp 2465 587"; do
  set -- $spec
  line=$("$bench" sequential "$1" 127.0.0.5 $((base + $2)) $((base + 1000 + $3)) "$ca" "$runs_b") ||
    die "probe-bench sequential $spec failed"
  set -- $spec $line
  echo "probe (b) $1, implicit-TLS port filtered: $4 decided in $5 ms; sequential prober $6 ms; ratio $7"
  worst_b=$(awk -v a="${worst_b:-1e9}" -v b="$7" 'BEGIN { print (b < a) ? b : a }')
done

echo "probe: ratio (a) decision / direct attempt, worst: $worst_a (target <= 1.15)"
echo "probe: ratio (b) sequential / probe with a filtered TLS port, worst: $worst_b (target >= 10)"
awk -v a="$worst_a" 'BEGIN { exit !(a <= 1.15) }' || verdict=missed
awk -v b="$worst_b" 'BEGIN { exit !(b >= 10) }' || verdict=missed
if [ "$verdict" = met ]; then
  echo "probe: targets met"
else
  echo "probe: target MISSED"
fi
exit 0
