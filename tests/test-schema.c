/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The node schema, table-driven: for every node of the seed, values that
 * must pass and values that must fail, checked both on the schema and
 * through the engine (an Atomic creating an account with the value, then a
 * Get); and every operation that must be refused on it.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define MAX_VALUES 10

typedef struct {
  const char *path;                   /* below the account */
  const char *good[MAX_VALUES];       /* must pass */
  const char *canonical[MAX_VALUES];  /* what Get answers, when it differs */
  const char *bad[MAX_VALUES];        /* must fail with 400 */
} ValueCase;

/* Filled in main() with strings of the boundary lengths. */
static char *s255, *s256, *s1024, *s1025, *s32, *s33, *host62, *host63, *u255;

static ValueCase value_cases[] = {
  { "ACCOUNTICON", { "res://AccountSettingsSharedRes{ScreenResolution}!%s.genericmail.png",
                     "/usr/share/icons/hicolor/48x48/apps/mail.png", NULL /* s1024 */ },
    { NULL }, { "", "a\001b", NULL /* s1025 */ } },
  { "ACCOUNTTYPE", { "Email", "email", "EMAIL" }, { "Email", "Email", "Email" },
    { "", "Exchange", "Mail" } },
  { "AUTHNAME", { "alice", "CONTOSO\\alice", "alice@contoso.com", NULL /* s255 */ },
    { NULL }, { "", "tab\there", NULL /* s256 */ } },
  { "AUTHREQUIRED", { "0", "1" }, { NULL }, { "", "2", "yes", "true", " 1" } },
  { "AUTHSECRET", { "p@ss w0rd", "\xc3\xa9t\xc3\xa9&<>", NULL /* s255 */ },
    { "********", "********", "********" }, { "", "line\nbreak", NULL /* s256 */ } },
  { "DOMAIN", { "", "CONTOSO", NULL /* s255 */ }, { NULL }, { "a\rb", NULL /* s256 */ } },
  { "DWNDAY", { "-1", "7", "14", "30", "90" }, { NULL }, { "", "0", "60", "all", "-2" } },
  { "INSERVER", { "imap.contoso.com", "imap.contoso.com:993", "[::1]:143", "192.0.2.1:993",
                  "Imapserver", NULL /* host62 */ },
    { NULL }, { "", "imap.contoso.com:0", ":993", "imap.contoso.com:70000", "imap server",
                "imap.contoso.com:99a", "-imap.contoso.com", NULL /* host63 */ } },
  { "LINGER", { "0", "15", "30", "60", "120" }, { NULL }, { "", "5", "-1", "15 " } },
  { "KEEPMAX", { "0", "25", "50", "125", "250", "-1" }, { NULL }, { "", "100", "1", "unlimited" } },
  { "NAME", { "", "Alice Example", NULL /* u255 */ }, { NULL }, { "bell\a", NULL /* s256 */ } },
  { "OUTSERVER", { "smtp.contoso.com", "smtp.contoso.com:587", "[2001:db8::1]:465", NULL /* host62 */ },
    { NULL }, { "", "smtp.contoso.com:", "[2001:db8::1", "smtp..contoso.com", NULL /* host63 */ } },
  { "REPLYADDR", { "alice@contoso.com", "a.b+c@mail.contoso.com" }, { NULL },
    { "", "alice", "@contoso.com", "alice@", "a b@contoso.com", "alice@contoso com" } },
  { "SERVICENAME", { "Contoso", NULL /* s32 */ }, { NULL }, { "", NULL /* s33 */ } },
  { "SERVICETYPE", { "IMAP4", "POP3", "imap4", "pop3" }, { "IMAP4", "POP3", "IMAP4", "POP3" },
    { "", "IMAP", "EAS", "Exchange" } },
  { "RETRIEVE", { "512", "1024", "2048", "5120", "20480", "51200" }, { NULL },
    { "", "0", "4096", "-1" } },
  { "SERVERDELETEACTION", { "1", "2", "0", "3", "-1" }, { NULL },
    { "", "delete", "99999999999", "1.5" } },
  { "CELLULARONLY", { "0", "1" }, { NULL }, { "", "2", "TRUE" } },
  { "SYNCINGCONTENTTYPES", { "0", "2", "0x2", "0xffffffff", "4294967295", "0x1FFF" }, { NULL },
    { "", "-1", "4294967296", "0x100000000", "mail", "0x" } },
  { "CONTACTSSERVER", { "contacts.contoso.com", "contacts.contoso.com:8443",
                        "https://dav.contoso.com/contacts/", "http://dav.contoso.com" },
    { NULL }, { "", "ftp://dav.contoso.com/", "https://alice:pw@dav.contoso.com/", "https://", "not a host" } },
  { "CALENDARSERVER", { "calendar.contoso.com", "https://dav.contoso.com/calendars/alice/" },
    { NULL }, { "", "file:///etc/passwd", "https://alice@dav.contoso.com/" } },
  { "CONTACTSSERVERREQUIRESSL", { "0", "1" }, { NULL }, { "", "true", "2" } },
  { "CALENDARSERVERREQUIRESSL", { "0", "1" }, { NULL }, { "", "yes", "-1" } },
  { "CONTACTSSYNCSCHEDULE", { "-1", "0", "3", "6", "15", "1440" }, { NULL }, { "", "45", "7", "-2", "0x1" } },
  { "CALENDARSYNCSCHEDULE", { "0", "1", "5", "60", "120", "240" }, { NULL }, { "", "10", "daily", "+1" } },
  { "SMTPALTAUTHNAME", { "bob", NULL /* s255 */ }, { NULL }, { "", NULL /* s256 */ } },
  { "SMTPALTDOMAIN", { "", "CONTOSO" }, { NULL }, { "x\x7fy", NULL /* s256 */ } },
  { "SMTPALTENABLED", { "TRUE", "FALSE", "true", "False", "1", "0" },
    { "TRUE", "FALSE", "TRUE", "FALSE", "1", "0" }, { "", "yes", "2", "enabled" } },
  { "SMTPALTPASSWORD", { "hunter2", NULL /* s255 */ }, { "********", "********" },
    { "", NULL /* s256 */ } },
  { "TAGPROPS/8128000B", { "0", "1" }, { NULL }, { "", "2", "true" } },
  { "TAGPROPS/812C000B", { "0", "1" }, { NULL }, { "", "on", "11" } },
};

