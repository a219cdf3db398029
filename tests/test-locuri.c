/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * LocURIs: both roots, the three GUID spellings, one canonical form, and a
 * status for every malformed URI.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define G "C556E16F-56C4-4EDB-9C64-D9469EE1FBE0"
#define CANON "{" G "}"

typedef struct {
  const char *uri;
  Email2NodeId node;   /* when ok */
  const char *guid;    /* when ok */
  int error;           /* -1: ok */
} UriCase;

static const UriCase cases[] = {
  /* roots */
  { "./Vendor/MSFT/EMAIL2", EMAIL2_NODE_ROOT, "", -1 },
  { "./User/Vendor/MSFT/EMAIL2", EMAIL2_NODE_ROOT, "", -1 },
  { "./user/vendor/MSFT/EMAIL2", EMAIL2_NODE_ROOT, "", -1 },
  { "Vendor/MSFT/EMAIL2", EMAIL2_NODE_ROOT, "", -1 },
  { "./Device/Vendor/MSFT/EMAIL2", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2X", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/Policy/Config", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  /* GUID spellings */
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7b" G "%7d", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/{" G "}", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/0x7B" G "0x7D", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/0x7b" G "0x7d", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  { "./User/Vendor/MSFT/EMAIL2/%7Bc556e16f-56c4-4edb-9c64-d9469ee1fbe0%7D", EMAIL2_NODE_ACCOUNT, CANON, -1 },
  /* the seed's example, whose GUID lost its last digit, names no GUID */
  { "./Vendor/MSFT/EMAIL2/0x7BC556E16F-56C4-4edb-9C64-D9469EE1FBE0x7D", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/" G, 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G, 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBEZ%7D", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7BC556E16F556C4-4EDB-9C64-D9469EE1FBE0%7D", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/0x7B" G "%7D", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  /* nodes */
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME", EMAIL2_NODE_SERVICENAME, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS", EMAIL2_NODE_TAGPROPS, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/8128000B", EMAIL2_NODE_TAGPROPS_INSERVER_SSL, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/812C000B", EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/%53ERVICENAME", EMAIL2_NODE_SERVICENAME, CANON, -1 },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/servicename", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/8128000B", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/812c000b", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/0x8125001F", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME/X", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/NOSUCHNODE", 0, NULL, EMAIL2_ERROR_NOT_FOUND },
  /* malformed */
  { "", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "/Vendor/MSFT/EMAIL2", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor//MSFT/EMAIL2", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/./EMAIL2", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/../MSFT/EMAIL2", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICE%2FNAME", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME%00", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME%", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME%4", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/SERVICENAME%G1", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  { "./Vendor/MSFT/EMAIL2/%2E%2E", 0, NULL, EMAIL2_ERROR_BAD_REQUEST },
  /* queries */
  { "./Vendor/MSFT/EMAIL2?list=Struct", 0, NULL, EMAIL2_ERROR_NOT_SUPPORTED },
  { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/NAME?prop=ACL", 0, NULL, EMAIL2_ERROR_NOT_SUPPORTED },
};

static void
test_uri (gconstpointer data)
{
  const UriCase *c = data;
  g_autoptr(GError) error = NULL;
  Email2Path path;
  gboolean ok = email2_locuri_parse (c->uri, &path, &error);

  if (c->error < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (path.node, ==, c->node);
      g_assert_cmpstr (path.guid, ==, c->guid);
    }
  else
    {
      g_assert_false (ok);
      g_assert_error (error, EMAIL2_ERROR, c->error);
      g_assert_cmpstr (path.guid, ==, "");
    }
}

static void
test_too_long (void)
{
  g_autoptr(GString) uri = g_string_new (TEST_ACCOUNT "/NAME");
  g_autoptr(GError) error = NULL;
  Email2Path path;

  while (uri->len <= EMAIL2_LOCURI_MAX_LENGTH)
    g_string_append (uri, "/NAME");

  g_assert_false (email2_locuri_parse (uri->str, &path, &error));
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_URI_TOO_LONG);
  g_assert_cmpuint (email2_error_to_status (error), ==, 414);
}

static void
test_guid_canonical (void)
{
  char guid[EMAIL2_GUID_SIZE];
  g_autofree char *segment = NULL;

  g_assert_true (email2_guid_canonicalize ("{c556e16f-56c4-4edb-9c64-d9469ee1fbe0}", guid));
  g_assert_cmpstr (guid, ==, CANON);
  g_assert_false (email2_guid_canonicalize ("c556e16f-56c4-4edb-9c64-d9469ee1fbe0", guid));
  g_assert_false (email2_guid_canonicalize ("{c556e16f-56c4-4edb-9c64-d9469ee1fbe}", guid));
  g_assert_false (email2_guid_canonicalize ("{c556e16f-56c4-4edb-9c64-d9469ee1fbe00}", guid));

  segment = email2_guid_to_uri_segment (CANON);
  g_assert_cmpstr (segment, ==, "%7B" G "%7D");
}

/* Every byte string, never a crash: a small deterministic fuzz. */
static void
test_random (void)
{
  static const char alphabet[] = "./%07BDx{}-EMAIL2VendorMSFTUser?=\xc3\xa9";
  GRand *rand = g_rand_new_with_seed (20261125);

  for (guint i = 0; i < 20000; i++)
    {
      char uri[96];
      guint length = g_rand_int_range (rand, 0, sizeof uri - 1);
      g_autoptr(GError) error = NULL;
      Email2Path path;

      for (guint k = 0; k < length; k++)
        uri[k] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      uri[length] = '\0';
      if (!email2_locuri_parse (uri, &path, &error))
        g_assert_nonnull (error);
    }

  g_rand_free (rand);
}

/* A 404 for a malformed account segment or node says what is wrong. */
static void
test_reasons (void)
{
  static const struct { const char *uri; const char *reason; } reasons[] = {
    { "./Vendor/MSFT/EMAIL2/0x7BC556E16F-56C4-4edb-9C64-D9469EE1FBE0x7D",
      "the GUID's last group has 11 hex digits, not 12" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C64-D9469EE1FBE%7D",
      "the GUID's last group has 11 hex digits, not 12" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16-56C4-4edb-9C64-D9469EE1FBE0%7D",
      "the GUID's first group has 7 hex digits, not 8" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C6-D9469EE1FBE0%7D",
      "the GUID's fourth group has 3 hex digits, not 4" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C64D9469EE1FBE0%7D",
      "the GUID has 4 groups of hex digits, not 5" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C64-D9469EE1FBEZ%7D",
      "the GUID's last group holds “Z”, which is not a hex digit" },
    { "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4édb-9C64-D9469EE1FBE0%7D",
      "the GUID's third group holds “é”, which is not a hex digit" },
    { "./Vendor/MSFT/EMAIL2/%7B(email account GUID)%7D", "a template's placeholder left in?" },
    { "./Vendor/MSFT/EMAIL2/" G, "the GUID must be in braces" },
    { "./Vendor/MSFT/EMAIL2/%7B" G, "the GUID's closing brace is missing" },
    { "./Vendor/MSFT/EMAIL2/" G "%7D", "the GUID's opening brace is missing" },
    { "./Vendor/MSFT/EMAIL2/Contoso", "an account is named by a GUID in braces" },
    { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/servicename", "node names are upper case: SERVICENAME" },
    { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/8128000b", "node names are upper case: 8128000B" },
    { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/TAGPROPS/0x8125001F", "TAGPROPS holds only 8128000B and 812C000B" },
    { "./Vendor/MSFT/EMAIL2/%7B" G "%7D/NAME/X", "NAME has no children" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    {
      g_autoptr(GError) error = NULL;
      Email2Path path;

      g_assert_false (email2_locuri_parse (reasons[i].uri, &path, &error));
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND);
      if (strstr (error->message, reasons[i].reason) == NULL)
        g_error ("%s: “%s” does not say “%s”", reasons[i].uri, error->message, reasons[i].reason);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/locuri/case/%u", i);
      g_test_add_data_func (name, &cases[i], test_uri);
    }
  g_test_add_func ("/locuri/too-long", test_too_long);
  g_test_add_func ("/locuri/guid-canonical", test_guid_canonical);
  g_test_add_func ("/locuri/random", test_random);
  g_test_add_func ("/locuri/reasons", test_reasons);

  return g_test_run ();
}
