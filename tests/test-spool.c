/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The rollout spool and the module's service under stress, against the
 * real parts: run by tools/with-session, which first runs this program
 * with --setup (EMAIL2_SESSION_SETUP) to drop payloads into the inboxes
 * before the registry starts. The tests then read what the module made
 * of them (key files, keyring, the responses and records beside the
 * payloads, the registry's log), restart the registry the way
 * with-session starts it, and finally take the keyring away.
 *
 * Longer than 800 lines on purpose: the --setup phase and the cases work
 * on one registry session's inboxes, in order.
 */

#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gio/gio.h>

#include "email2-test.h"

#define ROOT "./Vendor/MSFT/EMAIL2/"
#define REGISTRY "/usr/libexec/evolution-source-registry"
#define SOURCES_NAME "org.gnome.evolution.dataserver.Sources5"
#define SOURCES_PATH "/org/gnome/evolution/dataserver/SourceManager"
#define SECRETS_NAME "org.freedesktop.secrets"
#define SECRETS_PATH "/org/freedesktop/secrets"
#define LOGIN_PATH SECRETS_PATH "/collection/login"
#define NOBODY 65534
/* Generous: under valgrind everything takes a while. */
#define DEADLINE_SECONDS 120

/* The accounts of the tests, by what they are for. */
#define GUID_START "C556E16F-56C4-4EDB-9C64-D9469EE1FBE0"
#define GUID_RUNNING "0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40"
#define GUID_SYSTEM "5F000001-0000-4000-8000-000000000001"
#define GUID_CRASH "5F000002-0000-4000-8000-000000000002"
#define GUID_LINK "5F000003-0000-4000-8000-000000000003"
#define GUID_SLOW "5F000004-0000-4000-8000-000000000004"
#define GUID_UNTRUSTED "5F000005-0000-4000-8000-000000000005"
#define GUID_SMALL "5F000006-0000-4000-8000-000000000006"
#define GUID_LOCKED "5F000007-0000-4000-8000-000000000007"
#define GUID_ABSENT "5F000008-0000-4000-8000-000000000008"
#define GUID_PROBED "5F000009-0000-4000-8000-000000000009"
/* The accounts of the Atomic that SIGTERM interrupts. */
#define N_BUSY 150
/* Under valgrind (tools/test's registryvalgrind setup) everything the
 * registry does is some 50 times slower: fewer accounts, a wider bound. */
#define N_BUSY_VALGRIND 20
#define GUID_AGAIN "5F000009-0000-4000-8000-000000000009"
#define GUID_CP "D671C70B-8EE3-4881-8045-2AEE6F731B55"   /* data/examples/cp-create-imap-account.xml */
#define GUID_FLEET1 "5F00000A-0000-4000-8000-00000000000A"
#define GUID_FLEET2 "5F00000B-0000-4000-8000-00000000000B"
#define GUID_MINE "5F00000C-0000-4000-8000-00000000000C"
#define GUID_SIGNED "5F00000D-0000-4000-8000-00000000000D"
#define GUID_REDELIVER "5F00000E-0000-4000-8000-00000000000E"
#define GUID_USERSIGNED "5F00000F-0000-4000-8000-00000000000F"
#define BIG_ACCOUNTS 24

/* Every secret a test uses; none may be on disk afterwards, except in the
 * files the spool refuses and leaves as found (refused_files). */
static const char * const secrets[] = {
  "spool-busy-s3cret",
  "spool-start-s3cret", "spool-running-s3cret", "spool-slow-s3cret", "spool-crash-s3cret",
  "spool-refused-s3cret", "spool-big-s3cret", "spool-small-s3cret", "spool-locked-s3cret",
  "spool-absent-s3cret", "example-cp-password", "spool-again-s3cret", "spool-again2-s3cret", NULL
};
static const char * const refused_files[] = { "20-garbage.xml", NULL };

static GDBusConnection *bus;
static GPid registry_child;   /* 0: the registry with-session started */

/* ---- paths ---- */

static char *
user_inbox (const char *name)
{
  return g_build_filename (g_get_user_config_dir (), "email2", "inbox", name, NULL);
}

static char *
system_inbox (const char *name)
{
  return g_build_filename (g_getenv ("EMAIL2_SYSTEM_INBOX"), name, NULL);
}

static char *
system_record (const char *name)
{
  return g_build_filename (g_get_user_config_dir (), "email2", "system", name, NULL);
}

static char *
uid_of (const char *guid,
        const char *suffix)
{
  g_autofree char *lower = g_ascii_strdown (guid, -1);

  return g_strconcat ("email2-", lower, suffix, NULL);
}

static char *
source_path (const char *guid,
             const char *suffix)
{
  g_autofree char *uid = uid_of (guid, suffix);
  g_autofree char *name = g_strconcat (uid, ".source", NULL);

  return g_build_filename (g_get_user_config_dir (), "evolution", "sources", name, NULL);
}

/* ---- payloads ---- */

static const char *service_name = "Spool test";
static const char *in_server = "imap.example.org";
static const char *out_server = "smtp.example.org:587";

/* The commands that create account @guid (without braces), counting
 * CmdIDs from *@cmd_id; AUTHSECRET only when @secret is given. */
static void
append_account (GString    *out,
                const char *guid,
                guint      *cmd_id,
                const char *secret)
{
  const char * const leaves[][2] = {
    { "SERVICENAME", service_name }, { "SERVICETYPE", "IMAP4" }, { "ACCOUNTTYPE", "Email" },
    { "INSERVER", in_server }, { "OUTSERVER", out_server },
    { "AUTHNAME", "carol" }, { "AUTHSECRET", secret }, { "REPLYADDR", "carol@example.org" },
    { "AUTHREQUIRED", "1" }, { "SYNCINGCONTENTTYPES", "2" },
  };
  g_autofree char *account = g_strdup_printf (ROOT "%%7B%s%%7D", guid);
  g_autofree char *id = g_strdup_printf ("%u", (*cmd_id)++);
  g_autofree char *add = email2_test_item_cmd ("Add", id, account, "node", NULL);

  g_string_append (out, add);
  for (guint i = 0; i < G_N_ELEMENTS (leaves); i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/%s", account, leaves[i][0]);
      g_autofree char *leaf_id = g_strdup_printf ("%u", (*cmd_id)++);
      g_autofree char *replace = NULL;

      if (leaves[i][1] == NULL)
        continue;
      replace = email2_test_item_cmd ("Replace", leaf_id, uri, "chr", leaves[i][1]);
      g_string_append (out, replace);
    }
}

/* A message with one Atomic creating @n accounts. */
static char *
create_payload (const char * const *guids,
                guint               n,
                const char         *secret)
{
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>\n");
  guint cmd_id = 2;

  for (guint i = 0; i < n; i++)
    append_account (body, guids[i], &cmd_id, secret);
  g_string_append (body, "</Atomic>");

  return email2_test_message (body->str);
}

static char *
create_one (const char *guid,
            const char *secret)
{
  const char *guids[] = { guid };

  return create_payload (guids, 1, secret);
}

static void
write_file (const char *path,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_NONE, mode, &error);
  g_assert_no_error (error);
}

/* A new content for @path, whole: written under a hidden name and renamed
 * (g_file_set_contents_full() without flags does not truncate a longer
 * file it writes over). */
static void
replace_file (const char *path,
              const char *contents,
              int         mode)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *temp_name = g_strconcat (".", base, ".new", NULL);
  g_autofree char *temp = g_build_filename (dir, temp_name, NULL);

  write_file (temp, contents, mode);
  g_assert_cmpint (chmod (temp, mode), ==, 0);
  g_assert_cmpint (g_rename (temp, path), ==, 0);
}

