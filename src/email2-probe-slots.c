/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Connections per host (DESIGN §4.1): at most
 * EMAIL2_PROBE_MAX_CONNECTIONS_PER_HOST open at once across all probes of
 * the process; further legs queue for a slot, within their deadline, and
 * connect when one is given back.
 */

#include "config.h"

#include "email2-probe-leg-private.h"
#include "email2-probe-private.h"

typedef struct {
  guint active;
  GQueue waiters;
} HostSlots;

G_LOCK_DEFINE_STATIC (slots);
static GHashTable *slots_table;
static guint slots_max = EMAIL2_PROBE_MAX_CONNECTIONS_PER_HOST;

/* Takes a connection slot for @leg's host, or queues @leg for one. */
gboolean
email2_probe_slot_acquire (Email2ProbeConn *leg)
{
  HostSlots *hs;
  gboolean got;

  G_LOCK (slots);
  if (slots_table == NULL)
    slots_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  hs = g_hash_table_lookup (slots_table, leg->host_key);
  if (hs == NULL)
    {
      hs = g_new0 (HostSlots, 1);
      g_hash_table_insert (slots_table, g_strdup (leg->host_key), hs);
    }
  got = hs->active < slots_max;
  if (got)
    {
      hs->active++;
      leg->has_slot = TRUE;
    }
  else
    {
      g_queue_push_tail (&hs->waiters, email2_probe_conn_ref (leg));
      leg->waiting_slot = TRUE;
    }
  G_UNLOCK (slots);

  return got;
}

static gboolean
slot_granted_cb (gpointer data)
{
  Email2ProbeConn *leg = data;

  if (leg->done)
    email2_probe_slot_release (leg);
  else
    email2_probe_conn_connect (leg);

  return G_SOURCE_REMOVE;
}

/* Gives back @leg's slot and hands free slots to queued legs. */
void
email2_probe_slot_release (Email2ProbeConn *leg)
{
  HostSlots *hs;
  GSList *granted = NULL;

  G_LOCK (slots);
  if (!leg->has_slot)
    {
      G_UNLOCK (slots);
      return;
    }
  leg->has_slot = FALSE;
  hs = g_hash_table_lookup (slots_table, leg->host_key);
  g_assert (hs != NULL && hs->active > 0);
  hs->active--;
  while (hs->active < slots_max && !g_queue_is_empty (&hs->waiters))
    {
      Email2ProbeConn *next = g_queue_pop_head (&hs->waiters);

      next->waiting_slot = FALSE;
      next->has_slot = TRUE;
      hs->active++;
      granted = g_slist_prepend (granted, next);
    }
  if (hs->active == 0 && g_queue_is_empty (&hs->waiters))
    g_hash_table_remove (slots_table, leg->host_key);
  G_UNLOCK (slots);

  granted = g_slist_reverse (granted);
  for (GSList *l = granted; l != NULL; l = l->next)
    {
      Email2ProbeConn *next = l->data;
      GSource *source = g_idle_source_new ();

      /* The queue's reference goes to the idle callback. */
      g_source_set_callback (source, slot_granted_cb, next, (GDestroyNotify) email2_probe_conn_unref);
      g_source_attach (source, next->context);
      g_source_unref (source);
    }
  g_slist_free (granted);
}

/* Takes @leg out of the queue, if it is still there. */
void
email2_probe_slot_cancel_wait (Email2ProbeConn *leg)
{
  HostSlots *hs;
  gboolean removed = FALSE;

  G_LOCK (slots);
  hs = slots_table != NULL ? g_hash_table_lookup (slots_table, leg->host_key) : NULL;
  if (hs != NULL && leg->waiting_slot)
    {
      removed = g_queue_remove (&hs->waiters, leg);
      leg->waiting_slot = FALSE;
      if (hs->active == 0 && g_queue_is_empty (&hs->waiters))
        g_hash_table_remove (slots_table, leg->host_key);
    }
  G_UNLOCK (slots);

  if (removed)
    email2_probe_conn_unref (leg);
}

guint
email2_probe_set_max_connections_per_host (guint max)
{
  guint old;

  g_return_val_if_fail (max > 0, 0);

  G_LOCK (slots);
  old = slots_max;
  slots_max = max;
  G_UNLOCK (slots);

  return old;
}

