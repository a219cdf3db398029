/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Notifications, received by a real notification daemon: Debian's dunst,
 * on an Xvfb display, owning org.freedesktop.Notifications on the test
 * session's bus (tools/with-session). Each provisioning event gives one
 * notification, read back from dunst's history through the D-Bus
 * interface dunstctl uses (org.dunstproject.cmd0); `validate` and queries
 * give none; no text ever holds a secret, and markup in a name is shown as
 * text.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "email2-test.h"

#define NOTIFICATIONS "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define DUNST_IFACE "org.dunstproject.cmd0"

static const char * const secrets[] = { "s3cret&pw", "example-password", "notify-s3cret", NULL };

static GDBusConnection *bus;
static GPid xvfb_pid;
static GPid dunst_pid;
static GHashTable *taken;   /* ids of notifications already looked at */

/* Children die with the test, whatever kills it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_daemon (void)
{
  const char *xvfb_argv[] = { "Xvfb", "-displayfd", "1", "-nolisten", "tcp",
                              "-screen", "0", "1024x768x24", NULL };
  const char *dunst_argv[] = { "dunst", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *line = NULL;
  g_autofree char *display = NULL;
  g_auto(GStrv) env = NULL;
  int out = -1;
  gint64 deadline;

  g_spawn_async_with_pipes (NULL, (char **) xvfb_argv, NULL,
                            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                            die_with_parent, NULL, &xvfb_pid, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  channel = g_io_channel_unix_new (out);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_io_channel_read_line (channel, &line, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  display = g_strconcat (":", g_strstrip (line), NULL);

  env = g_get_environ ();
  env = g_environ_setenv (env, "DISPLAY", display, TRUE);
  g_spawn_async (NULL, (char **) dunst_argv, env,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                 die_with_parent, NULL, &dunst_pid, &error);
  g_assert_no_error (error);

  /* dunst owns the name once it is ready. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", NOTIFICATIONS), G_VARIANT_TYPE ("(b)"),
                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      gboolean owned = FALSE;

      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50000);
    }
}

static void
stop_daemon (void)
{
  if (dunst_pid != 0)
    {
      kill (dunst_pid, SIGTERM);
      waitpid (dunst_pid, NULL, 0);
      g_spawn_close_pid (dunst_pid);
    }
  if (xvfb_pid != 0)
    {
      kill (xvfb_pid, SIGTERM);
      waitpid (xvfb_pid, NULL, 0);
      g_spawn_close_pid (xvfb_pid);
    }
}

static GVariant *
dunst_call (const char         *method,
            const GVariantType *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply = g_dbus_connection_call_sync (bus, NOTIFICATIONS, NOTIFICATIONS_PATH,
                                                 DUNST_IFACE, method, NULL, reply_type,
                                                 G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

  g_assert_no_error (error);
  return reply;
}

/* One notification as the daemon received it. */
typedef struct {
  char *appname;
  char *summary;
  char *body;
} Received;

static void
received_free (gpointer data)
{
  Received *received = data;

  g_free (received->appname);
  g_free (received->summary);
  g_free (received->body);
  g_free (received);
}

static char *
dict_string (GVariant   *dict,
             const char *key)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_STRING);

  return value != NULL ? g_variant_dup_string (value, NULL) : NULL;
}

/* Every notification shown since the last call, oldest first: waits until
 * there are @expected (and a moment more, so that a second one for the
 * same event would be seen), and closes them. dunst 1.9.0 cannot empty
 * its history: notifications already taken are told by their ids. */
