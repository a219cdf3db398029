/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * System payloads as desired state, on the memory host: a new file
 * creates, an unchanged one changes nothing, a changed one is applied as
 * the difference (re-creation when SERVICENAME or SERVICETYPE changed), a
 * removed one deletes what it made; the user's own accounts are never
 * touched, and a failure leaves everything as it was.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define GUID_A "{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}"
#define GUID_B "{0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40}"
#define GUID_USER "{D671C70B-8EE3-4881-8045-2AEE6F731B55}"

/* A CP document with one account per (guid, service name, service type,
 * name) row. */
static char *
cp_payload (const char * const *rows)
{
  g_autoptr(GString) doc = g_string_new ("<wap-provisioningdoc version=\"1.1\">"
                                         "<characteristic type=\"EMAIL2\">");

  for (guint i = 0; rows[i] != NULL; i += 4)
    g_string_append_printf (doc,
                            "<characteristic type=\"%s\">"
                            "<parm name=\"SERVICENAME\" value=\"%s\"/>"
                            "<parm name=\"SERVICETYPE\" value=\"%s\"/>"
                            "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/>"
                            "<parm name=\"INSERVER\" value=\"mail.example.com\"/>"
                            "<parm name=\"OUTSERVER\" value=\"smtp.example.com:587\"/>"
                            "<parm name=\"AUTHNAME\" value=\"${USER}\"/>"
                            "<parm name=\"REPLYADDR\" value=\"${EMAIL}\"/>"
                            "<parm name=\"NAME\" value=\"%s\"/>"
                            "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>"
                            "</characteristic>",
                            rows[i], rows[i + 1], rows[i + 2], rows[i + 3]);
  g_string_append (doc, "</characteristic></wap-provisioningdoc>\n");
  return g_string_free (g_steal_pointer (&doc), FALSE);
}

static Email2Variables *
variables (void)
{
  g_autoptr(GError) error = NULL;
  Email2Variables *v = email2_variables_new ("ann", "Ann", "${USER}@example.com", &error);

  g_assert_no_error (error);
  return v;
}

static Email2MemoryHost *
desired (const char * const *rows)
{
  g_autofree char *text = cp_payload (rows);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (text, strlen (text),
                                                          EMAIL2_FORMAT_AUTO, &error);
  g_autoptr(Email2Variables) v = variables ();
  Email2MemoryHost *state;

  g_assert_no_error (error);
  state = email2_rollout_desired (payload, v, &error);
  g_assert_no_error (error);
  g_assert_nonnull (state);
  return state;
}

static char *
node (Email2MemoryHost *host,
      const char       *guid,
      Email2NodeId      id)
{
  g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (host), guid);

  if (account == NULL || !email2_account_has (account, id))
    return NULL;
  return g_strdup (email2_account_get (account, id));
}

/* The user's own account, made by a user payload: never touched. */
static Email2MemoryHost *
host_with_user_account (void)
{
  Email2MemoryHost *host = email2_memory_host_new ();
  g_autofree char *create = email2_test_create_account (
    "./Vendor/MSFT/EMAIL2/%7BD671C70B-8EE3-4881-8045-2AEE6F731B55%7D", "2", "IMAP4");
  g_autofree char *body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", create);
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);
  g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (host), GUID_USER);

  g_assert_nonnull (account);
  return host;
}

static char *
user_account_state (Email2MemoryHost *host)
{
  g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (host), GUID_USER);
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_assert_nonnull (account);
  email2_account_to_key_file (account, file, GUID_USER);
  return g_key_file_to_data (file, NULL, NULL);
}

static const char * const v1[] = { GUID_A, "Corp", "IMAP4", "Ann A", GUID_B, "Corp 2", "IMAP4", "B", NULL };

