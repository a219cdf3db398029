#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The email2 authors
#
# tests/ansible.sh: the example role of contrib/ansible, run by Debian's
# ansible-playbook against this machine (connection local), rolling out
# two signed payloads into a throwaway session's own system directory
# (EMAIL2_SHARED_SYSTEM_INBOX; never the real /etc/xdg/email2), with the
# session's registry applying them:
#   1. the first run changes the machine, and the accounts appear;
#   2. a second run reports changed=0 and every account stays as it was;
#   3. a run whose list drops a payload removes it, and its account goes.
# TAP; the recaps are printed as comments. Skips without ansible-playbook.
set -eu

top=${EMAIL2_SOURCE_ROOT:?}
ctl=${EMAIL2CTL:?}
echo "1..3"
if ! command -v ansible-playbook >/dev/null || [ "$(id -u)" -ne 0 ]; then
  for i in 1 2 3; do echo "ok $i # SKIP needs ansible-playbook (Debian's ansible-core) and root"; done
  exit 0
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/email2-ansible.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
chmod 755 "$dir"
mkdir -p "$dir/etc/xdg" "$dir/files"
chmod 755 "$dir/etc" "$dir/etc/xdg"
# The session's own system directory; debian/tests/ansible, in a throwaway
# root with the package installed, gives the real /etc/xdg/email2 and the
# package file for the role to install.
config=${EMAIL2_ANSIBLE_CONFIG_DIR:-$dir/etc/xdg/email2}
deb=${EMAIL2_ANSIBLE_DEB:-}
if [ -n "$deb" ]; then install=true; else install=false; fi

"$top/tools/test-signing-ca" "$dir/ca"
cp "$dir/ca/ca.pem" "$dir/files/it-ca.pem"

guid_a="5F0000A1-0000-4000-8000-0000000000A1"
guid_b="5F0000B1-0000-4000-8000-0000000000B1"

# A SyncML payload for account $1, signed into $2.
payload () {
  account="./Vendor/MSFT/EMAIL2/%7B$1%7D"
  {
    echo '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>'
    echo '<SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>device</LocURI></Target>'
    echo '<Source><LocURI>mdm</LocURI></Source></SyncHdr><SyncBody><Atomic><CmdID>1</CmdID>'
    n=2
    for leaf in "SERVICENAME:Corp $3" "SERVICETYPE:IMAP4" "ACCOUNTTYPE:Email" \
                "INSERVER:imap.example.org" "OUTSERVER:smtp.example.org:587" \
                'AUTHNAME:${USER}' 'REPLYADDR:${EMAIL}' 'NAME:${REALNAME}' \
                "SYNCINGCONTENTTYPES:2"; do
      echo "<Replace><CmdID>$n</CmdID><Item><Target><LocURI>$account/${leaf%%:*}</LocURI></Target>"
      echo "<Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>${leaf#*:}</Data></Item></Replace>"
      n=$((n + 1))
    done
    echo '</Atomic><Final/></SyncBody></SyncML>'
  } >"$dir/plain.xml"
  openssl cms -sign -nodetach -binary -in "$dir/plain.xml" -signer "$dir/ca/signer.pem" \
    -inkey "$dir/ca/signer.key" -outform DER -out "$2"
}
payload "$guid_a" "$dir/files/10-corp.xml.p7" "mail"
payload "$guid_b" "$dir/files/20-team.xml.p7" "team"

cat >"$dir/site.yml" <<YML
- name: Mail accounts for every user of this machine
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: email2
      vars:
        email2_install: $install
        email2_deb: "$deb"
        email2_config_dir: "$config"
        email2_trust_anchors: ["$dir/files/it-ca.pem"]
        email2_email_pattern: "\${USER}@example.org"
        email2_payloads: "{{ payloads }}"
YML
cat >"$dir/both.yml" <<YML
payloads:
  - { name: 10-corp.xml, src: "$dir/files/10-corp.xml.p7" }
  - { name: 20-team.xml, src: "$dir/files/20-team.xml.p7" }
YML
cat >"$dir/one.yml" <<YML
payloads:
  - { name: 10-corp.xml, src: "$dir/files/10-corp.xml.p7" }
YML

