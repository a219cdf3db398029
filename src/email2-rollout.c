/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * System payloads as desired state (docs/DESIGN.md §3.2). A payload file
 * in the system inbox says which accounts a user should have; what it
 * said last time is kept. When the file changes, the difference between
 * the two is applied to the host as one transaction: an account the file
 * no longer names is deleted, a new one created, a changed one edited
 * leaf by leaf (re-created when its SERVICENAME or SERVICETYPE changed,
 * as the seed allows those only on creation). Accounts the file never
 * created are never touched.
 *
 * The desired state is what the payload makes of an empty memory host,
 * with the user's variables: the engine's rules (values, required nodes,
 * no secrets in a system payload) are checked there first, so the host
 * only ever sees complete, valid accounts.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-command-private.h"
#include "email2-error.h"
#include "email2-rollout.h"
#include "email2-session.h"

/**
 * email2_rollout_desired:
 * @payload: a parsed system payload, not yet processed
 * @variables: the user's variables
 * @error: return location for a #GError
 *
 * Runs @payload on an empty memory host as a system payload for the user
 * of @variables. The payload's statuses are left in it, for its answer.
 *
 * Returns: (transfer full) (nullable): the accounts the payload makes,
 *   or %NULL when a command failed (the first failure's reason in @error)
 */
Email2MemoryHost *
email2_rollout_desired (Email2Payload    *payload,
                        Email2Variables  *variables,
                        GError          **error)
{
  g_autoptr(Email2MemoryHost) desired = email2_memory_host_new ();
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (desired));

  email2_session_set_variables (session, variables);
  if (email2_payload_process (payload, session))
    return g_steal_pointer (&desired);

  /* The command that failed on its own, not the Atomic (507) nor those
   * undone (216, 516) or never run (215). */
  for (guint i = 0; i < email2_payload_get_statuses (payload)->len; i++)
    {
      const Email2Status *status = email2_payload_get_statuses (payload)->pdata[i];

      if (status->reason != NULL && !email2_status_code_is_success (status->code) &&
          status->code != 507 && status->code != 215 && status->code != 216 &&
          status->code != 516)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, "%s", status->reason);
          return NULL;
        }
    }
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("A command of the payload failed"));
  return NULL;
}

static gboolean
contains (char       **guids,
          const char  *guid)
{
  return guids != NULL && g_strv_contains ((const char * const *) guids, guid);
}

/* One change for the host: @before NULL creates, @after NULL deletes. */
typedef struct {
  Email2Account *before;
  Email2Account *after;
} Change;

static void
change_clear (Change *change)
{
  g_clear_pointer (&change->before, email2_account_free);
  g_clear_pointer (&change->after, email2_account_free);
}

static void
add_change (GArray        *changes,
            Email2Account *before,
            Email2Account *after)
{
  Change change = { before, after };

  g_array_append_val (changes, change);
}

static gboolean
node_differs (const Email2Account *a,
              const Email2Account *b,
              Email2NodeId         node)
{
  return email2_account_has (a, node) != email2_account_has (b, node) ||
         g_strcmp0 (email2_account_get (a, node), email2_account_get (b, node)) != 0;
}

/* @current with what changed from @had to @want: the leaves the
 * administrator changed, and only those; what the user changed elsewhere
 * stays. Secrets are never in a system payload and are left as they are. */
static Email2Account *
edit (const Email2Account *current,
      const Email2Account *had,
      const Email2Account *want)
{
  Email2Account *edited = email2_account_copy (current);

  for (Email2NodeId node = EMAIL2_FIRST_SLOT; node < EMAIL2_N_NODES; node++)
    {
      if (email2_schema_get (node)->flags & EMAIL2_NODE_FLAG_SECRET || !node_differs (had, want, node))
        continue;
      if (email2_account_has (want, node))
        email2_account_set (edited, node, email2_account_get (want, node));
      else
        email2_account_unset (edited, node);
    }
  return edited;
}

