/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * OMA Client Provisioning documents (wap-provisioningdoc) through the
 * engine: Microsoft's sample shapes, whole answers compared exactly, the
 * same state as the SyncML form, and the documents that must fail without
 * changing anything.
 *
 * Longer than 800 lines on purpose: one GTest program per area; the cases
 * share the sample documents and the exact comparison of answers.
 */

#include "config.h"

#include <string.h>

#include <libxml/parser.h>

#include "email2-test.h"
#include "email2-payload-private.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* TEST_GUID as a CP characteristic type, as Microsoft writes it. */
#define CP_GUID "{C556E16F-56C4-4edb-9C64-D9469EE1FBE0}"
#define CP_GUID2 "{0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40}"
#define CP_GUID3 "{D671C70B-8EE3-4881-8045-2AEE6F731B55}"

/* The parms email2_test_create_account () sets, in the same order. */
#define CP_ACCOUNT_PARMS(type) \
  "<parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>" \
  "<parm name=\"SERVICETYPE\" value=\"" type "\"/>" \
  "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/>" \
  "<parm name=\"INSERVER\" value=\"mail.contoso.com\"/>" \
  "<parm name=\"OUTSERVER\" value=\"smtp.contoso.com:587\"/>" \
  "<parm name=\"AUTHNAME\" value=\"alice\"/>" \
  "<parm name=\"AUTHSECRET\" value=\"s3cret&amp;pw\"/>" \
  "<parm name=\"REPLYADDR\" value=\"alice@contoso.com\"/>" \
  "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>"

#define CP_CREATE(guid, type) \
  "<characteristic type=\"EMAIL2\"><characteristic type=\"" guid "\">" \
  CP_ACCOUNT_PARMS (type) "</characteristic></characteristic>"

typedef struct {
  char *answer;
  gboolean ok;
  GPtrArray *statuses;
} CpRun;

static void
cp_run_clear (CpRun *run)
{
  g_clear_pointer (&run->answer, g_free);
  g_clear_pointer (&run->statuses, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CpRun, cp_run_clear)

static char *
cp_document (const char *body)
{
  return g_strdup_printf (XML_DECL "<wap-provisioningdoc version=\"1.1\">%s</wap-provisioningdoc>\n",
                          body);
}

/* Runs the document with @body as the content of its root. */
static void
cp_run (Email2MemoryHost *host,
        const char       *body,
        CpRun            *run)
{
  g_autofree char *text = cp_document (body);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2WapprovDoc) doc = email2_wapprov_read (email2_xml_parse, text, strlen (text), &error);
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  xmlDoc *xml;

  g_assert_no_error (error);
  g_assert_nonnull (doc);

  memset (run, 0, sizeof *run);
  run->statuses = email2_wapprov_process (doc, session);
  run->ok = email2_wapprov_response_ok (doc);
  run->answer = email2_wapprov_write_response (doc);

  /* every answer is well-formed XML and never holds the test secret */
  xml = xmlReadMemory (run->answer, strlen (run->answer), NULL, NULL, XML_PARSE_NONET);
  g_assert_nonnull (xml);
  xmlFreeDoc (xml);
  g_assert_null (strstr (run->answer, "s3cret"));
  for (guint i = 0; i < run->statuses->len; i++)
    {
      const Email2Status *status = run->statuses->pdata[i];

      g_assert_true (status->reason == NULL || strstr (status->reason, "s3cret") == NULL);
    }
}

static void
cp_create (Email2MemoryHost *host)
{
  g_auto(CpRun) run = { 0, };

  cp_run (host, CP_CREATE (CP_GUID, "IMAP4"), &run);
  g_assert_true (run.ok);
}

static void
assert_value (Email2MemoryHost *host,
              const char       *uri,
              guint             expected_code,
              const char       *expected)
{
  guint code = 0;
  g_autofree char *value = email2_test_get (host, uri, &code);

  g_assert_cmpuint (code, ==, expected_code);
  g_assert_cmpstr (value, ==, expected);
}

/* Microsoft's "Creating an IMAP4 Account", completed with the nodes the
 * engine requires. */
