/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2DesktopHost: another host's accounts, shown on the desktop. It
 * passes every call to the inner host (Evolution's, or the memory host in
 * tests) and keeps one launcher per account in the applications directory
 * inside the same transaction: written or removed right after the inner
 * host's change, put back from the inner host's state on rollback, and
 * told to an observer (the module's notifications) only on commit.
 *
 * A launcher is derived from its account and never the only record of
 * anything, so it needs no journal of its own: after a crash the inner
 * host finishes or undoes its transaction, then
 * email2_desktop_host_reconcile() makes the launchers match the accounts
 * (docs/DESIGN.md §3.4).
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-desktop-host.h"
#include "email2-error.h"
#include "email2-launcher.h"

struct _Email2DesktopHost {
  GObject parent_instance;

  Email2Host *inner;
  char *applications_dir;
  Email2InboxUriFunc inbox_uri;
  gpointer inbox_uri_data;
  Email2CommittedFunc committed;
  gpointer committed_data;

  GPtrArray *changes;  /* of Email2AccountChange; NULL outside a transaction */
};

static void email2_desktop_host_iface_init (Email2HostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2DesktopHost, email2_desktop_host, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_HOST,
                                                      email2_desktop_host_iface_init))

/**
 * email2_account_change_free:
 * @change: (nullable): one account of a committed transaction
 */
void
email2_account_change_free (Email2AccountChange *change)
{
  if (change == NULL)
    return;
  g_free (change->guid);
  g_free (change->name);
  g_free (change);
}

/* The launcher of @guid as the inner host has the account now: written
 * when there is one, removed when there is none. */
static gboolean
sync_launcher (Email2DesktopHost    *self,
               const char           *guid,
               const Email2Account  *account,
               GError              **error)
{
  g_autofree char *uri = NULL;

  if (account == NULL)
    return email2_launcher_remove (self->applications_dir, guid, error);

  uri = self->inbox_uri (account, self->inbox_uri_data);
  return email2_launcher_write (self->applications_dir, account, uri, error);
}

static char **
email2_desktop_host_list_accounts (Email2Host *host)
{
  return email2_host_list_accounts (EMAIL2_DESKTOP_HOST (host)->inner);
}

static Email2Account *
email2_desktop_host_lookup_account (Email2Host *host,
                                    const char *guid)
{
  return email2_host_lookup_account (EMAIL2_DESKTOP_HOST (host)->inner, guid);
}

static gboolean
email2_desktop_host_begin (Email2Host  *host,
                           GError     **error)
{
  Email2DesktopHost *self = EMAIL2_DESKTOP_HOST (host);

  g_return_val_if_fail (self->changes == NULL, FALSE);

  if (!email2_host_begin (self->inner, error))
    return FALSE;
  self->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_account_change_free);
  return TRUE;
}

static gboolean
email2_desktop_host_apply (Email2Host           *host,
                           const Email2Account  *before,
                           const Email2Account  *after,
                           GError              **error)
{
  Email2DesktopHost *self = EMAIL2_DESKTOP_HOST (host);
  const Email2Account *shown = after != NULL ? after : before;
  const char *guid = email2_account_get_guid (shown);
  Email2AccountChange *change;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self->changes != NULL, FALSE);

  /* Recorded first: a failed launcher is put back on rollback too. */
  change = g_new0 (Email2AccountChange, 1);
  change->kind = before == NULL ? EMAIL2_ACCOUNT_ADDED
                 : after == NULL ? EMAIL2_ACCOUNT_REMOVED : EMAIL2_ACCOUNT_CHANGED;
  change->guid = g_strdup (guid);
  change->name = g_strdup (email2_account_get (shown, EMAIL2_NODE_SERVICENAME));
  change->needs_password = after != NULL && !email2_account_has (after, EMAIL2_NODE_AUTHSECRET);
  g_ptr_array_add (self->changes, change);

  if (!email2_host_apply (self->inner, before, after, error))
    return FALSE;

  if (!sync_launcher (self, guid, after, &local_error))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The account's launcher could not be written: %s"), local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
email2_desktop_host_commit (Email2Host  *host,
                            GError     **error)
{
  Email2DesktopHost *self = EMAIL2_DESKTOP_HOST (host);
  g_autoptr(GPtrArray) changes = NULL;

  g_return_val_if_fail (self->changes != NULL, FALSE);

  /* A failed commit is rolled back by the engine, with the changes. */
  if (!email2_host_commit (self->inner, error))
    return FALSE;

  changes = g_steal_pointer (&self->changes);
  if (self->committed != NULL && changes->len > 0)
    self->committed (changes, self->committed_data);
  return TRUE;
}

