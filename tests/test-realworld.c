/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Payloads that other people wrote: Microsoft's published EMAIL2 samples
 * (Windows Mobile 5.0 / 6.5, Windows 10), the Windows e-mail profile of a
 * shipping MDM product (ManageEngine) and the way Fleet delivers a Windows
 * profile. tests/data/realworld/README.md names the source of each and
 * every change made to it. Each scenario runs its payloads in order on one
 * host and checks the answer a Windows device gives: creations succeed,
 * queries are answered, deletes are done, templates with placeholders are
 * refused, and every item has its Status.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define WM65_DM_ACCOUNT "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C64-D9469EE1FBE0%7D"
#define ME_ACCOUNT "./Vendor/MSFT/EMAIL2/%7B8D1F4C21-3A5B-4E6F-9C07-1B2A3C4D5E6F%7D"
#define FLEET_ACCOUNT "./User/Vendor/MSFT/EMAIL2/%7B2F6A9B1C-7D3E-4A58-B0C1-D2E3F4A5B6C7%7D"
#define WM65_CP_ACCOUNT "./Vendor/MSFT/EMAIL2/%7BD671C70B-8EE3-4881-8045-2AEE6F731B55%7D"

/* A Get after a step: @value NULL means the node does not exist (404). */
typedef struct {
  const char *uri;
  const char *value;
} Expect;

typedef struct {
  const char *file;
  gboolean ok;               /* every command succeeded */
  const char *codes;         /* the status codes, in order */
  const char *answer[4];     /* texts the answer holds */
  Expect gets[8];
} Step;

typedef struct {
  const char *name;
  Step steps[4];
} Scenario;

