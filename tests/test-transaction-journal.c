/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Journal in-process, in a temporary directory: what a transaction
 * writes is what a new process reads back (state, accounts in order, each
 * one's previous state, the backups named), mode 0600 and no secret; a
 * save cut short by the file-size limit leaves the journal as it was;
 * damaged and torn files are refused or read as no more than they say;
 * the lock keeps a second holder out until the first lets it go.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-journal-private.h"

#define SECRET "journal-s3cret"

/* Under a temporary directory of the whole run, removed at its end. */
static char *test_dir;

/* Each test has a state directory of its own, which does not exist yet:
 * begin makes it. */
static char *
journal_path (void)
{
  static guint n;
  g_autofree char *name = g_strdup_printf ("%u", ++n);

  return g_build_filename (test_dir, name, "email2", "transaction.journal", NULL);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_remove (path);
}

static Email2Account *
before_account (void)
{
  Email2Account *account = email2_account_new (TEST_GUID2);

  email2_account_set (account, EMAIL2_NODE_SERVICENAME, "Before");
  email2_account_set (account, EMAIL2_NODE_INSERVER, "imap.example.com");
  email2_account_set (account, EMAIL2_NODE_AUTHSECRET, SECRET);
  return account;
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* A transaction that created TEST_GUID and changed TEST_GUID2, whose
 * AUTHSECRET was backed up. */
static void
write_two (Email2Journal *journal)
{
  g_autoptr(Email2Account) before = before_account ();
  const char * const named[] = { "AUTHSECRET", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_OPEN);
  g_assert_true (email2_journal_add_account (journal, TEST_GUID, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_add_account (journal, TEST_GUID2, before, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_name_backups (journal, TEST_GUID2, named, &error));
  g_assert_no_error (error);
}

/* What a new process reads of write_two()'s journal. */
static void
assert_two (Email2Journal *journal)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) guids = email2_journal_list_accounts (journal, &error);
  g_autoptr(Email2Account) before = NULL;
  g_autoptr(Email2Account) expected = before_account ();

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (guids), ==, 2);
  g_assert_cmpstr (guids[0], ==, TEST_GUID);
  g_assert_cmpstr (guids[1], ==, TEST_GUID2);

  g_assert_true (email2_journal_created (journal, TEST_GUID));
  g_assert_null (email2_journal_dup_before (journal, TEST_GUID, &error));
  g_assert_no_error (error);
  g_assert_false (email2_journal_created (journal, TEST_GUID2));
  before = email2_journal_dup_before (journal, TEST_GUID2, &error);
  g_assert_no_error (error);
  g_assert_nonnull (before);
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_SERVICENAME), ==, "Before");
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_INSERVER), ==, "imap.example.com");
  /* A secret is only "set": its value is in the keyring. */
  g_assert_true (email2_account_has (before, EMAIL2_NODE_AUTHSECRET));
  g_assert_null (email2_account_get (before, EMAIL2_NODE_AUTHSECRET));
  email2_account_forget_secrets (expected);
  g_assert_true (email2_account_equal (before, expected));

  g_assert_cmpint (email2_journal_get_backup (journal, TEST_GUID2, EMAIL2_NODE_AUTHSECRET), ==,
                   EMAIL2_JOURNAL_BACKUP_NAMED);
  g_assert_cmpint (email2_journal_get_backup (journal, TEST_GUID2, EMAIL2_NODE_SMTPALTPASSWORD), ==,
                   EMAIL2_JOURNAL_BACKUP_NONE);
  g_assert_cmpint (email2_journal_get_backup (journal, TEST_GUID, EMAIL2_NODE_AUTHSECRET), ==,
                   EMAIL2_JOURNAL_BACKUP_NONE);
}