/* As an administrator's tooling should: a hidden name, then a rename. */
static void
drop (const char *path,
      const char *contents)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *temp_name = g_strconcat (".", base, ".part", NULL);
  g_autofree char *temp = g_build_filename (dir, temp_name, NULL);

  write_file (temp, contents, 0600);
  g_assert_cmpint (g_rename (temp, path), ==, 0);
}

static char *
read_text (const char *path)
{
  return email2_test_read_file (path, NULL);
}

static gboolean
exists (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0;
}

static void
wait_for_path (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!exists (path))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s did not appear", path);
      g_usleep (20000);
    }
}

/* The value of @key in a spool record (a key file, group Payload). */
static char *
record_value (const char *path,
              const char *key)
{
  g_autoptr(GKeyFile) record = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  char *value;

  g_key_file_load_from_file (record, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  value = g_key_file_get_string (record, "Payload", key, &error);
  g_assert_no_error (error);
  return value;
}

static void
assert_record (const char *path,
               const char *key,
               const char *expected)
{
  g_autofree char *value = record_value (path, key);

  g_assert_cmpstr (value, ==, expected);
}

/* Waits until @key of a record says @expected: a system file's event and
 * the sync payload's come from two directories, in no set order. */
static void
wait_for_record (const char *path,
                 const char *key,
                 const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(GKeyFile) record = g_key_file_new ();
      g_autofree char *value = NULL;

      if (g_key_file_load_from_file (record, path, G_KEY_FILE_NONE, NULL))
        value = g_key_file_get_string (record, "Payload", key, NULL);
      if (g_strcmp0 (value, expected) == 0)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "registry.log", NULL);
          g_autofree char *text = NULL;
          g_file_get_contents (log, &text, NULL, NULL);
          g_printerr ("%s", text);
          g_clear_pointer (&text, g_free);
          g_file_get_contents (path, &text, NULL, NULL);
          g_printerr ("RECORD:\n%s", text);
          g_error ("%s: %s is “%s”, not “%s”", path, key, value, expected);
        }
      g_usleep (20000);
    }
}

static void
assert_refused (const char *record,
                const char *reason)
{
  g_autofree char *value = record_value (record, "Refused");

  if (strstr (value, reason) == NULL)
    g_error ("%s: “%s” does not say “%s”", record, value, reason);
}

/* ---- the registry's log ---- */

static char *
registry_log (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "registry.log", NULL);

  return read_text (path);
}

static guint
count_in_log (const char *needle)
{
  g_autofree char *log = registry_log ();
  guint count = 0;

  for (const char *p = log; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    count++;
  return count;
}


/* Every job the spool queued for what happened before has run. A payload
 * dropped now is answered after the events before it were seen (the scan
 * at start may answer it early); then a List call, which the worker runs
 * after every job queued before it. */
static void
spool_sync (void)
{
  g_auto(Email2TestRun) run;
  static guint serial;
  g_autofree char *name = g_strdup_printf ("zz-sync-%u.xml", ++serial);
  g_autofree char *done_name = g_strdup_printf ("zz-sync-%u.done", serial);
  g_autofree char *response_name = g_strdup_printf ("zz-sync-%u.response.xml", serial);
  g_autofree char *path = user_inbox (name);
  g_autofree char *done = user_inbox (done_name);
  g_autofree char *response = user_inbox (response_name);
  g_autofree char *get = email2_test_item_cmd ("Get", "1", "./Vendor/MSFT/EMAIL2", NULL, NULL);
  g_autofree char *message = email2_test_message (get);

  drop (path, message);
  wait_for_path (done);
  g_unlink (done);
  g_unlink (response);
  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
}

/* ---- the registry, as with-session starts it ---- */

static gboolean
process_gone (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *state;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  state = strrchr (stat, ')');
  return state == NULL || state[1] == '\0' || state[2] == 'Z';
}

static void
registry_stop (void)
{
  GPid pid = registry_child != 0 ? registry_child : atoi (g_getenv ("EMAIL2_REGISTRY_PID"));
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  if (registry_child != 0)
    {
      int status = 0;

      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      registry_child = 0;
      return;
    }
  /* with-session's child: it reaps it later. */
  while (!process_gone (pid))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }
}

static gboolean
registry_ready (void)
{
  g_autoptr(GVariant) objects = NULL;
  g_autofree char *text = NULL;

  objects = g_dbus_connection_call_sync (bus, SOURCES_NAME, SOURCES_PATH,
                                         "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                         NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL);
  if (objects == NULL)
    return FALSE;
  text = g_variant_print (objects, FALSE);
  return strstr (text, "system-proxy") != NULL;
}

/* Starts the registry as with-session does: its log appended to the same
 * file, under EMAIL2_REGISTRY_WRAPPER (valgrind) when set, without the
 * test harness's debugging settings. */
static void
registry_start (void)
{
  const char *argv[] = {
    "/bin/sh", "-c",
    "exec ${EMAIL2_REGISTRY_WRAPPER:-} " REGISTRY " >>\"$EMAIL2_SESSION_DIR/registry.log\" 2>&1",
    NULL
  };
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  env = g_environ_unsetenv (env, "G_DEBUG");
  env = g_environ_unsetenv (env, "G_SLICE");
  env = g_environ_unsetenv (env, "MALLOC_CHECK_");
  env = g_environ_unsetenv (env, "MALLOC_PERTURB_");
  env = g_environ_setenv (env, "G_MESSAGES_DEBUG", "email2", TRUE);

  g_assert_cmpint (registry_child, ==, 0);
  g_spawn_async (NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                 &registry_child, &error);
  g_assert_no_error (error);

  while (!registry_ready ())
    {
      g_assert_false (process_gone (registry_child));
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
}

/* ---- email2ctl and the keyring ---- */



static gboolean
provisioned (const char *guid)
{
  g_auto(Email2TestRun) run;
  g_autofree char *braced = g_strdup_printf ("{%s}", guid);

  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  return strstr (run.out, braced) != NULL;
}

static void
delete_account (const char *guid)
{
  g_auto(Email2TestRun) run;
  g_autofree char *braced = g_strdup_printf ("{%s}", guid);

  email2_test_ctl (&run, "delete", braced);
  g_assert_cmpint (run.status, ==, 0);
}

/* Items of the login keyring with these attributes, locked or not. */
static guint
keyring_items (const char *attribute,
               const char *value)
{
  g_autoptr(GVariantBuilder) attributes = g_variant_builder_new (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) unlocked = NULL, locked = NULL;
  g_autoptr(GError) error = NULL;

  g_variant_builder_add (attributes, "{ss}", attribute, value);
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH,
                                       "org.freedesktop.Secret.Service", "SearchItems",
                                       g_variant_new ("(a{ss})", attributes),
                                       G_VARIANT_TYPE ("(aoao)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(@ao@ao)", &unlocked, &locked);
  return g_variant_n_children (unlocked) + g_variant_n_children (locked);
}

static char *
keyring_password (const char *uid)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { "secret-tool", "lookup", "e-source-uid", uid, NULL };
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&out);
}

/* Nothing of @guid anywhere: no key files, no keyring items. */
static void
assert_no_trace (const char *guid)
{
  const char *suffixes[] = { "", "-identity", "-transport" };
  g_autofree char *braced = g_strdup_printf ("{%s}", guid);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = source_path (guid, suffixes[i]);
      g_autofree char *uid = uid_of (guid, suffixes[i]);

      g_assert_false (exists (path));
      g_assert_cmpuint (keyring_items ("e-source-uid", uid), ==, 0);
    }
  g_assert_cmpuint (keyring_items ("email2-guid", braced), ==, 0);
}

static void
assert_account (const char *guid,
                const char *secret)
{
  g_autofree char *path = source_path (guid, "");
  g_autofree char *uid = uid_of (guid, "");

  g_assert_true (provisioned (guid));
  g_assert_true (exists (path));
  if (secret != NULL)
    {
      g_autofree char *password = keyring_password (uid);

      g_assert_cmpstr (password, ==, secret);
    }
}

