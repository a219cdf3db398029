/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The session engine on the memory host: Atomic all-or-nothing, implicit
 * add, the seed's rules, and every status path.
 *
 * Longer than 800 lines on purpose: one GTest program per area
 * (tests/meson.build), and the engine's status paths are many small cases
 * on one memory-host fixture.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define ATOMIC(id, body) "<Atomic><CmdID>" id "</CmdID>" body "</Atomic>"

typedef struct {
  Email2MemoryHost *host;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->host = email2_memory_host_new ();
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->host);
}

static char *
run_summary (Fixture    *fixture,
             const char *body)
{
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);

  return email2_test_summarize (statuses);
}

static char *
create_body (const char *account_uri,
             const char *atomic_id,
             const char *first_id,
             const char *type)
{
  g_autofree char *inner = email2_test_create_account (account_uri, first_id, type);

  return g_strdup_printf ("<Atomic><CmdID>%s</CmdID>%s</Atomic>", atomic_id, inner);
}

static void
create_account (Fixture    *fixture,
                const char *account_uri)
{
  g_autofree char *body = create_body (account_uri, "1", "2", "IMAP4");
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);

  for (guint i = 0; i < statuses->len; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 200);
}

static char *
get (Fixture    *fixture,
     const char *uri,
     guint       expected_code)
{
  guint code;
  char *value = email2_test_get (fixture->host, uri, &code);

  g_assert_cmpuint (code, ==, expected_code);
  return value;
}

/* Microsoft's shape: Add of the account node, then Replace per leaf. */
static void
test_create_microsoft_shape (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *body = create_body (TEST_ACCOUNT, "1", "2", "IMAP4");
  g_autofree char *summary = run_summary (fixture, body);
  g_autofree char *name = NULL, *secret = NULL, *root = NULL, *children = NULL;

  g_assert_cmpstr (summary, ==,
                   "Atomic:1:200 Add:2:200 Replace:3:200 Replace:4:200 Replace:5:200 "
                   "Replace:6:200 Replace:7:200 Replace:8:200 Replace:9:200 Replace:10:200 "
                   "Replace:11:200");

  name = get (fixture, TEST_ACCOUNT "/SERVICENAME", 200);
  g_assert_cmpstr (name, ==, "Contoso Mail");
  secret = get (fixture, TEST_ACCOUNT "/AUTHSECRET", 200);
  g_assert_cmpstr (secret, ==, "********");
  root = get (fixture, "./Vendor/MSFT/EMAIL2", 200);
  g_assert_cmpstr (root, ==, "%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D");
  children = get (fixture, TEST_ACCOUNT, 200);
  g_assert_cmpstr (children, ==, "ACCOUNTTYPE/AUTHNAME/AUTHSECRET/INSERVER/OUTSERVER/"
                                 "REPLYADDR/SERVICENAME/SERVICETYPE/SYNCINGCONTENTTYPES");
}

/* Add for every leaf, TAGPROPS created implicitly by its child. */
static void
test_create_with_add (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char *leaves[][2] = {
    { "SERVICENAME", "Fabrikam" }, { "SERVICETYPE", "POP3" }, { "ACCOUNTTYPE", "Email" },
    { "INSERVER", "pop.fabrikam.com:995" }, { "OUTSERVER", "smtp.fabrikam.com:465" },
    { "AUTHNAME", "bob" }, { "REPLYADDR", "bob@fabrikam.com" },
    { "SYNCINGCONTENTTYPES", "0x2" }, { "TAGPROPS/8128000B", "1" },
  };
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>a</CmdID>");
  g_autofree char *summary = NULL, *tagprops = NULL, *ssl = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (leaves); i++)
    {
      g_autofree char *uri = g_strconcat (TEST_ACCOUNT2 "/", leaves[i][0], NULL);
      g_autofree char *id = g_strdup_printf ("c%u", i);
      g_autofree char *cmd = email2_test_item_cmd ("Add", id, uri, "chr", leaves[i][1]);
      g_string_append (body, cmd);
    }
  g_string_append (body, "</Atomic>");

  summary = run_summary (fixture, body->str);
  g_assert_cmpstr (summary, ==, "Atomic:a:200 Add:c0:200 Add:c1:200 Add:c2:200 Add:c3:200 "
                                "Add:c4:200 Add:c5:200 Add:c6:200 Add:c7:200 Add:c8:200");
  tagprops = get (fixture, TEST_ACCOUNT2 "/TAGPROPS", 200);
  g_assert_cmpstr (tagprops, ==, "8128000B");
  ssl = get (fixture, TEST_ACCOUNT2 "/TAGPROPS/8128000B", 200);
  g_assert_cmpstr (ssl, ==, "1");
}