/* Written by one journal, read back by another, as after a restart. */
static void
test_write_read (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) journal = email2_journal_new (path);
  g_autoptr(Email2Journal) reader = email2_journal_new (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *transaction = NULL;
  g_autofree char *read_transaction = NULL;
  g_autofree char *contents = NULL;
  GStatBuf st;

  g_assert_false (email2_journal_exists (journal));
  write_two (journal);
  g_assert_true (email2_journal_exists (journal));
  transaction = email2_journal_dup_transaction (journal);
  g_assert_nonnull (transaction);

  /* Open: an undo ends it. */
  g_assert_true (email2_journal_load (reader, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (reader), ==, EMAIL2_JOURNAL_OPEN);
  read_transaction = email2_journal_dup_transaction (reader);
  g_assert_cmpstr (read_transaction, ==, transaction);
  assert_two (reader);

  /* Committed: only the clean-up is left. */
  g_assert_true (email2_journal_commit (journal, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_COMMITTED);
  g_assert_true (email2_journal_load (reader, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (reader), ==, EMAIL2_JOURNAL_COMMITTED);
  assert_two (reader);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  contents = read_file (path);
  g_assert_null (strstr (contents, SECRET));

  /* Closed: the file stays; removed: it is gone, and there is none. */
  email2_journal_close (journal);
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_NONE);
  g_assert_true (email2_journal_exists (journal));
  g_assert_true (email2_journal_remove (journal));
  g_assert_false (email2_journal_exists (journal));
  g_assert_true (email2_journal_load (reader, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (reader), ==, EMAIL2_JOURNAL_NONE);
  g_assert_null (email2_journal_dup_transaction (reader));
}

/* A save with files limited to @limit bytes. */
static gboolean
write_capped (Email2Journal *journal,
              gboolean       commit,
              rlim_t         limit,
              GError       **error)
{
  g_autoptr(Email2Account) big = email2_account_new (TEST_GUID);
  g_autofree char *name = g_strnfill (4096, 'n');
  struct rlimit saved, capped;
  gboolean ok;

  email2_account_set (big, EMAIL2_NODE_SERVICENAME, name);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  capped = saved;
  capped.rlim_cur = limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &capped), ==, 0);
  ok = commit ? email2_journal_commit (journal, error)
              : email2_journal_add_account (journal, TEST_GUID, big, error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  return ok;
}

/* A save that cannot be written whole (the file-size limit stands for a
 * full disk) fails and leaves the journal on disk as it was. */
static void
test_cut_short (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) journal = email2_journal_new (path);
  g_autoptr(Email2Journal) reader = email2_journal_new (path);
  g_autoptr(Email2Account) before = before_account ();
  g_autoptr(GError) error = NULL;
  g_autofree char *old = NULL;
  g_autofree char *now = NULL;
  g_autofree char *committed = NULL;
  g_auto(GStrv) guids = NULL;

  signal (SIGXFSZ, SIG_IGN);

  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_add_account (journal, TEST_GUID2, before, &error));
  g_assert_no_error (error);
  old = read_file (path);

  g_assert_false (write_capped (journal, FALSE, strlen (old) + 100, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  now = read_file (path);
  g_assert_cmpstr (now, ==, old);
  g_assert_true (email2_journal_load (reader, &error));
  g_assert_no_error (error);
  guids = email2_journal_list_accounts (reader, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (guids), ==, 1);
  g_assert_cmpstr (guids[0], ==, TEST_GUID2);

  /* A commit that cannot be written leaves the transaction open, on disk
   * and in memory: the caller rolls back. */
  g_assert_true (email2_journal_remove (journal));
  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_add_account (journal, TEST_GUID2, before, &error));
  g_assert_no_error (error);
  g_clear_pointer (&old, g_free);
  old = read_file (path);
  g_assert_false (write_capped (journal, TRUE, strlen (old) + 2, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_OPEN);
  g_clear_pointer (&now, g_free);
  now = read_file (path);
  g_assert_cmpstr (now, ==, old);

  /* With room, the same commit is written. */
  g_assert_true (email2_journal_commit (journal, &error));
  g_assert_no_error (error);
  committed = read_file (path);
  g_assert_nonnull (strstr (committed, "State=committed\n"));
}

static void
write_file (const char *path,
            const char *contents,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, contents, length, &error);
  g_assert_no_error (error);
}

/* Each must-fail file: loaded or not, it never gives a list of accounts
 * (recovery then fails and keeps the journal). */
static const struct {
  const char *name;
  const char *contents;
  gboolean loads;
} damaged[] = {
  { "empty", "", TRUE },
  { "no transaction group", "[Other]\nId=x\n", TRUE },
  { "no id", "[Transaction]\nState=open\nAccounts=" TEST_GUID "\n", TRUE },
  { "a torn GUID", "[Transaction]\nId=t\nState=open\nAccounts=" TEST_GUID ";{0D4B5C9E-0F2A\n", TRUE },
  { "a path for a GUID", "[Transaction]\nId=t\nState=open\nAccounts=../../etc\n", TRUE },
  { "not a key file", "\x89PNG\r\n\x1a\n", FALSE },
  { "a line cut short", "[Transaction]\nId=t\nSta", FALSE },
};

static void
test_damaged (void)
{
  g_autofree char *path = journal_path ();
  for (guint i = 0; i < G_N_ELEMENTS (damaged); i++)
    {
      g_autoptr(Email2Journal) journal = email2_journal_new (path);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) guids = NULL;
      gboolean loaded;

      g_test_message ("%s", damaged[i].name);
      write_file (path, damaged[i].contents, -1);
      loaded = email2_journal_load (journal, &error);
      g_assert_cmpint (loaded, ==, damaged[i].loads);
      if (!loaded)
        {
          g_assert_nonnull (error);
          g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_NONE);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_OPEN);
      guids = email2_journal_list_accounts (journal, &error);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
      g_assert_null (guids);
    }
}

/* Every prefix of a real journal (a torn write, which the rename rules
 * out, or a file cut by hand): it is refused, or lists only accounts it
 * names whole, and reads as committed only with its whole State line. */