/* The status of the first command @cmd in a SyncML response. */
static guint
status_of (const char *response,
           const char *cmd)
{
  g_autofree char *element = g_strdup_printf ("<Cmd>%s</Cmd>", cmd);
  const char *at = strstr (response, element);
  const char *data;

  g_assert_nonnull (at);
  data = strstr (at, "<Data>");
  g_assert_nonnull (data);
  return (guint) g_ascii_strtoull (data + strlen ("<Data>"), NULL, 10);
}

static void
teardown (void)
{
  email2_test_assert_no_secret_on_disk (g_getenv ("EMAIL2_SESSION_DIR"), secrets, refused_files);
}

/* ---- before the registry starts (EMAIL2_SESSION_SETUP) ---- */

static int
setup (void)
{
  g_autofree char *inbox = user_inbox (NULL);
  g_autofree char *system = g_strdup (g_getenv ("EMAIL2_SYSTEM_INBOX"));
  g_autofree char *start = create_one (GUID_START, "spool-start-s3cret");
  g_autofree char *crash = create_one (GUID_CRASH, "spool-crash-s3cret");
  g_autofree char *linked = create_one (GUID_LINK, NULL);
  g_autofree char *system_payload = create_one (GUID_SYSTEM, NULL);
  g_autofree char *link_target = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "linked.xml",
                                                   NULL);
  g_autofree char *path = NULL;

  g_assert_nonnull (system);
  g_assert_true (g_str_has_prefix (system, g_getenv ("EMAIL2_SESSION_DIR")));
  g_assert_cmpint (g_mkdir_with_parents (inbox, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (system, 0755), ==, 0);
  g_assert_cmpint (chmod (system, 0755), ==, 0);

  /* The user inbox: a payload, a file that is no payload, a symbolic
   * link, and the claim of a payload a stopped registry was applying. */
  path = user_inbox ("10-start.xml");
  write_file (path, start, 0600);
  g_free (path);
  path = user_inbox ("20-garbage.xml");
  write_file (path, "<SyncML><SyncHdr>spool-refused-s3cret", 0600);
  g_free (path);
  write_file (link_target, linked, 0600);
  path = user_inbox ("30-link.xml");
  g_assert_cmpint (symlink (link_target, path), ==, 0);
  g_free (path);
  path = user_inbox (".40-crash.xml.applying");
  write_file (path, crash, 0600);
  g_free (path);
  /* ... and the claim of a file it had refused but not renamed back. */
  {
    g_autofree char *record = user_inbox ("45-unclaimed.refused");
    g_autofree char *text = NULL;
    struct stat st;

    path = user_inbox (".45-unclaimed.xml.applying");
    write_file (path, linked, 0600);
    g_assert_cmpint (lstat (path, &st), ==, 0);
    text = g_strdup_printf ("[Payload]\nRefused=test\nFile=%ju:%ju:%jd:%jd.%09ld\n",
                            (uintmax_t) st.st_dev, (uintmax_t) st.st_ino, (intmax_t) st.st_size,
                            (intmax_t) st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    write_file (record, text, 0600);
    g_free (path);
  }

  /* The system inbox: a payload (root's, 0644), one of another owner,
   * one writable by all. */
  path = system_inbox ("50-system.xml");
  write_file (path, system_payload, 0644);
  g_free (path);
  path = system_inbox ("60-nobody.xml");
  write_file (path, system_payload, 0644);
  g_assert_cmpint (chown (path, NOBODY, NOBODY), ==, 0);
  g_free (path);
  path = system_inbox ("70-writable.xml");
  write_file (path, system_payload, 0644);
  g_assert_cmpint (chmod (path, 0666), ==, 0);

  return 0;
}

/* ---- the tests ---- */

/* What was waiting when the registry started is applied, answered and
 * consumed; what is no payload is refused, logged and left as found. */
static void
test_at_start (void)
{
  g_autofree char *done = user_inbox ("10-start.done");
  g_autofree char *response_path = user_inbox ("10-start.response.xml");
  g_autofree char *payload = user_inbox ("10-start.xml");
  g_autofree char *claim = user_inbox (".10-start.xml.applying");
  g_autofree char *garbage = user_inbox ("20-garbage.xml");
  g_autofree char *garbage_record = user_inbox ("20-garbage.refused");
  g_autofree char *link_record = user_inbox ("30-link.refused");
  g_autofree char *link = user_inbox ("30-link.xml");
  g_autofree char *crash_done = user_inbox ("40-crash.done");
  g_autofree char *crash_claim = user_inbox (".40-crash.xml.applying");
  g_autofree char *unclaimed = user_inbox ("45-unclaimed.xml");
  g_autofree char *unclaimed_claim = user_inbox (".45-unclaimed.xml.applying");
  g_autofree char *system_done = system_record ("50-system.done");
  g_autofree char *system_response = system_record ("50-system.response.xml");
  g_autofree char *system_payload = system_inbox ("50-system.xml");
  g_autofree char *nobody_record = system_record ("60-nobody.refused");
  g_autofree char *writable_record = system_record ("70-writable.refused");
  g_autofree char *response = NULL, *sha = NULL, *inbox_listing = NULL;
  g_autofree char *system_text = NULL;
  g_autofree char *log = NULL;

  wait_for_path (done);
  wait_for_path (system_done);
  spool_sync ();

  /* Applied, answered beside it, and gone. */
  assert_record (done, "Outcome", "ok");
  response = read_text (response_path);
  g_assert_cmpuint (status_of (response, "Atomic"), ==, 200);
  g_assert_null (strstr (response, "<Data>5"));
  g_assert_false (exists (payload));
  g_assert_false (exists (claim));
  assert_account (GUID_START, "spool-start-s3cret");

  /* Refused, logged once with the reason, left as found. */
  assert_refused (garbage_record, "not a usable payload");
  g_assert_true (exists (garbage));
  assert_refused (link_record, "symbolic link");
  g_assert_true (g_file_test (link, G_FILE_TEST_IS_SYMLINK));
  g_assert_false (provisioned (GUID_LINK));
  g_assert_cmpuint (count_in_log ("20-garbage.xml refused: it is not a usable payload"), ==, 1);
  g_assert_cmpuint (count_in_log ("30-link.xml refused: it is a symbolic link"), ==, 1);

  /* Interrupted: never applied again, its secret removed. */
  assert_record (crash_done, "Outcome", "interrupted");
  g_assert_false (exists (crash_claim));
  g_assert_false (provisioned (GUID_CRASH));
  g_assert_cmpuint (count_in_log ("40-crash.xml was being applied when the registry stopped"), ==, 1);

  /* A refused file's claim gets its name back, and is not tried again. */
  g_assert_true (exists (unclaimed));
  g_assert_false (exists (unclaimed_claim));
  g_assert_cmpuint (count_in_log ("45-unclaimed.xml"), ==, 0);

  /* The system inbox: applied, recorded in the user's directory, left in
   * place; files of another owner or writable by others refused. */
  assert_record (system_done, "Outcome", "ok");
  system_text = read_text (system_payload);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, system_text, -1);
  assert_record (system_done, "Sha256", sha);
  g_assert_true (exists (system_response));
  assert_account (GUID_SYSTEM, NULL);
  assert_refused (nobody_record, "belongs to user 65534, not root");
  assert_refused (writable_record, "writable by its group or by others");

  /* The log names files and reasons, never what a payload holds. */
  log = registry_log ();
  g_assert_null (strstr (log, "spool-"));
  g_assert_null (strstr (log, "carol"));

  teardown ();
}

/* Payloads dropped while the registry runs, renamed into place or written
 * slowly in place; files that can never be payloads. */
