/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Notifier in-process, on a private bus: what it asks the desktop's
 * notification service to show (summary, body, icon), that a body is
 * escaped only for a service that reads markup, and that no service at
 * all is no error. The service (email2-test.c's) only records the calls; a real
 * notification daemon (dunst) showing them is tests/test-notify.c's.
 */

#include "config.h"

#include "email2-test.h"
#include "email2-notifier-private.h"

/* The recording notification service of email2-test.c, on a bus of its
 * own: with body markup for a test given TRUE, none at all for
 * /notifier/no-service. */
typedef Email2TestNotifications Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  email2_test_notifications_init (fixture, !g_str_has_suffix (g_test_get_path (), "/no-service"),
                                  GPOINTER_TO_INT (data));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  email2_test_notifications_clear (fixture);
}

typedef struct {
  Email2Notifier *notifier;
  GPtrArray *changes;       /* NULL: a failed rollout */
  const char *origin;
} Job;

/* As the module's worker does. */
static void
run_job (gpointer data,
         gpointer unused)
{
  Job *job = data;

  if (job->changes != NULL)
    email2_notifier_accounts_changed (job->notifier, job->changes);
  else
    email2_notifier_rollout_failed (job->notifier, job->origin, "INSERVER is missing");
}

/* Runs @job in a worker and waits for the notification it sends (none
 * when @expected is 0). */
static void
run (Fixture *fixture,
     Job     *job,
     guint    expected)
{
  g_autoptr(Email2Notifier) notifier = email2_notifier_new (fixture->client_connection);

  job->notifier = notifier;
  email2_test_notifications_run (fixture, run_job, job, expected);
}

static GPtrArray *
changes_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) email2_account_change_free);
}

static void
add_change (GPtrArray               *changes,
            Email2AccountChangeKind  kind,
            const char              *name,
            gboolean                 needs_password)
{
  Email2AccountChange *change = g_new0 (Email2AccountChange, 1);

  change->kind = kind;
  change->guid = g_strdup (TEST_GUID);
  change->name = g_strdup (name);
  change->needs_password = needs_password;
  g_ptr_array_add (changes, change);
}


/* One new account without a password: named, with why Evolution will ask;
 * a name with markup characters is escaped for a service reading markup,
 * and shown as it is for one that does not. */
static void
test_one_added (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = changes_new ();
  Job job = { NULL, changes, NULL };

  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Work <Contoso> & Co", TRUE);
  run (fixture, &job, 1);
  email2_test_notifications_assert_shown (fixture, 0, "evolution-mail", "New mail account",
                fixture->markup
                ? "Your organisation added the account Work &lt;Contoso&gt; &amp; Co. "
                  "Evolution will ask for its password when it first connects."
                : "Your organisation added the account Work <Contoso> & Co. "
                  "Evolution will ask for its password when it first connects.");
}

/* Six changes: one notification naming the first four, and how many more. */
static void
test_many (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = changes_new ();
  Job job = { NULL, changes, NULL };

  add_change (changes, EMAIL2_ACCOUNT_CHANGED, "One", FALSE);
  add_change (changes, EMAIL2_ACCOUNT_REMOVED, "Two", FALSE);
  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Three", FALSE);
  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Four", TRUE);
  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Five", FALSE);
  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Six", FALSE);
  run (fixture, &job, 1);
  email2_test_notifications_assert_shown (fixture, 0, "evolution-mail", "Mail accounts changed",
                "Your organisation changed the settings of the account One.\n"
                "Your organisation removed the account Two.\n"
                "Your organisation added the account Three.\n"
                "Your organisation added the account Four. "
                "Evolution will ask for its password when it first connects.\n"
                "And 2 more accounts.");
}

/* A failed rollout: from which file, the engine's reason, what to do. */
static void
test_rollout_failed (Fixture       *fixture,
                     gconstpointer  data)
{
  Job from_file = { NULL, NULL, "50-work.xml" };
  Job from_bus = { NULL, NULL, NULL };

  run (fixture, &from_file, 1);
  run (fixture, &from_bus, 2);
  email2_test_notifications_assert_shown (fixture, 0, "dialog-warning", "Mail settings not applied",
                "Mail settings from your organisation (the file 50-work.xml) could not be applied.\n"
                "INSERVER is missing\n"
                "Nothing was changed on this computer. If your mail does not work, tell your IT "
                "support.");
  email2_test_notifications_assert_shown (fixture, 1, "dialog-warning", "Mail settings not applied",
                "Mail settings sent by your organisation could not be applied.\n"
                "INSERVER is missing\n"
                "Nothing was changed on this computer. If your mail does not work, tell your IT "
                "support.");
}

/* No notification service on the bus: nothing shown, nothing waits, no
 * warning (warnings are fatal here). */
static void
test_no_service (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) changes = changes_new ();
  Job job = { NULL, changes, NULL };

  add_change (changes, EMAIL2_ACCOUNT_ADDED, "Work", FALSE);
  run (fixture, &job, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/notifier/one-added/markup", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up,
              test_one_added, fixture_tear_down);
  g_test_add ("/notifier/one-added/plain", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_one_added, fixture_tear_down);
  g_test_add ("/notifier/many", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up, test_many,
              fixture_tear_down);
  g_test_add ("/notifier/rollout-failed", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_rollout_failed, fixture_tear_down);
  g_test_add ("/notifier/no-service", Fixture, NULL, fixture_set_up, test_no_service,
              fixture_tear_down);

  return g_test_run ();
}
