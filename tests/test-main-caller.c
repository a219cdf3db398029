/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2MainCaller in-process: a worker's call runs with the main context
 * held (serialised with all it dispatches) and waits for it; once stopped, a waiting call and every later one
 * return FALSE without running (the module's dispose/worker deadlock,
 * issue 9).
 */

#include "config.h"

#include "email2-test.h"
#include "email2-main-caller-private.h"

typedef struct {
  Email2MainCaller *caller;
  gboolean owned;           /* the main context was held while it ran */
  int runs;
  gboolean result;
  gint worker_done;         /* atomic */
} Call;

static gboolean
record_run (gpointer data)
{
  Call *call = data;

  call->owned = g_main_context_is_owner (g_main_context_default ());
  call->runs++;
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer data)
{
  Call *call = data;

  call->result = email2_main_caller_run (call->caller, record_run, call);
  g_atomic_int_set (&call->worker_done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
test_owner_runs_at_once (void)
{
  g_autoptr(Email2MainCaller) caller = email2_main_caller_new (g_main_context_default ());
  Call call = { .caller = caller };

  g_assert_true (email2_main_caller_run (caller, record_run, &call));
  g_assert_cmpint (call.runs, ==, 1);
  g_assert_true (call.owned);

  email2_main_caller_stop (caller);
  g_assert_false (email2_main_caller_run (caller, record_run, &call));
  g_assert_cmpint (call.runs, ==, 1);
}

static void
test_worker_runs_on_main (void)
{
  g_autoptr(Email2MainCaller) caller = email2_main_caller_new (g_main_context_default ());
  Call call = { .caller = caller };
  GThread *thread = g_thread_new ("worker", worker, &call);

  while (!g_atomic_int_get (&call.worker_done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);

  g_assert_true (call.result);
  g_assert_cmpint (call.runs, ==, 1);
  /* In whichever thread held the main context at that moment: this one
   * while it iterates, or the worker when this one was between two
   * iterations (GLib's g_main_context_invoke()); never beside it. */
  g_assert_true (call.owned);
}

static void
test_stop_releases_waiting_worker (void)
{
  g_autoptr(Email2MainCaller) caller = email2_main_caller_new (g_main_context_default ());
  Call call = { .caller = caller };
  GThread *thread;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* This thread owns the main context and does not iterate it: the
   * worker waits, as it did while the module's dispose (on the main
   * thread) waited for it. */
  g_assert_true (g_main_context_acquire (NULL));
  thread = g_thread_new ("worker", worker, &call);
  g_usleep (50 * 1000);
  g_assert_false (g_atomic_int_get (&call.worker_done));

  email2_main_caller_stop (caller);
  while (!g_atomic_int_get (&call.worker_done) && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_true (g_atomic_int_get (&call.worker_done));
  g_thread_join (thread);
  g_assert_false (call.result);

  /* The abandoned call's source is still queued: dispatching it must
   * not run the function. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_main_context_release (NULL);
  g_assert_cmpint (call.runs, ==, 0);
}

static void
test_stopped_refuses_at_once (void)
{
  g_autoptr(Email2MainCaller) caller = email2_main_caller_new (g_main_context_default ());
  Call call = { .caller = caller };
  GThread *thread;

  email2_main_caller_stop (caller);
  thread = g_thread_new ("worker", worker, &call);
  g_thread_join (thread);

  g_assert_false (call.result);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (call.runs, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/main-caller/owner-runs-at-once", test_owner_runs_at_once);
  g_test_add_func ("/main-caller/worker-runs-on-main", test_worker_runs_on_main);
  g_test_add_func ("/main-caller/stop-releases-waiting-worker", test_stop_releases_waiting_worker);
  g_test_add_func ("/main-caller/stopped-refuses-at-once", test_stopped_refuses_at_once);

  return g_test_run ();
}
