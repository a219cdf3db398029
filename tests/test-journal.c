/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The module's structured journal entries, read back from a real journal:
 * tools/with-session with EMAIL2_JOURNAL=1 runs a private systemd-journald
 * and the registry with a journal stream for its standard error. Every
 * apply, failure, refusal, spool outcome and probe decision has its
 * MESSAGE_ID, EMAIL2_* fields and an entry in the message catalog; no
 * entry holds a secret. Run with --setup (EMAIL2_SESSION_SETUP) to drop
 * the spool's payloads before the registry starts.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"

#define SPOOL_SECRET "spool-s3cret"
#define DBUS_SECRET "dbus-s3cret"
#define PROBED_GUID "{7A3E9C51-2B64-4D8F-9E10-5C6B7A8D9E0F}"

static char *
user_inbox (void)
{
  return g_build_filename (g_get_user_config_dir (), "email2", "inbox", NULL);
}

/* A CP creation whose servers refuse at once: the probe decides quickly
 * that no mode is acceptable. */
static const char cp_creation[] =
  "<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
  "<characteristic type=\"" PROBED_GUID "\">"
  "<parm name=\"SERVICENAME\" value=\"Probed Mail\"/><parm name=\"SERVICETYPE\" value=\"IMAP4\"/>"
  "<parm name=\"INSERVER\" value=\"127.0.0.1:9\"/><parm name=\"OUTSERVER\" value=\"127.0.0.1:9\"/>"
  "<parm name=\"AUTHNAME\" value=\"bob\"/><parm name=\"AUTHSECRET\" value=\"" DBUS_SECRET "\"/>"
  "<parm name=\"REPLYADDR\" value=\"bob@example.com\"/>"
  "</characteristic></characteristic></wap-provisioningdoc>";

static void
write_file (const char *path,
            const char *contents)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* Before the registry starts: a good payload and an unusable one in the
 * user's inbox. */
static int
setup (void)
{
  g_autofree char *inbox = user_inbox ();
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT2, "2", "IMAP4");
  g_autofree char *body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", create);
  g_autofree char *message = email2_test_message (body);
  g_auto(GStrv) parts = g_strsplit (message, "s3cret&amp;pw", -1);
  g_autofree char *secret_message = g_strjoinv (SPOOL_SECRET, parts);
  g_autofree char *good = g_build_filename (inbox, "10-create.xml", NULL);
  g_autofree char *bad = g_build_filename (inbox, "20-unusable.xml", NULL);

  g_assert_cmpint (g_mkdir_with_parents (inbox, 0700), ==, 0);
  /* The spool's payload carries its own secret, to look for. */
  write_file (good, secret_message);
  write_file (bad, "<html/>");
  return 0;
}

typedef struct {
  GPtrArray *entries;   /* JsonObject */
  char *export;         /* every field of every entry, as text */
} Journal;