static GPtrArray *
take_notifications (guint expected)
{
  GPtrArray *all = g_ptr_array_new_with_free_func (received_free);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint seen = 0;

  for (;;)
    {
      g_autoptr(GVariant) displayed = dunst_call ("NotificationListHistory", G_VARIANT_TYPE ("(aa{sv})"));
      guint history = 0;
      g_autoptr(GVariant) count = NULL;
      guint32 waiting = 0, shown = 0;

      /* Displayed and waiting ones are not in the history until closed. */
      count = g_dbus_connection_call_sync (bus, NOTIFICATIONS, NOTIFICATIONS_PATH,
                                           "org.freedesktop.DBus.Properties", "GetAll",
                                           g_variant_new ("(s)", DUNST_IFACE), NULL,
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      if (count != NULL)
        {
          g_autoptr(GVariant) props = g_variant_get_child_value (count, 0);

          g_variant_lookup (props, "waitingLength", "u", &waiting);
          g_variant_lookup (props, "displayedLength", "u", &shown);
        }
      {
        g_autoptr(GVariant) list = g_variant_get_child_value (displayed, 0);

        history = g_variant_n_children (list) - g_hash_table_size (taken);
      }
      seen = waiting + shown + history;
      if (seen >= expected || g_get_monotonic_time () > deadline)
        break;
      g_usleep (50000);
    }
  /* A duplicate would arrive right behind the first. */
  g_usleep (300000);

  g_variant_unref (dunst_call ("NotificationCloseAll", NULL));
  g_usleep (100000);
  {
    g_autoptr(GVariant) reply = dunst_call ("NotificationListHistory", G_VARIANT_TYPE ("(aa{sv})"));
    g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);

    /* The history is newest first. */
    for (gsize i = g_variant_n_children (list); i > 0; i--)
      {
        g_autoptr(GVariant) dict = g_variant_get_child_value (list, i - 1);
        Received *received;
        gint32 id = 0;

        g_assert_true (g_variant_lookup (dict, "id", "i", &id));
        if (!g_hash_table_add (taken, GINT_TO_POINTER (id)))
          continue;
        received = g_new0 (Received, 1);
        received->appname = dict_string (dict, "appname");
        received->summary = dict_string (dict, "summary");
        received->body = dict_string (dict, "body");
        g_test_message ("notification: %s | %s | %s", received->appname, received->summary,
                        received->body);
        for (guint j = 0; secrets[j] != NULL; j++)
          {
            g_assert_null (strstr (received->summary, secrets[j]));
            g_assert_null (strstr (received->body, secrets[j]));
          }
        g_ptr_array_add (all, received);
      }
  }
  g_assert_cmpuint (all->len, ==, expected);
  return all;
}

static void
apply_body (const char *body,
            int         expected_status)
{
  g_autofree char *message = email2_test_message (body);
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "payload.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(Email2TestRun) run;

  g_file_set_contents (path, message, -1, &error);
  g_assert_no_error (error);
  email2_test_ctl (&run, "apply", path);
  if (run.status != expected_status)
    g_printerr ("%s\n%s", run.out, run.err);
  g_assert_cmpint (run.status, ==, expected_status);
  g_unlink (path);
}

static const Received *
only (GPtrArray *all)
{
  g_assert_cmpuint (all->len, ==, 1);
  return all->pdata[0];
}

/* Added, changed, removed: one notification each, naming the account. */
static void
test_account_events (void)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *create_body = g_strconcat ("<Atomic><CmdID>1</CmdID>", create, "</Atomic>", NULL);
  g_autofree char *edit = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/REPLYADDR", "chr",
                                                "alice@fabrikam.com");
  g_autofree char *edit_body = g_strconcat ("<Atomic><CmdID>1</CmdID>", edit, "</Atomic>", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_auto(Email2TestRun) run;
  const Received *n;

  apply_body (create_body, 0);
  added = take_notifications (1);
  n = only (added);
  g_assert_cmpstr (n->appname, ==, "Evolution");
  g_assert_cmpstr (n->summary, ==, "New mail account");
  g_assert_cmpstr (n->body, ==, "Your organisation added the account Contoso Mail.");

  apply_body (edit_body, 0);
  changed = take_notifications (1);
  n = only (changed);
  g_assert_cmpstr (n->summary, ==, "Mail account changed");
  g_assert_cmpstr (n->body, ==, "Your organisation changed the settings of the account Contoso Mail.");

  /* Queries and validate change nothing and say nothing. */
  email2_test_ctl (&run, "get", TEST_ACCOUNT "/SERVICENAME");
  g_assert_cmpint (run.status, ==, 0);
  email2_test_run_clear (&run);
  {
    g_autofree char *message = email2_test_message (create_body);
    g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "v.xml", NULL);

    g_file_set_contents (path, message, -1, NULL);
    email2_test_ctl (&run, "validate", path);
    g_assert_cmpint (run.status, ==, 0);
    email2_test_run_clear (&run);
  }
  g_ptr_array_unref (take_notifications (0));

  email2_test_ctl (&run, "delete", TEST_GUID);
  g_assert_cmpint (run.status, ==, 0);
  removed = take_notifications (1);
  n = only (removed);
  g_assert_cmpstr (n->summary, ==, "Mail account removed");
  g_assert_cmpstr (n->body, ==, "Your organisation removed the account Contoso Mail.");
}

/* An account provisioned without its password: the user is told that
 * Evolution will ask for it. */