/* Replace alone creates the account: the seed's implicit add. */
static void
test_implicit_add_by_replace (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *inner = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  /* drop the leading Add of the account node */
  const char *replaces = strstr (inner, "<Replace>");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s"), replaces);
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);
  g_autofree char *name = NULL;

  for (guint i = 0; i < statuses->len; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 200);
  name = get (fixture, TEST_ACCOUNT "/AUTHNAME", 200);
  g_assert_cmpstr (name, ==, "alice");
}

static void
test_duplicate_guid (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *body = create_body (TEST_ACCOUNT, "1", "2", "POP3");
  g_autofree char *summary = NULL, *type = NULL;
  g_autofree char *before = NULL, *after = NULL;

  create_account (fixture, TEST_ACCOUNT);
  before = email2_memory_host_to_data (fixture->host);
  summary = run_summary (fixture, body);
  g_assert_cmpstr (summary, ==,
                   "Atomic:1:507 Add:2:418 Replace:3:215 Replace:4:215 Replace:5:215 "
                   "Replace:6:215 Replace:7:215 Replace:8:215 Replace:9:215 Replace:10:215 "
                   "Replace:11:215");
  after = email2_memory_host_to_data (fixture->host);
  g_assert_cmpstr (before, ==, after);
  type = get (fixture, TEST_ACCOUNT "/SERVICETYPE", 200);
  g_assert_cmpstr (type, ==, "IMAP4");
}

/* Two accounts in one Atomic, the second fails: neither exists. */
static void
test_second_account_fails (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *bad = email2_test_item_cmd ("Replace", "40", TEST_ACCOUNT2 "/LINGER", "chr", "7");
  g_autofree char *after = email2_test_item_cmd ("Replace", "41", TEST_ACCOUNT2 "/NAME", "chr", "Bob");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s%s%s%s"), first, second, bad, after);
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);
  g_autofree char *root = NULL;

  g_assert_cmpuint (statuses->len, ==, 1 + 10 + 10 + 2);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
  for (guint i = 1; i <= 20; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 216);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[21])->code, ==, 400);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[22])->code, ==, 215);

  root = get (fixture, "./Vendor/MSFT/EMAIL2", 200);
  g_assert_cmpstr (root, ==, "");
}

/* Two accounts, both complete: both exist, listed in order. */
static void
test_two_accounts (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s%s"), first, second);
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);
  g_autofree char *root = NULL;

  for (guint i = 0; i < statuses->len; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 200);
  root = get (fixture, "./Vendor/MSFT/EMAIL2", 200);
  g_assert_cmpstr (root, ==, "%7B0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40%7D/"
                             "%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D");
}

/* An edit failing half-way leaves every previous value exactly. */
static void
test_edit_fails_halfway (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *before = NULL, *after = NULL, *summary = NULL;
  const char *body =
    ATOMIC ("1",
            "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
            "<Data>New Name</Data></Item></Replace>"
            "<Delete><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI></Target>"
            "</Item></Delete>"
            "<Replace><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/INSERVER</LocURI></Target>"
            "<Data>imap.fabrikam.com:993</Data></Item></Replace>"
            "<Replace><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/OUTSERVER</LocURI></Target>"
            "<Data>smtp fabrikam</Data></Item></Replace>"
            "<Replace><CmdID>6</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/LINGER</LocURI></Target>"
            "<Data>30</Data></Item></Replace>");

  create_account (fixture, TEST_ACCOUNT);
  before = email2_memory_host_to_data (fixture->host);
  summary = run_summary (fixture, body);
  g_assert_cmpstr (summary, ==, "Atomic:1:507 Replace:2:216 Delete:3:216 Replace:4:216 "
                                "Replace:5:400 Replace:6:215");
  after = email2_memory_host_to_data (fixture->host);
  g_assert_cmpstr (before, ==, after);
}

static void
test_edit (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *summary = NULL, *name = NULL, *secret = NULL;
  const char *body =
    ATOMIC ("1",
            "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
            "<Data>New Name</Data></Item></Replace>"
            "<Delete><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI></Target>"
            "</Item></Delete>");

  create_account (fixture, TEST_ACCOUNT);
  summary = run_summary (fixture, body);
  g_assert_cmpstr (summary, ==, "Atomic:1:200 Replace:2:200 Delete:3:200");
  name = get (fixture, TEST_ACCOUNT "/NAME", 200);
  g_assert_cmpstr (name, ==, "New Name");
  secret = get (fixture, TEST_ACCOUNT "/AUTHSECRET", 404);
  g_assert_null (secret);
}