static void
journal_clear (Journal *journal)
{
  g_clear_pointer (&journal->entries, g_ptr_array_unref);
  g_clear_pointer (&journal->export, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Journal, journal_clear)

static char *
run_journalctl (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) "journalctl");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* The session's journal: every entry with email2's fields, as JSON. */
static void
read_journal (Journal *journal)
{
  const char *dir = g_getenv ("EMAIL2_JOURNAL_DIR");
  const char * const json_args[] = { "--directory", dir, "--output=json", "--no-pager", NULL };
  const char * const export_args[] = { "--directory", dir, "--output=export", "--no-pager", NULL };
  g_autofree char *json = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_nonnull (dir);
  journal_clear (journal);
  journal->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  json = run_journalctl (json_args);
  journal->export = run_journalctl (export_args);

  lines = g_strsplit (json, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;

      if (lines[i][0] == '\0')
        continue;
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      g_ptr_array_add (journal->entries, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
}

static const char *
field (JsonObject *entry,
       const char *name)
{
  JsonNode *node = json_object_get_member (entry, name);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

/* The first entry of @event whose fields match @pairs (NAME, VALUE,
 * ..., NULL; a NULL VALUE: the field is absent). */
static JsonObject *
find_entry (Journal            *journal,
            Email2Event         event,
            const char * const *pairs)
{
  for (guint i = 0; i < journal->entries->len; i++)
    {
      JsonObject *entry = journal->entries->pdata[i];
      gboolean match = g_strcmp0 (field (entry, "MESSAGE_ID"), email2_event_get_message_id (event)) == 0;

      for (guint k = 0; match && pairs[k] != NULL; k += 2)
        match = g_strcmp0 (field (entry, pairs[k]), pairs[k + 1]) == 0;
      if (match)
        return entry;
    }
  return NULL;
}

/* Waits until the journal has an entry of @event matching @pairs. */
static JsonObject *
wait_entry (Journal            *journal,
            Email2Event         event,
            const char * const *pairs)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  JsonObject *entry;

  for (;;)
    {
      read_journal (journal);
      if ((entry = find_entry (journal, event, pairs)) != NULL)
        return entry;
      if (g_get_monotonic_time () > deadline)
        g_error ("no journal entry %s with the fields expected; the journal:\n%s",
                 email2_event_get_message_id (event), journal->export);
      g_usleep (200000);
    }
}

static void
ctl_apply (const char *contents,
           int         expected_status)
{
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "payload.xml", NULL);
  g_auto(Email2TestRun) run;

  write_file (path, contents);
  email2_test_ctl (&run, "apply", path);
  g_assert_cmpint (run.status, ==, expected_status);
  g_unlink (path);
}

static void
test_spool (void)
{
  g_auto(Journal) journal = { NULL, NULL };
  JsonObject *entry;

  /* The good payload: one entry for the account, one for the file. */
  entry = wait_entry (&journal, EMAIL2_EVENT_APPLIED, (const char *[]) {
                        "EMAIL2_GUID", TEST_GUID2, "EMAIL2_ORIGIN", "user-spool",
                        "EMAIL2_PAYLOAD", "10-create.xml", "EMAIL2_OUTCOME", "ok", NULL });
  g_assert_cmpstr (field (entry, "PRIORITY"), ==, "5");
  g_assert_cmpstr (field (entry, "GLIB_DOMAIN"), ==, "email2");
  g_assert_nonnull (strstr (field (entry, "MESSAGE"), TEST_GUID2));
  wait_entry (&journal, EMAIL2_EVENT_SPOOL_APPLIED, (const char *[]) {
                "EMAIL2_ORIGIN", "user-spool", "EMAIL2_PAYLOAD", "10-create.xml",
                "EMAIL2_OUTCOME", "ok", NULL });

  /* The unusable one: refused, with its reason. */
  entry = wait_entry (&journal, EMAIL2_EVENT_REFUSED, (const char *[]) {
                        "EMAIL2_ORIGIN", "user-spool", "EMAIL2_PAYLOAD", "20-unusable.xml",
                        "EMAIL2_OUTCOME", "refused", NULL });
  g_assert_cmpstr (field (entry, "PRIORITY"), ==, "4");
  g_assert_nonnull (strstr (field (entry, "MESSAGE"), "not a usable payload"));
}

static void
test_dbus (void)
{
  g_autofree char *edit = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT2 "/LINGER", "chr", "16");
  g_autofree char *edit_body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", edit);
  g_autofree char *failing = email2_test_message (edit_body);
  g_auto(Journal) journal = { NULL, NULL };
  JsonObject *entry;

  ctl_apply (cp_creation, 0);
  wait_entry (&journal, EMAIL2_EVENT_APPLIED, (const char *[]) {
                "EMAIL2_GUID", PROBED_GUID, "EMAIL2_ORIGIN", "dbus", "EMAIL2_OUTCOME", "ok",
                "EMAIL2_PAYLOAD", NULL, NULL });

  /* A failed edit: the account's entry names the status. */
  ctl_apply (failing, 1);
  entry = wait_entry (&journal, EMAIL2_EVENT_FAILED, (const char *[]) {
                        "EMAIL2_GUID", TEST_GUID2, "EMAIL2_ORIGIN", "dbus",
                        "EMAIL2_OUTCOME", "failed", NULL });
  g_assert_nonnull (field (entry, "EMAIL2_STATUS"));
  g_assert_cmpstr (field (entry, "EMAIL2_STATUS"), !=, "215");
  g_assert_nonnull (strstr (field (entry, "MESSAGE"), "LINGER"));

  /* Unusable over D-Bus: refused. */
  {
    g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "unusable.xml", NULL);
    g_auto(Email2TestRun) run;

    write_file (path, "<wap-provisioningdoc>");
    email2_test_ctl (&run, "apply", path);
    g_assert_cmpint (run.status, ==, 2);
  }
  wait_entry (&journal, EMAIL2_EVENT_REFUSED, (const char *[]) {
                "EMAIL2_ORIGIN", "dbus", "EMAIL2_OUTCOME", "refused", NULL });
}