static void
test_password_asked (void)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *forget = email2_test_item_cmd ("Delete", "30", TEST_ACCOUNT "/AUTHSECRET", NULL, NULL);
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", create, forget, "</Atomic>", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) removed = NULL;
  g_auto(Email2TestRun) run;

  apply_body (body, 0);
  added = take_notifications (1);
  g_assert_cmpstr (only (added)->body, ==, "Your organisation added the account Contoso Mail. "
                                           "Evolution will ask for its password when it first connects.");
  email2_test_ctl (&run, "delete", TEST_GUID);
  g_assert_cmpint (run.status, ==, 0);
  removed = take_notifications (1);
}

/* A rollout that fails: one notification saying what failed and what to
 * do, whatever the number of commands; no secret in it. */
static void
test_failed_rollout (void)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *secret = email2_test_item_cmd ("Replace", "30", TEST_ACCOUNT "/AUTHSECRET", "chr",
                                                  "notify-s3cret");
  g_autofree char *bad = email2_test_item_cmd ("Replace", "31", TEST_ACCOUNT "/LINGER", "chr", "7");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", first, secret, bad, "</Atomic>", NULL);
  g_autoptr(GPtrArray) failed = NULL;
  const Received *n;

  apply_body (body, 1);
  failed = take_notifications (1);
  n = only (failed);
  g_assert_cmpstr (n->summary, ==, "Mail settings not applied");
  g_assert_true (g_str_has_prefix (n->body, "Mail settings sent by your organisation could not be applied.\n"));
  g_assert_nonnull (strstr (n->body, "LINGER"));
  g_assert_true (g_str_has_suffix (n->body, "Nothing was changed on this computer. "
                                            "If your mail does not work, tell your IT support."));
}

/* The same from a rollout file: the notification names the file. */
static void
test_failed_spool (void)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *bad = email2_test_item_cmd ("Replace", "31", TEST_ACCOUNT "/DWNDAY", "chr", "8");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", first, bad, "</Atomic>", NULL);
  g_autofree char *message = email2_test_message (body);
  g_autofree char *inbox = g_build_filename (g_get_user_config_dir (), "email2", "inbox", NULL);
  g_autofree char *hidden = g_build_filename (inbox, ".rollout.tmp", NULL);
  g_autofree char *path = g_build_filename (inbox, "50-contoso.xml", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  const Received *n;

  g_file_set_contents (hidden, message, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (hidden, path), ==, 0);
  failed = take_notifications (1);
  n = only (failed);
  g_assert_cmpstr (n->summary, ==, "Mail settings not applied");
  g_assert_true (g_str_has_prefix (n->body, "Mail settings from your organisation "
                                            "(the file 50-contoso.xml) could not be applied.\n"));
  g_assert_nonnull (strstr (n->body, "DWNDAY"));
}

/* Two accounts in one transaction: one notification naming both. A name
 * holding markup is shown as text. */
static void
test_one_per_transaction (void)
{
  g_autofree char *first = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *second = email2_test_create_account (TEST_ACCOUNT2, "20", "POP3");
  g_autofree char *marked = email2_test_item_cmd ("Replace", "40", TEST_ACCOUNT2 "/SERVICENAME", "chr",
                                                  "&lt;b&gt;Big&lt;/b&gt; &amp; Co");
  g_autofree char *body = g_strconcat ("<Atomic><CmdID>1</CmdID>", first, second, marked,
                                       "</Atomic>", NULL);
  g_autoptr(GPtrArray) both = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  g_auto(Email2TestRun) run;
  const Received *n;

  apply_body (body, 0);
  both = take_notifications (1);
  n = only (both);
  g_assert_cmpstr (n->summary, ==, "Mail accounts changed");
  /* dunst reads bodies as markup: the name comes escaped. */
  g_assert_cmpstr (n->body, ==, "Your organisation added the account Contoso Mail.\n"
                                "Your organisation added the account &lt;b&gt;Big&lt;/b&gt; &amp; Co.");

  email2_test_ctl (&run, "delete", TEST_GUID);
  email2_test_run_clear (&run);
  email2_test_ctl (&run, "delete", TEST_GUID2);
  gone = take_notifications (2);
  g_assert_cmpstr (((Received *) gone->pdata[0])->body, ==,
                   "Your organisation removed the account Contoso Mail.");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Only ever inside tools/with-session: never the real user's session. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));

  taken = g_hash_table_new (NULL, NULL);
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  start_daemon ();

  g_test_add_func ("/notify/account-events", test_account_events);
  g_test_add_func ("/notify/password-asked", test_password_asked);
  g_test_add_func ("/notify/failed-rollout", test_failed_rollout);
  g_test_add_func ("/notify/failed-spool", test_failed_spool);
  g_test_add_func ("/notify/one-per-transaction", test_one_per_transaction);

  status = g_test_run ();
  stop_daemon ();
  g_clear_object (&bus);
  g_hash_table_unref (taken);
  return status;
}