static const Scenario scenarios[] = {
  { "wm65-dm-create-pop3", {
    /* As published: the GUID placeholder is no GUID; nothing is created. */
    { "wm65-dm-create-pop3-template.xml", FALSE, "507 404 215 215 215 215 215 215 215",
      { "<Data>404</Data>" },
      { { "./Vendor/MSFT/EMAIL2", "" } } },
    /* Filled in: created, without ACCOUNTTYPE and SYNCINGCONTENTTYPES. */
    { "wm65-dm-create-pop3.xml", TRUE, "200 200 200 200 200 200 200 200 200",
      { "<CmdRef>100</CmdRef>", "<CmdRef>900</CmdRef>" },
      { { WM65_DM_ACCOUNT "/SERVICETYPE", "POP3" },
        { WM65_DM_ACCOUNT "/INSERVER", "IncomingServer1" },
        { WM65_DM_ACCOUNT "/ACCOUNTTYPE", "Email" },
        { WM65_DM_ACCOUNT "/SYNCINGCONTENTTYPES", "0x2" },
        { WM65_DM_ACCOUNT "/AUTHSECRET", "********" } } },
    /* The page's note spells the GUID one digit short: 404, and why. */
    { "wm65-dm-note-delete.xml", FALSE, "404",
      { "<TargetRef>./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4edb-9C64-D9469EE1FBE%7D</TargetRef>" },
      { { WM65_DM_ACCOUNT "/SERVICENAME", "email acct 1" } } },
  } },
  { "win10-dm-locuri", {
    { "win10-dm-get-0x7b.xml", FALSE, "404", { "<Data>404</Data>" } },
  } },
  { "manageengine", {
    /* One Replace of the account node and every leaf, ints and no Meta. */
    { "manageengine-install.xml", TRUE,
      "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200",
      { NULL },
      { { ME_ACCOUNT "/SERVICENAME", "Example Mail" },
        { ME_ACCOUNT "/AUTHREQUIRED", "1" },
        { ME_ACCOUNT "/SMTPALTENABLED", "0" },
        { ME_ACCOUNT "/TAGPROPS", "8128000B/812C000B" },
        { ME_ACCOUNT "/TAGPROPS/812C000B", "1" },
        { ME_ACCOUNT "/SYNCINGCONTENTTYPES", "0x2" },
        { ME_ACCOUNT "/SMTPALTAUTHNAME", NULL } } },
    /* The same profile pushed again: the account stays as it is. */
    { "manageengine-install.xml", TRUE,
      "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200",
      { NULL },
      { { ME_ACCOUNT "/SERVICETYPE", "IMAP4" } } },
    { "manageengine-remove.xml", TRUE, "200", { NULL },
      { { ME_ACCOUNT, NULL }, { "./Vendor/MSFT/EMAIL2", "" } } },
  } },
  { "fleet-session", {
    { "fleet-1-profile.xml", TRUE, "200 200 200 200 200 200 200 200 200 200", { NULL },
      { { FLEET_ACCOUNT "/NAME", "Alice" }, { FLEET_ACCOUNT "/ACCOUNTTYPE", "Email" } } },
    /* Delivered again: the Add of the account answers 418 (what Fleet
     * looks for), the Atomic 507, and nothing changes. */
    { "fleet-2-profile-again.xml", FALSE, "507 418 215 215 215 215 215 215 215 215",
      { "<Data>418</Data>" },
      { { FLEET_ACCOUNT "/NAME", "Alice" } } },
    /* Re-sent as Replace: all 200, SERVICENAME and SERVICETYPE included
     * (they keep their values). */
    { "fleet-3-resent-as-replace.xml", TRUE, "200 200 200 200 200 200 200 200 200 200", { NULL },
      { { FLEET_ACCOUNT "/SERVICENAME", "Corp Mail" }, { FLEET_ACCOUNT "/INSERVER", "imap.corp.example:993" } } },
  } },
  { "wm65-cp", {
    /* As published: REPLYADDR "emailAddress" is a placeholder. */
    { "wm65-cp-create-imap-template.xml", FALSE, NULL,
      { "<parm-error name=\"REPLYADDR\" value=\"emailAddress\" desc=\"REPLYADDR does not accept this value" },
      { { WM65_CP_ACCOUNT, NULL } } },
    { "wm65-cp-create-imap.xml", TRUE, NULL,
      { "<parm name=\"AUTHSECRET\" value=\"********\"/>" },
      { { WM65_CP_ACCOUNT "/DOMAIN", "oceana" }, { WM65_CP_ACCOUNT "/ACCOUNTTYPE", "Email" } } },
    /* The parameter query: the two known names answered, 0x8125001F
     * (PR_CE_INCOMING_SERVER) answered as its own error. */
    { "wm65-cp-parm-query.xml", FALSE, NULL,
      { "<parm name=\"SERVICENAME\" value=\"MyIMAP\"/>", "<parm name=\"SERVICETYPE\" value=\"IMAP4\"/>",
        "<parm-query-error name=\"0x8125001F\" desc=\"“0x8125001F” is not a parameter of TAGPROPS\"/>" } },
    { "wm65-cp-enable-ssl.xml", TRUE, NULL, { NULL },
      { { WM65_CP_ACCOUNT "/TAGPROPS/8128000B", "1" }, { WM65_CP_ACCOUNT "/TAGPROPS/812C000B", "1" } } },
  } },
  { "wm65-cp-query-delete", {
    { "wm65-cp-create-imap.xml", TRUE, NULL, { NULL } },
    { "wm65-cp-root-query.xml", TRUE, NULL,
      { "<characteristic type=\"{D671C70B-8EE3-4881-8045-2AEE6F731B55}\">",
        "<parm name=\"INSERVER\" value=\"Imapserver\"/>", "<parm name=\"REPLYADDR\" value=\"alias@oceana.example\"/>" } },
    { "wm65-cp-delete.xml", TRUE, NULL, { "<nocharacteristic type=\"{D671C70B-8EE3-4881-8045-2AEE6F731B55}\"/>" },
      { { WM65_CP_ACCOUNT, NULL } } },
  } },
};

static const char * const secrets[] = { "value=\"password\"", ">password<", "Zoho-example-pw", "Fleet-example-pw" };

static guint
count (const char *text,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;

  return n;
}