/* The probe of the account whose servers refuse: no acceptable mode. */
static void
test_probe (void)
{
  g_auto(Journal) journal = { NULL, NULL };
  JsonObject *entry;

  entry = wait_entry (&journal, EMAIL2_EVENT_PROBE_FAILED, (const char *[]) {
                        "EMAIL2_GUID", PROBED_GUID, "EMAIL2_OUTCOME", "failed", NULL });
  g_assert_nonnull (strstr (field (entry, "MESSAGE"), "127.0.0.1:9"));
}

/* No secret anywhere in the journal: neither the spool's nor D-Bus's. */
static void
test_no_secret (void)
{
  g_auto(Journal) journal = { NULL, NULL };

  read_journal (&journal);
  g_assert_cmpuint (journal.entries->len, >, 0);
  g_assert_null (strstr (journal.export, SPOOL_SECRET));
  g_assert_null (strstr (journal.export, DBUS_SECRET));
}

/* Every event's MESSAGE_ID is explained in the catalog, as journalctl -x
 * reads it (journalctl --update-catalog into a root of the test's own). */
static void
test_catalog (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("email2-catalog-XXXXXX", &error);
  g_autofree char *catalog_dir = NULL;
  g_autofree char *database_dir = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *installed = NULL;
  g_autofree char *root_arg = NULL;

  g_assert_no_error (error);
  catalog_dir = g_build_filename (root, "usr", "lib", "systemd", "catalog", NULL);
  database_dir = g_build_filename (root, "var", "lib", "systemd", "catalog", NULL);
  g_assert_cmpint (g_mkdir_with_parents (catalog_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (database_dir, 0755), ==, 0);
  g_file_get_contents (g_getenv ("EMAIL2_CATALOG"), &contents, NULL, &error);
  g_assert_no_error (error);
  installed = g_build_filename (catalog_dir, "email2.catalog", NULL);
  write_file (installed, contents);

  root_arg = g_strconcat ("--root=", root, NULL);
  g_free (run_journalctl ((const char *[]) { root_arg, "--update-catalog", NULL }));
  for (Email2Event event = EMAIL2_EVENT_APPLIED; event <= EMAIL2_EVENT_PROBE_FAILED; event++)
    {
      g_autofree char *dump = run_journalctl ((const char *[]) {
                                root_arg, "--dump-catalog", email2_event_get_message_id (event), NULL });

      g_assert_nonnull (strstr (dump, "Subject: "));
      g_assert_nonnull (strstr (dump, "Defined-By: email2"));
    }
  email2_test_remove_tree (root);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--setup") == 0)
    return setup ();

  g_test_init (&argc, &argv, NULL);

  /* Only inside tools/with-session, with its own journal. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));
  g_assert_nonnull (g_getenv ("EMAIL2_JOURNAL_DIR"));

  g_test_add_func ("/journal/spool", test_spool);
  g_test_add_func ("/journal/dbus", test_dbus);
  g_test_add_func ("/journal/probe", test_probe);
  g_test_add_func ("/journal/no-secret", test_no_secret);
  g_test_add_func ("/journal/catalog", test_catalog);

  return g_test_run ();
}