static void
test_create_imap (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_run (host,
          "<characteristic type=\"EMAIL2\">"
          "<characteristic type=\"" CP_GUID3 "\">"
          "<parm name=\"SERVICENAME\" value=\"MyIMAP\"/>"
          "<parm name=\"SERVICETYPE\" value=\"imap4\"/>"
          "<parm name=\"INSERVER\" value=\"Imapserver\"/>"
          "<parm name=\"OUTSERVER\" value=\"smtpserver\"/>"
          "<parm name=\"AUTHNAME\" value=\"alias\"/>"
          "<parm name=\"AUTHSECRET\" value=\"s3cret\"/>"
          "<parm name=\"DOMAIN\" value=\"oceana\"/>"
          "<parm name=\"REPLYADDR\" value=\"alias@oceana.example\"/>"
          "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/>"
          "<parm name=\"SYNCINGCONTENTTYPES\" value=\"0x2\"/>"
          "</characteristic></characteristic>", &run);

  g_assert_true (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID3 "\">\n"
    "      <parm name=\"SERVICENAME\" value=\"MyIMAP\"/>\n"
    "      <parm name=\"SERVICETYPE\" value=\"imap4\"/>\n"
    "      <parm name=\"INSERVER\" value=\"Imapserver\"/>\n"
    "      <parm name=\"OUTSERVER\" value=\"smtpserver\"/>\n"
    "      <parm name=\"AUTHNAME\" value=\"alias\"/>\n"
    "      <parm name=\"AUTHSECRET\" value=\"********\"/>\n"
    "      <parm name=\"DOMAIN\" value=\"oceana\"/>\n"
    "      <parm name=\"REPLYADDR\" value=\"alias@oceana.example\"/>\n"
    "      <parm name=\"ACCOUNTTYPE\" value=\"Email\"/>\n"
    "      <parm name=\"SYNCINGCONTENTTYPES\" value=\"0x2\"/>\n"
    "    </characteristic>\n"
    "  </characteristic>\n"
    "</wap-provisioningdoc>\n");

  /* One Atomic: an Add of the account node, one Replace per parm. */
  g_assert_cmpuint (run.statuses->len, ==, 12);
  g_assert_cmpstr (((Email2Status *) run.statuses->pdata[0])->cmd, ==, "wap-provisioningdoc");
  g_assert_cmpstr (((Email2Status *) run.statuses->pdata[1])->cmd, ==, "characteristic");

  assert_value (host, "./Vendor/MSFT/EMAIL2/%7BD671C70B-8EE3-4881-8045-2AEE6F731B55%7D/SERVICETYPE",
                200, "IMAP4");
  assert_value (host, "./Vendor/MSFT/EMAIL2/%7BD671C70B-8EE3-4881-8045-2AEE6F731B55%7D/AUTHSECRET",
                200, "********");
}

static void
test_two_accounts (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_run (host,
          "<characteristic type=\"EMAIL2\">"
          "<characteristic type=\"" CP_GUID "\">" CP_ACCOUNT_PARMS ("IMAP4") "</characteristic>"
          "<characteristic type=\"" CP_GUID2 "\">" CP_ACCOUNT_PARMS ("POP3") "</characteristic>"
          "</characteristic>", &run);
  g_assert_true (run.ok);
  assert_value (host, "./Vendor/MSFT/EMAIL2", 200,
                "%7B0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40%7D/%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D");
  assert_value (host, TEST_ACCOUNT2 "/SERVICETYPE", 200, "POP3");
}

static void
test_delete_account (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_auto(CpRun) again = { 0, };

  cp_create (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><nocharacteristic type=\"" CP_GUID "\"/>"
          "</characteristic>", &run);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <nocharacteristic type=\"" CP_GUID "\"/>\n"
    "  </characteristic>\n"
    "</wap-provisioningdoc>\n");
  assert_value (host, TEST_ACCOUNT, 404, NULL);

  /* Gone already: the engine's 404. */
  cp_run (host, "<characteristic type=\"EMAIL2\"><nocharacteristic type=\"" CP_GUID "\"/>"
          "</characteristic>", &again);
  g_assert_false (again.ok);
  g_assert_nonnull (strstr (again.answer, "<nocharacteristic-error type=\"" CP_GUID "\" desc=\""));
}

static void
test_delete_parms (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) set = { 0, };
  g_auto(CpRun) run = { 0, };

  cp_create (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm name=\"NAME\" value=\"Alice\"/><parm name=\"DOMAIN\" value=\"CONTOSO\"/>"
          "<parm name=\"LINGER\" value=\"30\"/>"
          "</characteristic></characteristic>", &set);
  g_assert_true (set.ok);
  assert_value (host, TEST_ACCOUNT "/NAME", 200, "Alice");

  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<noparm name=\"NAME\"/><noparm name=\"DOMAIN\"/>"
          "</characteristic></characteristic>", &run);
  g_assert_true (run.ok);
  g_assert_nonnull (strstr (run.answer, "<noparm name=\"NAME\"/>\n      <noparm name=\"DOMAIN\"/>\n"));
  assert_value (host, TEST_ACCOUNT "/NAME", 404, NULL);
  assert_value (host, TEST_ACCOUNT "/DOMAIN", 404, NULL);
  assert_value (host, TEST_ACCOUNT "/LINGER", 200, "30");
}

/* Microsoft's "Enabling SSL": TAGPROPS as a nested characteristic. */
static void
test_enable_ssl (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_auto(CpRun) off = { 0, };

  cp_create (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<characteristic type=\"TAGPROPS\">"
          "<parm name=\"8128000B\" value=\"1\"/><parm name=\"812C000B\" value=\"1\"/>"
          "</characteristic></characteristic></characteristic>", &run);
  g_assert_true (run.ok);
  assert_value (host, TEST_ACCOUNT "/TAGPROPS", 200, "8128000B/812C000B");
  assert_value (host, TEST_ACCOUNT "/TAGPROPS/8128000B", 200, "1");
  assert_value (host, TEST_ACCOUNT "/TAGPROPS/812C000B", 200, "1");

  /* nocharacteristic TAGPROPS deletes both. */
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<nocharacteristic type=\"TAGPROPS\"/></characteristic></characteristic>", &off);
  g_assert_true (off.ok);
  assert_value (host, TEST_ACCOUNT "/TAGPROPS", 404, NULL);
}

static void
set_ssl_and_name (Email2MemoryHost *host)
{
  g_auto(CpRun) run = { 0, };

  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm name=\"NAME\" value=\"Alice &amp; Co &lt;HQ&gt;\"/>"
          "<characteristic type=\"TAGPROPS\"><parm name=\"8128000B\" value=\"1\"/></characteristic>"
          "</characteristic></characteristic>", &run);
  g_assert_true (run.ok);
}

