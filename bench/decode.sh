#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# Decoding benchmark (DESIGN §6): hostile payload shapes of 1 MiB, XML and
# WBXML, each read, run and answered in process; prints each shape's
# throughput, the slowest-to-fastest ratio and the 131 KB many-attribute
# WBXML document's time (bench/decode-bench.c says how).
#
#   bench/decode.sh [BUILDDIR]
#
# The exit status is 0 when the measurement ran, even if a target is
# missed (the last line says "met" or "MISSED").
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
builddir=${1:-$here/../build}
bench=$builddir/bench/decode-bench

[ -x "$bench" ] || {
  echo "decode.sh: $bench not found; build first (ninja -C $builddir)" >&2
  exit 2
}

exec "$bench"