static void
test_lifecycle (void)
{
  static const char * const v2[] = { GUID_A, "Corp", "IMAP4", "Ann Changed", GUID_B, "Corp 2", "IMAP4", "B", NULL };
  static const char * const v3[] = { GUID_A, "Corp", "IMAP4", "Ann Changed", NULL };
  g_autoptr(Email2MemoryHost) host = host_with_user_account ();
  g_autofree char *user_before = user_account_state (host);
  g_autofree char *user_after = NULL;
  g_autoptr(Email2MemoryHost) s1 = desired (v1);
  g_autoptr(Email2MemoryHost) s1_again = desired (v1);
  g_autoptr(Email2MemoryHost) s2 = desired (v2);
  g_autoptr(Email2MemoryHost) s3 = desired (v3);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *before_data = NULL;
  g_autofree char *after_data = NULL;
  guint n = 99;

  /* New file: both accounts created, with the user's values. */
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), NULL, s1, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  value = node (host, GUID_A, EMAIL2_NODE_REPLYADDR);
  g_assert_cmpstr (value, ==, "ann@example.com");
  g_clear_pointer (&value, g_free);

  /* The user changes a setting Evolution shows (LINGER). */
  {
    g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (host), GUID_A);
    g_autoptr(Email2Account) changed = email2_account_copy (account);

    email2_account_set (changed, EMAIL2_NODE_LINGER, "60");
    g_assert_true (email2_host_begin (EMAIL2_HOST (host), NULL));
    g_assert_true (email2_host_apply (EMAIL2_HOST (host), account, changed, NULL));
    g_assert_true (email2_host_commit (EMAIL2_HOST (host), NULL));
  }

  /* Unchanged: nothing happens. */
  before_data = email2_memory_host_to_data (host);
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s1, s1_again, NULL, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  after_data = email2_memory_host_to_data (host);
  g_assert_cmpstr (before_data, ==, after_data);

  /* Changed NAME: an edit of that leaf; the user's LINGER stays. */
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s1, s2, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  value = node (host, GUID_A, EMAIL2_NODE_NAME);
  g_assert_cmpstr (value, ==, "Ann Changed");
  g_clear_pointer (&value, g_free);
  value = node (host, GUID_A, EMAIL2_NODE_LINGER);
  g_assert_cmpstr (value, ==, "60");
  g_clear_pointer (&value, g_free);

  /* An account dropped from the file: deleted. */
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s2, s3, NULL, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  g_assert_null (email2_host_lookup_account (EMAIL2_HOST (host), GUID_B));
  g_assert_nonnull ((value = node (host, GUID_A, EMAIL2_NODE_NAME)));
  g_clear_pointer (&value, g_free);

  /* The file removed: its accounts deleted. */
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s3, NULL, NULL, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  g_assert_null (email2_host_lookup_account (EMAIL2_HOST (host), GUID_A));

  /* The user's own account never changed. */
  user_after = user_account_state (host);
  g_assert_cmpstr (user_before, ==, user_after);
}

/* SERVICETYPE (or SERVICENAME) changed: delete and re-create, nothing of
 * the old account kept, the password the user gave included. */
static void
test_recreate (void)
{
  static const char * const pop[] = { GUID_A, "Corp", "POP3", "Ann A", GUID_B, "Corp 2", "IMAP4", "B", NULL };
  static const char * const renamed[] = { GUID_A, "Corp new", "POP3", "Ann A", GUID_B, "Corp 2", "IMAP4", "B", NULL };
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2MemoryHost) s1 = desired (v1);
  g_autoptr(Email2MemoryHost) s2 = desired (pop);
  g_autoptr(Email2MemoryHost) s3 = desired (renamed);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint n = 0;

  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), NULL, s1, NULL, &n, &error));
  {
    g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (host), GUID_A);
    g_autoptr(Email2Account) changed = email2_account_copy (account);

    email2_account_set (changed, EMAIL2_NODE_AUTHSECRET, "the user's");
    email2_account_set (changed, EMAIL2_NODE_KEEPMAX, "50");
    g_assert_true (email2_host_begin (EMAIL2_HOST (host), NULL));
    g_assert_true (email2_host_apply (EMAIL2_HOST (host), account, changed, NULL));
    g_assert_true (email2_host_commit (EMAIL2_HOST (host), NULL));
  }

  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s1, s2, NULL, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  value = node (host, GUID_A, EMAIL2_NODE_SERVICETYPE);
  g_assert_cmpstr (value, ==, "POP3");
  g_clear_pointer (&value, g_free);
  g_assert_null (node (host, GUID_A, EMAIL2_NODE_AUTHSECRET));
  g_assert_null (node (host, GUID_A, EMAIL2_NODE_KEEPMAX));

  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), s2, s3, NULL, &n, &error));
  g_assert_cmpuint (n, ==, 1);
  value = node (host, GUID_A, EMAIL2_NODE_SERVICENAME);
  g_assert_cmpstr (value, ==, "Corp new");
}

/* A file that names the user's own account: refused, nothing changed. */
static void
test_conflict (void)
{
  static const char * const rows[] = { GUID_A, "Corp", "IMAP4", "Ann", GUID_USER, "Mine", "IMAP4", "X", NULL };
  g_autoptr(Email2MemoryHost) host = host_with_user_account ();
  g_autoptr(Email2MemoryHost) state = desired (rows);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = email2_memory_host_to_data (host);
  g_autofree char *after = NULL;
  guint n = 99;

  g_assert_false (email2_rollout_apply (EMAIL2_HOST (host), NULL, state, NULL, &n, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_EXISTS);
  g_assert_nonnull (strstr (error->message, GUID_USER));
  g_assert_cmpuint (n, ==, 0);
  after = email2_memory_host_to_data (host);
  g_assert_cmpstr (before, ==, after);
}

/* The host fails in the middle: everything is undone. */
static void
test_host_failure (void)
{
  static const char * const v2[] = { GUID_A, "Corp", "IMAP4", "Changed", GUID_B, "Corp 2", "IMAP4", "Changed", NULL };
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2MemoryHost) s1 = desired (v1);
  g_autoptr(Email2MemoryHost) s2 = desired (v2);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), NULL, s1, NULL, NULL, &error));
  before = email2_memory_host_to_data (host);
  email2_memory_host_fail_apply (host, GUID_B);
  g_assert_false (email2_rollout_apply (EMAIL2_HOST (host), s1, s2, NULL, NULL, &error));
  g_assert_nonnull (error);
  after = email2_memory_host_to_data (host);
  g_assert_cmpstr (before, ==, after);
}