/* Microsoft's "Parameter Query": set values, a missing one, a secret. */
static void
test_parm_query (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_create (host);
  set_ssl_and_name (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm-query name=\"SERVICENAME\"/><parm-query name=\"KEEPMAX\"/>"
          "<parm-query name=\"AUTHSECRET\"/><parm-query name=\"NAME\"/>"
          "<characteristic type=\"TAGPROPS\"><parm-query name=\"8128000B\"/>"
          "<parm-query name=\"812C000B\"/></characteristic>"
          "</characteristic></characteristic>", &run);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID "\">\n"
    "      <parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>\n"
    "      <noparm name=\"KEEPMAX\"/>\n"
    "      <parm name=\"AUTHSECRET\" value=\"********\"/>\n"
    "      <parm name=\"NAME\" value=\"Alice &amp; Co &lt;HQ&gt;\"/>\n"
    "      <characteristic type=\"TAGPROPS\">\n"
    "        <parm name=\"8128000B\" value=\"1\"/>\n"
    "        <noparm name=\"812C000B\"/>\n"
    "      </characteristic>\n"
    "    </characteristic>\n"
    "  </characteristic>\n"
    "</wap-provisioningdoc>\n");

  /* Queries alone change nothing and create no account. */
  {
    g_auto(CpRun) missing = { 0, };
    g_autofree char *before = email2_memory_host_to_data (host);
    g_autofree char *after = NULL;

    cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID2 "\">"
            "<parm-query name=\"SERVICENAME\"/></characteristic></characteristic>", &missing);
    g_assert_true (missing.ok);
    g_assert_nonnull (strstr (missing.answer, "<noparm name=\"SERVICENAME\"/>"));
    after = email2_memory_host_to_data (host);
    g_assert_cmpstr (before, ==, after);
  }
}

/* Microsoft's "Characteristic Query": the secrets are left out. */
static void
test_characteristic_query (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_auto(CpRun) flat = { 0, };
  g_auto(CpRun) tagprops = { 0, };

  cp_create (host);
  set_ssl_and_name (host);
  cp_run (host, "<characteristic type=\"EMAIL2\">"
          "<characteristic-query type=\"" CP_GUID "\"/>"
          "<characteristic-query type=\"" CP_GUID2 "\"/>"
          "</characteristic>", &run);
  g_assert_true (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID "\">\n"
    "      <parm name=\"ACCOUNTTYPE\" value=\"Email\"/>\n"
    "      <parm name=\"AUTHNAME\" value=\"alice\"/>\n"
    "      <parm name=\"INSERVER\" value=\"mail.contoso.com\"/>\n"
    "      <parm name=\"NAME\" value=\"Alice &amp; Co &lt;HQ&gt;\"/>\n"
    "      <parm name=\"OUTSERVER\" value=\"smtp.contoso.com:587\"/>\n"
    "      <parm name=\"REPLYADDR\" value=\"alice@contoso.com\"/>\n"
    "      <parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>\n"
    "      <parm name=\"SERVICETYPE\" value=\"IMAP4\"/>\n"
    "      <parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>\n"
    "      <characteristic type=\"TAGPROPS\">\n"
    "        <parm name=\"8128000B\" value=\"1\"/>\n"
    "      </characteristic>\n"
    "    </characteristic>\n"
    "    <nocharacteristic type=\"" CP_GUID2 "\"/>\n"
    "  </characteristic>\n"
    "</wap-provisioningdoc>\n");

  cp_run (host, "<characteristic type=\"EMAIL2\">"
          "<characteristic-query type=\"" CP_GUID "\" recursive=\"false\"/>"
          "</characteristic>", &flat);
  g_assert_true (flat.ok);
  g_assert_nonnull (strstr (flat.answer, "      <parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>\n"
                                         "      <characteristic type=\"TAGPROPS\"/>\n"
                                         "    </characteristic>\n"));

  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<characteristic-query type=\"TAGPROPS\"/></characteristic></characteristic>", &tagprops);
  g_assert_true (tagprops.ok);
  g_assert_nonnull (strstr (tagprops.answer,
                            "    <characteristic type=\"" CP_GUID "\">\n"
                            "      <characteristic type=\"TAGPROPS\">\n"
                            "        <parm name=\"8128000B\" value=\"1\"/>\n"
                            "      </characteristic>\n"
                            "    </characteristic>\n"));
}

/* Microsoft's "Root-Level Characteristic Query": every account. */
static void
test_root_query (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) empty = { 0, };
  g_auto(CpRun) two = { 0, };
  g_auto(CpRun) deep = { 0, };

  cp_run (host, "<characteristic-query type=\"EMAIL2\" recursive=\"true\"/>", &empty);
  g_assert_true (empty.ok);
  g_assert_cmpstr (empty.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\"/>\n"
    "</wap-provisioningdoc>\n");

  cp_create (host);
  {
    g_auto(CpRun) second = { 0, };

    cp_run (host, CP_CREATE (CP_GUID2, "POP3"), &second);
    g_assert_true (second.ok);
  }

  cp_run (host, "<characteristic-query type=\"EMAIL2\" recursive=\"false\"/>", &two);
  g_assert_true (two.ok);
  g_assert_cmpstr (two.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID2 "\"/>\n"
    "    <characteristic type=\"{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}\"/>\n"
    "  </characteristic>\n"
    "</wap-provisioningdoc>\n");

  cp_run (host, "<characteristic-query type=\"EMAIL2\"/>", &deep);
  g_assert_true (deep.ok);
  g_assert_nonnull (strstr (deep.answer,
                            "    <characteristic type=\"" CP_GUID2 "\">\n"
                            "      <parm name=\"ACCOUNTTYPE\" value=\"Email\"/>\n"));
  g_assert_nonnull (strstr (deep.answer, "<parm name=\"SERVICETYPE\" value=\"POP3\"/>"));
  g_assert_nonnull (strstr (deep.answer, "<parm name=\"SERVICETYPE\" value=\"IMAP4\"/>"));
  g_assert_null (strstr (deep.answer, "AUTHSECRET"));
}

