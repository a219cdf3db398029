#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# tests/two-users.sh: one system payload, two users on one machine, each
# in a throwaway session of their own (tools/with-session): root, and
# nobody (uid 65534, through setpriv). Each gets their own ${USER},
# ${REALNAME} and ${EMAIL}. TAP. Needs root to start the second user's
# session; says so and skips otherwise.
set -eu

top=${EMAIL2_SOURCE_ROOT:?}
ctl=${EMAIL2CTL:?}
echo "1..2"
if [ "$(id -u)" -ne 0 ] || ! command -v setpriv >/dev/null; then
  echo "ok 1 # SKIP needs root and setpriv to run a second user's session"
  echo "ok 2 # SKIP needs root and setpriv to run a second user's session"
  exit 0
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/email2-two-users.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
chmod 755 "$dir"
system="$dir/etc/xdg/email2"
mkdir -p "$system/inbox"
chmod 755 "$dir/etc" "$dir/etc/xdg" "$system" "$system/inbox"
printf '[Rollout]\nEmailPattern=${USER}@example.org\n' >"$system/email2.conf"
chmod 644 "$system/email2.conf"

guid="5F0000F1-0000-4000-8000-0000000000F1"
account="./Vendor/MSFT/EMAIL2/%7B$guid%7D"
{
  echo '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>'
  echo '<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>device</LocURI></Target>'
  echo '<Source><LocURI>mdm</LocURI></Source></SyncHdr><SyncBody><Atomic><CmdID>1</CmdID>'
  n=2
  for leaf in "SERVICENAME:Fleet" "SERVICETYPE:IMAP4" "ACCOUNTTYPE:Email" \
              "INSERVER:imap.example.org" "OUTSERVER:smtp.example.org:587" \
              'AUTHNAME:${USER}' 'REPLYADDR:${EMAIL}' 'NAME:${REALNAME} &amp; co' \
              "SYNCINGCONTENTTYPES:2"; do
    node=${leaf%%:*}
    value=${leaf#*:}
    echo "<Replace><CmdID>$n</CmdID><Item><Target><LocURI>$account/$node</LocURI></Target>"
    echo "<Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>$value</Data></Item></Replace>"
    n=$((n + 1))
  done
  echo '</Atomic><Final/></SyncBody></SyncML>'
} >"$system/inbox/.10-fleet.xml"
chmod 644 "$system/inbox/.10-fleet.xml"
mv "$system/inbox/.10-fleet.xml" "$system/inbox/10-fleet.xml"

# Inside a session: wait for the account, print what the user got.
cat >"$dir/show" <<SHOW
#!/bin/sh
set -eu
i=0
until "$ctl" list 2>/dev/null | grep -q "$guid"; do
  i=\$((i + 1))
  [ \$i -lt 600 ] || { echo "no account after 60 s" >&2; exit 1; }
  sleep 0.1
done
for node in AUTHNAME REPLYADDR NAME; do
  printf '%s=' "\$node"
  "$ctl" get "$account/\$node"
done
SHOW
chmod 755 "$dir/show"

check () { # NUMBER USER EXPECTED OUTPUT
  if [ "$3" = "$4" ]; then
    echo "ok $1 $2 gets its own values"
  else
    echo "not ok $1 $2 gets its own values"
    printf '# expected:\n%s\n# got:\n%s\n' "$3" "$4" | sed 's/^/# /'
  fi
}

export EMAIL2_SHARED_SYSTEM_INBOX="$system/inbox"
root_name=$(getent passwd root | cut -d: -f5 | cut -d, -f1)
got=$("$top/tools/with-session" "$dir/show" 2>"$dir/root.err" || cat "$dir/root.err" >&2)
check 1 root "$(printf 'AUTHNAME=root\nREPLYADDR=root@example.org\nNAME=%s & co' "${root_name:-root}")" "$got"

as_nobody () { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
builddir=${EMAIL2_BUILDDIR:-$top/build}
if ! as_nobody test -x "$ctl" -a -r "$builddir/plugin/evolution/test-hooks/module-email2.so" \
       -a -x "$top/tools/with-session"; then
  # A private build tree (the package build's, in a 0700 directory).
  echo "ok 2 # SKIP user nobody cannot reach the build tree $builddir"
  exit 0
fi
got=$(as_nobody env TMPDIR=/tmp "$top/tools/with-session" "$dir/show" 2>/dev/null || true)
check 2 nobody "$(printf 'AUTHNAME=nobody\nREPLYADDR=nobody@example.org\nNAME=nobody & co')" "$got"