static void
test_required_checked_at_end (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *summary = NULL;
  const char *body =
    ATOMIC ("1",
            "<Add><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target>"
            "<Meta><Format xmlns=\"syncml:metinf\">node</Format></Meta></Item></Add>"
            "<Replace><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SERVICENAME</LocURI></Target>"
            "<Data>Half</Data></Item></Replace>");
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);
  Email2Status *blamed = statuses->pdata[2];

  summary = email2_test_summarize (statuses);
  g_assert_cmpstr (summary, ==, "Atomic:1:507 Add:2:216 Replace:3:500");
  g_assert_nonnull (strstr (blamed->reason, "INSERVER"));
  g_assert_nonnull (strstr (blamed->reason, "REPLYADDR"));
  g_assert_null (strstr (blamed->reason, "SYNCINGCONTENTTYPES"));
  g_assert_null (strstr (blamed->reason, "ACCOUNTTYPE"));
  g_free (get (fixture, TEST_ACCOUNT, 404));
}

static void
test_smtpalt_all_or_none (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *partial = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", create,
    "<Replace><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTAUTHNAME</LocURI></Target>"
    "<Data>bob</Data></Item></Replace>"
    "<Replace><CmdID>21</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTENABLED</LocURI></Target>"
    "<Data>TRUE</Data></Item></Replace></Atomic>", NULL);
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, partial, NULL);
  Email2Status *last = statuses->pdata[statuses->len - 1];
  const char *full =
    ATOMIC ("1",
            "<Replace><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTAUTHNAME</LocURI></Target>"
            "<Data>bob</Data></Item>"
            "<Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTENABLED</LocURI></Target>"
            "<Data>TRUE</Data></Item>"
            "<Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTDOMAIN</LocURI></Target>"
            "<Data></Data></Item>"
            "<Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTPASSWORD</LocURI></Target>"
            "<Data>pw</Data></Item></Replace>");
  g_autofree char *summary = NULL;
  g_autofree char *remove_one = NULL;

  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
  g_assert_cmpuint (last->code, ==, 500);
  g_assert_nonnull (strstr (last->reason, "SMTPALTPASSWORD"));
  g_free (get (fixture, TEST_ACCOUNT, 404));

  create_account (fixture, TEST_ACCOUNT);
  summary = run_summary (fixture, full);
  g_assert_cmpstr (summary, ==, "Atomic:1:200 Replace:20:200 Replace:20:200 Replace:20:200 Replace:20:200");

  /* Deleting one of the four alone is refused too (a Delete outside an Atomic). */
  remove_one = run_summary (fixture,
                            "<Delete><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                            "/SMTPALTDOMAIN</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (remove_one, ==, "Delete:5:500");
  g_free (get (fixture, TEST_ACCOUNT "/SMTPALTDOMAIN", 200));
}

static void
test_create_only (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *replace = NULL, *recreate = NULL, *name = NULL, *body = NULL;
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "3", "POP3");

  create_account (fixture, TEST_ACCOUNT);

  replace = run_summary (fixture, ATOMIC ("1", "<Replace><CmdID>2</CmdID><Item><Target><LocURI>"
                                          TEST_ACCOUNT "/SERVICENAME</LocURI></Target>"
                                          "<Data>Renamed</Data></Item></Replace>"));
  g_assert_cmpstr (replace, ==, "Atomic:1:507 Replace:2:405");

  /* Delete and create anew in one Atomic: allowed, it is a new account. */
  body = g_strconcat ("<Atomic><CmdID>1</CmdID><Delete><CmdID>2</CmdID><Item><Target><LocURI>"
                      TEST_ACCOUNT "</LocURI></Target></Item></Delete>", create, "</Atomic>", NULL);
  recreate = run_summary (fixture, body);
  g_assert_true (g_str_has_prefix (recreate, "Atomic:1:200 Delete:2:200 Add:3:200"));
  name = get (fixture, TEST_ACCOUNT "/SERVICETYPE", 200);
  g_assert_cmpstr (name, ==, "POP3");
}

static void
test_keepmax_imap_only (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "POP3");
  g_autofree char *after_type = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", create, "<Replace><CmdID>50</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/KEEPMAX</LocURI></Target><Data>25</Data></Item></Replace></Atomic>", NULL);
  g_autofree char *before_type = g_strconcat (
    "<Atomic><CmdID>1</CmdID><Replace><CmdID>50</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/KEEPMAX</LocURI></Target><Data>25</Data></Item></Replace>", strstr (create, "<Replace>"),
    "</Atomic>", NULL);
  g_autoptr(GPtrArray) first = email2_test_run (fixture->host, after_type, NULL);
  g_autoptr(GPtrArray) second = email2_test_run (fixture->host, before_type, NULL);

  g_assert_cmpuint (((Email2Status *) first->pdata[0])->code, ==, 507);
  g_assert_cmpuint (((Email2Status *) first->pdata[first->len - 1])->code, ==, 400);
  g_assert_cmpuint (((Email2Status *) second->pdata[0])->code, ==, 507);
  /* KEEPMAX first (creating the account), then SERVICENAME, then the
   * SERVICETYPE Replace: that one is refused */
  g_assert_cmpuint (((Email2Status *) second->pdata[1])->code, ==, 216);
  g_assert_cmpuint (((Email2Status *) second->pdata[3])->code, ==, 400);
  g_assert_cmpstr (((Email2Status *) second->pdata[3])->cmd_ref, ==, "4");
}