/* SERVICENAME cannot change on an existing account, but one document can
 * delete the account and create it anew. */
static void
test_recreate (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_create (host);
  set_ssl_and_name (host);
  cp_run (host,
          "<characteristic type=\"EMAIL2\"><nocharacteristic type=\"" CP_GUID "\"/>"
          "<characteristic type=\"" CP_GUID "\">" CP_ACCOUNT_PARMS ("POP3")
          "</characteristic></characteristic>", &run);
  g_assert_true (run.ok);
  assert_value (host, TEST_ACCOUNT "/SERVICETYPE", 200, "POP3");
  assert_value (host, TEST_ACCOUNT "/NAME", 404, NULL);
  assert_value (host, TEST_ACCOUNT "/TAGPROPS", 404, NULL);
}

/* Writes and queries in one document: the queries see the new state. */
static void
test_apply_then_query (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_run (host,
          "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm-query name=\"SERVICENAME\"/>"
          CP_ACCOUNT_PARMS ("IMAP4")
          "</characteristic></characteristic>", &run);
  g_assert_true (run.ok);
  g_assert_nonnull (strstr (run.answer,
                            "      <parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>\n"
                            "      <parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>\n"));
}

/* The same changes as CP and as SyncML leave the same state. */
static void
test_same_as_syncml (void)
{
  static const struct {
    const char *cp;
    const char *syncml;
  } steps[] = {
    { CP_CREATE (CP_GUID, "IMAP4") CP_CREATE (CP_GUID2, "POP3"), NULL },
    { "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
      "<parm name=\"NAME\" value=\"Alice\"/><parm name=\"LINGER\" value=\"60\"/>"
      "<parm name=\"SMTPALTENABLED\" value=\"true\"/><parm name=\"SMTPALTAUTHNAME\" value=\"bob\"/>"
      "<parm name=\"SMTPALTDOMAIN\" value=\"\"/><parm name=\"SMTPALTPASSWORD\" value=\"pw2\"/>"
      "<characteristic type=\"TAGPROPS\"><parm name=\"812C000B\" value=\"1\"/></characteristic>"
      "<noparm name=\"AUTHSECRET\"/>"
      "</characteristic><nocharacteristic type=\"" CP_GUID2 "\"/></characteristic>",
      "<Atomic><CmdID>1</CmdID>"
      "<Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target><Data>Alice</Data></Item></Replace>"
      "<Replace><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/LINGER</LocURI></Target><Data>60</Data></Item></Replace>"
      "<Replace><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTENABLED</LocURI></Target><Data>true</Data></Item></Replace>"
      "<Replace><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTAUTHNAME</LocURI></Target><Data>bob</Data></Item></Replace>"
      "<Replace><CmdID>6</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTDOMAIN</LocURI></Target><Data></Data></Item></Replace>"
      "<Replace><CmdID>7</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/SMTPALTPASSWORD</LocURI></Target><Data>pw2</Data></Item></Replace>"
      "<Replace><CmdID>8</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/TAGPROPS/812C000B</LocURI></Target><Data>1</Data></Item></Replace>"
      "<Delete><CmdID>9</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI></Target></Item></Delete>"
      "<Delete><CmdID>10</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "</LocURI></Target></Item></Delete>"
      "</Atomic>" },
  };
  g_autoptr(Email2MemoryHost) cp_host = email2_memory_host_new ();
  g_autoptr(Email2MemoryHost) syncml_host = email2_memory_host_new ();

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_auto(CpRun) run = { 0, };
      g_autoptr(GPtrArray) statuses = NULL;
      g_autofree char *syncml = NULL;
      g_autofree char *cp_state = NULL;
      g_autofree char *syncml_state = NULL;

      if (steps[i].syncml != NULL)
        syncml = g_strdup (steps[i].syncml);
      else
        {
          g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
          g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");

          syncml = g_strconcat ("<Atomic><CmdID>1</CmdID>", first, second, "</Atomic>", NULL);
        }

      cp_run (cp_host, steps[i].cp, &run);
      g_assert_true (run.ok);
      statuses = email2_test_run (syncml_host, syncml, NULL);
      g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 200);

      cp_state = email2_memory_host_to_data (cp_host);
      syncml_state = email2_memory_host_to_data (syncml_host);
      g_assert_cmpstr (cp_state, ==, syncml_state);
    }
}

typedef struct {
  const char *name;
  const char *body;
  const char *error;     /* a piece of the answer: the failed element */
} FailCase;

