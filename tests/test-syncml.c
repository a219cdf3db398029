/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The SyncML DM reader and the response writer: whole answer documents,
 * compared exactly, for every status path.
 */

#include "config.h"

#include <string.h>

#include <libxml/parser.h>

#include "email2-test.h"
#include "email2-payload-private.h"

#define HEADER \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
  "<SyncML xmlns=\"SYNCML:SYNCML1.2\">\n" \
  "  <SyncHdr>\n" \
  "    <VerDTD>1.2</VerDTD>\n" \
  "    <VerProto>DM/1.2</VerProto>\n" \
  "    <SessionID>7</SessionID>\n" \
  "    <MsgID>1</MsgID>\n" \
  "    <Target>\n" \
  "      <LocURI>https://mdm.example.com/omadm</LocURI>\n" \
  "    </Target>\n" \
  "    <Source>\n" \
  "      <LocURI>urn:uuid:device</LocURI>\n" \
  "    </Source>\n" \
  "  </SyncHdr>\n" \
  "  <SyncBody>\n" \
  "    <Status>\n" \
  "      <CmdID>1</CmdID>\n" \
  "      <MsgRef>3</MsgRef>\n" \
  "      <CmdRef>0</CmdRef>\n" \
  "      <Cmd>SyncHdr</Cmd>\n" \
  "      <TargetRef>urn:uuid:device</TargetRef>\n" \
  "      <SourceRef>https://mdm.example.com/omadm</SourceRef>\n" \
  "      <Data>200</Data>\n" \
  "    </Status>\n"

#define FOOTER \
  "    <Final/>\n" \
  "  </SyncBody>\n" \
  "</SyncML>\n"

#define STATUS(id, ref, cmd, target, code) \
  "    <Status>\n" \
  "      <CmdID>" id "</CmdID>\n" \
  "      <MsgRef>3</MsgRef>\n" \
  "      <CmdRef>" ref "</CmdRef>\n" \
  "      <Cmd>" cmd "</Cmd>\n" \
  target \
  "      <Data>" code "</Data>\n" \
  "    </Status>\n"

#define TARGET(uri) "      <TargetRef>" uri "</TargetRef>\n"

static char *
respond (Email2MemoryHost *host,
         const char       *body)
{
  char *response = NULL;
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, &response);
  xmlDoc *doc;

  /* every answer is well-formed XML */
  doc = xmlReadMemory (response, strlen (response), NULL, NULL, XML_PARSE_NONET);
  g_assert_nonnull (doc);
  xmlFreeDoc (doc);

  return response;
}

static void
create (Email2MemoryHost *host)
{
  g_autofree char *inner = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", inner, "</Atomic>", NULL);
  g_autoptr(GPtrArray) statuses = email2_test_run (host, body, NULL);

  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 200);
}

static void
test_get_results (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *response = NULL;

  create (host);
  response = respond (host,
                      "<Get><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                      "/SERVICENAME</LocURI></Target></Item></Get>"
                      "<Get><CmdID>5</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                      "/NAME</LocURI></Target></Item></Get>"
                      "<Get><CmdID>6</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                      "/AUTHSECRET</LocURI></Target></Item></Get>"
                      "<Get><CmdID>7</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2"
                      "</LocURI></Target></Item></Get>");

  g_assert_cmpstr (response, ==,
    HEADER
    STATUS ("2", "4", "Get", TARGET (TEST_ACCOUNT "/SERVICENAME"), "200")
    "    <Results>\n"
    "      <CmdID>3</CmdID>\n"
    "      <MsgRef>3</MsgRef>\n"
    "      <CmdRef>4</CmdRef>\n"
    "      <Item>\n"
    "        <Source>\n"
    "          <LocURI>" TEST_ACCOUNT "/SERVICENAME</LocURI>\n"
    "        </Source>\n"
    "        <Meta>\n"
    "          <Format xmlns=\"syncml:metinf\">chr</Format>\n"
    "          <Type xmlns=\"syncml:metinf\">text/plain</Type>\n"
    "        </Meta>\n"
    "        <Data>Contoso Mail</Data>\n"
    "      </Item>\n"
    "    </Results>\n"
    STATUS ("4", "5", "Get", TARGET (TEST_ACCOUNT "/NAME"), "404")
    STATUS ("5", "6", "Get", TARGET (TEST_ACCOUNT "/AUTHSECRET"), "200")
    "    <Results>\n"
    "      <CmdID>6</CmdID>\n"
    "      <MsgRef>3</MsgRef>\n"
    "      <CmdRef>6</CmdRef>\n"
    "      <Item>\n"
    "        <Source>\n"
    "          <LocURI>" TEST_ACCOUNT "/AUTHSECRET</LocURI>\n"
    "        </Source>\n"
    "        <Meta>\n"
    "          <Format xmlns=\"syncml:metinf\">chr</Format>\n"
    "          <Type xmlns=\"syncml:metinf\">text/plain</Type>\n"
    "        </Meta>\n"
    "        <Data>********</Data>\n"
    "      </Item>\n"
    "    </Results>\n"
    STATUS ("7", "7", "Get", TARGET ("./Vendor/MSFT/EMAIL2"), "200")
    "    <Results>\n"
    "      <CmdID>8</CmdID>\n"
    "      <MsgRef>3</MsgRef>\n"
    "      <CmdRef>7</CmdRef>\n"
    "      <Item>\n"
    "        <Source>\n"
    "          <LocURI>./Vendor/MSFT/EMAIL2</LocURI>\n"
    "        </Source>\n"
    "        <Meta>\n"
    "          <Format xmlns=\"syncml:metinf\">node</Format>\n"
    "          <Type xmlns=\"syncml:metinf\">text/plain</Type>\n"
    "        </Meta>\n"
    "        <Data>%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D</Data>\n"
    "      </Item>\n"
    "    </Results>\n"
    FOOTER);
}

