/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Ledger: when each managed account was provisioned and by what, and
 * how the last payload that touched it ended, for `email2ctl list`
 * (docs/DESIGN.md §3.6). One group per GUID in
 * $XDG_STATE_HOME/email2/accounts.ini; origins are "dbus" or
 * "spool:NAME"; reasons are the engine's, which never hold a value. It is
 * a record for people, not part of any transaction: updated in memory
 * after a commit, written once the call is answered, and a write that
 * fails is only logged. Used from the module's
 * worker thread only.
 */

#include "config.h"

#include <errno.h>

#include <glib/gstdio.h>

#include "email2-ledger-private.h"

struct _Email2Ledger {
  GObject parent_instance;

  char *path;
  GKeyFile *file;
  gboolean dirty;         /* changed since it was last written */
};

G_DEFINE_FINAL_TYPE (Email2Ledger, email2_ledger, G_TYPE_OBJECT)

/**
 * email2_ledger_save:
 * @self: the ledger
 *
 * Writes the records when they changed. The module calls it once a call
 * has been answered, so that the write (which syncs the file it replaces)
 * is never part of the time a client waits for.
 */
void
email2_ledger_save (Email2Ledger *self)
{
  g_autofree char *data = NULL;
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (EMAIL2_IS_LEDGER (self));

  if (!self->dirty)
    return;
  self->dirty = FALSE;
  data = g_key_file_to_data (self->file, NULL, NULL);
  dir = g_path_get_dirname (self->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("The account records cannot be written: %s: %s", dir, g_strerror (errno));
  else if (!g_file_set_contents_full (self->path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                      0600, &error))
    g_warning ("The account records cannot be written: %s", error->message);
}

/**
 * email2_ledger_record_changes:
 * @self: the ledger
 * @changes: (element-type Email2AccountChange): a committed transaction's
 *   changes
 * @origin: what sent them: "dbus" or "spool:NAME"
 */
void
email2_ledger_record_changes (Email2Ledger *self,
                              GPtrArray    *changes,
                              const char   *origin)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_return_if_fail (EMAIL2_IS_LEDGER (self));

  for (guint i = 0; i < changes->len; i++)
    {
      const Email2AccountChange *change = changes->pdata[i];

      if (change->kind == EMAIL2_ACCOUNT_REMOVED)
        {
          g_key_file_remove_group (self->file, change->guid, NULL);
          continue;
        }
      if (change->kind == EMAIL2_ACCOUNT_ADDED)
        {
          /* A GUID provisioned again is a new account. */
          g_key_file_remove_group (self->file, change->guid, NULL);
          g_key_file_set_int64 (self->file, change->guid, "Provisioned", now);
          g_key_file_set_string (self->file, change->guid, "ProvisionedBy", origin);
        }
      g_key_file_set_int64 (self->file, change->guid, "Changed", now);
      g_key_file_set_string (self->file, change->guid, "ChangedBy", origin);
      g_key_file_set_int64 (self->file, change->guid, "OutcomeAt", now);
      g_key_file_set_string (self->file, change->guid, "OutcomeBy", origin);
      g_key_file_set_string (self->file, change->guid, "Outcome", "ok");
      g_key_file_remove_key (self->file, change->guid, "OutcomeReason", NULL);
    }
  self->dirty = TRUE;
}

/**
 * email2_ledger_record_failure:
 * @self: the ledger
 * @guid: an account a failed payload was about
 * @origin: what sent it
 * @reason: what failed
 */
void
email2_ledger_record_failure (Email2Ledger *self,
                              const char   *guid,
                              const char   *origin,
                              const char   *reason)
{
  g_return_if_fail (EMAIL2_IS_LEDGER (self));

  g_key_file_set_int64 (self->file, guid, "OutcomeAt", g_get_real_time () / G_USEC_PER_SEC);
  g_key_file_set_string (self->file, guid, "OutcomeBy", origin);
  g_key_file_set_string (self->file, guid, "Outcome", "failed");
  g_key_file_set_string (self->file, guid, "OutcomeReason", reason);
  self->dirty = TRUE;
}

