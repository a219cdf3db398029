/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Ledger in-process, in a temporary directory: what each change and
 * failure records (a failed payload's too, on the memory host), what
 * `email2ctl list` is told, and what reaches the file (only after a save,
 * mode 0600, read back by a new ledger).
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-ledger-private.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("email2-ledger-XXXXXX", &error);
  g_assert_no_error (error);
  /* The state directory does not exist yet: save makes it. */
  fixture->path = g_build_filename (fixture->dir, "email2", "accounts.ini", NULL);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  email2_test_remove_tree (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->dir);
}

static void
record (Email2Ledger            *ledger,
        Email2AccountChangeKind  kind,
        const char              *guid,
        const char              *origin)
{
  Email2AccountChange change = { kind, (char *) guid, (char *) "Work", FALSE };
  g_autoptr(GPtrArray) changes = g_ptr_array_new ();

  g_ptr_array_add (changes, &change);
  email2_ledger_record_changes (ledger, changes, origin);
}

/* The ledger's answer for @guid, as a{sv}. */
static GVariantDict *
describe (Email2Ledger *ledger,
          const char   *guid)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) described = NULL;

  email2_ledger_describe (ledger, guid, &builder);
  described = g_variant_ref_sink (g_variant_builder_end (&builder));
  return g_variant_dict_new (described);
}

static void
assert_string (GVariantDict *dict,
               const char   *key,
               const char   *expected)
{
  const char *value = NULL;

  if (expected == NULL)
    {
      g_assert_false (g_variant_dict_contains (dict, key));
      return;
    }
  g_assert_true (g_variant_dict_lookup (dict, key, "&s", &value));
  g_assert_cmpstr (value, ==, expected);
}

static void
test_added_then_failed (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(Email2Ledger) ledger = email2_ledger_new (fixture->path);
  g_autoptr(GVariantDict) dict = NULL;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  gint64 provisioned = 0;

  record (ledger, EMAIL2_ACCOUNT_ADDED, TEST_GUID, "dbus");
  dict = describe (ledger, TEST_GUID);
  g_assert_true (g_variant_dict_lookup (dict, "provisioned", "x", &provisioned));
  g_assert_cmpint (provisioned, >=, before);
  g_assert_cmpint (provisioned, <=, g_get_real_time () / G_USEC_PER_SEC);
  assert_string (dict, "provisioned-by", "dbus");
  assert_string (dict, "changed-by", "dbus");
  assert_string (dict, "outcome-by", "dbus");
  assert_string (dict, "outcome", "ok");
  assert_string (dict, "outcome-reason", NULL);
  g_clear_pointer (&dict, g_variant_dict_unref);

  email2_ledger_record_failure (ledger, TEST_GUID, "spool:work.xml", "INSERVER is missing");
  dict = describe (ledger, TEST_GUID);
  assert_string (dict, "provisioned-by", "dbus");
  assert_string (dict, "changed-by", "dbus");
  assert_string (dict, "outcome-by", "spool:work.xml");
  assert_string (dict, "outcome", "failed");
  assert_string (dict, "outcome-reason", "INSERVER is missing");
  g_clear_pointer (&dict, g_variant_dict_unref);

  /* A later success clears the reason; a change keeps the provisioning. */
  record (ledger, EMAIL2_ACCOUNT_CHANGED, TEST_GUID, "spool:work.xml");
  dict = describe (ledger, TEST_GUID);
  assert_string (dict, "provisioned-by", "dbus");
  assert_string (dict, "changed-by", "spool:work.xml");
  assert_string (dict, "outcome", "ok");
  assert_string (dict, "outcome-reason", NULL);
}

static void
test_removed_and_added_again (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Email2Ledger) ledger = email2_ledger_new (fixture->path);
  g_autoptr(GVariantDict) dict = NULL;

  record (ledger, EMAIL2_ACCOUNT_ADDED, TEST_GUID, "dbus");
  record (ledger, EMAIL2_ACCOUNT_ADDED, TEST_GUID2, "dbus");
  record (ledger, EMAIL2_ACCOUNT_REMOVED, TEST_GUID, "dbus");
  dict = describe (ledger, TEST_GUID);
  g_assert_false (g_variant_dict_contains (dict, "provisioned"));
  g_assert_false (g_variant_dict_contains (dict, "outcome"));
  g_clear_pointer (&dict, g_variant_dict_unref);

  /* A GUID provisioned again is a new account: a failure recorded before
   * it does not survive. */
  email2_ledger_record_failure (ledger, TEST_GUID, "dbus", "refused");
  record (ledger, EMAIL2_ACCOUNT_ADDED, TEST_GUID, "spool:again.xml");
  dict = describe (ledger, TEST_GUID);
  assert_string (dict, "provisioned-by", "spool:again.xml");
  assert_string (dict, "outcome", "ok");
  assert_string (dict, "outcome-reason", NULL);
  g_clear_pointer (&dict, g_variant_dict_unref);

  dict = describe (ledger, TEST_GUID2);
  assert_string (dict, "provisioned-by", "dbus");
}