/* The research's failure example: the account exists, 418, the rest 215. */
static void
test_atomic_failure_document (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *response = NULL;

  create (host);
  response = respond (host,
                      "<Atomic><CmdID>2</CmdID>"
                      "<Add><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "</LocURI></Target>"
                      "<Meta><Format xmlns=\"syncml:metinf\">node</Format></Meta></Item></Add>"
                      "<Add><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
                      "<Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta><Data>x</Data></Item></Add>"
                      "</Atomic>");

  g_assert_cmpstr (response, ==,
    HEADER
    STATUS ("2", "2", "Atomic", "", "507")
    STATUS ("3", "3", "Add", TARGET (TEST_ACCOUNT), "418")
    STATUS ("4", "4", "Add", TARGET (TEST_ACCOUNT "/NAME"), "215")
    FOOTER);
}

/* 216 before the failing command, its own code, 215 after. */
static void
test_rollback_document (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *response = NULL;

  create (host);
  response = respond (host,
                      "<Atomic><CmdID>10</CmdID>"
                      "<Replace><CmdID>11</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
                      "<Data>Alice</Data></Item></Replace>"
                      "<Replace><CmdID>12</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/BOGUS</LocURI></Target>"
                      "<Data>1</Data></Item></Replace>"
                      "<Delete><CmdID>13</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
                      "</Item></Delete>"
                      "</Atomic>"
                      "<Replace><CmdID>14</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
                      "<Data>Alice</Data></Item></Replace>");

  g_assert_cmpstr (response, ==,
    HEADER
    STATUS ("2", "10", "Atomic", "", "507")
    STATUS ("3", "11", "Replace", TARGET (TEST_ACCOUNT "/NAME"), "216")
    STATUS ("4", "12", "Replace", TARGET (TEST_ACCOUNT "/BOGUS"), "404")
    STATUS ("5", "13", "Delete", TARGET (TEST_ACCOUNT "/NAME"), "215")
    STATUS ("6", "14", "Replace", TARGET (TEST_ACCOUNT "/NAME"), "405")
    FOOTER);
}

typedef struct {
  const char *name;
  const char *body;
  const char *expected;   /* email2_test_summarize() of the statuses */
} PathCase;

