/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2MemoryHost: accounts in memory, for the engine's tests and for
 * `email2ctl validate`. A secret is never kept, only the fact that it is
 * set; the state file (`--state`) writes `********` in its place.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-locuri.h"
#include "email2-memory-host.h"

typedef struct {
  char *guid;
  Email2Account *before;  /* NULL: the account did not exist */
} UndoEntry;

struct _Email2MemoryHost {
  GObject parent_instance;

  GHashTable *accounts;   /* canonical GUID → Email2Account */
  GArray *undo;           /* of UndoEntry; NULL outside a transaction */

  char *fail_apply_guid;
  gboolean fail_rollback;
};

static void email2_memory_host_iface_init (Email2HostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2MemoryHost, email2_memory_host, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_HOST,
                                                      email2_memory_host_iface_init))

static void
undo_entry_clear (gpointer data)
{
  UndoEntry *entry = data;

  g_clear_pointer (&entry->guid, g_free);
  g_clear_pointer (&entry->before, email2_account_free);
}

static char **
email2_memory_host_list_accounts (Email2Host *host)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);
  guint n = 0;
  char **guids = (char **) g_hash_table_get_keys_as_array (self->accounts, &n);

  for (guint i = 0; i < n; i++)
    guids[i] = g_strdup (guids[i]);

  return guids;
}

static Email2Account *
email2_memory_host_lookup_account (Email2Host *host,
                                   const char *guid)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);
  Email2Account *account = g_hash_table_lookup (self->accounts, guid);

  return account != NULL ? email2_account_copy (account) : NULL;
}

static gboolean
email2_memory_host_begin (Email2Host  *host,
                          GError     **error)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);

  g_return_val_if_fail (self->undo == NULL, FALSE);

  self->undo = g_array_new (FALSE, FALSE, sizeof (UndoEntry));
  g_array_set_clear_func (self->undo, undo_entry_clear);

  return TRUE;
}

static gboolean
email2_memory_host_apply (Email2Host           *host,
                          const Email2Account  *before,
                          const Email2Account  *after,
                          GError              **error)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  Email2Account *current;
  UndoEntry entry;

  g_return_val_if_fail (self->undo != NULL, FALSE);

  if (g_strcmp0 (self->fail_apply_guid, guid) == 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The account %s could not be stored (injected failure)"), guid);
      return FALSE;
    }

  current = g_hash_table_lookup (self->accounts, guid);
  entry.guid = g_strdup (guid);
  entry.before = current != NULL ? email2_account_copy (current) : NULL;
  g_array_append_val (self->undo, entry);

  if (after != NULL)
    {
      Email2Account *stored = email2_account_copy (after);

      email2_account_forget_secrets (stored);
      g_hash_table_replace (self->accounts, g_strdup (guid), stored);
    }
  else
    g_hash_table_remove (self->accounts, guid);

  return TRUE;
}

static gboolean
email2_memory_host_commit (Email2Host  *host,
                           GError     **error)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);

  g_return_val_if_fail (self->undo != NULL, FALSE);

  g_clear_pointer (&self->undo, g_array_unref);

  return TRUE;
}

static gboolean
email2_memory_host_rollback (Email2Host  *host,
                             GError     **error)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (host);

  g_return_val_if_fail (self->undo != NULL, FALSE);

  if (self->fail_rollback)
    {
      g_clear_pointer (&self->undo, g_array_unref);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The changes could not be undone (injected failure)"));
      return FALSE;
    }

  for (guint i = self->undo->len; i > 0; i--)
    {
      UndoEntry *entry = &g_array_index (self->undo, UndoEntry, i - 1);

      if (entry->before != NULL)
        g_hash_table_replace (self->accounts, g_strdup (entry->guid),
                              g_steal_pointer (&entry->before));
      else
        g_hash_table_remove (self->accounts, entry->guid);
    }
  g_clear_pointer (&self->undo, g_array_unref);

  return TRUE;
}

static void
email2_memory_host_iface_init (Email2HostInterface *iface)
{
  iface->list_accounts = email2_memory_host_list_accounts;
  iface->lookup_account = email2_memory_host_lookup_account;
  iface->begin = email2_memory_host_begin;
  iface->apply = email2_memory_host_apply;
  iface->commit = email2_memory_host_commit;
  iface->rollback = email2_memory_host_rollback;
}

static void
email2_memory_host_finalize (GObject *object)
{
  Email2MemoryHost *self = EMAIL2_MEMORY_HOST (object);

  g_clear_pointer (&self->accounts, g_hash_table_unref);
  g_clear_pointer (&self->undo, g_array_unref);
  g_clear_pointer (&self->fail_apply_guid, g_free);

  G_OBJECT_CLASS (email2_memory_host_parent_class)->finalize (object);
}

static void
email2_memory_host_class_init (Email2MemoryHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_memory_host_finalize;
}