static void
test_add_outside_atomic (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *add = email2_test_item_cmd ("Add", "1", TEST_ACCOUNT, "node", NULL);
  g_autofree char *replace = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/NAME", NULL, "x");
  g_autofree char *body = g_strconcat (add, replace, NULL);
  g_autofree char *summary = run_summary (fixture, body);

  g_assert_cmpstr (summary, ==, "Add:1:405 Replace:2:405");
  g_free (get (fixture, TEST_ACCOUNT, 404));
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *summary = NULL, *again = NULL, *required = NULL, *tagprops = NULL;
  g_autofree char *ssl = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/TAGPROPS/812C000B", NULL, "1");
  g_autofree char *add_ssl = g_strdup_printf (ATOMIC ("1", "%s"), ssl);

  create_account (fixture, TEST_ACCOUNT);

  /* a required leaf cannot be deleted on its own */
  required = run_summary (fixture, "<Delete><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                   "/REPLYADDR</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (required, ==, "Delete:1:500");

  /* TAGPROPS goes with its children */
  g_free (run_summary (fixture, add_ssl));
  g_free (get (fixture, TEST_ACCOUNT "/TAGPROPS/812C000B", 200));
  tagprops = run_summary (fixture, "<Delete><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                   "/TAGPROPS</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (tagprops, ==, "Delete:1:200");
  g_free (get (fixture, TEST_ACCOUNT "/TAGPROPS/812C000B", 404));

  summary = run_summary (fixture, "<Delete><CmdID>x-1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                  "</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (summary, ==, "Delete:x-1:200");
  g_free (get (fixture, TEST_ACCOUNT, 404));

  again = run_summary (fixture, "<Delete><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                "</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (again, ==, "Delete:2:404");
}

static void
test_get_paths (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *empty_root = get (fixture, "./User/Vendor/MSFT/EMAIL2", 200);
  g_autofree char *missing_leaf = NULL, *unset_leaf = NULL, *unknown = NULL, *malformed = NULL;
  g_autofree char *hex_braces = NULL;

  g_assert_cmpstr (empty_root, ==, "");
  create_account (fixture, TEST_ACCOUNT);

  missing_leaf = get (fixture, TEST_ACCOUNT2 "/NAME", 404);
  unset_leaf = get (fixture, TEST_ACCOUNT "/NAME", 404);
  unknown = get (fixture, TEST_ACCOUNT "/PASSWORD", 404);
  malformed = get (fixture, TEST_ACCOUNT "/", 400);
  g_free (get (fixture, TEST_ACCOUNT "/TAGPROPS", 404));
  g_free (get (fixture, TEST_ACCOUNT "/SMTPALTPASSWORD", 404));
  g_free (get (fixture, TEST_ACCOUNT "/NAME?prop=Format", 406));
  hex_braces = get (fixture, "./Vendor/MSFT/EMAIL2/0x7BC556E16F-56C4-4edb-9C64-D9469EE1FBE00x7D/AUTHNAME", 200);
  g_assert_cmpstr (hex_braces, ==, "alice");
}

/* One Status per item; multi-item Get gives a Results per item. */
static void
test_multi_item (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) statuses = NULL;
  Email2Status *s;

  create_account (fixture, TEST_ACCOUNT);
  statuses = email2_test_run (fixture->host,
                              "<Get><CmdID>1</CmdID>"
                              "<Item><Target><LocURI>" TEST_ACCOUNT "/AUTHNAME</LocURI></Target></Item>"
                              "<Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target></Item>"
                              "<Item><Target><LocURI>" TEST_ACCOUNT "/INSERVER</LocURI></Target></Item>"
                              "</Get>", NULL);
  g_assert_cmpuint (statuses->len, ==, 3);
  s = statuses->pdata[0];
  g_assert_cmpuint (s->code, ==, 200);
  g_assert_cmpstr (s->result_data, ==, "alice");
  s = statuses->pdata[1];
  g_assert_cmpuint (s->code, ==, 404);
  g_assert_null (s->result_data);
  s = statuses->pdata[2];
  g_assert_cmpstr (s->target_ref, ==, TEST_ACCOUNT "/INSERVER");
  g_assert_cmpstr (s->result_data, ==, "mail.contoso.com");
}

static void
test_nested_atomic_and_get (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *nested = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", create, "<Atomic><CmdID>20</CmdID><Replace><CmdID>21</CmdID><Item><Target><LocURI>"
    TEST_ACCOUNT "/NAME</LocURI></Target><Data>x</Data></Item></Replace></Atomic></Atomic>", NULL);
  g_autofree char *with_get = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", create, "<Get><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/NAME</LocURI></Target></Item></Get></Atomic>", NULL);
  g_autoptr(GPtrArray) first = email2_test_run (fixture->host, nested, NULL);
  g_autoptr(GPtrArray) second = NULL;

  g_assert_cmpuint (((Email2Status *) first->pdata[0])->code, ==, 507);
  g_assert_cmpstr (((Email2Status *) first->pdata[11])->cmd, ==, "Atomic");
  g_assert_cmpuint (((Email2Status *) first->pdata[11])->code, ==, 500);
  g_assert_cmpuint (((Email2Status *) first->pdata[12])->code, ==, 215);
  g_assert_cmpuint (((Email2Status *) first->pdata[5])->code, ==, 216);

  second = email2_test_run (fixture->host, with_get, NULL);
  g_assert_cmpuint (((Email2Status *) second->pdata[0])->code, ==, 507);
  g_assert_cmpstr (((Email2Status *) second->pdata[11])->cmd, ==, "Get");
  g_assert_cmpuint (((Email2Status *) second->pdata[11])->code, ==, 500);
  g_free (get (fixture, TEST_ACCOUNT, 404));
}

static void
test_sequence (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *create = create_body (TEST_ACCOUNT, "2", "3", "IMAP4");
  g_autofree char *body = g_strconcat (
    "<Sequence><CmdID>1</CmdID>", create,
    "<Get><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHNAME</LocURI></Target></Item></Get>"
    "<Replace><CmdID>21</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
    "<Data>x</Data></Item></Replace></Sequence>", NULL);
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, NULL);
  g_autofree char *summary = email2_test_summarize (statuses);

  g_assert_true (g_str_has_prefix (summary, "Sequence:1:200 Atomic:2:200 Add:3:200"));
  g_assert_true (g_str_has_suffix (summary, "Get:20:200 Replace:21:405"));
  g_assert_cmpstr (((Email2Status *) statuses->pdata[statuses->len - 2])->result_data, ==, "alice");

  /* A Sequence inside an Atomic is part of it. */
  {
    g_autofree char *inner = g_strdup (
      ATOMIC ("1", "<Sequence><CmdID>2</CmdID><Replace><CmdID>3</CmdID><Item><Target><LocURI>"
              TEST_ACCOUNT "/NAME</LocURI></Target><Data>y</Data></Item></Replace></Sequence>"
              "<Replace><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
              "/LINGER</LocURI></Target><Data>3</Data></Item></Replace>"));
    g_autofree char *s = run_summary (fixture, inner);
    g_autofree char *name = get (fixture, TEST_ACCOUNT "/NAME", 404);

    g_assert_cmpstr (s, ==, "Atomic:1:507 Sequence:2:216 Replace:3:216 Replace:4:400");
    g_assert_null (name);
  }
}

static void
test_no_resp_and_opaque_cmdid (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *response = NULL;
  const char *body =
    "<Get><CmdID>3f1e0a52-9c1b-4d8e-b7a2-1f0c9e6d4b33</CmdID><NoResp/>"
    "<Item><Target><LocURI>./Vendor/MSFT/EMAIL2</LocURI></Target></Item></Get>"
    "<Get><CmdID>3f1e0a52-9c1b-4d8e-b7a2-1f0c9e6d4b34</CmdID>"
    "<Item><Target><LocURI>./Vendor/MSFT/EMAIL2</LocURI></Target></Item></Get>";
  g_autoptr(GPtrArray) statuses = email2_test_run (fixture->host, body, &response);

  g_assert_cmpuint (statuses->len, ==, 2);
  g_assert_true (((Email2Status *) statuses->pdata[0])->no_resp);
  g_assert_null (strstr (response, "4b33"));
  g_assert_nonnull (strstr (response, "<CmdRef>3f1e0a52-9c1b-4d8e-b7a2-1f0c9e6d4b34</CmdRef>"));
}

static void
test_host_failure (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *body = g_strdup_printf (ATOMIC ("1", "%s%s"), first, second);
  g_autoptr(GPtrArray) statuses = NULL;
  g_autoptr(GPtrArray) again = NULL;

  /* The host cannot store the second account: 500 on its last command. */
  email2_memory_host_fail_apply (fixture->host, TEST_GUID2);
  statuses = email2_test_run (fixture->host, body, NULL);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
  for (guint i = 1; i < statuses->len - 1; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 216);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[statuses->len - 1])->code, ==, 500);
  g_free (get (fixture, TEST_ACCOUNT, 404));

  /* … and the undo fails as well: 516. */
  email2_memory_host_fail_rollback (fixture->host, TRUE);
  again = email2_test_run (fixture->host, body, NULL);
  g_assert_cmpuint (((Email2Status *) again->pdata[0])->code, ==, 507);
  for (guint i = 1; i < again->len - 1; i++)
    g_assert_cmpuint (((Email2Status *) again->pdata[i])->code, ==, 516);
  g_assert_cmpuint (((Email2Status *) again->pdata[again->len - 1])->code, ==, 500);
}