/* One case per status code the engine answers with. */
static const PathCase status_paths[] = {
  { "200", "<Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2</LocURI></Target></Item></Get>",
    "Get:1:200" },
  { "215-216-500-507", "<Atomic><CmdID>1</CmdID>"
    "<Add><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "</LocURI></Target>"
    "<Meta><Format xmlns=\"syncml:metinf\">node</Format></Meta></Item></Add>"
    "<Get><CmdID>3</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "</LocURI></Target></Item></Get>"
    "<Add><CmdID>4</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "/NAME</LocURI></Target><Data>x</Data></Item></Add>"
    "</Atomic>", "Atomic:1:507 Add:2:216 Get:3:500 Add:4:215" },
  { "400", "<Atomic><CmdID>1</CmdID><Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/LINGER</LocURI></Target><Data>16</Data></Item></Replace></Atomic>", "Atomic:1:507 Replace:2:400" },
  { "404", "<Delete><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2 "</LocURI></Target></Item></Delete>",
    "Delete:1:404" },
  { "405", "<Delete><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/INSERVER</LocURI></Target></Item></Delete>",
    "Delete:1:405" },
  { "406", "<Atomic><CmdID>1</CmdID><Replace><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/ACCOUNTTYPE</LocURI></Target><Data>VVM</Data></Item></Replace></Atomic>", "Atomic:1:507 Replace:2:406" },
  { "414", "<Get><CmdID>1</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "</LocURI></Target></Item></Get>", "Get:1:414" },
  { "415", "<Atomic><CmdID>1</CmdID><Add><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT2
    "</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">chr</Format></Meta></Item></Add></Atomic>",
    "Atomic:1:507 Add:2:415" },
  { "418", "<Atomic><CmdID>1</CmdID><Add><CmdID>2</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
    "/AUTHNAME</LocURI></Target><Data>bob</Data></Item></Add></Atomic>", "Atomic:1:507 Add:2:418" },
  { "no-cmdid", "<Get><Item><Target><LocURI>./Vendor/MSFT/EMAIL2</LocURI></Target></Item></Get>", "Get::400" },
};

static void
test_status_path (gconstpointer data)
{
  const PathCase *c = data;
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *before = NULL, *after = NULL, *summary = NULL;
  g_autoptr(GPtrArray) statuses = NULL;

  create (host);
  before = email2_memory_host_to_data (host);
  statuses = email2_test_run (host, c->body, NULL);
  summary = email2_test_summarize (statuses);
  g_assert_cmpstr (summary, ==, c->expected);
  after = email2_memory_host_to_data (host);
  g_assert_cmpstr (before, ==, after);
}

/* 516: the host fails, and so does its undo. */
static void
test_status_516 (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *inner = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", inner, "</Atomic>", NULL);
  g_autofree char *response = NULL;

  email2_memory_host_fail_apply (host, TEST_GUID);
  email2_memory_host_fail_rollback (host, TRUE);
  response = respond (host, body);
  g_assert_nonnull (strstr (response, STATUS ("2", "1", "Atomic", "", "507")));
  g_assert_nonnull (strstr (response, STATUS ("3", "2", "Add", TARGET (TEST_ACCOUNT), "516")));
  g_assert_nonnull (strstr (response, STATUS ("12", "11", "Replace",
                                              TARGET (TEST_ACCOUNT "/SYNCINGCONTENTTYPES"), "500")));
}

static Email2SyncmlMessage *
parse (const char  *text,
       GError     **error)
{
  return email2_syncml_read (email2_xml_parse, text, strlen (text), error);
}

static void
test_header (void)
{
  static const struct { const char *dtd, *proto; guint code; } cases[] = {
    { "1.2", "DM/1.2", 200 }, { "1.1", "DM/1.1", 200 },
    { "1.3", "DM/1.2", 505 }, { "1.2", "DS/1.2", 513 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf (
        "<SyncML xmlns='SYNCML:SYNCML1.1'><SyncHdr><VerDTD>%s</VerDTD><VerProto>%s</VerProto>"
        "<SessionID>A1</SessionID><MsgID>42</MsgID><Target><LocURI>dev</LocURI></Target>"
        "<Source><LocURI>srv</LocURI></Source></SyncHdr><SyncBody><Final/></SyncBody></SyncML>",
        cases[i].dtd, cases[i].proto);
      g_autoptr(Email2SyncmlMessage) message = parse (text, &error);
      g_autoptr(GPtrArray) none = g_ptr_array_new ();
      g_autofree char *response = NULL;
      g_autofree char *expected_status = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (message->header_status, ==, cases[i].code);
      response = email2_syncml_write_response (message, none);
      g_assert_nonnull (strstr (response, "<SyncML xmlns=\"SYNCML:SYNCML1.1\">"));
      g_assert_nonnull (strstr (response, "<SessionID>A1</SessionID>"));
      g_assert_nonnull (strstr (response, "<Target>\n      <LocURI>srv</LocURI>"));
      g_assert_nonnull (strstr (response, "<Source>\n      <LocURI>dev</LocURI>"));
      expected_status = g_strdup_printf ("<MsgRef>42</MsgRef>\n      <CmdRef>0</CmdRef>\n"
                                         "      <Cmd>SyncHdr</Cmd>\n      <TargetRef>dev</TargetRef>\n"
                                         "      <SourceRef>srv</SourceRef>\n      <Data>%u</Data>",
                                         cases[i].code);
      g_assert_nonnull (strstr (response, expected_status));
    }
}

static void
test_unusable (void)
{
  static const char * const documents[] = {
    "",
    "<html/>",
    "<SyncML xmlns='SYNCML:SYNCML1.2'><SyncBody/></SyncML>",
    "<SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr/></SyncML>",
    "<SyncML xmlns='urn:example'><SyncHdr/><SyncBody/></SyncML>",
    "<SyncML><SyncHdr></SyncML>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2SyncmlMessage) message = parse (documents[i], &error);

      g_assert_null (message);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
    }
}

/* Data as text, CDATA, entities and character references; comments ignored;
 * the answer escapes what it echoes. */
static void
test_reader_text (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autoptr(GPtrArray) statuses = NULL;
  g_autofree char *response = NULL;
  guint code;
  g_autofree char *name = NULL, *domain = NULL;

  create (host);
  statuses = email2_test_run (host,
                              "<Atomic><CmdID>a&amp;1</CmdID>"
                              "<Replace><CmdID>b</CmdID><!-- the display name -->"
                              "<Meta><Format xmlns='syncml:metinf'>chr</Format></Meta>"
                              "<Item><Target><LocURI> " TEST_ACCOUNT "/NAME </LocURI></Target>"
                              "<Data><![CDATA[Alice <& Co>]]></Data></Item>"
                              "<Item><Target><LocURI>" TEST_ACCOUNT "/DOMAIN</LocURI></Target>"
                              "<Data>M&#xfc;ller&amp;S&#246;hne</Data></Item></Replace></Atomic>",
                              &response);
  g_assert_cmpuint (((Email2Status *) statuses->pdata[0])->code, ==, 200);
  g_assert_nonnull (strstr (response, "<CmdRef>a&amp;1</CmdRef>"));

  name = email2_test_get (host, TEST_ACCOUNT "/NAME", &code);
  g_assert_cmpstr (name, ==, "Alice <& Co>");
  domain = email2_test_get (host, TEST_ACCOUNT "/DOMAIN", &code);
  g_assert_cmpstr (domain, ==, "M\xc3\xbcller&S\xc3\xb6hne");

  g_clear_pointer (&response, g_free);
  g_clear_pointer (&statuses, g_ptr_array_unref);
  statuses = email2_test_run (host, "<Get><CmdID>g</CmdID><Item><Target><LocURI>" TEST_ACCOUNT
                              "/NAME</LocURI></Target></Item></Get>", &response);
  g_assert_nonnull (strstr (response, "<Data>Alice &lt;&amp; Co&gt;</Data>"));
}

/* A document in another encoding with bytes that do not convert: refused,
 * and libxml2 writes nothing to stderr (found by fuzz/fuzz-cp: it wrote
 * "encoding error : input conversion failed" into the caller's log). */
static void
test_no_stderr (void)
{
  static const char document[] =
    "<?xml version=\"1.0\" encoding=\"EUC-JP\"?><SyncML xmlns=\"SYNCML:SYNCML1.2\">"
    "\xff\xff\xff\xff</SyncML>";

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2SyncmlMessage) message = email2_syncml_read (email2_xml_parse, document, sizeof document - 1, &error);

      g_assert_null (message);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/syncml/get-results", test_get_results);
  g_test_add_func ("/syncml/atomic-failure", test_atomic_failure_document);
  g_test_add_func ("/syncml/rollback", test_rollback_document);
  g_test_add_func ("/syncml/status/516", test_status_516);
  for (guint i = 0; i < G_N_ELEMENTS (status_paths); i++)
    {
      g_autofree char *name = g_strdup_printf ("/syncml/status/%s", status_paths[i].name);
      g_test_add_data_func (name, &status_paths[i], test_status_path);
    }
  g_test_add_func ("/syncml/header", test_header);
  g_test_add_func ("/syncml/unusable", test_unusable);
  g_test_add_func ("/syncml/reader-text", test_reader_text);
  g_test_add_func ("/syncml/no-stderr", test_no_stderr);

  return g_test_run ();
}