static void
email2_memory_host_init (Email2MemoryHost *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) email2_account_free);
}

/**
 * email2_memory_host_new:
 *
 * Returns: (transfer full): a host with no account
 */
Email2MemoryHost *
email2_memory_host_new (void)
{
  return g_object_new (EMAIL2_TYPE_MEMORY_HOST, NULL);
}

static gboolean load_key_file (Email2MemoryHost  *self,
                               GKeyFile          *file,
                               const char        *path,
                               GError           **error);

/**
 * email2_memory_host_load:
 * @self: a memory host
 * @path: a state file written by email2_memory_host_save()
 * @error: return location for a #GError
 *
 * Replaces the accounts of @self by those of @path. A missing file is an
 * empty state.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_memory_host_load (Email2MemoryHost  *self,
                         const char        *path,
                         GError           **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (EMAIL2_IS_MEMORY_HOST (self), FALSE);
  g_return_val_if_fail (self->undo == NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_hash_table_remove_all (self->accounts);
          return TRUE;
        }
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
      return FALSE;
    }

  return load_key_file (self, file, path, error);
}

/**
 * email2_memory_host_load_data:
 * @self: a memory host
 * @data: what email2_memory_host_to_data() returned
 * @length: its length
 * @error: return location for a #GError
 *
 * Replaces the accounts of @self by those of @data.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_memory_host_load_data (Email2MemoryHost  *self,
                              const char        *data,
                              gsize              length,
                              GError           **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();

  g_return_val_if_fail (EMAIL2_IS_MEMORY_HOST (self), FALSE);
  g_return_val_if_fail (self->undo == NULL, FALSE);

  if (!g_key_file_load_from_data (file, data, length, G_KEY_FILE_NONE, error))
    return FALSE;
  return load_key_file (self, file, _("the saved state"), error);
}

static gboolean
load_key_file (Email2MemoryHost  *self,
               GKeyFile          *file,
               const char        *path,
               GError           **error)
{
  g_autoptr(GHashTable) accounts = NULL;
  g_auto(GStrv) groups = NULL;

  accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                    (GDestroyNotify) email2_account_free);
  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      char guid[EMAIL2_GUID_SIZE];
      Email2Account *account = NULL;

      if (!email2_guid_canonicalize (groups[i], guid))
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                     _("“%s” is not an account GUID"), groups[i]);
      else
        account = email2_account_new_from_key_file (guid, file, groups[i], error);

      if (account == NULL)
        {
          g_prefix_error (error, "%s: ", path);
          return FALSE;
        }
      g_hash_table_replace (accounts, g_strdup (email2_account_get_guid (account)), account);
    }

  g_clear_pointer (&self->accounts, g_hash_table_unref);
  self->accounts = g_steal_pointer (&accounts);

  return TRUE;
}

/**
 * email2_memory_host_to_data:
 * @self: a memory host
 *
 * Returns: (transfer full): the accounts as a key file, secrets as `********`
 */
char *
email2_memory_host_to_data (Email2MemoryHost *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) guids = email2_host_list_accounts (EMAIL2_HOST (self));

  g_key_file_set_comment (file, NULL, NULL,
                          " email2 memory host state. Secrets are never stored here,\n"
                          " only the fact that one is set.", NULL);

  for (guint i = 0; guids[i] != NULL; i++)
    email2_account_to_key_file (g_hash_table_lookup (self->accounts, guids[i]), file, guids[i]);

  return g_key_file_to_data (file, NULL, NULL);
}

/**
 * email2_memory_host_save:
 * @self: a memory host
 * @path: where to write
 * @error: return location for a #GError
 *
 * Writes the accounts of @self atomically; secrets appear only as `********`.
 *
 * Returns: %TRUE on success
 */
gboolean
email2_memory_host_save (Email2MemoryHost  *self,
                         const char        *path,
                         GError           **error)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (EMAIL2_IS_MEMORY_HOST (self), FALSE);

  data = email2_memory_host_to_data (self);

  return g_file_set_contents_full (path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

/**
 * email2_memory_host_fail_apply:
 * @self: a memory host
 * @guid: (nullable): a canonical GUID
 *
 * For tests: every later change of the account @guid fails, as a host's
 * storage can.
 */
void
email2_memory_host_fail_apply (Email2MemoryHost *self,
                               const char       *guid)
{
  g_return_if_fail (EMAIL2_IS_MEMORY_HOST (self));

  g_free (self->fail_apply_guid);
  self->fail_apply_guid = g_strdup (guid);
}

/**
 * email2_memory_host_fail_rollback:
 * @self: a memory host
 * @fail: whether rollbacks fail
 *
 * For tests: a rollback reports failure (and leaves the changes in place).
 */
void
email2_memory_host_fail_rollback (Email2MemoryHost *self,
                                  gboolean          fail)
{
  g_return_if_fail (EMAIL2_IS_MEMORY_HOST (self));

  self->fail_rollback = fail;
}