static void
test_while_running (void)
{
  g_autofree char *running = create_one (GUID_RUNNING, "spool-running-s3cret");
  g_autofree char *slow = create_one (GUID_SLOW, "spool-slow-s3cret");
  g_autofree char *running_path = user_inbox ("80-running.xml");
  g_autofree char *running_done = user_inbox ("80-running.done");
  g_autofree char *running_response = user_inbox ("80-running.response.xml");
  g_autofree char *slow_path = user_inbox ("85-slow.xml");
  g_autofree char *slow_done = user_inbox ("85-slow.done");
  g_autofree char *cp_example = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "data", "examples",
                                                 "cp-create-imap-account.xml", NULL);
  g_autofree char *cp = read_text (cp_example);
  g_autofree char *cp_path = user_inbox ("86-cp.xml");
  g_autofree char *cp_done = user_inbox ("86-cp.done");
  g_autofree char *cp_response = user_inbox ("86-cp.response.xml");
  g_autofree char *dir_path = user_inbox ("90-dir.xml");
  g_autofree char *dir_record = user_inbox ("90-dir.refused");
  g_autofree char *big_path = user_inbox ("91-big.xml");
  g_autofree char *big_record = user_inbox ("91-big.refused");
  g_autofree char *other_path = user_inbox ("92-other.xml");
  g_autofree char *other_temp = user_inbox (".92-other.part");
  g_autofree char *other_record = user_inbox ("92-other.refused");
  g_autofree char *response = NULL;
  gsize half = strlen (slow) / 2;
  int fd;

  drop (running_path, running);
  wait_for_path (running_done);
  assert_record (running_done, "Outcome", "ok");
  response = read_text (running_response);
  g_assert_cmpuint (status_of (response, "Atomic"), ==, 200);
  g_assert_false (exists (running_path));
  assert_account (GUID_RUNNING, "spool-running-s3cret");

  /* A writer that pauses longer than GIO waits for it: the half file is
   * refused as incomplete; the whole one is applied once it is closed. */
  fd = open (slow_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, slow, half), ==, (gssize) half);
  g_usleep (3500 * 1000);
  g_assert_cmpint (write (fd, slow + half, strlen (slow) - half), ==, (gssize) (strlen (slow) - half));
  g_assert_cmpint (close (fd), ==, 0);
  wait_for_path (slow_done);
  assert_record (slow_done, "Outcome", "ok");
  g_assert_false (exists (slow_path));
  assert_account (GUID_SLOW, "spool-slow-s3cret");

  /* An OMA Client Provisioning document, read as Apply reads it and
   * answered in its own form. */
  drop (cp_path, cp);
  wait_for_path (cp_done);
  assert_record (cp_done, "Outcome", "ok");
  g_assert_true (exists (cp_response));
  g_assert_false (exists (cp_path));
  assert_account (GUID_CP, "example-cp-password");

  /* Never payloads: a directory, a file over the limit, another user's. */
  g_assert_cmpint (g_mkdir (dir_path, 0700), ==, 0);
  fd = open (big_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 16 * 1024 * 1024 + 1), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
  write_file (other_temp, running, 0644);
  g_assert_cmpint (chown (other_temp, NOBODY, NOBODY), ==, 0);
  g_assert_cmpint (g_rename (other_temp, other_path), ==, 0);
  spool_sync ();
  assert_refused (dir_record, "not a regular file");
  assert_refused (big_record, "larger than 16777216 bytes");
  assert_refused (other_record, "belongs to user 65534");
  g_assert_true (exists (dir_path));
  g_assert_true (exists (big_path));
  g_assert_true (exists (other_path));
  /* That one holds a secret: it is the administrator's to remove. */
  g_assert_cmpint (g_unlink (other_path), ==, 0);
  g_assert_cmpint (g_unlink (big_path), ==, 0);

  delete_account (GUID_RUNNING);
  delete_account (GUID_SLOW);
  delete_account (GUID_CP);
  teardown ();
}

/* After a restart: nothing applied twice, nothing refused again; a system
 * payload whose content changes is a new payload. */
static void
test_never_twice (void)
{
  g_autofree char *system_done = system_record ("50-system.done");
  g_autofree char *system_payload = system_inbox ("50-system.xml");
  g_autofree char *garbage_record = user_inbox ("20-garbage.refused");
  g_autofree char *crash_done = user_inbox ("40-crash.done");
  g_autofree char *done_before = read_text (system_done);
  g_autofree char *garbage_before = read_text (garbage_record);
  g_autofree char *crash_before = read_text (crash_done);
  g_autofree char *done_after = NULL, *garbage_after = NULL, *crash_after = NULL;
  g_autofree char *text = NULL, *changed = NULL, *sha = NULL;
  struct timespec times[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

  /* Deleted by hand: were a payload applied again, it would come back. */
  delete_account (GUID_SYSTEM);
  delete_account (GUID_START);

  registry_stop ();
  registry_start ();
  spool_sync ();

  g_assert_false (provisioned (GUID_SYSTEM));
  g_assert_false (provisioned (GUID_START));
  g_assert_false (provisioned (GUID_CRASH));
  g_assert_false (provisioned (GUID_LINK));
  done_after = read_text (system_done);
  g_assert_cmpstr (done_before, ==, done_after);
  garbage_after = read_text (garbage_record);
  g_assert_cmpstr (garbage_before, ==, garbage_after);
  crash_after = read_text (crash_done);
  g_assert_cmpstr (crash_before, ==, crash_after);
  g_assert_cmpuint (count_in_log ("20-garbage.xml refused"), ==, 1);

  /* Touched, same content: still not again. */
  g_assert_cmpint (utimensat (AT_FDCWD, system_payload, times, 0), ==, 0);
  spool_sync ();
  g_assert_false (provisioned (GUID_SYSTEM));

  /* A content that says the same: nothing (the account the user removed
   * stays removed). */
  text = read_text (system_payload);
  changed = g_strconcat (text, "\n", NULL);
  replace_file (system_payload, changed, 0644);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, changed, -1);
  spool_sync ();
  wait_for_record (system_done, "Sha256", sha);
  g_assert_false (provisioned (GUID_SYSTEM));
  g_clear_pointer (&changed, g_free);
  g_clear_pointer (&sha, g_free);

  /* A content that changes the account: applied, the account back. */
  {
    g_autoptr(GString) edited = g_string_new (text);

    g_string_replace (edited, "carol@example.org", "dave@example.org", 0);
    changed = g_string_free (g_steal_pointer (&edited), FALSE);
  }
  replace_file (system_payload, changed, 0644);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, changed, -1);
  spool_sync ();
  wait_for_record (system_done, "Sha256", sha);
  assert_record (system_done, "Outcome", "ok");
  assert_account (GUID_SYSTEM, NULL);

  delete_account (GUID_SYSTEM);
  teardown ();
}

/* A system inbox that others can write to, or that is not root's, is not
 * trusted: nothing in it is applied or recorded until it is fixed. */
static void
test_system_inbox_refused (void)
{
  g_autofree char *inbox = g_strdup (g_getenv ("EMAIL2_SYSTEM_INBOX"));
  g_autofree char *payload = create_one (GUID_UNTRUSTED, NULL);
  g_autofree char *path = system_inbox ("55-untrusted.xml");
  g_autofree char *done = system_record ("55-untrusted.done");
  g_autofree char *refused = system_record ("55-untrusted.refused");
  g_autofree char *writable = NULL;
  g_autofree char *foreign = NULL;

  g_assert_cmpint (chmod (inbox, 0775), ==, 0);
  write_file (path, payload, 0644);
  spool_sync ();
  g_assert_false (provisioned (GUID_UNTRUSTED));
  g_assert_false (exists (done));
  g_assert_false (exists (refused));
  writable = g_strdup_printf ("is refused: %s may be written by others than its owner", inbox);
  g_assert_cmpuint (count_in_log (writable), ==, 1);

  /* Owner first: between the two changes it is never trusted. */
  g_assert_cmpint (chown (inbox, NOBODY, 0), ==, 0);
  g_assert_cmpint (chmod (inbox, 0755), ==, 0);
  spool_sync ();
  g_assert_false (provisioned (GUID_UNTRUSTED));
  g_assert_false (exists (done));
  foreign = g_strdup_printf ("is refused: %s belongs to user 65534, not 0", inbox);
  g_assert_cmpuint (count_in_log (foreign), ==, 1);

  /* Fixed: its payloads are applied. */
  g_assert_cmpint (chown (inbox, 0, 0), ==, 0);
  wait_for_path (done);
  spool_sync ();
  assert_record (done, "Outcome", "ok");
  assert_account (GUID_UNTRUSTED, NULL);

  delete_account (GUID_UNTRUSTED);
  teardown ();
}

