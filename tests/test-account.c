/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * An account's nodes as one list of `PATH=value` items
 * (email2_account_to_strv(), the `Values` key of [EMAIL2]): every value
 * comes back exactly through a GKeyFile string list, secrets never appear.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define GUID "{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}"

/* Values a key file must not bend: its list separator, its escapes, line
 * ends, spaces at either end, `=`, non-ASCII, empty. */
static const char * const hostile[] = {
  "", "a;b", ";", "=", "a=b=c", "\\", "\\;", "\\s", "line\nbreak", "\r\n", "tab\there",
  " leading", "trailing ", "  ", "Büro ☃ 日本", "#not a comment", "[Group]", "x;",
};

static Email2Account *
account_with (const char *value)
{
  Email2Account *account = email2_account_new (GUID);

  email2_account_set (account, EMAIL2_NODE_SERVICENAME, value);
  email2_account_set (account, EMAIL2_NODE_NAME, "");
  email2_account_set (account, EMAIL2_NODE_TAGPROPS, "");
  email2_account_set (account, EMAIL2_NODE_TAGPROPS_INSERVER_SSL, "1");
  email2_account_set (account, EMAIL2_NODE_AUTHSECRET, "s3cret;pw");
  email2_account_set_kept (account, EMAIL2_NODE_SMTPALTPASSWORD);
  return account;
}

static void
test_round_trip (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(Email2Account) account = account_with (hostile[i]);
      g_autoptr(Email2Account) back = email2_account_new (GUID);
      g_autoptr(GKeyFile) file = g_key_file_new ();
      g_autoptr(GKeyFile) reread = g_key_file_new ();
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) list = email2_account_to_strv (account);
      g_auto(GStrv) read = NULL;
      g_autofree char *text = NULL;

      g_test_message ("“%s”", hostile[i]);
      g_key_file_set_string_list (file, "EMAIL2", "Values", (const char * const *) list,
                                  g_strv_length (list));
      text = g_key_file_to_data (file, NULL, NULL);
      g_assert_null (strstr (text, "s3cret"));
      g_key_file_load_from_data (reread, text, -1, G_KEY_FILE_NONE, &error);
      g_assert_no_error (error);
      read = g_key_file_get_string_list (reread, "EMAIL2", "Values", NULL, &error);
      g_assert_no_error (error);
      email2_account_set_strv (back, (const char * const *) read);

      g_assert_cmpstr (email2_account_get (back, EMAIL2_NODE_SERVICENAME), ==, hostile[i]);
      g_assert_cmpstr (email2_account_get (back, EMAIL2_NODE_NAME), ==, "");
      g_assert_false (email2_account_has (back, EMAIL2_NODE_DOMAIN));
      g_assert_true (email2_account_has (back, EMAIL2_NODE_AUTHSECRET));
      g_assert_null (email2_account_get (back, EMAIL2_NODE_AUTHSECRET));
      email2_account_forget_secrets (account);
      g_assert_true (email2_account_equal (account, back));
    }
}

/* The items themselves: in the schema's order, a secret and an interior
 * node by name only. */
static void
test_items (void)
{
  g_autoptr(Email2Account) account = account_with ("Mail");
  g_auto(GStrv) list = email2_account_to_strv (account);
  const char * const expected[] = {
    "AUTHSECRET", "NAME=", "SERVICENAME=Mail", "SMTPALTPASSWORD", "TAGPROPS",
    "TAGPROPS/8128000B=1", NULL
  };

  g_assert_true (g_strv_equal ((const char * const *) list, expected));
}

/* What a later version may add, or a hand-edited file holds: items that
 * name no node are skipped; a secret's value beside it is not read. */
static void
test_foreign_items (void)
{
  const char * const items[] = {
    "FUTURENODE=1", "TAGPROPS/FFFF=1", "INSERVER/x=1", "=orphan", "", "AUTHSECRET=leaked",
    "SERVICENAME=Mail", "A-NAME-LONGER-THAN-ANY-NODE-OF-THE-SCHEMA-AT-ALL-0123456789=x", NULL
  };
  g_autoptr(Email2Account) account = email2_account_new (GUID);
  g_auto(GStrv) list = NULL;
  const char * const expected[] = { "AUTHSECRET", "SERVICENAME=Mail", NULL };

  email2_account_set_strv (account, items);
  g_assert_null (email2_account_get (account, EMAIL2_NODE_AUTHSECRET));
  list = email2_account_to_strv (account);
  g_assert_true (g_strv_equal ((const char * const *) list, expected));
}