# Inside the session: three runs, and what the registry made of each.
cat >"$dir/runs" <<RUNS
#!/bin/sh
set -eu
export ANSIBLE_ROLES_PATH="$top/contrib/ansible/roles" ANSIBLE_NOCOLOR=1 \
       ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
       ANSIBLE_LOCAL_TEMP="$dir/ansible-tmp" ANSIBLE_HOME="$dir/ansible-home"
play () { ansible-playbook -i localhost, "$dir/site.yml" -e "@$dir/\$1" >"$dir/\$2" 2>&1 || {
  cat "$dir/\$2" >&2; exit 1; }; }
wait_list () { # GUID present|absent
  i=0
  while :; do
    if "$ctl" list | grep -q "\$1"; then [ "\$2" = present ] && return 0
    else [ "\$2" = absent ] && return 0; fi
    i=\$((i + 1)); [ \$i -lt 600 ] || { echo "\$1 not \$2 after 60 s" >&2; exit 1; }
    sleep 0.1
  done
}
# Waits until the spool has done everything queued before: a user
# payload of its own goes through the same worker.
sync_spool () {
  inbox="\$XDG_CONFIG_HOME/email2/inbox"
  printf '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID><Target><LocURI>d</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr><SyncBody><Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2</LocURI></Target></Item></Get><Final/></SyncBody></SyncML>' >"\$inbox/.sync.tmp"
  mv "\$inbox/.sync.tmp" "\$inbox/zz-sync.xml"
  i=0
  until [ -f "\$inbox/zz-sync.done" ]; do
    i=\$((i + 1)); [ \$i -lt 600 ] || { echo "the spool did not answer" >&2; exit 1; }
    sleep 0.1
  done
  rm -f "\$inbox/zz-sync.done" "\$inbox/zz-sync.response.xml"
}
snapshot () {
  for g in $guid_a $guid_b; do
    for node in SERVICENAME AUTHNAME REPLYADDR NAME INSERVER OUTSERVER; do
      printf '%s/%s=' "\$g" "\$node"
      "$ctl" get "./Vendor/MSFT/EMAIL2/%7B\$g%7D/\$node" 2>&1 || true
    done
  done
  cat "\$XDG_CONFIG_HOME"/evolution/sources/email2-*.source | sha256sum
}

play both.yml run1.log
wait_list $guid_a present
wait_list $guid_b present
sync_spool
snapshot >"$dir/before"
play both.yml run2.log
sync_spool
sleep 1
sync_spool
snapshot >"$dir/after"
play one.yml run3.log
wait_list $guid_b absent
wait_list $guid_a present
RUNS
chmod 755 "$dir/runs"

status=0
EMAIL2_SHARED_SYSTEM_INBOX="$config/inbox" "$top/tools/with-session" "$dir/runs" 2>"$dir/session.err" ||
  status=$?
recap () { grep -A1 'PLAY RECAP' "$dir/$1" 2>/dev/null | tail -1 | sed 's/  */ /g'; }
for run in run1 run2 run3; do echo "# $run: $(recap $run.log)"; done
if [ $status -ne 0 ]; then
  sed 's/^/# /' "$dir/session.err"
fi

r1=$(recap run1.log); r2=$(recap run2.log); r3=$(recap run3.log)
if [ -n "$r1" ] && ! echo "$r1" | grep -q 'changed=0 ' && [ -s "$dir/before" ] &&
   grep -q "$guid_a/AUTHNAME=$(id -un)" "$dir/before" && grep -q "$guid_b/AUTHNAME=$(id -un)" "$dir/before"; then
  echo "ok 1 the first run changes the machine and the accounts appear"
else
  echo "not ok 1 the first run changes the machine and the accounts appear"
fi
if [ -n "$r2" ] && echo "$r2" | grep -q 'changed=0 ' && [ -s "$dir/before" ] &&
   cmp -s "$dir/before" "$dir/after" && grep -q "AUTHNAME=$(id -un)" "$dir/before"; then
  echo "ok 2 a second run reports changed=0 and every account stays as it was"
else
  echo "not ok 2 a second run reports changed=0 and every account stays as it was"
  diff "$dir/before" "$dir/after" 2>&1 | sed 's/^/# /' || true
fi
if [ -n "$r3" ] && ! echo "$r3" | grep -q 'changed=0 ' && [ $status -eq 0 ]; then
  echo "ok 3 dropping a payload from the role deletes its account"
else
  echo "not ok 3 dropping a payload from the role deletes its account"
fi