typedef struct {
  GSubprocess *process;
  char *out;
  gboolean finished;
  guint order;
} Client;

static guint finished_count;

static void
client_finished (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result, &client->out, NULL, &error);
  g_assert_no_error (error);
  client->finished = TRUE;
  client->order = ++finished_count;
}

static void
client_start (Client     *client,
              const char *payload_path)
{
  g_autoptr(GError) error = NULL;

  client->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                      g_getenv ("EMAIL2CTL"), "apply", payload_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (client->process, NULL, NULL, client_finished, client);
}

/* Log lines of the module's worker, in order: "Apply call N begins/ends". */
static GPtrArray *
apply_calls (void)
{
  g_autofree char *log = registry_log ();
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  GPtrArray *events = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *at = strstr (lines[i], "Apply call ");

      if (at != NULL)
        g_ptr_array_add (events, g_strdup (at));
    }
  return events;
}

/* Two clients at once: the first sends 24 accounts, the second one
 * account while the first is being served. Both succeed, and the second
 * is served only after the first: the module serializes them. */
static void
test_concurrent_clients (void)
{
  g_autofree char *big_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "big.xml", NULL);
  g_autofree char *small_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "small.xml",
                                                  NULL);
  g_autoptr(GPtrArray) guids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) before = apply_calls ();
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *big = NULL, *small = create_one (GUID_SMALL, "spool-small-s3cret");
  g_autofree char *first_begin = NULL, *first_end = NULL, *second_begin = NULL;
  Client first = { 0 }, second = { 0 };
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  guint number = 0;

  for (guint i = 0; i < BIG_ACCOUNTS; i++)
    g_ptr_array_add (guids, g_strdup_printf ("5F0001%02X-0000-4000-8000-0000000000%02X", i, i));
  big = create_payload ((const char * const *) guids->pdata, guids->len, "spool-big-s3cret");
  write_file (big_path, big, 0600);
  write_file (small_path, small, 0600);

  client_start (&first, big_path);
  /* The module has taken the first call. */
  while (count_in_log ("Apply call ") == before->len)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  client_start (&second, small_path);
  while (!first.finished || !second.finished)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (g_subprocess_get_if_exited (first.process));
  g_assert_cmpint (g_subprocess_get_exit_status (first.process), ==, 0);
  g_assert_true (g_subprocess_get_if_exited (second.process));
  g_assert_cmpint (g_subprocess_get_exit_status (second.process), ==, 0);
  g_assert_cmpuint (status_of (first.out, "Atomic"), ==, 200);
  g_assert_cmpuint (status_of (second.out, "Atomic"), ==, 200);

  /* Served one after the other, in the order they came. */
  g_assert_cmpuint (first.order, ==, 1);
  g_assert_cmpuint (second.order, ==, 2);
  /* A call's "ends" line comes just after its answer: wait for it. */
  for (after = apply_calls (); after->len < before->len + 4; after = apply_calls ())
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_ptr_array_unref (after);
      g_usleep (20000);
    }
  g_assert_cmpuint (after->len, ==, before->len + 4);
  g_assert_true (sscanf (after->pdata[before->len], "Apply call %u begins", &number) == 1);
  first_begin = g_strdup_printf ("Apply call %u begins", number);
  first_end = g_strdup_printf ("Apply call %u ends", number);
  g_assert_cmpstr (after->pdata[before->len], ==, first_begin);
  g_assert_cmpstr (after->pdata[before->len + 1], ==, first_end);
  g_assert_true (g_str_has_suffix (after->pdata[before->len + 2], "begins"));
  g_assert_true (g_str_has_suffix (after->pdata[before->len + 3], "ends"));

  /* Consistent: every account there, with its password. */
  for (guint i = 0; i < guids->len; i++)
    assert_account (guids->pdata[i], i == 0 || i + 1 == guids->len ? "spool-big-s3cret" : NULL);
  assert_account (GUID_SMALL, "spool-small-s3cret");

  for (guint i = 0; i < guids->len; i++)
    delete_account (guids->pdata[i]);
  delete_account (GUID_SMALL);
  g_object_unref (first.process);
  g_object_unref (second.process);
  g_free (first.out);
  g_free (second.out);
  g_unlink (big_path);
  g_unlink (small_path);
  teardown ();
}

/* The exported source of @uid, as Evolution's clients see it: its key file. */
static char *
exported_data (const char *uid)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) objects = NULL;
  g_autoptr(GError) error = NULL;
  GVariant *interfaces;
  const char *path;
  char *data = NULL;

  reply = g_dbus_connection_call_sync (bus, SOURCES_NAME, SOURCES_PATH,
                                       "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                                       NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(a{oa{sa{sv}}})", &objects);
  while (data == NULL && g_variant_iter_next (objects, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) properties =
        g_variant_lookup_value (interfaces, "org.gnome.evolution.dataserver.Source",
                                G_VARIANT_TYPE ("a{sv}"));
      const char *object_uid = NULL;

      if (properties != NULL && g_variant_lookup (properties, "UID", "&s", &object_uid) &&
          g_str_equal (object_uid, uid))
        g_variant_lookup (properties, "Data", "s", &data);
      g_variant_unref (interfaces);
    }
  return data;
}

/* An account deleted and created again under the same GUID: its identity
 * and transport are the new ones at once (EDS keeps a removed account's
 * children as orphans and would adopt the stale ones). */
static void
test_delete_recreate (void)
{
  g_autofree char *first = create_one (GUID_AGAIN, NULL);
  g_autofree char *second = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "again.xml", NULL);
  g_autofree char *transport_uid = uid_of (GUID_AGAIN, "-transport");
  g_autofree char *data = NULL;
  g_auto(Email2TestRun) run;

  write_file (path, first, 0600);
  email2_test_ctl (&run, "apply", path);
  g_assert_cmpint (run.status, ==, 0);
  delete_account (GUID_AGAIN);

  service_name = "Spool renamed";
  second = create_one (GUID_AGAIN, NULL);
  service_name = "Spool test";
  write_file (path, second, 0600);
  email2_test_run_clear (&run);
  email2_test_ctl (&run, "apply", path);
  g_assert_cmpint (run.status, ==, 0);

  data = exported_data (transport_uid);
  g_assert_nonnull (data);
  g_assert_nonnull (strstr (data, "DisplayName=Spool renamed"));

  delete_account (GUID_AGAIN);
  g_unlink (path);
  teardown ();
}

/* SIGTERM while an Apply runs and a probe waits on a server that never
 * answers: the registry is gone within 5 s, the Atomic is either fully
 * there or fully absent once the registry runs again (finished, or undone
 * from the journal), and nothing was probed or written after the module
 * began to stop. */