/**
 * email2_ledger_record_payload_failure:
 * @self: the ledger
 * @payload: a payload that failed (email2_payload_get_failure() is not
 *   %NULL)
 * @existing: the GUIDs of the accounts there are
 * @origin: what sent it
 *
 * Records the failure, once, for every existing account a status of
 * @payload names; accounts that are not there (a creation that failed)
 * get no record.
 */
void
email2_ledger_record_payload_failure (Email2Ledger        *self,
                                      const Email2Payload *payload,
                                      const char * const  *existing,
                                      const char          *origin)
{
  const Email2Status *failed = email2_payload_get_failure (payload);
  GPtrArray *statuses = email2_payload_get_statuses (payload);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_if_fail (EMAIL2_IS_LEDGER (self));
  g_return_if_fail (failed != NULL);

  for (guint i = 0; i < statuses->len; i++)
    {
      const char *target_ref = email2_status_get_target_ref (statuses->pdata[i]);
      Email2Path path;

      if (target_ref == NULL || !email2_locuri_parse (target_ref, &path, NULL) ||
          path.guid[0] == '\0' || !g_strv_contains (existing, path.guid) ||
          !g_hash_table_add (seen, g_strdup (path.guid)))
        continue;
      email2_ledger_record_failure (self, path.guid, origin, email2_status_get_reason (failed));
    }
}

/**
 * email2_ledger_describe:
 * @self: the ledger
 * @guid: a canonical account GUID
 * @builder: a `a{sv}` builder
 *
 * Adds what the ledger knows of @guid: `provisioned`, `changed`,
 * `outcome-at` (Unix times), `provisioned-by`, `changed-by`, `outcome-by`,
 * `outcome` ("ok", "failed") and `outcome-reason`; nothing for an account
 * provisioned before the ledger was kept.
 */
void
email2_ledger_describe (Email2Ledger    *self,
                        const char      *guid,
                        GVariantBuilder *builder)
{
  static const struct {
    const char *key;
    const char *name;
    gboolean time;
  } fields[] = {
    { "Provisioned", "provisioned", TRUE },
    { "ProvisionedBy", "provisioned-by", FALSE },
    { "Changed", "changed", TRUE },
    { "ChangedBy", "changed-by", FALSE },
    { "OutcomeAt", "outcome-at", TRUE },
    { "OutcomeBy", "outcome-by", FALSE },
    { "Outcome", "outcome", FALSE },
    { "OutcomeReason", "outcome-reason", FALSE },
  };

  g_return_if_fail (EMAIL2_IS_LEDGER (self));

  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *value = g_key_file_get_string (self->file, guid, fields[i].key, NULL);

      if (value == NULL)
        continue;
      if (fields[i].time)
        g_variant_builder_add (builder, "{sv}", fields[i].name,
                               g_variant_new_int64 (g_ascii_strtoll (value, NULL, 10)));
      else
        g_variant_builder_add (builder, "{sv}", fields[i].name, g_variant_new_string (value));
    }
}

static void
email2_ledger_finalize (GObject *object)
{
  Email2Ledger *self = EMAIL2_LEDGER (object);

  g_free (self->path);
  g_key_file_unref (self->file);

  G_OBJECT_CLASS (email2_ledger_parent_class)->finalize (object);
}

static void
email2_ledger_class_init (Email2LedgerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_ledger_finalize;
}

static void
email2_ledger_init (Email2Ledger *self)
{
  self->file = g_key_file_new ();
}

/**
 * email2_ledger_new:
 * @path: the ledger's file; read now when it exists
 *
 * Returns: (transfer full): the ledger
 */
Email2Ledger *
email2_ledger_new (const char *path)
{
  Email2Ledger *self = g_object_new (EMAIL2_TYPE_LEDGER, NULL);
  g_autoptr(GError) error = NULL;

  self->path = g_strdup (path);
  if (!g_key_file_load_from_file (self->file, path, G_KEY_FILE_KEEP_COMMENTS, &error) &&
      !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_warning ("The account records cannot be read; starting anew: %s", error->message);
  return self;
}