/* One Replace of @node to @value in an Atomic; every status 200. */
static void
replace_ok (Fixture    *fixture,
            const char *nodes_values)
{
  g_auto(GStrv) pairs = g_strsplit (nodes_values, " ", -1);
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autoptr(GPtrArray) statuses = NULL;

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (pairs[i], "=", 2);
      g_autofree char *uri = g_strdup_printf ("%s/%s", TEST_ACCOUNT, pair[0]);
      g_autofree char *id = g_strdup_printf ("%u", i + 2);
      g_autofree char *command = email2_test_item_cmd ("Replace", id, uri, "chr", pair[1]);

      g_string_append (body, command);
    }
  g_string_append (body, "</Atomic>");
  statuses = email2_test_run (fixture->host, body->str, NULL);
  for (guint i = 0; i < statuses->len; i++)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[i])->code, ==, 200);
}

/* "in", "out", "in out" or "": the servers whose password was carried. */
static char *
carried (Fixture *fixture)
{
  g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (fixture->host),
                                                                 TEST_GUID);

  g_assert_nonnull (account);
  return g_strjoin (" ",
                    email2_account_password_carried (account, EMAIL2_NODE_INSERVER) ? "in" : "",
                    email2_account_password_carried (account, EMAIL2_NODE_OUTSERVER) ? "out" : "",
                    NULL);
}

