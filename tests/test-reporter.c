/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Reporter in-process: a service on the memory host, behind a
 * desktop host, with the recording notification service of email2-test.c
 * on a private bus. A committed payload is shown to the user and recorded
 * with what sent it; the records are written once the call is answered;
 * a failed payload is shown once with its reason and recorded for the
 * accounts that are there; ListAccounts gets each record after what the
 * host said, and nothing when the host is stopping; a reporter dropped
 * reports nothing more. The notifier's texts are test-notifier's, the
 * ledger's fields test-ledger's.
 */

#include "config.h"

#include <string.h>


#include "email2-test.h"
#include "email2-reporter-private.h"

typedef struct {
  Email2TestNotifications notifications;
  char *root;
  char *ledger_path;
  Email2MemoryHost *host;
  Email2DesktopHost *desktop;
  Email2Session *session;
  Email2Service *service;
  Email2Reporter *reporter;
} Fixture;

static char *
inbox_uri (const Email2Account *account,
           gpointer             user_data)
{
  return g_strdup ("folder://local/Inbox");
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *applications = NULL;

  email2_test_notifications_init (&fixture->notifications, TRUE, FALSE);
  fixture->root = g_dir_make_tmp ("email2-reporter-XXXXXX", &error);
  g_assert_no_error (error);
  applications = g_build_filename (fixture->root, "applications", NULL);
  fixture->ledger_path = g_build_filename (fixture->root, "email2", "accounts.ini", NULL);
  fixture->host = email2_memory_host_new ();
  fixture->desktop = email2_desktop_host_new (EMAIL2_HOST (fixture->host), applications, inbox_uri,
                                              NULL);
  fixture->session = email2_session_new (EMAIL2_HOST (fixture->desktop));
  fixture->service = email2_service_new (fixture->session);
  fixture->reporter = email2_reporter_new (fixture->service, fixture->desktop,
                                           fixture->notifications.client_connection,
                                           fixture->ledger_path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->reporter);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->desktop);
  g_clear_object (&fixture->host);
  email2_test_remove_tree (fixture->root);
  g_free (fixture->root);
  g_free (fixture->ledger_path);
  email2_test_notifications_clear (&fixture->notifications);
}

typedef struct {
  Email2Service *service;
  const char *body;
  const char *origin;       /* NULL: a D-Bus client's */
  gboolean answered;        /* emit call-done afterwards, as Apply does */
  gboolean succeeded;
} Job;

/* As the service's worker runs a payload. */
static void
run_job (gpointer data,
         gpointer unused)
{
  Job *job = data;
  g_autofree char *text = email2_test_message (job->body);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (text, strlen (text), EMAIL2_FORMAT_AUTO,
                                                           &error);
  g_autofree char *response = NULL;
  gsize length = 0;

  g_assert_no_error (error);
  response = email2_service_respond (job->service, payload, job->origin, &length, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
  job->succeeded = email2_payload_succeeded (payload);
  if (job->answered)
    g_signal_emit_by_name (job->service, "call-done");
}

/* Runs @job in a worker until @expected notifications were shown in all. */
static void
run (Fixture *fixture,
     Job     *job,
     guint    expected)
{
  job->service = fixture->service;
  email2_test_notifications_run (&fixture->notifications, run_job, job, expected);
}

static char *
create_body (void)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");

  return g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", create);
}

/* What ListAccounts is given for @guid, a host's handler adding
 * "servers" first (or stopping, when @stopping). */
static gboolean
host_describes (Email2Service   *service,
                const char      *guid,
                GVariantBuilder *builder,
                gpointer         stopping)
{
  if (GPOINTER_TO_INT (stopping))
    return TRUE;
  g_variant_builder_add (builder, "{sv}", "servers", g_variant_new_string ("host"));
  return FALSE;
}

