/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The host-neutral part of `email2ctl check` (src/email2-check.c)
 * in-process, against the gnome-keyring of a throwaway session
 * (tools/with-session): each kind of orphan of email2's schemas is found,
 * named by its account and never by its secret, and removed by a repair;
 * a backup of the open transaction and the secrets of an account that has
 * them are left alone; a secret a payload gave that the keyring lacks is
 * reported; a journal left open or committed is reported with its
 * transaction and ended by a repair through the host's recovery (kept,
 * and its transaction's files and backups spared, when that fails); a
 * pending file of no open transaction is removed and an unreadable source
 * file moved aside, other files left alone; the findings' D-Bus form. The
 * registry's own checks are /faults/check's.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-check-private.h"
#include "email2-journal-private.h"
#include "email2-keyring-private.h"

#define SECRET "check-s3cret"
#define OPEN_TRANSACTION "open-transaction"

static void
store (const SecretSchema *schema,
       const char         *transaction,
       const char         *guid,
       const char         *node)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;

  attributes = transaction != NULL
    ? email2_keyring_attributes_new ("email2-transaction", transaction, "email2-guid", guid,
                                     "email2-node", node, NULL)
    : email2_keyring_attributes_new ("email2-guid", guid, "email2-node", node, NULL);
  g_assert_true (email2_keyring_store_verified (schema, attributes, "email2 check test", SECRET, &error));
  g_assert_no_error (error);
}

static guint
count_kind (GPtrArray  *findings,
            const char *kind,
            const char *subject,
            gboolean    repaired)
{
  guint n = 0;

  for (guint i = 0; i < findings->len; i++)
    {
      const Email2CheckFinding *finding = findings->pdata[i];

      g_assert_null (strstr (finding->detail, SECRET));
      g_assert_null (strstr (finding->action, SECRET));
      if (g_str_equal (finding->kind, kind) && g_strcmp0 (finding->subject, subject) == 0 &&
          finding->repaired == repaired)
        n++;
    }
  return n;
}

/* TEST_GUID has AUTHSECRET and no SMTPALTPASSWORD; TEST_GUID2 is not
 * there. */
static GHashTable *
accounts_new (Email2Account **account)
{
  GHashTable *accounts = g_hash_table_new (g_str_hash, g_str_equal);

  *account = email2_account_new (TEST_GUID);
  email2_account_set (*account, EMAIL2_NODE_AUTHSECRET, SECRET);
  g_hash_table_insert (accounts, TEST_GUID, *account);
  return accounts;
}

static void
test_orphans (void)
{
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(GHashTable) accounts = accounts_new (&account);
  g_autoptr(GPtrArray) findings = email2_check_findings_new ();
  g_autoptr(GPtrArray) repaired = email2_check_findings_new ();
  g_autoptr(GPtrArray) again = email2_check_findings_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_check_keyring_usable (findings));
  g_assert_cmpuint (findings->len, ==, 0);

  /* Needed: the account's own secret, the open transaction's backup. */
  store (email2_keyring_provisioned_schema (), NULL, TEST_GUID, "AUTHSECRET");
  store (email2_keyring_backup_schema (), OPEN_TRANSACTION, TEST_GUID, "AUTHSECRET");
  /* Orphans: a node the account has not, an account not there, a backup
   * of an ended transaction. */
  store (email2_keyring_provisioned_schema (), NULL, TEST_GUID, "SMTPALTPASSWORD");
  store (email2_keyring_provisioned_schema (), NULL, TEST_GUID2, "AUTHSECRET");
  store (email2_keyring_backup_schema (), "ended-transaction", TEST_GUID2, "AUTHSECRET");

  email2_check_orphans (accounts, OPEN_TRANSACTION, FALSE, findings);
  g_assert_cmpuint (findings->len, ==, 3);
  g_assert_cmpuint (count_kind (findings, "orphan-item", TEST_GUID, FALSE), ==, 1);
  g_assert_cmpuint (count_kind (findings, "orphan-item", TEST_GUID2, FALSE), ==, 2);

  email2_check_orphans (accounts, OPEN_TRANSACTION, TRUE, repaired);
  g_assert_cmpuint (repaired->len, ==, 3);
  g_assert_cmpuint (count_kind (repaired, "orphan-item", TEST_GUID, TRUE), ==, 1);
  g_assert_cmpuint (count_kind (repaired, "orphan-item", TEST_GUID2, TRUE), ==, 2);

  email2_check_orphans (accounts, OPEN_TRANSACTION, FALSE, again);
  g_assert_cmpuint (again->len, ==, 0);
  g_assert_true (email2_keyring_has (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);

  /* Once the transaction is not open, its backup is an orphan too. */
  email2_check_orphans (accounts, NULL, TRUE, again);
  g_assert_cmpuint (count_kind (again, "orphan-item", TEST_GUID, TRUE), ==, 1);
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
}