static void
fill_boundaries (void)
{
  g_autoptr(GString) unicode = g_string_new (NULL);
  struct { const char *path; int which; char **value; } slots[] = {
    { "ACCOUNTICON", 0, &s1024 }, { "ACCOUNTICON", 1, &s1025 },
    { "AUTHNAME", 0, &s255 }, { "AUTHNAME", 1, &s256 },
    { "AUTHSECRET", 0, &s255 }, { "AUTHSECRET", 1, &s256 },
    { "DOMAIN", 0, &s255 }, { "DOMAIN", 1, &s256 },
    { "INSERVER", 0, &host62 }, { "INSERVER", 1, &host63 },
    { "NAME", 0, &u255 }, { "NAME", 1, &s256 },
    { "OUTSERVER", 0, &host62 }, { "OUTSERVER", 1, &host63 },
    { "SERVICENAME", 0, &s32 }, { "SERVICENAME", 1, &s33 },
    { "SMTPALTAUTHNAME", 0, &s255 }, { "SMTPALTAUTHNAME", 1, &s256 },
    { "SMTPALTDOMAIN", 1, &s256 },
    { "SMTPALTPASSWORD", 0, &s255 }, { "SMTPALTPASSWORD", 1, &s256 },
  };

  s255 = g_strnfill (255, 'a');
  s256 = g_strnfill (256, 'a');
  s1024 = g_strnfill (1024, 'i');
  s1025 = g_strnfill (1025, 'i');
  s32 = g_strnfill (32, 's');
  s33 = g_strnfill (33, 's');
  /* 62 characters: 55 + ".ab.com" */
  host62 = g_strnfill (62, 'o');
  memcpy (host62 + 55, ".ab.com", 7);
  host63 = g_strnfill (63, 'o');
  memcpy (host63 + 56, ".ab.com", 7);
  for (guint i = 0; i < 255; i++)
    g_string_append (unicode, "\xc3\xa9");  /* é: 255 characters, 510 bytes */
  u255 = g_string_free (g_steal_pointer (&unicode), FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (slots); i++)
    for (guint c = 0; c < G_N_ELEMENTS (value_cases); c++)
      if (strcmp (value_cases[c].path, slots[i].path) == 0)
        {
          const char **list = slots[i].which == 0 ? value_cases[c].good : value_cases[c].bad;
          guint n = 0;

          while (list[n] != NULL)
            n++;
          g_assert_cmpuint (n, <, MAX_VALUES - 1);
          list[n] = *slots[i].value;
        }
}

