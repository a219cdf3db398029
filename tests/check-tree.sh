#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# tests/check-tree.sh SOURCE_ROOT RELEASE_MODULE
#
# What the tree promises about itself: po/POTFILES.in lists, sorted, every
# source file with a translatable string; the library's public/private
# boundary holds (src/email2.h is the only public entry: every other header
# of the library is either one it includes, which refuses direct inclusion
# and includes only system and public headers, or a *-private.h); the
# installed registry module reads no test hook
# (plugin/evolution/email2-test-hooks.h).
set -eu

root=$1
module=$2
status=0

expected=$(cd "$root" && grep -l '_("' src/*.c plugin/*/*.c | LC_ALL=C sort)
listed=$(grep -v '^#' "$root/po/POTFILES.in" | grep -v '^$')
if [ "$expected" != "$listed" ]; then
  echo "po/POTFILES.in is not the sorted list of files with _() strings; it should be:"
  echo "$expected"
  status=1
fi

# The public/private boundary of the library.
public=$(sed -n 's/^#include "\(email2-[^"]*\.h\)"$/\1/p' "$root/src/email2.h")
for header in "$root"/src/email2-*.h; do
  name=$(basename "$header")
  case $name in
    *-private.h) continue ;;
  esac
  if ! printf '%s\n' "$public" | grep -qx "$name"; then
    echo "src/$name is neither included by src/email2.h nor named *-private.h"
    status=1
    continue
  fi
  if ! grep -q '^#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)$' "$header"; then
    echo "src/$name, a public header, does not refuse direct inclusion"
    status=1
  fi
  for included in $(sed -n 's/^#include "\([^"]*\)"$/\1/p' "$header"); do
    if ! printf '%s\n' "$public" | grep -qx "$included"; then
      echo "src/$name, a public header, includes $included, which is not public"
      status=1
    fi
  done
done
for name in $public; do
  [ -f "$root/src/$name" ] || { echo "src/email2.h includes $name, which does not exist"; status=1; }
done

# The module's code and data, without its debug information (which names
# the hooks' enum).
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
objcopy --strip-debug "$module" "$stripped"
for variable in EMAIL2_TEST_ EMAIL2_SYSTEM_INBOX EMAIL2_PROBE_CA_FILE EMAIL2_LOCALEDIR; do
  if grep -a -q "$variable" "$stripped"; then
    echo "the installed module $module mentions $variable: a test hook in a release build"
    status=1
  fi
done

[ $status -ne 0 ] || echo "tree checks passed"
exit $status