static void
test_provisioned (void)
{
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(GHashTable) accounts = accounts_new (&account);
  g_autoptr(GPtrArray) findings = email2_check_findings_new ();
  g_autoptr(GPtrArray) none = email2_check_findings_new ();
  g_autoptr(GError) error = NULL;

  email2_check_provisioned (account, findings);
  g_assert_cmpuint (findings->len, ==, 1);
  g_assert_cmpuint (count_kind (findings, "missing-secret", TEST_GUID, FALSE), ==, 1);
  g_assert_nonnull (strstr (((Email2CheckFinding *) findings->pdata[0])->detail, "AUTHSECRET"));

  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, SECRET, &error));
  g_assert_no_error (error);
  email2_check_provisioned (account, none);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
}

/* The host's recovery, as a check's repair calls it: ends @data's
 * journal, or fails as a keyring that is gone makes it fail. */
typedef struct {
  Email2Journal *journal;
  gboolean fail;
  guint calls;
} Recovery;

static gboolean
recover (gpointer   data,
         GError   **error)
{
  Recovery *recovery = data;

  recovery->calls++;
  if (recovery->fail)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the keyring is gone");
      return FALSE;
    }
  return email2_journal_remove (recovery->journal);
}

static const Email2CheckFinding *
only_finding (GPtrArray  *findings,
              const char *kind)
{
  const Email2CheckFinding *finding;

  g_assert_cmpuint (findings->len, ==, 1);
  finding = findings->pdata[0];
  g_assert_cmpstr (finding->kind, ==, kind);
  return finding;
}