static void
test_saved_only_when_changed (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(Email2Ledger) ledger = email2_ledger_new (fixture->path);
  g_autoptr(Email2Ledger) reread = NULL;
  g_autoptr(GVariantDict) dict = NULL;
  GStatBuf st;

  email2_ledger_save (ledger);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));

  record (ledger, EMAIL2_ACCOUNT_ADDED, TEST_GUID, "dbus");
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));
  email2_ledger_save (ledger);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Nothing changed since: the file is not written again. */
  g_assert_cmpint (g_unlink (fixture->path), ==, 0);
  email2_ledger_save (ledger);
  g_assert_false (g_file_test (fixture->path, G_FILE_TEST_EXISTS));

  email2_ledger_record_failure (ledger, TEST_GUID, "dbus", "refused");
  email2_ledger_save (ledger);
  reread = email2_ledger_new (fixture->path);
  dict = describe (reread, TEST_GUID);
  assert_string (dict, "outcome", "failed");
  assert_string (dict, "outcome-reason", "refused");
}

/* A processed payload on @host: @body inside a SyncML message. */
static Email2Payload *
run_payload (Email2MemoryHost *host,
             const char       *body)
{
  g_autofree char *text = email2_test_message (body);
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GError) error = NULL;
  Email2Payload *payload = email2_payload_parse (text, strlen (text), EMAIL2_FORMAT_AUTO, &error);

  g_assert_no_error (error);
  email2_payload_process (payload, session);
  return payload;
}

/* A failed payload: the reason of the command that failed (not the
 * Atomic's 507) goes to every existing account the payload named, once;
 * an account that is not there gets no record; a payload with only a
 * failed query is no failure. */
static void
test_payload_failure (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2Ledger) ledger = email2_ledger_new (fixture->path);
  g_autoptr(Email2Payload) created = NULL;
  g_autoptr(Email2Payload) failed = NULL;
  g_autoptr(Email2Payload) query = NULL;
  g_autoptr(GVariantDict) dict = NULL;
  g_auto(GStrv) existing = NULL;
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "1", "IMAP4");
  g_autofree char *atomic = g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", create);
  g_autofree char *bad_port = email2_test_item_cmd ("Replace", "3", TEST_ACCOUNT "/INSERVER", "chr",
                                                    "mail.contoso.com:99999");
  g_autofree char *other = email2_test_item_cmd ("Replace", "4", TEST_ACCOUNT2 "/SERVICENAME", "chr",
                                                 "Other");
  g_autofree char *name = email2_test_item_cmd ("Replace", "5", TEST_ACCOUNT "/SERVICENAME", "chr",
                                                "Renamed");
  g_autofree char *edit = g_strdup_printf ("<Atomic><CmdID>2</CmdID>%s%s%s</Atomic>", bad_port,
                                           other, name);
  g_autofree char *get = email2_test_item_cmd ("Get", "6", TEST_ACCOUNT2 "/SERVICENAME", NULL, NULL);
  const Email2Status *failure;

  created = run_payload (host, atomic);
  g_assert_true (email2_payload_succeeded (created));
  g_assert_null (email2_payload_get_failure (created));

  failed = run_payload (host, edit);
  g_assert_false (email2_payload_succeeded (failed));
  failure = email2_payload_get_failure (failed);
  g_assert_nonnull (failure);
  g_assert_cmpuint (email2_status_get_code (failure), !=, 507);
  g_assert_cmpstr (email2_status_get_cmd (failure), ==, "Replace");

  existing = email2_host_list_accounts (EMAIL2_HOST (host));
  email2_ledger_record_payload_failure (ledger, failed, (const char * const *) existing,
                                        "spool:edit.xml");
  dict = describe (ledger, TEST_GUID);
  assert_string (dict, "outcome", "failed");
  assert_string (dict, "outcome-by", "spool:edit.xml");
  assert_string (dict, "outcome-reason", email2_status_get_reason (failure));
  g_clear_pointer (&dict, g_variant_dict_unref);
  dict = describe (ledger, TEST_GUID2);
  g_assert_false (g_variant_dict_contains (dict, "outcome"));

  /* Get of an account that is not there: 404, but no failure to report. */
  query = run_payload (host, get);
  g_assert_false (email2_payload_succeeded (query));
  g_assert_null (email2_payload_get_failure (query));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/ledger/added-then-failed", Fixture, NULL,
              fixture_set_up, test_added_then_failed, fixture_tear_down);
  g_test_add ("/ledger/removed-and-added-again", Fixture, NULL,
              fixture_set_up, test_removed_and_added_again, fixture_tear_down);
  g_test_add ("/ledger/payload-failure", Fixture, NULL,
              fixture_set_up, test_payload_failure, fixture_tear_down);
  g_test_add ("/ledger/saved-only-when-changed", Fixture, NULL,
              fixture_set_up, test_saved_only_when_changed, fixture_tear_down);

  return g_test_run ();
}
