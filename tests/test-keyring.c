/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The library's keyring (src/email2-keyring.c) in-process, against the
 * gnome-keyring of a throwaway session (tools/with-session): provisioned
 * secrets stored, found, counted and cleared, each change confirmed;
 * backups kept per transaction and dropped together; a missing secret is
 * an error where one is required; another schema's items are not
 * touched; and a daemon that stops answering (SIGSTOP) fails the call at
 * the deadline, and every call after it at once, until the keyring is
 * found usable again.
 */

#include "config.h"

#include <signal.h>

#include "email2-test.h"
#include "email2-keyring-private.h"

#define SECRET "keyring-s3cret"
#define OTHER_SECRET "keyring-0ther"
#define TRANSACTION "3f0b6c52-keyring-test"

/* An item of another schema, with the same attribute names. */
static const SecretSchema other_schema = {
  "io.github.email2.Test", SECRET_SCHEMA_NONE,
  {
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static guint
count (const SecretSchema *schema,
       const char         *guid)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid, NULL);
  g_autoptr(GError) error = NULL;
  guint n = email2_keyring_count (schema, attributes, &error);

  g_assert_no_error (error);
  return n;
}

static void
test_usable (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);
}

static void
test_provisioned (void)
{
  g_autoptr(GError) error = NULL;
  char *secret;

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);

  /* None yet: not an error, but one where one is required. */
  g_assert_false (email2_keyring_has (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_null (email2_keyring_lookup (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_null (email2_keyring_lookup_required (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_clear_error (&error);

  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_SMTPALTPASSWORD, OTHER_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_has (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_false (email2_keyring_has (TEST_GUID2, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  secret = email2_keyring_lookup_required (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (secret, ==, SECRET);
  email2_secret_free (secret);
  g_assert_cmpuint (count (email2_keyring_provisioned_schema (), TEST_GUID), ==, 2);

  /* A store replaces the item of the same attributes. */
  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, OTHER_SECRET, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (email2_keyring_provisioned_schema (), TEST_GUID), ==, 2);
  secret = email2_keyring_lookup (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error);
  g_assert_cmpstr (secret, ==, OTHER_SECRET);
  email2_secret_free (secret);

  /* A clear takes one node; clearing what is not there is no error. */
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_false (email2_keyring_has (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_true (email2_keyring_has (TEST_GUID, EMAIL2_NODE_SMTPALTPASSWORD, &error));
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_SMTPALTPASSWORD, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (email2_keyring_provisioned_schema (), TEST_GUID), ==, 0);
}

static void
test_backups (void)
{
  g_autoptr(GError) error = NULL;
  char *backup;

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);

  /* Nothing to back up is an error: the transaction must not go on. */
  g_assert_false (email2_keyring_back_up (TRANSACTION, TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_clear_error (&error);

  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_store (TEST_GUID2, EMAIL2_NODE_AUTHSECRET, OTHER_SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_back_up (TRANSACTION, TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_back_up (TRANSACTION, TEST_GUID2, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);

  /* The backup keeps the old value once the secret is replaced. */
  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, OTHER_SECRET, &error));
  g_assert_no_error (error);
  backup = email2_keyring_lookup_backup (TRANSACTION, TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (backup, ==, SECRET);
  email2_secret_free (backup);
  g_assert_null (email2_keyring_lookup_backup ("another-transaction", TEST_GUID,
                                               EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_null (email2_keyring_lookup_backup (TRANSACTION, TEST_GUID, EMAIL2_NODE_SMTPALTPASSWORD,
                                               &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (email2_keyring_backup_schema (), TEST_GUID), ==, 1);

  /* Dropped together, the provisioned secrets untouched. */
  g_assert_true (email2_keyring_clear_backups (TRANSACTION, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (email2_keyring_backup_schema (), TEST_GUID), ==, 0);
  g_assert_cmpuint (count (email2_keyring_backup_schema (), TEST_GUID2), ==, 0);
  g_assert_true (email2_keyring_has (TEST_GUID2, EMAIL2_NODE_AUTHSECRET, &error));

  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_true (email2_keyring_clear (TEST_GUID2, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
}

/* A host's own items go through the same confirmed calls; email2's
 * schemas do not match them, though their attributes have the same names. */
static void
test_other_schema (void)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", TEST_GUID,
                                                                    "email2-node", "AUTHSECRET",
                                                                    NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_store_verified (&other_schema, attributes, "email2 test item",
                                                SECRET, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (&other_schema, TEST_GUID), ==, 1);
  g_assert_false (email2_keyring_has (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (&other_schema, TEST_GUID), ==, 1);

  g_assert_true (email2_keyring_clear_verified (&other_schema, attributes, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count (&other_schema, TEST_GUID), ==, 0);
}

/* A daemon that stops answering: the store fails at its deadline, the
 * next call at once; once it answers and the keyring is found usable
 * again, calls go through. */
static void
test_deadline (void)
{
  g_autoptr(GError) error = NULL;
  guint32 pid;
  gint64 start, took;

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);
  pid = email2_test_keyring_pid ();
  g_assert_cmpuint (pid, !=, 0);

  g_assert_cmpint (kill ((pid_t) pid, SIGSTOP), ==, 0);
  start = g_get_monotonic_time ();
  g_assert_false (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, SECRET, &error));
  took = g_get_monotonic_time () - start;
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_clear_error (&error);
  g_test_message ("the store failed after %" G_GINT64_FORMAT " ms", took / 1000);
  g_assert_cmpint (took, >=, 15 * G_USEC_PER_SEC);

  start = g_get_monotonic_time ();
  g_assert_null (email2_keyring_lookup (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);
  g_clear_error (&error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpint (kill ((pid_t) pid, SIGCONT), ==, 0);

  g_assert_true (email2_keyring_ensure_usable (&error));
  g_assert_no_error (error);
  /* The store given up may still have happened: it is cleared, confirmed. */
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_store (TEST_GUID, EMAIL2_NODE_AUTHSECRET, SECRET, &error));
  g_assert_no_error (error);
  g_assert_true (email2_keyring_clear (TEST_GUID, EMAIL2_NODE_AUTHSECRET, &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  email2_test_init_session (&argc, &argv);

  g_test_add_func ("/keyring/usable", test_usable);
  g_test_add_func ("/keyring/provisioned", test_provisioned);
  g_test_add_func ("/keyring/backups", test_backups);
  g_test_add_func ("/keyring/other-schema", test_other_schema);
  g_test_add_func ("/keyring/deadline", test_deadline);

  return g_test_run ();
}