#define ASSERT_CARRIED(fixture, expected) \
  G_STMT_START { \
    g_autofree char *got = carried (fixture); \
    g_assert_cmpstr (g_strstrip (got), ==, expected); \
  } G_STMT_END

/* DESIGN §5.3: a password kept while its server moved is marked, the mark
 * is part of the account (kept by later edits, undone by a rollback, saved
 * with the state) and only a new password clears it. */
static void
test_host_move (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *before_failure = NULL, *after_failure = NULL, *saved = NULL;
  g_autofree char *failed = NULL;
  g_autoptr(Email2MemoryHost) reloaded = email2_memory_host_new ();
  g_autoptr(GError) error = NULL;

  create_account (fixture, TEST_ACCOUNT);
  ASSERT_CARRIED (fixture, "");

  /* Another port, or the same name in other case: the same host. */
  replace_ok (fixture, "INSERVER=MAIL.contoso.com:143");
  ASSERT_CARRIED (fixture, "");

  /* Moved without the password: carried; other edits keep the mark. */
  replace_ok (fixture, "INSERVER=imap.fabrikam.com");
  ASSERT_CARRIED (fixture, "in");
  replace_ok (fixture, "NAME=Alice");
  ASSERT_CARRIED (fixture, "in");

  /* Saved and loaded with the account. */
  saved = email2_memory_host_to_data (fixture->host);
  g_assert_nonnull (strstr (saved, "PasswordCarriedTo=INSERVER;"));
  g_assert_true (email2_memory_host_load_data (reloaded, saved, -1, &error));
  g_assert_no_error (error);
  {
    g_autoptr(Email2Account) account = email2_host_lookup_account (EMAIL2_HOST (reloaded), TEST_GUID);

    g_assert_true (email2_account_password_carried (account, EMAIL2_NODE_INSERVER));
  }

  /* A failed Atomic that moves the other server changes no mark. */
  before_failure = email2_memory_host_to_data (fixture->host);
  failed = run_summary (fixture,
                        ATOMIC ("1", "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                "/OUTSERVER</LocURI></Target><Data>smtp.fabrikam.com</Data></Item>"
                                "</Replace><Replace><CmdID>3</CmdID><Item><Target><LocURI>"
                                TEST_ACCOUNT "/AUTHREQUIRED</LocURI></Target><Data>1</Data></Item>"
                                "</Replace><Replace><CmdID>4</CmdID><Item><Target><LocURI>"
                                TEST_ACCOUNT "/LINGER</LocURI></Target><Data>x</Data></Item>"
                                "</Replace>"));
  g_assert_cmpstr (failed, ==, "Atomic:1:507 Replace:2:216 Replace:3:216 Replace:4:400");
  after_failure = email2_memory_host_to_data (fixture->host);
  g_assert_cmpstr (before_failure, ==, after_failure);

  /* Moved again with the password in the same Atomic: a new password. */
  replace_ok (fixture, "INSERVER=imap.example.org AUTHSECRET=new");
  ASSERT_CARRIED (fixture, "");

  /* SMTP starts to authenticate with the kept AUTHSECRET: a password its
   * server was not sent before. */
  replace_ok (fixture, "AUTHREQUIRED=1");
  ASSERT_CARRIED (fixture, "out");

  /* The alternate credentials, password included: a new one for SMTP. */
  replace_ok (fixture, "SMTPALTENABLED=1 SMTPALTAUTHNAME=bob SMTPALTDOMAIN= SMTPALTPASSWORD=alt");
  ASSERT_CARRIED (fixture, "");

  /* SMTP moves without SMTPALTPASSWORD, though AUTHSECRET comes: only
   * the password SMTP is sent counts. */
  replace_ok (fixture, "OUTSERVER=smtp.example.org:465 AUTHSECRET=again");
  ASSERT_CARRIED (fixture, "out");

  /* No password at all for a server: nothing carried. */
  replace_ok (fixture, "AUTHREQUIRED=0");
  ASSERT_CARRIED (fixture, "");
}