static const Email2NodeInfo *
node_of (const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, "/", 2);
  const Email2NodeInfo *node = email2_schema_lookup_child (EMAIL2_NODE_ACCOUNT, parts[0]);

  if (node != NULL && parts[1] != NULL)
    node = email2_schema_lookup_child (node->id, parts[1]);
  g_assert_nonnull (node);

  return node;
}

static char *
escape (const char *value)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (const char *p = value; *p; p++)
    {
      if (*p == '&')
        g_string_append (out, "&amp;");
      else if (*p == '<')
        g_string_append (out, "&lt;");
      else if (*p == '>')
        g_string_append (out, "&gt;");
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "&#%d;", *p);
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An Atomic creating an account (POP3 when SERVICETYPE is tested as IMAP4
 * would clash with nothing; KEEPMAX needs IMAP4) and setting @path. */
static char *
creation_with (const char *path,
               const char *value)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *uri = g_strconcat (TEST_ACCOUNT "/", path, NULL);
  g_autofree char *escaped = escape (value);
  g_autofree char *replace = email2_test_item_cmd ("Replace", "100", uri, NULL, escaped);
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>\n");

  g_string_append (body, create);
  if (g_str_has_prefix (path, "SMTPALT"))
    {
      /* all or none: give the other three first */
      static const char * const others[][2] = {
        { "SMTPALTAUTHNAME", "bob" }, { "SMTPALTDOMAIN", "CONTOSO" },
        { "SMTPALTENABLED", "TRUE" }, { "SMTPALTPASSWORD", "pw" },
      };

      for (guint i = 0; i < G_N_ELEMENTS (others); i++)
        if (strcmp (others[i][0], path) != 0)
          {
            g_autofree char *other_uri = g_strconcat (TEST_ACCOUNT "/", others[i][0], NULL);
            g_autofree char *cmd = email2_test_item_cmd ("Replace", "50", other_uri, "chr", others[i][1]);
            g_string_append (body, cmd);
          }
    }
  g_string_append (body, replace);
  g_string_append (body, "</Atomic>");

  return g_string_free (g_steal_pointer (&body), FALSE);
}

static void
test_good_values (gconstpointer data)
{
  const ValueCase *c = data;
  const Email2NodeInfo *node = node_of (c->path);
  g_autofree char *uri = g_strconcat (TEST_ACCOUNT "/", c->path, NULL);

  for (guint i = 0; c->good[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *canonical = NULL;
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autofree char *body = creation_with (c->path, c->good[i]);
      g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);
      g_autofree char *got = NULL;
      const char *expected = c->canonical[i] != NULL ? c->canonical[i] : c->good[i];
      guint code;

      g_test_message ("%s = “%s”", c->path, c->good[i]);
      g_assert_true (email2_node_check_value (node, c->good[i], &canonical, &error));
      g_assert_no_error (error);

      for (guint k = 0; k < statuses->len; k++)
        g_assert_cmpuint (((Email2Status *) statuses->pdata[k])->code, ==, 200);

      got = email2_test_get (host, uri, &code);
      g_assert_cmpuint (code, ==, 200);
      g_assert_cmpstr (got, ==, expected);
      if (!(node->flags & EMAIL2_NODE_FLAG_SECRET))
        g_assert_cmpstr (canonical, ==, expected);
    }
}

static gboolean
xml_can_carry (const char *value)
{
  for (const guchar *p = (const guchar *) value; *p; p++)
    if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      return FALSE;

  return TRUE;
}

static void
test_bad_values (gconstpointer data)
{
  const ValueCase *c = data;
  const Email2NodeInfo *node = node_of (c->path);

  g_assert_nonnull (c->bad[0]);

  for (guint i = 0; c->bad[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autofree char *body = NULL;
      g_autoptr(GPtrArray) statuses = NULL;
      Email2Status *last;
      guint code;

      g_test_message ("%s = “%s”", c->path, c->bad[i]);
      g_assert_false (email2_node_check_value (node, c->bad[i], NULL, &error));
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE);

      /* XML 1.0 cannot carry most control characters at all. */
      if (!xml_can_carry (c->bad[i]))
        continue;

      body = creation_with (c->path, c->bad[i]);
      statuses = email2_test_run (host, body, NULL);
      last = statuses->pdata[statuses->len - 1];

      g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
      g_assert_cmpstr (last->cmd_ref, ==, "100");
      g_assert_cmpuint (last->code, ==, 400);
      g_assert_nonnull (last->reason);
      for (guint k = 1; k < statuses->len - 1; k++)
        g_assert_cmpuint (((Email2Status *) statuses->pdata[k])->code, ==, 216);

      g_free (email2_test_get (host, TEST_ACCOUNT, &code));
      g_assert_cmpuint (code, ==, 404);
    }
}