static gboolean
email2_desktop_host_rollback (Email2Host  *host,
                              GError     **error)
{
  Email2DesktopHost *self = EMAIL2_DESKTOP_HOST (host);
  g_autoptr(GPtrArray) changes = g_steal_pointer (&self->changes);
  gboolean ok;

  g_return_val_if_fail (changes != NULL, FALSE);

  ok = email2_host_rollback (self->inner, error);

  /* Whatever the inner host has now is what the launchers show; when its
   * undo failed, the next start reconciles them after its recovery. */
  for (guint i = changes->len; ok && i > 0; i--)
    {
      const Email2AccountChange *change = changes->pdata[i - 1];
      g_autoptr(Email2Account) account = email2_host_lookup_account (self->inner, change->guid);
      g_autoptr(GError) local_error = NULL;

      if (!sync_launcher (self, change->guid, account, &local_error))
        g_warning ("The launcher of %s could not be put back: %s; it is at the next start",
                   change->guid, local_error->message);
    }

  return ok;
}

static void
email2_desktop_host_iface_init (Email2HostInterface *iface)
{
  iface->list_accounts = email2_desktop_host_list_accounts;
  iface->lookup_account = email2_desktop_host_lookup_account;
  iface->begin = email2_desktop_host_begin;
  iface->apply = email2_desktop_host_apply;
  iface->commit = email2_desktop_host_commit;
  iface->rollback = email2_desktop_host_rollback;
}

/**
 * email2_desktop_host_reconcile:
 * @self: the host
 * @error: return location for a #GError
 *
 * Makes the launchers match the inner host's accounts: one for each
 * account, written where it is missing or differs, none for an account
 * that is not there. Call it after the inner host has recovered from a
 * crash, before any transaction.
 *
 * Returns: %TRUE when every launcher could be written or removed
 */
gboolean
email2_desktop_host_reconcile (Email2DesktopHost  *self,
                               GError            **error)
{
  g_auto(GStrv) guids = NULL;
  g_auto(GStrv) launchers = NULL;
  g_autoptr(GError) first_error = NULL;

  g_return_val_if_fail (EMAIL2_IS_DESKTOP_HOST (self), FALSE);
  g_return_val_if_fail (self->changes == NULL, FALSE);

  guids = email2_host_list_accounts (self->inner);
  email2_launcher_remove_leftovers (self->applications_dir);
  launchers = email2_launcher_list (self->applications_dir);

  for (guint i = 0; guids[i] != NULL; i++)
    {
      g_autoptr(Email2Account) account = email2_host_lookup_account (self->inner, guids[i]);
      g_autoptr(GError) local_error = NULL;

      if (account != NULL && !sync_launcher (self, guids[i], account, &local_error))
        {
          g_warning ("The launcher of %s could not be written: %s", guids[i], local_error->message);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }
    }

  for (guint i = 0; launchers[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (g_strv_contains ((const char * const *) guids, launchers[i]))
        continue;
      g_message ("Removing the launcher of %s, an account that is no longer there", launchers[i]);
      if (!email2_launcher_remove (self->applications_dir, launchers[i], &local_error))
        {
          g_warning ("The launcher of %s could not be removed: %s", launchers[i], local_error->message);
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }
    }

  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

/**
 * email2_desktop_host_set_committed_func:
 * @self: the host
 * @func: (nullable): called after each committed transaction that changed
 *   an account, in the thread that committed it
 * @user_data: passed to @func
 */
void
email2_desktop_host_set_committed_func (Email2DesktopHost   *self,
                                        Email2CommittedFunc  func,
                                        gpointer             user_data)
{
  g_return_if_fail (EMAIL2_IS_DESKTOP_HOST (self));

  self->committed = func;
  self->committed_data = user_data;
}

static void
email2_desktop_host_finalize (GObject *object)
{
  Email2DesktopHost *self = EMAIL2_DESKTOP_HOST (object);

  g_clear_object (&self->inner);
  g_clear_pointer (&self->applications_dir, g_free);
  g_clear_pointer (&self->changes, g_ptr_array_unref);

  G_OBJECT_CLASS (email2_desktop_host_parent_class)->finalize (object);
}

static void
email2_desktop_host_class_init (Email2DesktopHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_desktop_host_finalize;
}

static void
email2_desktop_host_init (Email2DesktopHost *self)
{
}

/**
 * email2_desktop_host_new:
 * @inner: the host where the accounts live
 * @applications_dir: where launchers go (`$XDG_DATA_HOME/applications`)
 * @inbox_uri: gives the URI that opens an account's Inbox
 * @user_data: passed to @inbox_uri
 *
 * Returns: (transfer full): a host that adds a launcher to each account
 *   of @inner
 */
Email2DesktopHost *
email2_desktop_host_new (Email2Host         *inner,
                         const char         *applications_dir,
                         Email2InboxUriFunc  inbox_uri,
                         gpointer            user_data)
{
  Email2DesktopHost *self;

  g_return_val_if_fail (EMAIL2_IS_HOST (inner), NULL);
  g_return_val_if_fail (applications_dir != NULL, NULL);
  g_return_val_if_fail (inbox_uri != NULL, NULL);

  self = g_object_new (EMAIL2_TYPE_DESKTOP_HOST, NULL);
  self->inner = g_object_ref (inner);
  self->applications_dir = g_strdup (applications_dir);
  self->inbox_uri = inbox_uri;
  self->inbox_uri_data = user_data;
  return self;
}