static void
test_bad_commands (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *summary = run_summary (
    fixture,
    "<Add><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target></Item></Add>"
    "<Get><CmdID>2</CmdID></Get>"
    "<Get><CmdID>3</CmdID><Item><Data>x</Data></Item></Get>"
    "<Exec><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target></Item></Exec>"
    "<Copy><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target></Item></Copy>"
    "<Frobnicate><CmdID>6</CmdID></Frobnicate>"
    ATOMIC ("7", "<Replace><CmdID>8</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
            "<Data>a<b>markup</b></Data></Item></Replace>"));

  g_assert_cmpstr (summary, ==, "Add::400 Get:2:400 Get:3:400 Exec:4:406 Copy:5:406 "
                                "Frobnicate:6:400 Atomic:7:507 Replace:8:415");
}

#define ITEM(uri, data) \
  "<Item><Target><LocURI>" uri "</LocURI></Target><Data>" data "</Data></Item>"

/* One Status per Item, whatever happens to the command. */
static void
test_status_per_item (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *failed = NULL, *outside = NULL, *no_cmd_id = NULL, *skipped = NULL;

  create_account (fixture, TEST_ACCOUNT);

  /* The second item fails: the first is rolled back, the third never ran. */
  failed = run_summary (fixture,
    ATOMIC ("1", "<Replace><CmdID>2</CmdID>"
                 ITEM (TEST_ACCOUNT "/NAME", "A") ITEM (TEST_ACCOUNT "/LINGER", "7")
                 ITEM (TEST_ACCOUNT "/DOMAIN", "B") "</Replace>"));
  g_assert_cmpstr (failed, ==, "Atomic:1:507 Replace:2:216 Replace:2:400 Replace:2:215");

  outside = run_summary (fixture, "<Replace><CmdID>3</CmdID>"
                                  ITEM (TEST_ACCOUNT "/NAME", "A") ITEM (TEST_ACCOUNT "/DOMAIN", "B")
                                  "</Replace>");
  g_assert_cmpstr (outside, ==, "Replace:3:405 Replace:3:405");

  no_cmd_id = run_summary (fixture, ATOMIC ("4", "<Replace>"
                                    ITEM (TEST_ACCOUNT "/NAME", "A") ITEM (TEST_ACCOUNT "/DOMAIN", "B")
                                    "</Replace>"));
  g_assert_cmpstr (no_cmd_id, ==, "Atomic:4:507 Replace::400 Replace::400");

  /* A command after the failure: each of its items is not executed. */
  skipped = run_summary (fixture,
    ATOMIC ("5", "<Replace><CmdID>6</CmdID>" ITEM (TEST_ACCOUNT "/LINGER", "7") "</Replace>"
                 "<Replace><CmdID>7</CmdID>"
                 ITEM (TEST_ACCOUNT "/NAME", "A") ITEM (TEST_ACCOUNT "/DOMAIN", "B") "</Replace>"));
  g_assert_cmpstr (skipped, ==, "Atomic:5:507 Replace:6:400 Replace:7:215 Replace:7:215");
}

/* SMTPALTENABLED FALSE alone means "no alternative account"; TRUE needs
 * the three credentials, which go together. */
static void
test_smtpalt_enabled_alone (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *off = NULL, *on = NULL, *value = NULL;
  g_autoptr(GPtrArray) statuses = NULL;
  Email2Status *last;

  create_account (fixture, TEST_ACCOUNT);
  off = run_summary (fixture, ATOMIC ("1", "<Replace><CmdID>2</CmdID>"
                                           "<Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTENABLED</LocURI></Target>"
                                           "<Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta>"
                                           "<Data>0</Data></Item></Replace>"));
  g_assert_cmpstr (off, ==, "Atomic:1:200 Replace:2:200");
  value = get (fixture, TEST_ACCOUNT "/SMTPALTENABLED", 200);
  g_assert_cmpstr (value, ==, "0");

  statuses = email2_test_run (fixture->host,
                              ATOMIC ("3", "<Replace><CmdID>4</CmdID>"
                                           ITEM (TEST_ACCOUNT "/SMTPALTENABLED", "true") "</Replace>"),
                              NULL);
  on = email2_test_summarize (statuses);
  g_assert_cmpstr (on, ==, "Atomic:3:507 Replace:4:500");
  last = statuses->pdata[1];
  g_assert_nonnull (strstr (last->reason, "SMTPALTENABLED TRUE but no alternative SMTP credentials"));
}

