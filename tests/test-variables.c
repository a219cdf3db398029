/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Per-user variables of system payloads: the expansion rules, and one
 * payload with ${USER}, ${REALNAME} and ${EMAIL} applied for two users,
 * as SyncML, CP and WBXML, with names that need escaping in each.
 */

#include "config.h"

#include <string.h>

#include "email2-test.h"

#define CP_GUID "{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}"

/* Data as it stands in the XML: ${…} needs no escaping; the literal
 * "$${" stays a literal "${". */
static const char * const leaves[][2] = {
  { "SERVICENAME", "Mail of ${USER}" },
  { "SERVICETYPE", "IMAP4" },
  { "ACCOUNTTYPE", "Email" },
  { "INSERVER", "mail.contoso.com" },
  { "OUTSERVER", "smtp.contoso.com:587" },
  { "AUTHNAME", "${USER}" },
  { "NAME", "${REALNAME} ($${not a variable})" },
  { "REPLYADDR", "${EMAIL}" },
  { "SYNCINGCONTENTTYPES", "2" },
};

static char *
syncml_payload (const char *extra)
{
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>");

  for (guint i = 0; i < G_N_ELEMENTS (leaves); i++)
    {
      g_autofree char *uri = g_strdup_printf ("%s/%s", TEST_ACCOUNT, leaves[i][0]);
      g_autofree char *id = g_strdup_printf ("%u", i + 2);
      g_autofree char *cmd = email2_test_item_cmd ("Replace", id, uri, "chr", leaves[i][1]);

      g_string_append (body, cmd);
    }
  if (extra != NULL)
    g_string_append (body, extra);
  g_string_append (body, "</Atomic>");
  return email2_test_message (body->str);
}

static char *
cp_payload (void)
{
  g_autoptr(GString) doc = g_string_new ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                         "<wap-provisioningdoc version=\"1.1\">"
                                         "<characteristic type=\"EMAIL2\">"
                                         "<characteristic type=\"" CP_GUID "\">");

  for (guint i = 0; i < G_N_ELEMENTS (leaves); i++)
    g_string_append_printf (doc, "<parm name=\"%s\" value=\"%s\"/>", leaves[i][0], leaves[i][1]);
  g_string_append (doc, "</characteristic></characteristic></wap-provisioningdoc>\n");
  return g_string_free (g_steal_pointer (&doc), FALSE);
}

static char *
get (Email2MemoryHost *host,
     const char       *node)
{
  g_autofree char *uri = g_strdup_printf ("%s/%s", TEST_ACCOUNT, node);
  guint code = 0;
  char *value = email2_test_get (host, uri, &code);

  g_assert_cmpuint (code, ==, 200);
  return value;
}

/* Applies @data as a system payload for @variables; returns the host. */
static Email2MemoryHost *
apply_as (const char      *data,
          gsize            length,
          Email2Variables *variables,
          gboolean         expect_ok)
{
  Email2MemoryHost *host = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO,
                                                           &error);

  g_assert_no_error (error);
  email2_session_set_variables (session, variables);
  g_assert_cmpint (email2_payload_process (payload, session), ==, expect_ok);
  return host;
}

static void
assert_user (Email2MemoryHost *host,
             const char       *user,
             const char       *real_name,
             const char       *email)
{
  g_autofree char *service = get (host, "SERVICENAME");
  g_autofree char *authname = get (host, "AUTHNAME");
  g_autofree char *name = get (host, "NAME");
  g_autofree char *replyaddr = get (host, "REPLYADDR");
  g_autofree char *expected_service = g_strdup_printf ("Mail of %s", user);
  g_autofree char *expected_name = g_strdup_printf ("%s (${not a variable})", real_name);

  g_assert_cmpstr (service, ==, expected_service);
  g_assert_cmpstr (authname, ==, user);
  g_assert_cmpstr (name, ==, expected_name);
  g_assert_cmpstr (replyaddr, ==, email);
}

static void
test_expand (void)
{
  static const struct {
    const char *in;
    const char *out;          /* NULL: refused */
  } rows[] = {
    { "", "" },
    { "plain", "plain" },
    { "${USER}", "ann" },
    { "${USER}${USER}", "annann" },
    { "a ${REALNAME} b", "a Ann O'Brien <&> b" },
    { "${EMAIL}", "ann@example.com" },
    { "$${USER}", "${USER}" },
    { "$$${USER}", "$${USER}" },      /* read from the left: "$", then "$${" */
    { "cost $5, $ {USER}, $USER", "cost $5, $ {USER}, $USER" },
    { "${user}", NULL },
    { "${HOME}", NULL },
    { "${}", NULL },
    { "${USER", NULL },
    { "${", NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Variables) variables = email2_variables_new ("ann", "Ann O'Brien <&>",
                                                               "${USER}@example.com", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *out = email2_variables_expand (variables, rows[i].in, &error);

      g_assert_cmpstr (out, ==, rows[i].out);
      if (rows[i].out == NULL)
        {
          g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE);
          g_clear_error (&error);
        }
      else
        g_assert_no_error (error);
    }
}

static void
test_pattern (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Variables) none = email2_variables_new ("bob", NULL, NULL, &error);
  g_autoptr(Email2Variables) bad = NULL;
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (email2_variables_get (none, "REALNAME"), ==, "bob");
  g_assert_null (email2_variables_get (none, "EMAIL"));
  out = email2_variables_expand (none, "${EMAIL}", &error);
  g_assert_null (out);
  g_assert_nonnull (strstr (error->message, "EmailPattern"));
  g_clear_error (&error);

  /* A pattern may use ${USER} only. */
  bad = email2_variables_new ("bob", "Bob", "${REALNAME}@example.com", &error);
  g_assert_null (bad);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE);
}

