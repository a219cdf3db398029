/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The transaction (src/email2-transaction.c) in-process: over a store in
 * memory (tests/email2-test-store.c, standing in for a desktop's files),
 * with a journal in a scratch directory and email2's keyring items in the
 * gnome-keyring of a throwaway session (tools/with-session). Begin, apply
 * and commit, in the order the crash-safety argument needs (files before
 * secrets, new accounts hidden until published, synced before the
 * commit); rollback after a good and after a failed apply; and recovery of
 * a journal left open (the process gone mid-transaction) and of one left
 * committed, at start and at the next begin; the typed-password rule of a
 * store's copies. The Evolution store is
 * tested against the real registry (tests/test-evolution.c, /evolution/crash).
 */

#include "config.h"

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-test-store.h"
#include "email2-keyring-private.h"
#include "email2-transaction-private.h"

#define OLD_SECRET "transaction-0ld"
#define NEW_SECRET "transaction-n3w"
#define B_SECRET "transaction-b"

static char *journal_path;

static Email2Account *
account_new (const char *guid,
             const char *name,
             const char *secret)
{
  Email2Account *account = email2_account_new (guid);

  email2_account_set (account, EMAIL2_NODE_SERVICENAME, name);
  email2_account_set (account, EMAIL2_NODE_INSERVER, "imap.example.com");
  if (secret != NULL)
    email2_account_set (account, EMAIL2_NODE_AUTHSECRET, secret);
  return account;
}

static Email2Transaction *
transaction_new (Email2TestStore *store)
{
  g_autoptr(Email2Journal) journal = email2_journal_new (journal_path);

  return email2_transaction_new (EMAIL2_ACCOUNT_STORE (store), journal);
}

static void
assert_secret (const char *guid,
               const char *expected)
{
  g_autoptr(GError) error = NULL;
  char *secret = email2_keyring_lookup (guid, EMAIL2_NODE_AUTHSECRET, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, expected);
  email2_secret_free (secret);
}

static void
assert_no_backup (void)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", TEST_GUID, NULL);
  g_autoptr(GHashTable) attributes2 = email2_keyring_attributes_new ("email2-guid", TEST_GUID2, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (email2_keyring_count (email2_keyring_backup_schema (), attributes, &error), ==, 0);
  g_assert_cmpuint (email2_keyring_count (email2_keyring_backup_schema (), attributes2, &error), ==, 0);
  g_assert_no_error (error);
}

/* The store's account @guid, its name, and both copies of its secret. */
static void
assert_account (Email2TestStore *store,
                const char      *guid,
                const char      *name,
                const char      *secret)
{
  g_autoptr(Email2Account) account = email2_account_store_lookup (EMAIL2_ACCOUNT_STORE (store), guid);

  if (name == NULL)
    {
      g_assert_null (account);
      g_assert_false (email2_test_store_is_pending (store, guid));
    }
  else
    {
      g_assert_nonnull (account);
      g_assert_cmpstr (email2_account_get (account, EMAIL2_NODE_SERVICENAME), ==, name);
      g_assert_true (email2_account_has (account, EMAIL2_NODE_AUTHSECRET) == (secret != NULL));
      /* The store keeps no secret in its files. */
      g_assert_null (email2_account_get (account, EMAIL2_NODE_AUTHSECRET));
    }
  g_assert_cmpstr (email2_test_store_get_copy (store, guid), ==, secret);
  assert_secret (guid, secret);
}

/* What a transaction leaves when it ends: no journal, its lock free, no
 * backup, every file synced. */
static void
assert_ended (Email2TestStore *store)
{
  g_autoptr(Email2Journal) other = email2_journal_new (journal_path);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_file_test (journal_path, G_FILE_TEST_EXISTS));
  g_assert_true (email2_journal_lock (other, 0, &error));
  g_assert_no_error (error);
  email2_journal_unlock (other);
  assert_no_backup ();
  g_assert_cmpuint (email2_test_store_get_unsynced (store), ==, 0);
}

static void
assert_calls (Email2TestStore *store,
              const char      *expected)
{
  g_autofree char *calls = email2_test_store_take_calls (store);

  g_assert_cmpstr (calls, ==, expected);
}

static void
apply (Email2Transaction   *transaction,
       const Email2Account *before,
       const Email2Account *after)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_host_apply (EMAIL2_HOST (transaction), before, after, &error));
  g_assert_no_error (error);
}

static void
begin (Email2Transaction *transaction)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_host_begin (EMAIL2_HOST (transaction), &error));
  g_assert_no_error (error);
}

static void
commit (Email2Transaction *transaction)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_host_commit (EMAIL2_HOST (transaction), &error));
  g_assert_no_error (error);
}