/**
 * email2_rollout_apply:
 * @host: the user's accounts
 * @before: (nullable): what the payload file made last time; %NULL when
 *   it is new
 * @after: (nullable): what it makes now; %NULL when it was removed
 * @adopt: (nullable): GUIDs this file may have made in a run that was
 *   interrupted: their accounts are brought to @after as they are
 * @n_changed: (out) (optional): how many accounts were changed
 * @error: return location for a #GError
 *
 * Brings the accounts of one system payload file from @before to @after,
 * in one transaction of @host. An account of @after that @before lacks
 * but @host has is the user's own, or another file's: nothing is done.
 * An account the user removed is created again only when the file
 * changed it.
 *
 * Returns: whether @host now holds @after's accounts; on failure nothing
 *   changed
 */
gboolean
email2_rollout_apply (Email2Host        *host,
                      Email2MemoryHost  *before,
                      Email2MemoryHost  *after,
                      const char * const *adopt,
                      guint             *n_changed,
                      GError           **error)
{
  g_auto(GStrv) had = before != NULL ? email2_host_list_accounts (EMAIL2_HOST (before)) : NULL;
  g_auto(GStrv) want = after != NULL ? email2_host_list_accounts (EMAIL2_HOST (after)) : NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, TRUE, sizeof (Change));
  g_autoptr(GError) local_error = NULL;

  g_array_set_clear_func (changes, (GDestroyNotify) change_clear);
  if (n_changed != NULL)
    *n_changed = 0;

  for (guint i = 0; want != NULL && want[i] != NULL; i++)
    {
      g_autoptr(Email2Account) current = NULL;

      if (contains (had, want[i]) ||
          (adopt != NULL && g_strv_contains (adopt, want[i])))
        continue;
      current = email2_host_lookup_account (host, want[i]);
      if (current != NULL)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_EXISTS,
                       _("Account %s exists and was not made by this payload file: "
                         "it is left alone, and the file is not applied"), want[i]);
          return FALSE;
        }
    }

  for (guint i = 0; had != NULL && had[i] != NULL; i++)
    if (!contains (want, had[i]))
      {
        Email2Account *current = email2_host_lookup_account (host, had[i]);

        if (current != NULL)
          add_change (changes, current, NULL);
      }

  for (guint i = 0; want != NULL && want[i] != NULL; i++)
    {
      g_autoptr(Email2Account) wanted = email2_host_lookup_account (EMAIL2_HOST (after), want[i]);
      g_autoptr(Email2Account) previous = before != NULL
        ? email2_host_lookup_account (EMAIL2_HOST (before), want[i]) : NULL;
      g_autoptr(Email2Account) current = NULL;

      current = email2_host_lookup_account (host, want[i]);
      if (previous == NULL && current != NULL)
        previous = email2_account_copy (current);   /* adopted: brought to @after */
      /* Unchanged by the file (an account the user removed stays removed),
       * or adopted and already as wanted. */
      if (previous != NULL && email2_account_equal (previous, wanted))
        continue;
      if (current == NULL)
        add_change (changes, NULL, g_steal_pointer (&wanted));
      else if (node_differs (previous, wanted, EMAIL2_NODE_SERVICENAME) ||
               node_differs (previous, wanted, EMAIL2_NODE_SERVICETYPE))
        /* Re-created: the host sees the old account go and the new one
         * come, nothing of the old kept (secrets included). */
        add_change (changes, g_steal_pointer (&current), g_steal_pointer (&wanted));
      else
        {
          Email2Account *edited = edit (current, previous, wanted);

          add_change (changes, g_steal_pointer (&current), edited);
        }
    }

  if (changes->len == 0)
    return TRUE;

  if (!email2_host_begin (host, error))
    return FALSE;
  for (guint i = 0; i < changes->len; i++)
    {
      const Change *change = &g_array_index (changes, Change, i);

      if (!email2_host_apply (host, change->before, change->after, &local_error))
        {
          g_autoptr(GError) undo_error = NULL;

          if (!email2_host_rollback (host, &undo_error))
            g_warning ("Rollout: the changes could not be undone: %s", undo_error->message);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  if (!email2_host_commit (host, &local_error))
    {
      g_autoptr(GError) undo_error = NULL;

      if (!email2_host_rollback (host, &undo_error))
        g_warning ("Rollout: the changes could not be undone: %s", undo_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (n_changed != NULL)
    *n_changed = changes->len;
  return TRUE;
}