/* The passwd entry of a user that exists everywhere. */
static void
test_passwd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Variables) root = email2_variables_new_for_user ("root", "${USER}@example.com",
                                                                   &error);
  g_autoptr(Email2Variables) nobody = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (email2_variables_get (root, "USER"), ==, "root");
  g_assert_nonnull (email2_variables_get (root, "REALNAME"));
  g_assert_cmpstr (email2_variables_get (root, "EMAIL"), ==, "root@example.com");

  nobody = email2_variables_new_for_user ("no-such-user-email2", NULL, &error);
  g_assert_null (nobody);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND);
}

/* One payload, two users, every encoding: each gets their own values,
 * and names with XML's special characters come out exact. */
static void
test_two_users (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Variables) ann = email2_variables_new ("ann", "Ann \"Nan\" O'Brien & <Co>",
                                                         "${USER}@example.com", &error);
  g_autoptr(Email2Variables) bob = email2_variables_new ("bob", NULL, "${USER}@example.com",
                                                         &error);
  g_autofree char *syncml = syncml_payload (NULL);
  g_autofree char *cp = cp_payload ();
  const char *payloads[] = { syncml, cp };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autoptr(Email2MemoryHost) for_ann = apply_as (payloads[i], strlen (payloads[i]), ann, TRUE);
      g_autoptr(Email2MemoryHost) for_bob = apply_as (payloads[i], strlen (payloads[i]), bob, TRUE);

      assert_user (for_ann, "ann", "Ann \"Nan\" O'Brien & <Co>", "ann@example.com");
      assert_user (for_bob, "bob", "bob", "bob@example.com");

      {
        gsize length = 0;
        g_autofree char *wbxml = email2_wbxml_from_xml (payloads[i], strlen (payloads[i]),
                                                        0x03, &length, &error);
        g_autoptr(Email2MemoryHost) wb_ann = NULL;

        g_assert_no_error (error);
        wb_ann = apply_as (wbxml, length, ann, TRUE);
        assert_user (wb_ann, "ann", "Ann \"Nan\" O'Brien & <Co>", "ann@example.com");
      }
    }
}

/* Without variables (a user payload), ${…} is no variable: the value
 * rule judges the text as it is. */
static void
test_user_payload_literal (void)
{
  g_autofree char *syncml = syncml_payload (NULL);
  g_autoptr(Email2MemoryHost) host = apply_as (syncml, strlen (syncml), NULL, FALSE);
  guint code = 0;
  g_autofree char *value = email2_test_get (host, TEST_ACCOUNT "/AUTHNAME", &code);

  /* REPLYADDR "${EMAIL}" is no address: the whole Atomic fails. */
  g_assert_cmpuint (code, ==, 404);
}

/* A system payload never carries a secret; a substituted value still
 * obeys its node's rule; nothing changes in either case. */
static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Variables) ann = email2_variables_new ("ann", NULL, "${USER}@example.com",
                                                         &error);
  g_autoptr(Email2Variables) spaced = email2_variables_new ("ann smith", NULL,
                                                            "${USER}@example.com", &error);
  g_autofree char *secret = email2_test_item_cmd ("Replace", "20", TEST_ACCOUNT "/AUTHSECRET",
                                                  "chr", "pw");
  g_autofree char *with_secret = syncml_payload (secret);
  g_autofree char *plain = syncml_payload (NULL);
  g_autoptr(Email2MemoryHost) host = NULL;
  g_autoptr(Email2MemoryHost) host2 = NULL;
  g_autoptr(Email2Session) session = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  g_autofree char *state = NULL;
  gboolean seen = FALSE;

  g_assert_no_error (error);

  host = email2_memory_host_new ();
  session = email2_session_new (EMAIL2_HOST (host));
  email2_session_set_variables (session, ann);
  payload = email2_payload_parse (with_secret, strlen (with_secret), EMAIL2_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  g_assert_false (email2_payload_process (payload, session));
  for (guint i = 0; i < email2_payload_get_statuses (payload)->len; i++)
    {
      const Email2Status *status = email2_payload_get_statuses (payload)->pdata[i];

      if (g_strcmp0 (status->cmd_ref, "20") == 0)
        {
          g_assert_cmpuint (status->code, ==, 405);
          g_assert_nonnull (strstr (status->reason, "must not carry a secret"));
          seen = TRUE;
        }
    }
  g_assert_true (seen);
  state = email2_memory_host_to_data (host);
  g_assert_cmpstr (strstr (state, "{"), ==, NULL);

  /* "ann smith@example.com" is no REPLYADDR. */
  host2 = apply_as (plain, strlen (plain), spaced, FALSE);
  g_clear_pointer (&state, g_free);
  state = email2_memory_host_to_data (host2);
  g_assert_cmpstr (strstr (state, "{"), ==, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/variables/expand", test_expand);
  g_test_add_func ("/variables/pattern", test_pattern);
  g_test_add_func ("/variables/passwd", test_passwd);
  g_test_add_func ("/variables/two-users", test_two_users);
  g_test_add_func ("/variables/user-payload-literal", test_user_payload_literal);
  g_test_add_func ("/variables/refused", test_refused);

  return g_test_run ();
}