static void
test_stop_while_busy (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) guids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *server = NULL;
  g_autofree char *probed = NULL;
  g_autofree char *busy = NULL;
  g_autofree char *probed_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "probed.xml", NULL);
  g_autofree char *busy_path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "busy.xml", NULL);
  g_autofree char *log = NULL;
  const char *stops;
  const char *argv[] = { g_getenv ("EMAIL2CTL"), "apply", busy_path, NULL };
  g_auto(Email2TestRun) run;
  GPid apply_pid = 0;
  gboolean wrapped = g_getenv ("EMAIL2_REGISTRY_WRAPPER") != NULL;
  guint n_busy = wrapped ? N_BUSY_VALGRIND : N_BUSY;
  gint64 stop_bound = (wrapped ? 30 : 5) * G_USEC_PER_SEC;
  guint applies, present = 0;
  gint64 start, deadline;

  /* A server that takes connections and never says a word. */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_bind (listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  server = g_strdup_printf ("127.0.0.1:%u",
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  in_server = out_server = server;
  probed = create_one (GUID_PROBED, NULL);
  in_server = "imap.example.org";
  out_server = "smtp.example.org:587";
  write_file (probed_path, probed, 0600);
  email2_test_ctl (&run, "apply", probed_path);
  g_assert_cmpint (run.status, ==, 0);

  for (guint i = 0; i < n_busy; i++)
    g_ptr_array_add (guids, g_strdup_printf ("5F0000AA-0000-4000-8000-%012X", i));
  busy = create_payload ((const char * const *) guids->pdata, n_busy, "spool-busy-s3cret");
  write_file (busy_path, busy, 0600);

  /* The Apply is running, and so is the probe. */
  applies = count_in_log ("Apply call");
  g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                 G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &apply_pid, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  while (count_in_log ("Apply call") == applies)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (10000);
    }
  /* The probe of the silent server may still wait for a connection slot
   * of its host behind probes that earlier tests left running (the
   * prober allows a few connections per host): it is pending either way,
   * and what counts is that nothing is probed after the stop. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (count_in_log (server) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_usleep (G_USEC_PER_SEC / 2);

  start = g_get_monotonic_time ();
  registry_stop ();
  g_assert_cmpint (g_get_monotonic_time () - start, <, stop_bound);
  waitpid (apply_pid, NULL, 0);
  g_spawn_close_pid (apply_pid);

  /* In order: the module stopped; no probe result came after it. */
  log = registry_log ();
  stops = g_strrstr (log, "The module stops");
  g_assert_nonnull (stops);
  g_assert_null (strstr (stops, " probed: "));

  registry_start ();
  email2_test_run_clear (&run);
  email2_test_ctl (&run, "list", NULL);
  g_assert_cmpint (run.status, ==, 0);
  for (guint i = 0; i < n_busy; i++)
    {
      g_autofree char *braced = g_strdup_printf ("{%s}", (const char *) guids->pdata[i]);

      if (strstr (run.out, braced) != NULL)
        present++;
    }
  g_test_message ("after SIGTERM: %u of %u accounts", present, n_busy);
  g_assert_true (present == 0 || present == n_busy);
  for (guint i = 0; i < n_busy; i++)
    {
      if (present == 0)
        assert_no_trace (guids->pdata[i]);
      else
        delete_account (guids->pdata[i]);
    }
  delete_account (GUID_PROBED);
  g_unlink (probed_path);
  g_unlink (busy_path);
  teardown ();
}

/* A payload the keyring cannot take: the command 500, the Atomic 507,
 * nothing created; through the spool, the same answer beside it. */
static void
assert_clean_failure (const char *guid,
                      const char *secret)
{
  g_autofree char *payload = create_one (guid, secret);
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "keyring.xml", NULL);
  g_autofree char *spool_name = g_strdup_printf ("keyring-%s.xml", guid);
  g_autofree char *spool_path = user_inbox (spool_name);
  g_autofree char *done_name = g_strdup_printf ("keyring-%s.done", guid);
  g_autofree char *done = user_inbox (done_name);
  g_autofree char *response_name = g_strdup_printf ("keyring-%s.response.xml", guid);
  g_autofree char *response_path = user_inbox (response_name);
  g_autofree char *response = NULL;
  g_auto(Email2TestRun) run;

  write_file (path, payload, 0600);
  email2_test_ctl (&run, "apply", path);
  g_unlink (path);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_cmpuint (status_of (run.out, "Atomic"), ==, 507);
  g_assert_nonnull (strstr (run.out, "<Data>500</Data>"));
  /* Undone completely: the other commands 216, none 516. */
  g_assert_nonnull (strstr (run.out, "<Data>216</Data>"));
  g_assert_null (strstr (run.out, "<Data>516</Data>"));
  assert_no_trace (guid);
  g_assert_false (provisioned (guid));

  drop (spool_path, payload);
  wait_for_path (done);
  assert_record (done, "Outcome", "failed");
  response = read_text (response_path);
  g_assert_cmpuint (status_of (response, "Atomic"), ==, 507);
  g_assert_false (exists (spool_path));
  assert_no_trace (guid);
}

static void
test_keyring_locked (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *login[] = { LOGIN_PATH };

  /* secret-tool lock crashes in libsecret 0.20.5: the Secret Service's
   * own Lock. */
  reply = g_dbus_connection_call_sync (bus, SECRETS_NAME, SECRETS_PATH,
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(@ao)", g_variant_new_objv (login, 1)),
                                       G_VARIANT_TYPE ("(aoo)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                       NULL, &error);
  g_assert_no_error (error);

  assert_clean_failure (GUID_LOCKED, "spool-locked-s3cret");
  teardown ();
}

static void
test_keyring_absent (void)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;
  guint32 pid = 0;

  /* The session's gnome-keyring-daemon goes away (D-Bus may start a new
   * one, which cannot unlock the keyring without a prompt). */
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", SECRETS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);
  g_assert_cmpint (kill (pid, SIGTERM), ==, 0);
  while (!process_gone (pid))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20000);
    }

  assert_clean_failure (GUID_ABSENT, "spool-absent-s3cret");
  teardown ();
}

/* The user inbox: the same payload delivered again (a declarative copy
 * task) answers as before and changes nothing; its record stays. */
static void
test_user_redelivery (void)
{
  g_autofree char *payload = create_one (GUID_REDELIVER, "spool-again-s3cret");
  g_autofree char *path = user_inbox ("80-again.xml");
  g_autofree char *done = user_inbox ("80-again.done");
  g_autofree char *response_path = user_inbox ("80-again.response.xml");
  g_autofree char *response_before = NULL, *response_after = NULL;
  g_autofree char *time_before = NULL, *time_after = NULL, *digest = NULL;
  g_autofree char *record = NULL;

  drop (path, payload);
  spool_sync ();
  assert_record (done, "Outcome", "ok");
  assert_account (GUID_REDELIVER, "spool-again-s3cret");
  response_before = read_text (response_path);
  time_before = record_value (done, "Time");
  digest = record_value (done, "Digest");
  g_assert_true (g_str_has_prefix (digest, "pbkdf2-sha256$"));
  record = read_text (done);
  g_assert_null (strstr (record, "spool-again-s3cret"));

  /* Again, the same bytes: consumed, not applied, nothing rewritten. */
  drop (path, payload);
  spool_sync ();
  g_assert_false (exists (path));
  g_assert_cmpuint (count_in_log ("80-again.xml is the payload applied at"), ==, 1);
  time_after = record_value (done, "Time");
  g_assert_cmpstr (time_before, ==, time_after);
  assert_record (done, "Outcome", "ok");
  response_after = read_text (response_path);
  g_assert_cmpstr (response_before, ==, response_after);
  assert_account (GUID_REDELIVER, "spool-again-s3cret");

  /* A different payload of the same name is a new one. */
  delete_account (GUID_REDELIVER);
  {
    g_autofree char *other = create_one (GUID_REDELIVER, "spool-again2-s3cret");

    drop (path, other);
  }
  spool_sync ();
  assert_account (GUID_REDELIVER, "spool-again2-s3cret");
  g_clear_pointer (&time_after, g_free);
  time_after = record_value (done, "Time");
  g_assert_cmpstr (time_before, !=, time_after);
  delete_account (GUID_REDELIVER);
  teardown ();
}

