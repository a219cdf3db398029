/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2MainCaller: runs a function on the registry's main context for the
 * worker thread and waits for it, and knows when the module is stopping.
 *
 * The worker must not touch ESources itself, so the host hands source
 * work to the main context and waits. When the module stops, the main
 * thread waits for the worker to finish; a worker waiting here for the
 * main thread would wait for ever. email2_main_caller_stop() (on the
 * main thread) therefore abandons every call not yet started and makes
 * later calls fail at once: the worker gets FALSE, its transaction fails
 * and stays in the journal, and the next start finishes or undoes it.
 *
 * A call runs with the main context held, so never beside anything the
 * context dispatches: in the registry its main loop holds it and runs the
 * call; when no thread holds it (nothing iterates it at that moment),
 * GLib's g_main_context_invoke() runs the call in the calling thread,
 * which holds the context meanwhile.
 */

#include "config.h"

#include "email2-main-caller-private.h"

typedef enum {
  CALL_WAITING,
  CALL_RUNNING,
  CALL_DONE,
  CALL_ABANDONED,
} CallState;

/* One call: shared by the waiting worker and the main context's source,
 * whichever lets go last frees it. */
typedef struct {
  Email2MainCaller *caller;
  GSourceFunc func;
  gpointer data;
  CallState state;
} MainCall;

struct _Email2MainCaller {
  GObject parent_instance;

  GMainContext *context;
  GMutex mutex;
  GCond cond;                  /* a call's state changed */
  gboolean stopping;
  GPtrArray *waiting;          /* MainCall: queued, not started */
};

G_DEFINE_FINAL_TYPE (Email2MainCaller, email2_main_caller, G_TYPE_OBJECT)

static void
main_call_clear (gpointer data)
{
  MainCall *call = data;

  g_object_unref (call->caller);
}

static void
main_call_unref (MainCall *call)
{
  g_atomic_rc_box_release_full (call, main_call_clear);
}

static gboolean
main_call_dispatch (gpointer user_data)
{
  MainCall *call = user_data;
  Email2MainCaller *self = call->caller;

  g_mutex_lock (&self->mutex);
  g_ptr_array_remove_fast (self->waiting, call);
  if (call->state == CALL_ABANDONED)
    {
      g_mutex_unlock (&self->mutex);
      return G_SOURCE_REMOVE;
    }
  call->state = CALL_RUNNING;
  g_mutex_unlock (&self->mutex);

  call->func (call->data);

  g_mutex_lock (&self->mutex);
  call->state = CALL_DONE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);

  return G_SOURCE_REMOVE;
}

/**
 * email2_main_caller_run:
 * @self: a caller
 * @func: what to run on the main context
 * @data: its argument
 *
 * Runs @func (@data) on the main context and waits for it to return; on
 * the main context itself, runs it at once.
 *
 * Returns: %TRUE when @func ran; %FALSE when the module is stopping and
 *   it did not run (nor will)
 */
gboolean
email2_main_caller_run (Email2MainCaller *self,
                        GSourceFunc       func,
                        gpointer          data)
{
  MainCall *call;
  gboolean ran;

  g_return_val_if_fail (EMAIL2_IS_MAIN_CALLER (self), FALSE);

  if (g_main_context_is_owner (self->context))
    {
      if (self->stopping)
        return FALSE;
      func (data);
      return TRUE;
    }

  g_mutex_lock (&self->mutex);
  if (self->stopping)
    {
      g_mutex_unlock (&self->mutex);
      return FALSE;
    }
  call = g_atomic_rc_box_new0 (MainCall);
  call->caller = g_object_ref (self);
  call->func = func;
  call->data = data;
  call->state = CALL_WAITING;
  g_ptr_array_add (self->waiting, call);
  g_mutex_unlock (&self->mutex);

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, main_call_dispatch,
                              g_atomic_rc_box_acquire (call), (GDestroyNotify) main_call_unref);

  g_mutex_lock (&self->mutex);
  while (call->state == CALL_WAITING || call->state == CALL_RUNNING)
    g_cond_wait (&self->cond, &self->mutex);
  ran = call->state == CALL_DONE;
  g_mutex_unlock (&self->mutex);

  main_call_unref (call);
  return ran;
}

/**
 * email2_main_caller_stop:
 * @self: a caller
 *
 * From now on no call runs: those waiting return %FALSE at once, and so do
 * later ones. Call it on the main context before waiting for the worker.
 */
void
email2_main_caller_stop (Email2MainCaller *self)
{
  g_return_if_fail (EMAIL2_IS_MAIN_CALLER (self));

  g_mutex_lock (&self->mutex);
  self->stopping = TRUE;
  for (guint i = 0; i < self->waiting->len; i++)
    ((MainCall *) self->waiting->pdata[i])->state = CALL_ABANDONED;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->mutex);
}

static void
email2_main_caller_finalize (GObject *object)
{
  Email2MainCaller *self = EMAIL2_MAIN_CALLER (object);

  g_main_context_unref (self->context);
  g_ptr_array_unref (self->waiting);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (email2_main_caller_parent_class)->finalize (object);
}

static void
email2_main_caller_class_init (Email2MainCallerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_main_caller_finalize;
}

static void
email2_main_caller_init (Email2MainCaller *self)
{
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->waiting = g_ptr_array_new ();
}

/**
 * email2_main_caller_new:
 * @context: the main context the calls run on
 *
 * Returns: (transfer full): a caller
 */
Email2MainCaller *
email2_main_caller_new (GMainContext *context)
{
  Email2MainCaller *self = g_object_new (EMAIL2_TYPE_MAIN_CALLER, NULL);

  self->context = g_main_context_ref (context);
  return self;
}