typedef struct {
  const char *uri;
  const char *cmd;
  const char *format;
  guint code;
} OpCase;

/* Operations the seed does not allow, and Meta Formats that do not fit. */
static const OpCase op_cases[] = {
  { "./Vendor/MSFT/EMAIL2", "Add", "node", 405 },
  { "./Vendor/MSFT/EMAIL2", "Replace", "node", 405 },
  { "./Vendor/MSFT/EMAIL2", "Delete", NULL, 405 },
  { TEST_ACCOUNT, "Replace", "node", 400 },                 /* Data "1" on an interior node */
  { TEST_ACCOUNT "/TAGPROPS", "Replace", "node", 400 },
  { TEST_ACCOUNT "/INSERVER", "Delete", NULL, 405 },
  { TEST_ACCOUNT "/TAGPROPS/812C000B", "Add", "chr", 405 },
  { TEST_ACCOUNT "/TAGPROPS/812C000B", "Delete", NULL, 405 },
  { TEST_ACCOUNT "/SERVICENAME", "Replace", "chr", 405 },   /* existing account */
  { TEST_ACCOUNT "/SERVICETYPE", "Replace", "chr", 405 },   /* existing account */
  { TEST_ACCOUNT "/NAME", "Replace", "node", 415 },
  { TEST_ACCOUNT "/NAME", "Replace", "int", 415 },
  { TEST_ACCOUNT "/NAME", "Replace", "b64", 415 },
  { TEST_ACCOUNT "/NAME", "Replace", "bool", 415 },
  { TEST_ACCOUNT "/LINGER", "Replace", "bool", 415 },
  { TEST_ACCOUNT "/AUTHREQUIRED", "Replace", "b64", 415 },
  { TEST_ACCOUNT "/TAGPROPS", "Replace", NULL, 415 },        /* Data "1", no Format: chr */
  { TEST_ACCOUNT "/LINGER", "Replace", "bin", 415 },
  { TEST_ACCOUNT "/TAGPROPS", "Replace", "chr", 415 },
  { TEST_ACCOUNT2, "Add", "chr", 415 },
  { TEST_ACCOUNT2, "Add", NULL, 415 },
};

static void
test_refused_op (gconstpointer data)
{
  const OpCase *c = data;
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *setup = g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", create);
  g_autoptr(GPtrArray) created = email2_test_run (host, setup, NULL);
  g_autofree char *before = email2_memory_host_to_data (host);
  g_autofree char *command = email2_test_item_cmd (c->cmd, "9", c->uri, c->format,
                                                   strcmp (c->cmd, "Delete") ? "1" : NULL);
  g_autofree char *body = strcmp (c->cmd, "Delete") == 0
    ? g_strdup (command) : g_strdup_printf ("<Atomic><CmdID>8</CmdID>%s</Atomic>", command);
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);
  g_autofree char *after = email2_memory_host_to_data (host);
  Email2Status *status = statuses->pdata[statuses->len - 1];

  g_assert_cmpuint (((Email2Status *) created->pdata[0])->code, ==, 200);
  g_assert_cmpstr (status->cmd, ==, c->cmd);
  g_assert_cmpuint (status->code, ==, c->code);
  if (statuses->len == 2)
    g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
  g_assert_cmpstr (before, ==, after);
}