static void
run_step (Email2MemoryHost *host,
          const Step       *step)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "realworld", step->file, NULL);
  g_autofree char *request = NULL;
  g_autofree char *answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GString) codes = g_string_new (NULL);
  gsize length;

  g_assert_true (g_file_get_contents (path, &request, &length, &error));
  g_assert_no_error (error);

  payload = email2_payload_parse (request, length, EMAIL2_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  email2_payload_process (payload, session);
  answer = email2_payload_write_response (payload, &length, &error);
  g_assert_no_error (error);
  g_test_message ("%s:\n%s", step->file, answer);

  for (guint i = 0; i < email2_payload_get_statuses (payload)->len; i++)
    g_string_append_printf (codes, "%s%u", i ? " " : "",
                            ((Email2Status *) email2_payload_get_statuses (payload)->pdata[i])->code);
  if (step->codes != NULL)
    g_assert_cmpstr (codes->str, ==, step->codes);
  g_assert_cmpint (email2_payload_succeeded (payload), ==, step->ok);

  if (email2_payload_get_format (payload) == EMAIL2_FORMAT_SYNCML)
    {
      /* One Status per Item and per Atomic, each echoing a CmdID of the request. */
      g_assert_cmpuint (count (answer, "<Status>") - 1, ==,
                        count (request, "<Item>") + count (request, "<Atomic>"));
      for (guint i = 0; i < email2_payload_get_statuses (payload)->len; i++)
        {
          const Email2Status *status = email2_payload_get_statuses (payload)->pdata[i];
          g_autofree char *cmd_id = g_strdup_printf ("<CmdID>%s</CmdID>", status->cmd_ref);

          g_assert_nonnull (strstr (request, cmd_id));
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (step->answer) && step->answer[i] != NULL; i++)
    if (strstr (answer, step->answer[i]) == NULL)
      g_error ("%s: the answer lacks %s", step->file, step->answer[i]);
  for (guint i = 0; i < G_N_ELEMENTS (secrets); i++)
    g_assert_null (strstr (answer, secrets[i]));

  for (guint i = 0; i < G_N_ELEMENTS (step->gets) && step->gets[i].uri != NULL; i++)
    {
      guint code;
      g_autofree char *value = email2_test_get (host, step->gets[i].uri, &code);

      g_assert_cmpuint (code, ==, step->gets[i].value != NULL ? 200 : 404);
      g_assert_cmpstr (value, ==, step->gets[i].value);
    }
}

static void
test_scenario (gconstpointer data)
{
  const Scenario *scenario = data;
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();

  for (guint i = 0; i < G_N_ELEMENTS (scenario->steps) && scenario->steps[i].file != NULL; i++)
    run_step (host, &scenario->steps[i]);
}

/* The reasons say what is wrong with the payload, not only that it is. */
static void
test_reasons (void)
{
  static const struct { const char *file; const char *reason; } cases[] = {
    { "win10-dm-get-0x7b.xml", "the GUID's last group has 11 hex digits, not 12" },
    { "wm65-dm-note-delete.xml", "the GUID's last group has 11 hex digits, not 12" },
    { "wm65-dm-create-pop3-template.xml", "a template's placeholder left in?" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "realworld", cases[i].file, NULL);
      g_autofree char *request = NULL;
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
      g_autoptr(Email2Payload) payload = NULL;
      gboolean found = FALSE;
      gsize length;

      g_assert_true (g_file_get_contents (path, &request, &length, NULL));
      payload = email2_payload_parse (request, length, EMAIL2_FORMAT_AUTO, NULL);
      g_assert_nonnull (payload);
      email2_payload_process (payload, session);
      for (guint s = 0; s < email2_payload_get_statuses (payload)->len; s++)
        {
          const char *reason = ((Email2Status *) email2_payload_get_statuses (payload)->pdata[s])->reason;

          found |= reason != NULL && strstr (reason, cases[i].reason) != NULL;
        }
      if (!found)
        g_error ("%s: no reason says “%s”", cases[i].file, cases[i].reason);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autofree char *name = g_strdup_printf ("/realworld/%s", scenarios[i].name);

      g_test_add_data_func (name, &scenarios[i], test_scenario);
    }
  g_test_add_func ("/realworld/reasons", test_reasons);

  return g_test_run ();
}