static void
test_torn (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) writer = email2_journal_new (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *whole = NULL;
  gsize length;
  const char *state_line;

  write_two (writer);
  g_assert_true (email2_journal_commit (writer, &error));
  g_assert_no_error (error);
  whole = read_file (path);
  length = strlen (whole);
  state_line = strstr (whole, "State=committed\n");
  g_assert_nonnull (state_line);

  for (gsize cut = 0; cut <= length; cut++)
    {
      g_autoptr(Email2Journal) journal = email2_journal_new (path);
      g_auto(GStrv) guids = NULL;

      write_file (path, whole, cut);
      if (!email2_journal_load (journal, &error))
        {
          g_clear_error (&error);
          continue;
        }
      if (email2_journal_get_state (journal) == EMAIL2_JOURNAL_COMMITTED)
        g_assert_cmpuint (cut, >=, (gsize) (state_line - whole) + strlen ("State=committed"));
      guids = email2_journal_list_accounts (journal, &error);
      if (guids == NULL)
        {
          g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
          g_clear_error (&error);
          continue;
        }
      for (guint i = 0; guids[i] != NULL; i++)
        g_assert_true (g_str_equal (guids[i], TEST_GUID) || g_str_equal (guids[i], TEST_GUID2));
    }
}

/* A journal of before the backups were named: a backup that is there is
 * restored; GUIDs are read in any case. */
static void
test_legacy (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) journal = email2_journal_new (path);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) guids = NULL;

  write_file (path,
              "[Transaction]\nId=t1\nState=open\n"
              "Accounts={c556e16f-56c4-4edb-9c64-d9469ee1fbe0}\n", -1);
  g_assert_true (email2_journal_load (journal, &error));
  g_assert_no_error (error);
  guids = email2_journal_list_accounts (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (guids), ==, 1);
  g_assert_cmpstr (guids[0], ==, TEST_GUID);
  g_assert_cmpint (email2_journal_get_backup (journal, TEST_GUID, EMAIL2_NODE_AUTHSECRET), ==,
                   EMAIL2_JOURNAL_BACKUP_UNKNOWN);
}

/* One holder at a time: a second one waits its time-out and is refused,
 * then gets the lock once the first lets it go. */
static void
test_lock (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) first = email2_journal_new (path);
  g_autoptr(Email2Journal) second = email2_journal_new (path);
  g_autoptr(GError) error = NULL;
  gint64 start;

  g_assert_true (email2_journal_lock (first, 0, &error));
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  g_assert_false (email2_journal_lock (second, 200, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * G_TIME_SPAN_MILLISECOND);
  g_clear_error (&error);

  email2_journal_unlock (first);
  g_assert_true (email2_journal_lock (second, 0, &error));
  g_assert_no_error (error);
  g_assert_false (email2_journal_lock (first, 0, &error));
  g_clear_error (&error);
  email2_journal_unlock (second);
  g_assert_true (email2_journal_lock (first, 0, &error));
  g_assert_no_error (error);
  email2_journal_unlock (first);
}

/* The user's journal, under the state directory (only named here). */
static void
test_default_path (void)
{
  g_autoptr(Email2Journal) journal = email2_journal_new_default ();
  g_autofree char *expected = g_build_filename (g_get_user_state_dir (), "email2",
                                                "transaction.journal", NULL);

  g_assert_cmpstr (email2_journal_get_path (journal), ==, expected);
}

/* Nothing is written before the first account; a transaction that named
 * no backup is committed by removing its journal, durably; one that named
 * one has a clean-up left and is saved as committed. */
static void
test_commit_without_backups (void)
{
  g_autofree char *path = journal_path ();
  g_autoptr(Email2Journal) journal = email2_journal_new (path);
  g_autoptr(GError) error = NULL;

  g_unlink (path);
  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_no_error (error);
  g_assert_false (email2_journal_exists (journal));
  g_assert_false (email2_journal_names_backups (journal));
  /* Never written: nothing to remove. */
  g_assert_true (email2_journal_remove_durably (journal, &error));
  g_assert_no_error (error);
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_NONE);

  g_assert_true (email2_journal_begin (journal, &error));
  g_assert_true (email2_journal_add_account (journal, TEST_GUID, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (email2_journal_exists (journal));
  g_assert_false (email2_journal_names_backups (journal));
  g_assert_true (email2_journal_remove_durably (journal, &error));
  g_assert_no_error (error);
  g_assert_false (email2_journal_exists (journal));
  g_assert_cmpint (email2_journal_get_state (journal), ==, EMAIL2_JOURNAL_NONE);

  write_two (journal);
  g_assert_true (email2_journal_names_backups (journal));
  g_assert_true (email2_journal_remove (journal));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  test_dir = g_dir_make_tmp ("email2-journal-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/transaction-journal/write-read", test_write_read);
  g_test_add_func ("/transaction-journal/cut-short", test_cut_short);
  g_test_add_func ("/transaction-journal/commit-without-backups", test_commit_without_backups);
  g_test_add_func ("/transaction-journal/damaged", test_damaged);
  g_test_add_func ("/transaction-journal/torn", test_torn);
  g_test_add_func ("/transaction-journal/legacy", test_legacy);
  g_test_add_func ("/transaction-journal/lock", test_lock);
  g_test_add_func ("/transaction-journal/default-path", test_default_path);

  status = g_test_run ();
  remove_tree (test_dir);
  g_free (test_dir);
  return status;
}