/* Each must fail as a whole, on a host holding the TEST_GUID account. */
static const FailCase must_fail[] = {
  { "unknown-parameter",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"NAME\" value=\"Alice\"/><parm name=\"BOGUS\" value=\"s3cret-typo\"/>"
    "</characteristic></characteristic>",
    "<parm-error name=\"BOGUS\" value=\"********\" desc=\"“BOGUS” is not a parameter of an EMAIL2 account\"/>" },
  { "value-out-of-range",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"NAME\" value=\"Alice\"/><parm name=\"LINGER\" value=\"16\"/>"
    "</characteristic></characteristic>",
    "<parm-error name=\"LINGER\" value=\"16\" desc=\"LINGER does not accept this value" },
  { "too-long",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID2 "\">"
    CP_ACCOUNT_PARMS ("IMAP4")
    "<parm name=\"INSERVER\" value=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example\"/>"
    "</characteristic></characteristic>",
    "<parm-error name=\"INSERVER\" value=\"aaaa" },
  { "missing-required",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID2 "\">"
    "<parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>"
    "<parm name=\"SERVICETYPE\" value=\"IMAP4\"/>"
    "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/>"
    "<parm name=\"INSERVER\" value=\"mail.contoso.com\"/>"
    "<parm name=\"OUTSERVER\" value=\"smtp.contoso.com:587\"/>"
    "<parm name=\"AUTHNAME\" value=\"alice\"/>"
    "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/>"
    "</characteristic></characteristic>",
    "<characteristic-error type=\"" CP_GUID2 "\" desc=\"Account " TEST_GUID2
    " lacks required nodes: REPLYADDR\">" },
  { "empty-new-account",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID2 "\"/></characteristic>",
    "<characteristic-error type=\"" CP_GUID2 "\" desc=\"Account " TEST_GUID2 " lacks required nodes:" },
  { "partial-smtpalt",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"SMTPALTENABLED\" value=\"TRUE\"/><parm name=\"SMTPALTAUTHNAME\" value=\"bob\"/>"
    "<parm name=\"SMTPALTPASSWORD\" value=\"s3cret\"/>"
    "</characteristic></characteristic>",
    "desc=\"Account " TEST_GUID " has only part of the alternative SMTP credentials" },
  { "second-account-fails",
    "<characteristic type=\"EMAIL2\">"
    "<characteristic type=\"" CP_GUID2 "\">" CP_ACCOUNT_PARMS ("POP3") "</characteristic>"
    "<characteristic type=\"" CP_GUID3 "\">" CP_ACCOUNT_PARMS ("POP3")
    "<parm name=\"KEEPMAX\" value=\"25\"/></characteristic>"
    "</characteristic>",
    "<parm-error name=\"KEEPMAX\" value=\"25\" desc=\"KEEPMAX can be set only for IMAP4 accounts\"/>" },
  { "servicename-on-existing",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"SERVICENAME\" value=\"Other\"/></characteristic></characteristic>",
    "<parm-error name=\"SERVICENAME\" value=\"Other\" desc=\"SERVICENAME cannot be changed on an existing account" },
  { "delete-required",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<noparm name=\"REPLYADDR\"/></characteristic></characteristic>",
    "<characteristic-error type=\"" CP_GUID "\" desc=\"Account " TEST_GUID " lacks required nodes: REPLYADDR\">" },
  { "delete-inserver",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<noparm name=\"INSERVER\"/></characteristic></characteristic>",
    "<noparm-error name=\"INSERVER\" desc=\"Delete is not allowed on INSERVER" },
  { "delete-unset",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<noparm name=\"KEEPMAX\"/></characteristic></characteristic>",
    "<noparm-error name=\"KEEPMAX\" desc=\"" },
  { "not-email2",
    "<characteristic type=\"APPLICATION\"><parm name=\"APPID\" value=\"w4\"/></characteristic>",
    "<characteristic-error type=\"APPLICATION\" desc=\"Only the EMAIL2 configuration service provider is supported" },
  { "guid-without-braces",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"C556E16F-56C4-4edb-9C64-D9469EE1FBE0\">"
    "<parm name=\"NAME\" value=\"x\"/></characteristic></characteristic>",
    "<characteristic-error type=\"C556E16F-56C4-4edb-9C64-D9469EE1FBE0\" desc=\"“C556E16F-56C4-4edb-9C64-D9469EE1FBE0” is not an account GUID: "
    "the GUID must be in braces: %7B…%7D in a LocURI, {…} in a CP document\">" },
  { "delete-root",
    "<nocharacteristic type=\"EMAIL2\"/>",
    "<nocharacteristic-error type=\"EMAIL2\" desc=\"The EMAIL2 root cannot be deleted\"/>" },
  { "unknown-characteristic",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<characteristic type=\"SMTP\"/></characteristic></characteristic>",
    "<characteristic-error type=\"SMTP\" desc=\"“SMTP” is not a characteristic of an EMAIL2 account\"/>" },
  { "tagprops-unknown-parm",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<characteristic type=\"TAGPROPS\"><parm name=\"0x8125001F\" value=\"x\"/></characteristic>"
    "</characteristic></characteristic>",
    "<parm-error name=\"0x8125001F\" value=\"********\" desc=\"“0x8125001F” is not a parameter of TAGPROPS\"/>" },
  { "tagprops-bad-value",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<characteristic type=\"TAGPROPS\"><parm name=\"8128000B\" value=\"yes\"/></characteristic>"
    "</characteristic></characteristic>",
    "<parm-error name=\"8128000B\" value=\"yes\" desc=\"TAGPROPS/8128000B does not accept this value" },
  { "parm-under-root",
    "<characteristic type=\"EMAIL2\"><parm name=\"NAME\" value=\"x\"/></characteristic>",
    "<parm-error name=\"NAME\" value=\"********\" desc=\"Parameters belong in an account" },
  { "parm-without-value",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"NAME\"/></characteristic></characteristic>",
    "<parm-error name=\"NAME\" desc=\"&lt;parm name=“NAME”&gt; has no value attribute\"/>" },
  { "characteristic-without-type",
    "<characteristic type=\"EMAIL2\"><characteristic><parm name=\"NAME\" value=\"x\"/></characteristic>"
    "</characteristic>",
    "<characteristic-error desc=\"&lt;characteristic&gt; has no type attribute\">" },
  { "answer-element-in-request",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm-error name=\"NAME\" value=\"x\" desc=\"?\"/></characteristic></characteristic>",
    "<parm-error-error name=\"NAME\" value=\"x\" desc=\"&lt;parm-error&gt; belongs in an answer" },
  { "unknown-element",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<setting name=\"NAME\" value=\"x\"/></characteristic></characteristic>",
    "<setting-error name=\"NAME\" value=\"x\" desc=\"&lt;setting&gt; is not an element of a provisioning document\"/>" },
  { "element-inside-parm",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"NAME\" value=\"x\"><parm name=\"DOMAIN\" value=\"y\"/></parm>"
    "</characteristic></characteristic>",
    "<parm-error name=\"DOMAIN\" value=\"********\" desc=\"&lt;parm&gt; cannot be inside &lt;parm&gt;\"/>" },
  { "secret-with-control-character",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"AUTHSECRET\" value=\"s3cret&#9;\"/></characteristic></characteristic>",
    NULL },
  { "vvm",
    "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
    "<parm name=\"ACCOUNTTYPE\" value=\"VVM\"/></characteristic></characteristic>",
    "<parm-error name=\"ACCOUNTTYPE\" value=\"VVM\" desc=\"ACCOUNTTYPE VVM is not supported" },
};