/* ACCOUNTTYPE and SYNCINGCONTENTTYPES take their defaults when a
 * transaction leaves them unset, and Get answers them. */
static void
test_defaults (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *summary = NULL, *type = NULL, *content = NULL, *children = NULL;

  create_account (fixture, TEST_ACCOUNT);
  summary = run_summary (fixture, "<Delete><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                                  "/ACCOUNTTYPE</LocURI></Target></Item></Delete>");
  g_assert_cmpstr (summary, ==, "Delete:1:200");
  type = get (fixture, TEST_ACCOUNT "/ACCOUNTTYPE", 200);
  g_assert_cmpstr (type, ==, "Email");
  content = get (fixture, TEST_ACCOUNT "/SYNCINGCONTENTTYPES", 200);
  g_assert_cmpstr (content, ==, "2");
  children = get (fixture, TEST_ACCOUNT, 200);
  g_assert_nonnull (strstr (children, "ACCOUNTTYPE"));
}

/* Replace of the account node (ManageEngine) and of TAGPROPS with Format
 * node or no Meta: added when missing, 200 when present; Add of an
 * existing account stays 418. */
static void
test_replace_interior (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT2, "3", "POP3");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>"
                                       "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2
                                       "</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">node</Format>"
                                       "</Meta><Data></Data></Item></Replace>",
                                       strstr (create, "<Replace>"), "</Atomic>", NULL);
  g_autofree char *created = NULL, *again = NULL, *tagprops = NULL, *add = NULL, *ssl = NULL;
  g_auto(GStrv) parts = NULL;

  created = run_summary (fixture, body);
  g_assert_true (g_str_has_prefix (created, "Atomic:1:200 Replace:2:200 Replace:4:200"));
  parts = g_strsplit (created, " ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    g_assert_true (g_str_has_suffix (parts[i], ":200"));
  again = run_summary (fixture, ATOMIC ("5", "<Replace><CmdID>6</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2
                                             "</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">node</Format>"
                                             "</Meta></Item></Replace>"));
  g_assert_cmpstr (again, ==, "Atomic:5:200 Replace:6:200");
  tagprops = run_summary (fixture, ATOMIC ("7", "<Replace><CmdID>8</CmdID>"
                                                ITEM (TEST_ACCOUNT2 "/TAGPROPS", "node")
                                                ITEM (TEST_ACCOUNT2 "/TAGPROPS/8128000B", "1") "</Replace>"));
  g_assert_cmpstr (tagprops, ==, "Atomic:7:200 Replace:8:200 Replace:8:200");
  ssl = get (fixture, TEST_ACCOUNT2 "/TAGPROPS/8128000B", 200);
  g_assert_cmpstr (ssl, ==, "1");
  add = run_summary (fixture, ATOMIC ("9", "<Add><CmdID>10</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2
                                           "</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">node</Format>"
                                           "</Meta></Item></Add>"));
  g_assert_cmpstr (add, ==, "Atomic:9:507 Add:10:418");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/session/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("create/microsoft-shape", test_create_microsoft_shape);
  ADD ("create/add-leaves", test_create_with_add);
  ADD ("create/implicit-by-replace", test_implicit_add_by_replace);
  ADD ("create/two-accounts", test_two_accounts);
  ADD ("create/duplicate-guid", test_duplicate_guid);
  ADD ("create/second-account-fails", test_second_account_fails);
  ADD ("create/required-checked-at-end", test_required_checked_at_end);
  ADD ("edit/ok", test_edit);
  ADD ("edit/fails-halfway", test_edit_fails_halfway);
  ADD ("rule/smtpalt-all-or-none", test_smtpalt_all_or_none);
  ADD ("rule/create-only", test_create_only);
  ADD ("rule/keepmax-imap-only", test_keepmax_imap_only);
  ADD ("rule/add-outside-atomic", test_add_outside_atomic);
  ADD ("delete", test_delete);
  ADD ("get", test_get_paths);
  ADD ("multi-item", test_multi_item);
  ADD ("atomic/nested-and-get", test_nested_atomic_and_get);
  ADD ("sequence", test_sequence);
  ADD ("no-resp-opaque-cmdid", test_no_resp_and_opaque_cmdid);
  ADD ("host-failure", test_host_failure);
  ADD ("bad-commands", test_bad_commands);
  ADD ("status-per-item", test_status_per_item);
  ADD ("rule/smtpalt-enabled-alone", test_smtpalt_enabled_alone);
  ADD ("rule/defaults", test_defaults);
  ADD ("create/replace-interior", test_replace_interior);
  ADD ("rule/host-move", test_host_move);

  return g_test_run ();
}