/* ---- the system inbox as desired state ---- */

/* A system payload: accounts with the user's ${USER}, ${REALNAME} and
 * ${EMAIL}, NAME as given, no secret. */
static char *
fleet_payload (const char * const *guids,
               const char         *name)
{
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>\n");
  guint cmd_id = 2;

  for (guint i = 0; guids[i] != NULL; i++)
    {
      const char * const leaves[][2] = {
        { "SERVICENAME", "Fleet" }, { "SERVICETYPE", "IMAP4" }, { "ACCOUNTTYPE", "Email" },
        { "INSERVER", "imap.example.org" }, { "OUTSERVER", "smtp.example.org:587" },
        { "AUTHNAME", "${USER}" }, { "REPLYADDR", "${EMAIL}" }, { "NAME", name },
        { "AUTHREQUIRED", "1" }, { "SYNCINGCONTENTTYPES", "2" },
      };
      g_autofree char *account = g_strdup_printf (ROOT "%%7B%s%%7D", guids[i]);

      for (guint j = 0; j < G_N_ELEMENTS (leaves); j++)
        {
          g_autofree char *uri = g_strdup_printf ("%s/%s", account, leaves[j][0]);
          g_autofree char *id = g_strdup_printf ("%u", cmd_id++);
          g_autofree char *replace = email2_test_item_cmd ("Replace", id, uri, "chr", leaves[j][1]);

          g_string_append (body, replace);
        }
    }
  g_string_append (body, "</Atomic>");
  return email2_test_message (body->str);
}

static char *
get_node (const char *guid,
          const char *node)
{
  g_auto(Email2TestRun) run;
  g_autofree char *uri = g_strdup_printf (ROOT "%%7B%s%%7D/%s", guid, node);

  email2_test_ctl (&run, "get", uri);
  if (run.status != 0)
    return NULL;
  g_strchomp (run.out);
  return g_steal_pointer (&run.out);
}

static void
assert_node (const char *guid,
             const char *node,
             const char *expected)
{
  g_autofree char *value = get_node (guid, node);

  g_assert_cmpstr (value, ==, expected);
}

/* /etc/xdg/email2 of the session: the inbox's parent. */
static char *
system_config (const char *name)
{
  g_autofree char *base = g_path_get_dirname (g_getenv ("EMAIL2_SYSTEM_INBOX"));

  return g_build_filename (base, name, NULL);
}

static void
wait_until_gone (const char *path)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (exists (path))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s did not go", path);
      g_usleep (20000);
    }
}

/* New, re-delivered, changed, conflicting, removed: the inbox is the
 * desired state, and the user's own account is never touched. */
static void
test_system_desired_state (void)
{
  const char * const both[] = { GUID_FLEET1, GUID_FLEET2, NULL };
  const char * const first[] = { GUID_FLEET1, NULL };
  const char * const mine[] = { GUID_MINE, NULL };
  g_autofree char *policy = system_config ("email2.conf");
  g_autofree char *path = system_inbox ("60-fleet.xml");
  g_autofree char *done = system_record ("60-fleet.done");
  g_autofree char *state = system_record ("60-fleet.state");
  g_autofree char *conflict_path = system_inbox ("61-conflict.xml");
  g_autofree char *conflict_done = system_record ("61-conflict.done");
  g_autofree char *v1 = fleet_payload (both, "${REALNAME}");
  g_autofree char *v2 = fleet_payload (first, "Team ${USER}");
  g_autofree char *conflict = fleet_payload (mine, "x");
  g_autofree char *own = create_one (GUID_MINE, NULL);
  g_autofree char *own_path = user_inbox ("60-own.xml");
  g_autofree char *address = g_strdup_printf ("%s@example.org", g_get_user_name ());
  g_autofree char *team = g_strdup_printf ("Team %s", g_get_user_name ());
  g_autofree char *time_before = NULL, *time_after = NULL, *sha = NULL;
  g_autofree char *mine_before = NULL, *mine_after = NULL;
  g_autofree char *mine_source = source_path (GUID_MINE, "");

  write_file (policy, "[Rollout]\nEmailPattern=${USER}@example.org\n", 0644);
  g_assert_cmpint (chmod (policy, 0644), ==, 0);

  /* The user's own account, from the user's inbox. */
  drop (own_path, own);
  spool_sync ();
  assert_account (GUID_MINE, NULL);
  mine_before = read_text (mine_source);

  /* New: both accounts, with this user's values. */
  replace_file (path, v1, 0644);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, v1, -1);
  spool_sync ();
  wait_for_record (done, "Sha256", sha);
  assert_record (done, "Outcome", "ok");
  assert_account (GUID_FLEET1, NULL);
  assert_account (GUID_FLEET2, NULL);
  assert_node (GUID_FLEET1, "AUTHNAME", g_get_user_name ());
  assert_node (GUID_FLEET1, "REPLYADDR", address);
  assert_node (GUID_FLEET2, "NAME", g_get_real_name ());
  g_assert_true (exists (state));

  /* Delivered again, the same content: nothing, not even the record. */
  time_before = record_value (done, "Time");
  replace_file (path, v1, 0644);
  spool_sync ();
  spool_sync ();
  time_after = record_value (done, "Time");
  g_assert_cmpstr (time_before, ==, time_after);
  g_assert_cmpuint (count_in_log ("60-fleet.xml applied"), ==, 1);

  /* Changed: one account dropped (deleted), the other edited. */
  replace_file (path, v2, 0644);
  g_free (sha);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, v2, -1);
  spool_sync ();
  wait_for_record (done, "Sha256", sha);
  assert_record (done, "Outcome", "ok");
  assert_record (done, "Accounts", "{" GUID_FLEET1 "}");
  assert_node (GUID_FLEET1, "NAME", team);
  g_assert_false (provisioned (GUID_FLEET2));

  /* A file naming the user's own account: not applied, nothing changed. */
  replace_file (conflict_path, conflict, 0644);
  spool_sync ();
  wait_for_record (conflict_done, "Outcome", "failed");
  g_assert_nonnull (strstr (record_value (conflict_done, "Reason"), "was not made by this payload file"));
  g_unlink (conflict_path);
  spool_sync ();
  wait_until_gone (conflict_done);

  /* Removed: its account deleted, its records gone. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  spool_sync ();
  wait_until_gone (done);
  g_assert_false (provisioned (GUID_FLEET1));
  g_assert_false (exists (state));

  /* The user's own account never changed. */
  assert_account (GUID_MINE, NULL);
  mine_after = read_text (mine_source);
  g_assert_cmpstr (mine_before, ==, mine_after);
  delete_account (GUID_MINE);
  g_unlink (policy);
  teardown ();
}

/* Runs a command of the test CA's; fails the test when it fails. */
static void
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL |
                G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* @content signed by @signer of the test CA in @ca, into @out. */
static void
sign_file (const char *ca,
           const char *signer,
           const char *content,
           const char *out)
{
  g_autofree char *in = g_strconcat (out, ".in", NULL);
  g_autofree char *cert = g_strdup_printf ("%s/%s.pem", ca, signer);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", ca, signer);
  const char *argv[] = { "openssl", "cms", "-sign", "-nodetach", "-binary", "-in", in,
                         "-signer", cert, "-inkey", key, "-outform", "DER", "-out", out, NULL };

  write_file (in, content, 0600);
  run_tool (argv);
  g_unlink (in);
}

/* With anchors installed, a system payload must be signed by a signer
 * they vouch for; anything else is refused and changes nothing. */