static void
test_must_fail (gconstpointer data)
{
  const FailCase *c = data;
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *before = NULL, *after = NULL;
  g_auto(CpRun) run = { 0, };

  cp_create (host);
  set_ssl_and_name (host);
  before = email2_memory_host_to_data (host);

  cp_run (host, c->body, &run);
  g_test_message ("%s", run.answer);
  g_assert_false (run.ok);
  g_assert_cmpstr (((Email2Status *) run.statuses->pdata[0])->cmd, ==, "wap-provisioningdoc");
  g_assert_cmpuint (((Email2Status *) run.statuses->pdata[0])->code, ==, 507);
  if (c->error != NULL)
    g_assert_nonnull (strstr (run.answer, c->error));
  /* exactly one element failed */
  g_assert_nonnull (strstr (run.answer, " desc=\""));
  g_assert_null (strstr (strstr (run.answer, " desc=\"") + 1, " desc=\""));

  after = email2_memory_host_to_data (host);
  g_assert_cmpstr (before, ==, after);
}

/* A failed document answers no query. */
static void
test_failed_queries (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };

  cp_create (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm-query name=\"NAME\"/><parm name=\"LINGER\" value=\"7\"/>"
          "</characteristic></characteristic><characteristic-query type=\"EMAIL2\"/>", &run);
  g_assert_false (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID "\">\n"
    "      <parm-query-error name=\"NAME\" desc=\"Not executed: the document failed and was not applied\"/>\n"
    "      <parm-error name=\"LINGER\" value=\"7\" desc=\"LINGER does not accept this value; expected one of 0, 15, 30, 60, 120\"/>\n"
    "    </characteristic>\n"
    "  </characteristic>\n"
    "  <characteristic-query-error type=\"EMAIL2\" desc=\"Not executed: the document failed and was not applied\"/>\n"
    "</wap-provisioningdoc>\n");
}

/* The value attributes of the answer, in document order. */
static void
collect_values (xmlNode   *node,
                GPtrArray *values)
{
  for (; node != NULL; node = node->next)
    {
      xmlChar *value = node->type == XML_ELEMENT_NODE ? xmlGetProp (node, BAD_CAST "value") : NULL;

      if (value != NULL)
        g_ptr_array_add (values, value);
      collect_values (node->children, values);
    }
}

/* Values come back exactly as they went in: newline, tab and carriage
 * return in an attribute are escaped, else a reader gives them back as
 * spaces (XML attribute-value normalisation). */
static void
test_escaping_round_trip (void)
{
  static const struct { const char *name; const char *sent; const char *value; } parms[] = {
    { "NAME", "x&#10;y&#9;z&#13;", "x\ny\tz\r" },        /* refused: control characters */
    { "DOMAIN", "&amp;&lt;&gt;&quot;' “dom”", "&<>\"' “dom”" },
  };
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_autoptr(GString) body = g_string_new ("<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">");
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (xmlFree);
  xmlDoc *xml;
  guint n = 0;

  cp_create (host);
  for (guint i = 0; i < G_N_ELEMENTS (parms); i++)
    g_string_append_printf (body, "<parm name=\"%s\" value=\"%s\"/>", parms[i].name, parms[i].sent);
  g_string_append (body, "</characteristic></characteristic>");
  cp_run (host, body->str, &run);
  g_assert_nonnull (strstr (run.answer, "value=\"x&#10;y&#9;z&#13;\""));

  xml = xmlReadMemory (run.answer, strlen (run.answer), NULL, NULL, XML_PARSE_NONET);
  collect_values (xmlDocGetRootElement (xml), values);
  for (; n < values->len; n++)
    g_assert_cmpstr (values->pdata[n], ==, parms[n].value);
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (parms));
  xmlFreeDoc (xml);
}