/* The group email2 0.1.0 wrote (tests/data/legacy/): every node, exactly. */
static void
test_legacy_group (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "legacy",
                                                 "email2-7a1e9c44-3b2d-4f10-8e5a-6c0d9b2f4e11.source",
                                                 NULL);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(Email2Account) account = email2_account_new ("{7A1E9C44-3B2D-4F10-8E5A-6C0D9B2F4E11}");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) list = NULL;
  const char * const expected[] = {
    "ACCOUNTICON=res://x;y=z\\w.png", "ACCOUNTTYPE=Email", "AUTHNAME=a;l=i\\ce", "AUTHREQUIRED=1",
    "AUTHSECRET", "DOMAIN=CONTOSO", "DWNDAY=30", "INSERVER=imap.contoso.com:993", "LINGER=15",
    "KEEPMAX=125", "NAME=", "OUTSERVER=smtp.contoso.com:587", "REPLYADDR=alice@contoso.com",
    "SERVICENAME=Contoso; Mail = \\ Büro ☃ \\; x", "SERVICETYPE=IMAP4", "RETRIEVE=2048",
    "SERVERDELETEACTION=2", "CELLULARONLY=0", "SYNCINGCONTENTTYPES=0x2",
    "SMTPALTAUTHNAME=relay;user", "SMTPALTDOMAIN=", "SMTPALTENABLED=1", "SMTPALTPASSWORD",
    "TAGPROPS", "TAGPROPS/8128000B=1", "TAGPROPS/812C000B=1", NULL
  };

  g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  email2_account_set_legacy_group (account, file, "EMAIL2");
  list = email2_account_to_strv (account);
  for (guint i = 0; expected[i] != NULL || list[i] != NULL; i++)
    g_assert_cmpstr (list[i], ==, expected[i]);
}

/* A source file of 0.1.0 rewritten: `Values` from its keys, the old keys
 * gone, every other group and the comments as they were; `Values` that an
 * edit already set is kept; a file without `Nodes` is left alone. */
static void
test_upgrade_legacy_group (void)
{
  const char * const keys[] = { "Guid", "Values", "Probed", "PasswordCarriedTo", NULL };
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "legacy",
                                                 "email2-7a1e9c44-3b2d-4f10-8e5a-6c0d9b2f4e11.source",
                                                 NULL);
  g_autofree char *data = NULL, *upgraded = NULL, *edited = NULL, *kept = NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GKeyFile) legacy = g_key_file_new ();
  g_autoptr(Email2Account) from_legacy = email2_account_new (GUID);
  g_autoptr(Email2Account) from_values = email2_account_new (GUID);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) group = NULL;
  g_auto(GStrv) values = NULL;

  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  upgraded = email2_account_upgrade_legacy_group (data, "EMAIL2", keys);
  g_assert_nonnull (upgraded);
  g_assert_true (g_str_has_prefix (upgraded, "# An account source"));
  g_key_file_load_from_data (file, upgraded, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  group = g_key_file_get_keys (file, "EMAIL2", NULL, NULL);
  g_assert_cmpuint (g_strv_length (group), ==, 4);
  g_assert_cmpint (g_key_file_get_integer (file, "Refresh", "IntervalMinutes", NULL), ==, 15);
  values = g_key_file_get_string_list (file, "EMAIL2", "Values", NULL, NULL);
  email2_account_set_strv (from_values, (const char * const *) values);
  g_key_file_load_from_data (legacy, data, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  email2_account_set_legacy_group (from_legacy, legacy, "EMAIL2");
  g_assert_true (email2_account_equal (from_legacy, from_values));
  g_assert_cmpuint (g_strv_length (values), ==, 26);

  /* Values already written by an edit: kept, the old keys dropped. */
  g_key_file_set_string (legacy, "EMAIL2", "Values", "SERVICENAME=Edited;");
  edited = g_key_file_to_data (legacy, NULL, NULL);
  kept = email2_account_upgrade_legacy_group (edited, "EMAIL2", keys);
  g_assert_nonnull (strstr (kept, "\nValues=SERVICENAME=Edited;\n"));
  g_assert_null (strstr (kept, "\nNodes="));
  g_assert_null (strstr (kept, "\nSERVICENAME="));

  g_assert_null (email2_account_upgrade_legacy_group (upgraded, "EMAIL2", keys));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/values-round-trip", test_round_trip);
  g_test_add_func ("/account/values-items", test_items);
  g_test_add_func ("/account/values-foreign-items", test_foreign_items);
  g_test_add_func ("/account/legacy-group", test_legacy_group);
  g_test_add_func ("/account/upgrade-legacy-group", test_upgrade_legacy_group);

  return g_test_run ();
}