static void
test_system_signed (void)
{
  const char * const signed_guids[] = { GUID_SIGNED, NULL };
  g_autofree char *ca = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "payload-ca", NULL);
  g_autofree char *script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools",
                                              "test-signing-ca", NULL);
  g_autofree char *trust = system_config ("trust");
  g_autofree char *policy = system_config ("email2.conf");
  g_autofree char *anchor = g_build_filename (trust, "it.pem", NULL);
  g_autofree char *ca_pem = g_build_filename (ca, "ca.pem", NULL);
  g_autofree char *payload = fleet_payload (signed_guids, "Signed");
  g_autofree char *staging = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "signed.p7", NULL);
  g_autofree char *der = NULL;
  const char *ca_argv[] = { script, ca, NULL };
  static const struct {
    const char *name;
    const char *signer;      /* NULL: unsigned; "tampered": signer, one byte changed */
    const char *reason;
  } refused[] = {
    { "70-unsigned.xml", NULL, "not signed" },
    { "71-tampered.xml", "tampered", "changed after it was signed" },
    { "72-expired.xml", "expired", "has expired" },
    { "73-wrong-usage.xml", "server", "extended key usage" },
  };
  g_autofree char *good = system_inbox ("74-signed.xml");
  g_autofree char *good_done = system_record ("74-signed.done");
  gsize length = 0;

  run_tool (ca_argv);
  write_file (policy, "[Rollout]\nEmailPattern=${USER}@example.org\n", 0644);
  g_assert_cmpint (chmod (policy, 0644), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (trust, 0755), ==, 0);
  g_assert_cmpint (chmod (trust, 0755), ==, 0);
  der = read_text (ca_pem);
  write_file (anchor, der, 0644);
  g_assert_cmpint (chmod (anchor, 0644), ==, 0);
  g_clear_pointer (&der, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *path = system_inbox (refused[i].name);
      g_autofree char *record_name = g_strdup (refused[i].name);
      g_autofree char *record = NULL;
      g_autofree char *contents = NULL;

      strcpy (strrchr (record_name, '.'), ".refused");
      record = system_record (record_name);
      if (refused[i].signer == NULL)
        contents = g_strdup (payload);
      else
        {
          char *at;

          sign_file (ca, g_str_equal (refused[i].signer, "tampered") ? "signer" : refused[i].signer,
                     payload, staging);
          contents = email2_test_read_file (staging, &length);
          if (g_str_equal (refused[i].signer, "tampered"))
            {
              at = memmem (contents, length, "Signed", 6);
              g_assert_nonnull (at);
              at[0] = 'Z';
            }
          g_unlink (staging);
        }
      {
        g_autofree char *temp = g_strconcat (path, ".part", NULL);
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_path_get_dirname (path);
        g_autofree char *base = g_path_get_basename (path);
        g_autofree char *hidden = g_strdup_printf ("%s/.%s", dir, base);

        g_file_set_contents_full (hidden, contents,
                                  refused[i].signer == NULL ? (gssize) strlen (contents) : (gssize) length,
                                  G_FILE_SET_CONTENTS_NONE, 0644, &error);
        g_assert_no_error (error);
        g_assert_cmpint (chmod (hidden, 0644), ==, 0);
        g_assert_cmpint (g_rename (hidden, path), ==, 0);
      }
      spool_sync ();
      wait_for_path (record);
      assert_refused (record, refused[i].reason);
      g_assert_false (provisioned (GUID_SIGNED));
      g_unlink (path);
    }

  /* User payloads too, once the administrator says so. */
  replace_file (policy, "[Rollout]\nEmailPattern=${USER}@example.org\nUserPayloadsMustBeSigned=true\n",
                0644);
  {
    const char * const user_guids[] = { GUID_USERSIGNED, NULL };
    g_autofree char *user_payload = fleet_payload (user_guids, "Mine");
    g_autofree char *plain_path = user_inbox ("75-user-plain.xml");
    g_autofree char *plain_record = user_inbox ("75-user-plain.refused");
    g_autofree char *signed_path = user_inbox ("76-user-signed.xml");
    g_autofree char *signed_done = user_inbox ("76-user-signed.done");
    g_autofree char *user_der = NULL;
    gsize user_length = 0;

    /* (No spool_sync () here: its own payload is unsigned.) */
    drop (plain_path, user_payload);
    wait_for_path (plain_record);
    assert_refused (plain_record, "not signed");
    g_assert_false (provisioned (GUID_USERSIGNED));
    g_unlink (plain_path);
    g_unlink (plain_record);

    sign_file (ca, "signer", user_payload, staging);
    user_der = email2_test_read_file (staging, &user_length);
    g_unlink (staging);
    {
      g_autofree char *hidden = user_inbox (".76-user-signed.xml");
      g_autoptr(GError) error = NULL;

      g_file_set_contents_full (hidden, user_der, user_length, G_FILE_SET_CONTENTS_NONE, 0600,
                                &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_rename (hidden, signed_path), ==, 0);
    }
    wait_for_path (signed_done);
    /* A user payload gets no variables: ${EMAIL} is no address, so the
     * payload ran and failed, which shows it was verified and read. */
    assert_record (signed_done, "Outcome", "failed");
  }
  replace_file (policy, "[Rollout]\nEmailPattern=${USER}@example.org\n", 0644);
  {
    g_autofree char *user_done = user_inbox ("76-user-signed.done");
    g_autofree char *user_response = user_inbox ("76-user-signed.response.xml");

    g_unlink (user_done);
    g_unlink (user_response);
  }

  /* Signed by the IT department's certificate: applied, the signer kept. */
  sign_file (ca, "signer", payload, staging);
  der = email2_test_read_file (staging, &length);
  {
    g_autofree char *hidden = system_inbox (".74-signed.xml");
    g_autoptr(GError) error = NULL;

    g_file_set_contents_full (hidden, der, length, G_FILE_SET_CONTENTS_NONE, 0644, &error);
    g_assert_no_error (error);
    g_assert_cmpint (chmod (hidden, 0644), ==, 0);
    g_assert_cmpint (g_rename (hidden, good), ==, 0);
  }
  spool_sync ();
  wait_for_record (good_done, "Outcome", "ok");
  g_assert_nonnull (strstr (record_value (good_done, "Signer"), "CN=IT rollout"));
  assert_node (GUID_SIGNED, "AUTHNAME", g_get_user_name ());

  g_unlink (good);
  spool_sync ();
  wait_until_gone (good_done);
  g_assert_false (provisioned (GUID_SIGNED));
  g_unlink (anchor);
  g_unlink (staging);
  g_unlink (policy);
  teardown ();
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  /* Only ever inside tools/with-session: never the real user's session. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("EMAIL2_SESSION_DIR")));

  if (argc == 2 && strcmp (argv[1], "--setup") == 0)
    return setup ();

  g_test_init (&argc, &argv, NULL);

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/spool/at-start", test_at_start);
  g_test_add_func ("/spool/while-running", test_while_running);
  g_test_add_func ("/spool/never-twice", test_never_twice);
  g_test_add_func ("/spool/system-inbox-refused", test_system_inbox_refused);
  g_test_add_func ("/spool/concurrent-clients", test_concurrent_clients);
  g_test_add_func ("/spool/delete-recreate", test_delete_recreate);
  g_test_add_func ("/spool/user-redelivery", test_user_redelivery);
  g_test_add_func ("/spool/system-desired-state", test_system_desired_state);
  g_test_add_func ("/spool/system-signed", test_system_signed);
  g_test_add_func ("/spool/stop-while-busy", test_stop_while_busy);
  /* Last: they take the keyring away. */
  g_test_add_func ("/spool/keyring-locked", test_keyring_locked);
  g_test_add_func ("/spool/keyring-absent", test_keyring_absent);

  status = g_test_run ();

  /* A registry this program started is stopped by it, so that its log
   * (and valgrind's verdict) is complete when with-session reads it. */
  if (registry_child != 0)
    registry_stop ();
  g_clear_object (&bus);
  return status;
}