/* A query never fails a document: one that is wrong in itself (a name
 * EMAIL2 does not know, Windows Mobile's TAGPROPS 0x8125001F or NAMEDPROPS)
 * is answered as its own error, and the rest runs as if it were not there. */
static void
test_query_errors_alone (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_autofree char *name = NULL;
  guint code;

  cp_create (host);
  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm name=\"NAME\" value=\"x\"/><parm-query name=\"PASSWORD\"/>"
          "<parm-query name=\"SERVICENAME\"/>"
          "<characteristic type=\"TAGPROPS\"><parm-query name=\"0x8125001F\"/></characteristic>"
          "<characteristic type=\"NAMEDPROPS\"><parm-query name=\"TMAIL:IncomingServer\"/></characteristic>"
          "</characteristic></characteristic>"
          "<characteristic-query type=\"EMAIL2\" recursive=\"yes\"/>", &run);
  g_assert_false (run.ok);
  g_assert_cmpstr (run.answer, ==,
    XML_DECL
    "<wap-provisioningdoc version=\"1.1\">\n"
    "  <characteristic type=\"EMAIL2\">\n"
    "    <characteristic type=\"" CP_GUID "\">\n"
    "      <parm name=\"NAME\" value=\"x\"/>\n"
    "      <parm-query-error name=\"PASSWORD\" desc=\"“PASSWORD” is not a parameter of an EMAIL2 account\"/>\n"
    "      <parm name=\"SERVICENAME\" value=\"Contoso Mail\"/>\n"
    "      <characteristic type=\"TAGPROPS\">\n"
    "        <parm-query-error name=\"0x8125001F\" desc=\"“0x8125001F” is not a parameter of TAGPROPS\"/>\n"
    "      </characteristic>\n"
    "      <characteristic-error type=\"NAMEDPROPS\" desc=\"“NAMEDPROPS” is not a characteristic of an EMAIL2 account\">\n"
    "        <parm-query name=\"TMAIL:IncomingServer\"/>\n"
    "      </characteristic-error>\n"
    "    </characteristic>\n"
    "  </characteristic>\n"
    "  <characteristic-query-error type=\"EMAIL2\" recursive=\"yes\" desc=\"The recursive attribute must be “true” or “false”\"/>\n"
    "</wap-provisioningdoc>\n");

  /* The change beside the bad queries was applied. */
  name = email2_test_get (host, TEST_ACCOUNT "/NAME", &code);
  g_assert_cmpuint (code, ==, 200);
  g_assert_cmpstr (name, ==, "x");
}

/* A document of queries only, for an account that does not exist, creates
 * nothing, even when one query is wrong. */
static void
test_query_errors_create_nothing (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_auto(CpRun) run = { 0, };
  g_autofree char *data = NULL;

  cp_run (host, "<characteristic type=\"EMAIL2\"><characteristic type=\"" CP_GUID "\">"
          "<parm-query name=\"SERVICENAME\"/>"
          "<characteristic type=\"TAGPROPS\"><parm-query name=\"0x8125001F\"/></characteristic>"
          "</characteristic></characteristic>", &run);
  g_assert_nonnull (strstr (run.answer, "<noparm name=\"SERVICENAME\"/>"));
  g_assert_nonnull (strstr (run.answer, "<parm-query-error name=\"0x8125001F\""));
  data = email2_memory_host_to_data (host);
  g_assert_null (strstr (data, "C556E16F"));
}

static void
test_unusable (void)
{
  static const char * const documents[] = {
    "",
    "<wap-provisioningdoc>",
    "<wap-provisioningdoc><characteristic type='EMAIL2'></wap-provisioningdoc>",
    "<SyncML/>",
    "<wap-provisioningdoc version='2.0'/>",
    "<!DOCTYPE wap-provisioningdoc [<!ENTITY x 'y'>]><wap-provisioningdoc/>",
    "<wap-provisioningdoc><parm name='NAME' value='&x;'/></wap-provisioningdoc>",
    "<wap-provisioningdoc><parm name='NAME' value='a' name='b'/></wap-provisioningdoc>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2WapprovDoc) doc = email2_wapprov_read (email2_xml_parse, documents[i], strlen (documents[i]),
                                                              &error);

      g_assert_null (doc);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
    }
}

/* Versions, attributes in any quote style, entities and character
 * references; the answer echoes unknown attributes. */