/* The table covers the whole seed, and the seed's operations. */
static void
test_table_complete (void)
{
  static const struct { const char *path; Email2Op ops; gboolean required; } seed[] = {
    { "ACCOUNTICON", 15, FALSE }, { "ACCOUNTTYPE", 15, TRUE }, { "AUTHNAME", 15, TRUE },
    { "AUTHREQUIRED", 15, FALSE }, { "AUTHSECRET", 15, FALSE }, { "DOMAIN", 15, FALSE },
    { "DWNDAY", 15, FALSE }, { "INSERVER", 7, TRUE }, { "LINGER", 15, FALSE },
    { "KEEPMAX", 15, FALSE }, { "NAME", 15, FALSE }, { "OUTSERVER", 15, TRUE },
    { "REPLYADDR", 15, TRUE }, { "SERVICENAME", 15, TRUE }, { "SERVICETYPE", 15, TRUE },
    { "RETRIEVE", 15, FALSE }, { "SERVERDELETEACTION", 15, FALSE }, { "CELLULARONLY", 15, FALSE },
    { "SYNCINGCONTENTTYPES", 15, TRUE }, { "CONTACTSSERVER", 15, FALSE },
    { "CALENDARSERVER", 15, FALSE }, { "CONTACTSSERVERREQUIRESSL", 15, FALSE },
    { "CALENDARSERVERREQUIRESSL", 15, FALSE }, { "CONTACTSSYNCSCHEDULE", 15, FALSE },
    { "CALENDARSYNCSCHEDULE", 15, FALSE }, { "SMTPALTAUTHNAME", 15, FALSE },
    { "SMTPALTDOMAIN", 15, FALSE }, { "SMTPALTENABLED", 15, FALSE },
    { "SMTPALTPASSWORD", 15, FALSE }, { "TAGPROPS", 15, FALSE },
    { "TAGPROPS/8128000B", 15, FALSE }, { "TAGPROPS/812C000B", 5, FALSE },
  };

  g_assert_cmpuint (G_N_ELEMENTS (seed), ==, EMAIL2_N_NODES - EMAIL2_FIRST_SLOT);
  g_assert_cmpuint (email2_schema_get (EMAIL2_NODE_ROOT)->ops, ==, EMAIL2_OP_GET);
  /* Replace of the account node: Windows 10's DDF, and ManageEngine's way of creating it. */
  g_assert_cmpuint (email2_schema_get (EMAIL2_NODE_ACCOUNT)->ops, ==,
                    EMAIL2_OP_GET | EMAIL2_OP_ADD | EMAIL2_OP_REPLACE | EMAIL2_OP_DELETE);

  for (guint i = 0; i < G_N_ELEMENTS (seed); i++)
    {
      const Email2NodeInfo *node = node_of (seed[i].path);
      gboolean covered = strcmp (seed[i].path, "TAGPROPS") == 0;

      g_assert_cmpstr (node->path, ==, seed[i].path);
      g_assert_cmpuint (node->ops, ==, seed[i].ops);
      /* What the seed calls Required is required, or has a default (DESIGN §2). */
      g_assert_cmpint (!!(node->flags & EMAIL2_NODE_FLAG_REQUIRED) || node->default_value != NULL,
                       ==, seed[i].required);
      g_assert_false ((node->flags & EMAIL2_NODE_FLAG_REQUIRED) && node->default_value != NULL);
      g_assert_nonnull (node->summary);

      for (guint c = 0; c < G_N_ELEMENTS (value_cases); c++)
        covered |= strcmp (value_cases[c].path, seed[i].path) == 0;
      g_assert_true (covered);
    }
}

static void
test_unsupported (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *body = creation_with ("ACCOUNTTYPE", "VVM");
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);
  Email2Status *last = statuses->pdata[statuses->len - 1];

  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 507);
  g_assert_cmpuint (last->code, ==, 406);
}

/* docs/nodes.md is the schema's own table, never edited by hand. */
static void
test_docs_match (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "docs", "nodes.md", NULL);
  g_autofree char *docs = NULL;
  g_autofree char *table = email2_schema_to_markdown ();
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &docs, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (docs, table));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  fill_boundaries ();

  if (g_getenv ("EMAIL2_SOURCE_ROOT") != NULL)
    g_test_add_func ("/schema/docs-match", test_docs_match);

  g_test_add_func ("/schema/table-complete", test_table_complete);
  g_test_add_func ("/schema/unsupported-vvm", test_unsupported);
  for (guint i = 0; i < G_N_ELEMENTS (value_cases); i++)
    {
      g_autofree char *good = g_strdup_printf ("/schema/good/%s", value_cases[i].path);
      g_autofree char *bad = g_strdup_printf ("/schema/bad/%s", value_cases[i].path);

      g_test_add_data_func (good, &value_cases[i], test_good_values);
      g_test_add_data_func (bad, &value_cases[i], test_bad_values);
    }
  for (guint i = 0; i < G_N_ELEMENTS (op_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/schema/refused/%u", i);
      g_test_add_data_func (name, &op_cases[i], test_refused_op);
    }

  return g_test_run ();
}
