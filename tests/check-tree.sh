#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# tests/check-tree.sh SOURCE_ROOT RELEASE_MODULE
#
# What the tree promises about itself: po/POTFILES.in lists, sorted, every
# source file with a translatable string; the installed registry module
# reads no test hook (plugin/evolution/email2-test-hooks.h).
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

# The module's code and data, without its debug information (which names
# the hooks' enum).
stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
objcopy --strip-debug "$module" "$stripped"
for variable in EMAIL2_TEST_ EMAIL2_SYSTEM_INBOX EMAIL2_PROBE_CA_FILE; do
  if grep -a -q "$variable" "$stripped"; then
    echo "the installed module $module mentions $variable: a test hook in a release build"
    status=1
  fi
done

[ $status -ne 0 ] || echo "tree checks passed"
exit $status