static GVariant *
describe (Fixture    *fixture,
          const char *guid,
          gboolean    stopping,
          gboolean   *stopped)
{
  GVariantBuilder builder;
  gulong id = g_signal_connect (fixture->service, "describe-account", G_CALLBACK (host_describes),
                                GINT_TO_POINTER (stopping));

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_signal_emit_by_name (fixture->service, "describe-account", guid, &builder, stopped);
  g_signal_handler_disconnect (fixture->service, id);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

static char *
lookup_string (GVariant   *dict,
               const char *key)
{
  char *value = NULL;

  g_variant_lookup (dict, key, "s", &value);
  return value;
}

/* Created from a spool file: shown, recorded as the file's, and written
 * only once the call is answered. */
static void
test_committed (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *body = create_body ();
  Job job = { NULL, body, "50-work.xml", FALSE, FALSE };
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GKeyFile) records = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *by = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *first = NULL;
  gboolean stopped = TRUE;

  run (fixture, &job, 1);
  g_assert_true (job.succeeded);
  g_variant_get (fixture->notifications.shown->pdata[0], "(ssss)", NULL, &summary, NULL, NULL);
  g_assert_cmpstr (summary, ==, "New mail account");
  g_assert_false (g_file_test (fixture->ledger_path, G_FILE_TEST_EXISTS));

  /* ListAccounts: the host's part, then the record. */
  dict = describe (fixture, TEST_GUID, FALSE, &stopped);
  g_assert_false (stopped);
  g_variant_get_child (dict, 0, "{sv}", &first, NULL);
  g_assert_cmpstr (first, ==, "servers");
  by = lookup_string (dict, "provisioned-by");
  g_assert_cmpstr (by, ==, "spool:50-work.xml");

  /* Answered: written. */
  g_signal_emit_by_name (fixture->service, "call-done");
  g_assert_true (g_key_file_load_from_file (records, fixture->ledger_path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  g_clear_pointer (&by, g_free);
  by = g_key_file_get_string (records, TEST_GUID, "ProvisionedBy", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by, ==, "spool:50-work.xml");
}

/* An edit from a D-Bus client that fails: shown once with the reason of
 * the command that failed, recorded for the account that is there, and
 * not for the one that is not. A stopping host ends ListAccounts before
 * the record. */
static void
test_failed (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *create = create_body ();
  g_autofree char *bad_port = email2_test_item_cmd ("Replace", "3", TEST_ACCOUNT "/INSERVER", "chr",
                                                    "mail.contoso.com:99999");
  g_autofree char *other = email2_test_item_cmd ("Replace", "4", TEST_ACCOUNT2 "/SERVICENAME", "chr",
                                                 "Other");
  g_autofree char *edit = g_strdup_printf ("<Atomic><CmdID>2</CmdID>%s%s</Atomic>", bad_port, other);
  Job created = { NULL, create, NULL, TRUE, FALSE };
  Job failed = { NULL, edit, NULL, TRUE, FALSE };
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) none = NULL;
  g_autoptr(GVariant) stopped_dict = NULL;
  g_autofree char *by = NULL;
  g_autofree char *outcome = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  gboolean stopped = FALSE;

  run (fixture, &created, 1);
  g_assert_true (created.succeeded);
  run (fixture, &failed, 2);
  g_assert_false (failed.succeeded);
  g_variant_get (fixture->notifications.shown->pdata[1], "(ssss)", NULL, &summary, &body, NULL);
  g_assert_cmpstr (summary, ==, "Mail settings not applied");
  g_assert_true (g_str_has_prefix (body, "Mail settings sent by your organisation could not be applied.\n"));
  g_assert_null (strstr (body, "Atomic"));

  dict = describe (fixture, TEST_GUID, FALSE, &stopped);
  outcome = lookup_string (dict, "outcome");
  by = lookup_string (dict, "outcome-by");
  g_assert_cmpstr (outcome, ==, "failed");
  g_assert_cmpstr (by, ==, "dbus");
  none = describe (fixture, TEST_GUID2, FALSE, &stopped);
  g_assert_false (g_variant_lookup (none, "outcome", "s", NULL));

  stopped_dict = describe (fixture, TEST_GUID, TRUE, &stopped);
  g_assert_true (stopped);
  g_assert_cmpuint (g_variant_n_children (stopped_dict), ==, 0);
}

/* Dropped: the next payloads are neither shown nor recorded. */
static void
test_dropped (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *body = create_body ();
  g_autofree char *bad = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/INSERVER", "chr",
                                               "mail.contoso.com:99999");
  Job created = { NULL, body, NULL, TRUE, FALSE };
  Job failed = { NULL, bad, "work.xml", TRUE, FALSE };
  g_autoptr(GVariant) dict = NULL;
  gboolean stopped = TRUE;

  g_clear_object (&fixture->reporter);
  run (fixture, &created, 0);
  g_assert_true (created.succeeded);
  run (fixture, &failed, 0);
  g_assert_false (failed.succeeded);
  dict = describe (fixture, TEST_GUID, FALSE, &stopped);
  g_assert_false (stopped);
  g_assert_cmpuint (g_variant_n_children (dict), ==, 1);
  g_assert_false (g_file_test (fixture->ledger_path, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reporter/committed", Fixture, NULL, fixture_set_up, test_committed,
              fixture_tear_down);
  g_test_add ("/reporter/failed", Fixture, NULL, fixture_set_up, test_failed, fixture_tear_down);
  g_test_add ("/reporter/dropped", Fixture, NULL, fixture_set_up, test_dropped, fixture_tear_down);

  return g_test_run ();
}