static void
test_reader (void)
{
  static const char * const versions[] = { "", " version='1.0'", " version=\"1.1\"" };
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();

  cp_create (host);
  for (guint i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree char *text = g_strdup_printf (
        "<?xml version='1.0'?><!-- a comment --><wap-provisioningdoc%s>\n"
        "<characteristic type='EMAIL2'><characteristic type=\"" CP_GUID "\" label='x'>"
        "<parm name='NAME' value='M&#xfc;ller &amp; S&#246;hne' datatype='string'/> text is ignored"
        "</characteristic></characteristic></wap-provisioningdoc>", versions[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2WapprovDoc) doc = email2_wapprov_read (email2_xml_parse, text, strlen (text), &error);
      g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
      g_autoptr(GPtrArray) statuses = NULL;
      g_autofree char *answer = NULL;

      g_assert_no_error (error);
      statuses = email2_wapprov_process (doc, session);
      g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 200);
      answer = email2_wapprov_write_response (doc);
      g_assert_nonnull (strstr (answer, "<characteristic type=\"" CP_GUID "\" label=\"x\">\n"
                                "      <parm name=\"NAME\" value=\"M\xc3\xbcller &amp; S\xc3\xb6hne\""
                                " datatype=\"string\"/>\n"));
      assert_value (host, TEST_ACCOUNT "/NAME", 200, "M\xc3\xbcller & S\xc3\xb6hne");
    }
}

/* The tree lives in arenas: a value larger than an arena block, and
 * thousands of names of their own, come back whole in the answer. */
static void
test_large_document (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GString) text = g_string_new ("<wap-provisioningdoc><x a='");
  g_autofree char *value = g_strnfill (2 * 1024 * 1024 + 3, 'v');
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2WapprovDoc) doc = NULL;
  g_autoptr(GPtrArray) statuses = NULL;
  g_autofree char *answer = NULL;

  g_string_append_printf (text, "%s'/>", value);
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (text, "<e%u b='%u'/>", i, i);
  g_string_append (text, "</wap-provisioningdoc>");

  doc = email2_wapprov_read (email2_xml_parse, text->str, text->len, &error);
  g_assert_no_error (error);
  statuses = email2_wapprov_process (doc, session);
  g_assert_false (email2_wapprov_response_ok (doc));
  answer = email2_wapprov_write_response (doc);

  g_assert_nonnull (strstr (answer, "<x-error a=\"vvvv"));
  g_assert_cmpuint (strspn (strstr (answer, "<x-error a=\"") + 12, "v"), ==, strlen (value));
  for (guint i = 0; i < 5000; i += 499)
    {
      g_autofree char *element = g_strdup_printf ("<e%u-error b=\"%u\" desc=", i, i);

      g_assert_nonnull (strstr (answer, element));
    }
}

/* Writing an answer is linear in its size: 99,990 elements of 160 bytes
 * echoed (a 19 MB answer) in well under the 3 s bound. libxml2 grew its
 * buffer a few bytes at a time, and email2's wiping realloc moved the
 * whole buffer at each step: this took 24 s. */
static void
test_large_answer (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GString) text = g_string_new ("<wap-provisioningdoc>");
  g_autofree char *label = g_strnfill (100, 'l');
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2WapprovDoc) doc = NULL;
  g_autoptr(GPtrArray) statuses = NULL;
  g_autofree char *answer = NULL;
  double seconds;

  for (guint i = 0; i < EMAIL2_WAPPROV_MAX_ELEMENTS / 30; i++)
    {
      for (guint d = 0; d < 30; d++)
        g_string_append_printf (text, "<characteristic type=\"X\" label=\"%s\">", label);
      for (guint d = 0; d < 30; d++)
        g_string_append (text, "</characteristic>");
    }
  g_string_append (text, "</wap-provisioningdoc>");

  doc = email2_wapprov_read (email2_xml_parse, text->str, text->len, &error);
  g_assert_no_error (error);
  statuses = email2_wapprov_process (doc, session);

  g_test_timer_start ();
  answer = email2_wapprov_write_response (doc);
  seconds = g_test_timer_elapsed ();

  g_test_message ("%zu bytes of answer in %.3f s", strlen (answer), seconds);
  g_assert_cmpuint (strlen (answer), >, 15 * 1000 * 1000);
  g_assert_cmpfloat (seconds, <, 3.0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wapprov/create-imap", test_create_imap);
  g_test_add_func ("/wapprov/two-accounts", test_two_accounts);
  g_test_add_func ("/wapprov/delete-account", test_delete_account);
  g_test_add_func ("/wapprov/delete-parms", test_delete_parms);
  g_test_add_func ("/wapprov/enable-ssl", test_enable_ssl);
  g_test_add_func ("/wapprov/parm-query", test_parm_query);
  g_test_add_func ("/wapprov/characteristic-query", test_characteristic_query);
  g_test_add_func ("/wapprov/root-query", test_root_query);
  g_test_add_func ("/wapprov/recreate", test_recreate);
  g_test_add_func ("/wapprov/apply-then-query", test_apply_then_query);
  g_test_add_func ("/wapprov/same-as-syncml", test_same_as_syncml);
  for (guint i = 0; i < G_N_ELEMENTS (must_fail); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wapprov/must-fail/%s", must_fail[i].name);

      g_test_add_data_func (path, &must_fail[i], test_must_fail);
    }
  g_test_add_func ("/wapprov/failed-queries", test_failed_queries);
  g_test_add_func ("/wapprov/query-errors-alone", test_query_errors_alone);
  g_test_add_func ("/wapprov/escaping-round-trip", test_escaping_round_trip);
  g_test_add_func ("/wapprov/query-errors-create-nothing", test_query_errors_create_nothing);
  g_test_add_func ("/wapprov/unusable", test_unusable);
  g_test_add_func ("/wapprov/reader", test_reader);
  g_test_add_func ("/wapprov/large-document", test_large_document);
  g_test_add_func ("/wapprov/large-answer", test_large_answer);

  return g_test_run ();
}