static void
rollback (Email2Transaction *transaction)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_host_rollback (EMAIL2_HOST (transaction), &error));
  g_assert_no_error (error);
}

/* A store holding TEST_GUID ("old", OLD_SECRET), created by a transaction. */
static Email2TestStore *
store_with_account (void)
{
  Email2TestStore *store = email2_test_store_new ();
  g_autoptr(Email2Transaction) transaction = transaction_new (store);
  g_autoptr(Email2Account) account = account_new (TEST_GUID, "old", OLD_SECRET);

  begin (transaction);
  apply (transaction, NULL, account);
  commit (transaction);
  g_free (email2_test_store_take_calls (store));
  return store;
}

/* The edit and the creation of the rollback and recovery tests. */
static void
edit_and_create (Email2Transaction *transaction)
{
  g_autoptr(Email2Account) before = email2_host_lookup_account (EMAIL2_HOST (transaction), TEST_GUID);
  g_autoptr(Email2Account) edited = account_new (TEST_GUID, "new", NEW_SECRET);
  g_autoptr(Email2Account) created = account_new (TEST_GUID2, "b", B_SECRET);

  begin (transaction);
  apply (transaction, before, edited);
  apply (transaction, NULL, created);
}

static void
clear_keyring (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_true (email2_keyring_clear (TEST_GUID2, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
}

static void
test_commit (void)
{
  g_autoptr(Email2TestStore) store = email2_test_store_new ();
  g_autoptr(Email2Transaction) transaction = transaction_new (store);
  g_autoptr(Email2Account) a = account_new (TEST_GUID, "a", OLD_SECRET);
  g_autoptr(Email2Account) b = account_new (TEST_GUID2, "b", NULL);
  g_auto(GStrv) guids = NULL;

  begin (transaction);
  /* Written ahead of the first change, not at begin. */
  g_assert_false (g_file_test (journal_path, G_FILE_TEST_EXISTS));
  apply (transaction, NULL, a);
  g_assert_true (g_file_test (journal_path, G_FILE_TEST_EXISTS));
  apply (transaction, NULL, b);

  /* Files, then secrets; new accounts unseen until the commit. */
  assert_calls (store, "write " TEST_GUID "; copy " TEST_GUID "; write " TEST_GUID2 "; copy " TEST_GUID2);
  g_assert_true (email2_test_store_is_pending (store, TEST_GUID));
  g_assert_null (email2_account_store_lookup (EMAIL2_ACCOUNT_STORE (store), TEST_GUID));
  assert_secret (TEST_GUID, OLD_SECRET);

  commit (transaction);
  /* Published and synced before the commit point. */
  assert_calls (store, "publish " TEST_GUID "; publish " TEST_GUID2 "; sync");
  assert_account (store, TEST_GUID, "a", OLD_SECRET);
  assert_account (store, TEST_GUID2, "b", NULL);
  guids = email2_host_list_accounts (EMAIL2_HOST (transaction));
  g_assert_cmpuint (g_strv_length (guids), ==, 2);
  assert_ended (store);

  /* Deleted, with the secret backed up: committed, then cleaned up. */
  g_clear_pointer (&a, email2_account_free);
  a = email2_host_lookup_account (EMAIL2_HOST (transaction), TEST_GUID);
  begin (transaction);
  apply (transaction, a, NULL);
  assert_calls (store, "clear " TEST_GUID "; remove " TEST_GUID);
  commit (transaction);
  assert_calls (store, "sync");
  assert_account (store, TEST_GUID, NULL, NULL);
  assert_ended (store);
  clear_keyring ();
}

static void
test_rollback (void)
{
  g_autoptr(Email2TestStore) store = store_with_account ();
  g_autoptr(Email2Transaction) transaction = transaction_new (store);
  g_autoptr(Email2Account) c = account_new (TEST_GUID2, "c", B_SECRET);
  g_autoptr(GError) error = NULL;

  edit_and_create (transaction);
  assert_account (store, TEST_GUID, "new", NEW_SECRET);
  rollback (transaction);
  assert_account (store, TEST_GUID, "old", OLD_SECRET);
  assert_account (store, TEST_GUID2, NULL, NULL);
  assert_ended (store);

  /* A write that fails: the Atomic is refused, and undone. */
  email2_test_store_fail_write (store, TEST_GUID2);
  begin (transaction);
  g_assert_false (email2_host_apply (EMAIL2_HOST (transaction), NULL, c, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  email2_test_store_fail_write (store, NULL);
  rollback (transaction);
  assert_account (store, TEST_GUID, "old", OLD_SECRET);
  assert_account (store, TEST_GUID2, NULL, NULL);
  assert_ended (store);
  clear_keyring ();
}

static void
test_recover_open (void)
{
  g_autoptr(Email2TestStore) store = store_with_account ();
  g_autoptr(Email2Transaction) next = NULL;
  g_autoptr(GError) error = NULL;
  Email2Transaction *killed = transaction_new (store);

  /* The process goes mid-transaction: the journal stays open on disk, and
   * its lock goes with the process. */
  edit_and_create (killed);
  g_object_unref (killed);
  g_assert_true (g_file_test (journal_path, G_FILE_TEST_EXISTS));
  assert_account (store, TEST_GUID, "new", NEW_SECRET);
  g_assert_true (email2_test_store_is_pending (store, TEST_GUID2));

  next = transaction_new (store);
  g_assert_true (email2_transaction_recover (next, &error));
  g_assert_no_error (error);
  assert_account (store, TEST_GUID, "old", OLD_SECRET);
  assert_account (store, TEST_GUID2, NULL, NULL);
  assert_ended (store);

  /* Again, and the next begin ends it first. */
  killed = transaction_new (store);
  edit_and_create (killed);
  g_object_unref (killed);
  begin (next);
  assert_account (store, TEST_GUID, "old", OLD_SECRET);
  assert_account (store, TEST_GUID2, NULL, NULL);
  rollback (next);
  assert_ended (store);
  clear_keyring ();
}

/* A journal committed by a process that went before its clean-up: the
 * backups go, the changes stay. */
static void
test_recover_committed (void)
{
  g_autoptr(Email2TestStore) store = store_with_account ();
  g_autoptr(Email2Account) before = email2_account_store_lookup (EMAIL2_ACCOUNT_STORE (store), TEST_GUID);
  g_autoptr(Email2Journal) journal = email2_journal_new (journal_path);
  g_autoptr(Email2Transaction) transaction = transaction_new (store);
  const char *nodes[] = { email2_schema_get (EMAIL2_NODE_AUTHSECRET)->name, NULL };
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_journal_lock (journal, 0, &error) &&
                 email2_journal_begin (journal, &error) &&
                 email2_journal_add_account (journal, TEST_GUID, before, &error));
  id = email2_journal_dup_transaction (journal);
  g_assert_true (email2_keyring_back_up (id, TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error) &&
                 email2_journal_name_backups (journal, TEST_GUID, nodes, &error) &&
                 email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, NEW_SECRET, &error) &&
                 email2_journal_commit (journal, &error));
  g_assert_no_error (error);
  g_clear_object (&journal);

  g_assert_true (email2_transaction_recover (transaction, &error));
  g_assert_no_error (error);
  assert_calls (store, "");
  assert_secret (TEST_GUID, NEW_SECRET);
  assert_ended (store);
  clear_keyring ();
}

/* A password the user typed (none provisioned) stays through an edit,
 * and goes when its server moves to another host. */
static void
test_typed_password (void)
{
  g_autoptr(Email2TestStore) store = email2_test_store_new ();
  g_autoptr(Email2Transaction) transaction = transaction_new (store);
  g_autoptr(Email2Account) created = account_new (TEST_GUID, "a", NULL);
  g_autoptr(Email2Account) renamed = account_new (TEST_GUID, "renamed", NULL);
  g_autoptr(Email2Account) moved = account_new (TEST_GUID, "renamed", NULL);

  begin (transaction);
  apply (transaction, NULL, created);
  commit (transaction);
  email2_test_store_type_password (store, TEST_GUID, "typed");

  begin (transaction);
  apply (transaction, created, renamed);
  commit (transaction);
  g_assert_cmpstr (email2_test_store_get_copy (store, TEST_GUID), ==, "typed");

  email2_account_set (moved, EMAIL2_NODE_INSERVER, "imap.elsewhere.example");
  begin (transaction);
  apply (transaction, renamed, moved);
  commit (transaction);
  g_assert_null (email2_test_store_get_copy (store, TEST_GUID));
  assert_ended (store);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  email2_test_init_session (&argc, &argv);
  dir = g_dir_make_tmp ("email2-transaction-XXXXXX", &error);
  g_assert_no_error (error);
  journal_path = g_build_filename (dir, "transaction.journal", NULL);

  g_test_add_func ("/transaction/commit", test_commit);
  g_test_add_func ("/transaction/rollback", test_rollback);
  g_test_add_func ("/transaction/recover-open", test_recover_open);
  g_test_add_func ("/transaction/recover-committed", test_recover_committed);
  g_test_add_func ("/transaction/typed-password", test_typed_password);

  status = g_test_run ();
  email2_test_remove_tree (dir);
  g_free (journal_path);
  return status;
}