/* A run stopped after the host committed but before its state was kept:
 * the accounts it may have made are adopted, not taken for the user's. */
static void
test_adopt (void)
{
  static const char * const only_a[] = { GUID_A, "Corp", "IMAP4", "Ann A", NULL };
  const char * const adopt[] = { GUID_A, GUID_B, NULL };
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2MemoryHost) partial = desired (only_a);
  g_autoptr(Email2MemoryHost) s1 = desired (v1);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  guint n = 0;

  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), NULL, partial, NULL, &n, &error));
  g_assert_false (email2_rollout_apply (EMAIL2_HOST (host), NULL, s1, NULL, &n, &error));
  g_clear_error (&error);
  g_assert_true (email2_rollout_apply (EMAIL2_HOST (host), NULL, s1, adopt, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);                 /* only B was missing */
  value = node (host, GUID_B, EMAIL2_NODE_SERVICENAME);
  g_assert_cmpstr (value, ==, "Corp 2");
}

/* A system payload with a secret, or a bad substituted value, makes no
 * desired state at all. */
static void
test_desired_refused (void)
{
  const char *secret = "<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
                       "<characteristic type=\"" GUID_A "\">"
                       "<parm name=\"AUTHSECRET\" value=\"pw\"/>"
                       "</characteristic></characteristic></wap-provisioningdoc>";
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (secret, strlen (secret),
                                                          EMAIL2_FORMAT_AUTO, &error);
  g_autoptr(Email2Variables) v = variables ();
  g_autoptr(Email2MemoryHost) state = NULL;

  g_assert_no_error (error);
  state = email2_rollout_desired (payload, v, &error);
  g_assert_null (state);
  g_assert_nonnull (strstr (error->message, "must not carry a secret"));
}

/* The state kept between runs reads back as it was written. */
static void
test_state_round_trip (void)
{
  g_autoptr(Email2MemoryHost) s1 = desired (v1);
  g_autoptr(Email2MemoryHost) back = email2_memory_host_new ();
  g_autofree char *data = email2_memory_host_to_data (s1);
  g_autofree char *again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_memory_host_load_data (back, data, strlen (data), &error));
  g_assert_no_error (error);
  again = email2_memory_host_to_data (back);
  g_assert_cmpstr (data, ==, again);
  g_assert_false (email2_memory_host_load_data (back, "[not a guid]\nX=1\n", 16, &error));
  g_assert_nonnull (error);
}

/* The record of a user payload: the same payload matches, any other
 * does not, and the record holds nothing of the payload's text. */
static void
test_digest (void)
{
  const char *payload = "<SyncML>AUTHSECRET hunter2</SyncML>";
  g_autofree char *digest = email2_digest_new (payload, strlen (payload));
  g_autofree char *again = email2_digest_new (payload, strlen (payload));
  g_autofree char *broken = NULL;

  g_assert_nonnull (digest);
  g_assert_true (g_str_has_prefix (digest, "pbkdf2-sha256$600000$"));
  g_assert_null (strstr (digest, "hunter2"));
  g_assert_cmpstr (digest, !=, again);          /* salted */
  g_assert_true (email2_digest_matches (digest, payload, strlen (payload)));
  g_assert_true (email2_digest_matches (again, payload, strlen (payload)));
  g_assert_false (email2_digest_matches (digest, payload, strlen (payload) - 1));
  g_assert_false (email2_digest_matches (digest, "<SyncML>AUTHSECRET hunter3</SyncML>",
                                         strlen (payload)));
  g_assert_false (email2_digest_matches (NULL, payload, strlen (payload)));
  g_assert_false (email2_digest_matches ("", payload, strlen (payload)));
  g_assert_false (email2_digest_matches ("sha256$1$AAAA$AAAA", payload, strlen (payload)));
  g_assert_false (email2_digest_matches ("pbkdf2-sha256$99999999999$AAAA$AAAA", payload,
                                         strlen (payload)));
  broken = g_strndup (digest, strlen (digest) - 4);
  g_assert_false (email2_digest_matches (broken, payload, strlen (payload)));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rollout/lifecycle", test_lifecycle);
  g_test_add_func ("/rollout/recreate", test_recreate);
  g_test_add_func ("/rollout/conflict", test_conflict);
  g_test_add_func ("/rollout/host-failure", test_host_failure);
  g_test_add_func ("/rollout/adopt", test_adopt);
  g_test_add_func ("/rollout/desired-refused", test_desired_refused);
  g_test_add_func ("/rollout/state-round-trip", test_state_round_trip);
  g_test_add_func ("/rollout/digest", test_digest);

  return g_test_run ();
}