static void
test_journal (void)
{
  g_autofree char *dir = g_dir_make_tmp ("email2-check-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "transaction.journal", NULL);
  g_autoptr(Email2Journal) journal = email2_journal_new (path);
  g_autoptr(Email2Journal) reader = email2_journal_new (path);
  g_autoptr(Email2Account) before = email2_account_new (TEST_GUID);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  Recovery recovery = { reader, FALSE, 0 };
  const Email2CheckFinding *finding;

  /* No journal: nothing found, nothing open. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();

    g_assert_null (email2_check_journal (reader, TRUE, recover, &recovery, findings));
    g_assert_cmpuint (findings->len, ==, 0);
    g_assert_cmpuint (recovery.calls, ==, 0);
  }

  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_add_account (journal, TEST_GUID, before, &error));
  g_assert_no_error (error);
  id = email2_journal_dup_transaction (journal);

  /* Open: named with its transaction, whose id is returned. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();
    g_autofree char *open = email2_check_journal (reader, FALSE, recover, &recovery, findings);

    g_assert_cmpstr (open, ==, id);
    finding = only_finding (findings, "open-journal");
    g_assert_cmpstr (finding->subject, ==, path);
    g_assert_nonnull (strstr (finding->detail, id));
    g_assert_nonnull (strstr (finding->detail, "open"));
    g_assert_false (finding->repaired);
    g_assert_cmpuint (recovery.calls, ==, 0);
  }

  /* Committed; a recovery that fails keeps it, and it stays open. */
  g_assert_true (email2_journal_commit (journal, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();
    g_autofree char *open = NULL;

    recovery.fail = TRUE;
    open = email2_check_journal (reader, TRUE, recover, &recovery, findings);
    g_assert_cmpstr (open, ==, id);
    finding = only_finding (findings, "open-journal");
    g_assert_nonnull (strstr (finding->detail, "committed"));
    g_assert_nonnull (strstr (finding->action, "the keyring is gone"));
    g_assert_false (finding->repaired);
    g_assert_cmpuint (recovery.calls, ==, 1);
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* Repaired: ended, nothing left open. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();

    recovery.fail = FALSE;
    g_assert_null (email2_check_journal (reader, TRUE, recover, &recovery, findings));
    finding = only_finding (findings, "open-journal");
    g_assert_true (finding->repaired);
    g_assert_cmpuint (recovery.calls, ==, 2);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* Unreadable: reported as such, with no transaction. */
  g_assert_true (g_file_set_contents (path, "not a journal", -1, NULL));
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();

    g_assert_null (email2_check_journal (reader, FALSE, recover, &recovery, findings));
    finding = only_finding (findings, "open-journal");
    g_assert_nonnull (strstr (finding->detail, "unreadable"));
  }
  email2_test_remove_tree (dir);
}

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static gboolean
exists (const char *dir,
        const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

#define PENDING ".email2-" TEST_UID ".source.pending"
#define TEST_UID "0a1b2c3d-0000-4000-8000-000000000001"

static void
test_source_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("email2-check-XXXXXX", NULL);
  g_autofree char *unreadable = g_build_filename (dir, "email2-bad.source", NULL);
  g_autofree char *no_group = g_build_filename (dir, "email2-nogroup.source", NULL);
  g_autofree char *pending = g_build_filename (dir, PENDING, NULL);

  write_file (dir, "email2-" TEST_UID ".source", "[Data Source]\nDisplayName=Mail\n");
  write_file (dir, "email2-bad.source", "[Data Source\n");
  write_file (dir, "email2-nogroup.source", "[Mail Account]\n");
  write_file (dir, PENDING, "[Data Source]\n");
  /* Not email2's, or not a source: never touched. */
  write_file (dir, "system-proxy.source", "broken");
  write_file (dir, ".other.source.pending", "");
  write_file (dir, "email2-notes.txt", "broken");

  /* A transaction is open: its pending file is its own. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();

    email2_check_source_files (dir, "open-transaction", TRUE, findings);
    g_assert_cmpuint (findings->len, ==, 2);
    g_assert_cmpuint (count_kind (findings, "unreadable-source", unreadable, TRUE), ==, 1);
    g_assert_cmpuint (count_kind (findings, "unreadable-source", no_group, TRUE), ==, 1);
    g_assert_true (exists (dir, PENDING));
    g_assert_true (exists (dir, "email2-bad.source.broken"));
    g_assert_true (exists (dir, "email2-nogroup.source.broken"));
    g_assert_false (exists (dir, "email2-bad.source"));
  }

  /* None open: found, then removed. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();
    g_autoptr(GPtrArray) repaired = email2_check_findings_new ();
    g_autoptr(GPtrArray) again = email2_check_findings_new ();

    write_file (dir, "email2-bad.source", "\xff\xfe");
    email2_check_source_files (dir, NULL, FALSE, findings);
    g_assert_cmpuint (findings->len, ==, 2);
    g_assert_cmpuint (count_kind (findings, "pending-source", pending, FALSE), ==, 1);
    g_assert_cmpuint (count_kind (findings, "unreadable-source", unreadable, FALSE), ==, 1);
    g_assert_true (exists (dir, PENDING));

    email2_check_source_files (dir, NULL, TRUE, repaired);
    g_assert_cmpuint (count_kind (repaired, "pending-source", pending, TRUE), ==, 1);
    g_assert_cmpuint (count_kind (repaired, "unreadable-source", unreadable, TRUE), ==, 1);
    g_assert_false (exists (dir, PENDING));

    email2_check_source_files (dir, NULL, TRUE, again);
    g_assert_cmpuint (again->len, ==, 0);
  }
  g_assert_true (exists (dir, "email2-" TEST_UID ".source"));
  g_assert_true (exists (dir, "system-proxy.source"));
  g_assert_true (exists (dir, ".other.source.pending"));
  g_assert_true (exists (dir, "email2-notes.txt"));

  /* No directory: nothing found. */
  {
    g_autoptr(GPtrArray) findings = email2_check_findings_new ();

    email2_test_remove_tree (dir);
    email2_check_source_files (dir, NULL, TRUE, findings);
    g_assert_cmpuint (findings->len, ==, 0);
  }
}

/* What `email2ctl check` is told over D-Bus. */
static void
test_variant (void)
{
  g_autoptr(GPtrArray) findings = email2_check_findings_new ();
  g_autoptr(GVariant) variant = NULL;
  GVariantBuilder builder;
  const char *kind, *subject, *detail, *action;
  gboolean repaired;

  email2_check_add (findings, "orphan-item", NULL, g_strdup ("detail"), g_strdup ("action"), TRUE);
  email2_check_add (findings, "keyring-locked", "login", NULL, NULL, FALSE);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(ssssb)"));
  email2_check_findings_add (findings, &builder);
  variant = g_variant_ref_sink (g_variant_builder_end (&builder));

  g_assert_cmpuint (g_variant_n_children (variant), ==, 2);
  g_variant_get_child (variant, 0, "(&s&s&s&sb)", &kind, &subject, &detail, &action, &repaired);
  g_assert_cmpstr (kind, ==, "orphan-item");
  g_assert_cmpstr (subject, ==, "");
  g_assert_cmpstr (detail, ==, "detail");
  g_assert_cmpstr (action, ==, "action");
  g_assert_true (repaired);
  g_variant_get_child (variant, 1, "(&s&s&s&sb)", &kind, &subject, &detail, &action, &repaired);
  g_assert_cmpstr (subject, ==, "login");
  g_assert_cmpstr (detail, ==, "");
  g_assert_false (repaired);
}

int
main (int    argc,
      char **argv)
{
  email2_test_init_session (&argc, &argv);

  g_test_add_func ("/check/orphans", test_orphans);
  g_test_add_func ("/check/provisioned", test_provisioned);
  g_test_add_func ("/check/journal", test_journal);
  g_test_add_func ("/check/source-files", test_source_files);
  g_test_add_func ("/check/variant", test_variant);

  return g_test_run ();
}
