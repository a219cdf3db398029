/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Journal: a host's transaction journal (docs/DESIGN.md §3.8),
 * written ahead of every change so that a transaction the process did not
 * end (kill -9, power lost) can be finished or undone at the next start.
 * It knows nothing of the host: it records, and reads back, what the host
 * will need to undo.
 *
 * The file is a key file, replaced whole on each save (temporary file,
 * fsync, rename, fsync of the directory: a crash leaves the old one or
 * the new one), first when the first account is about to change:
 *
 *   [Transaction]
 *   Id=UUID                  the transaction; its keyring backups carry it
 *   State=open|committed
 *   Accounts=GUID;GUID       in the order they were applied
 *   Backups=named            only the backups named below are restored
 *                            (absent in journals written before that rule)
 *   [Before GUID]            the account as it was (secrets only as "set");
 *                            no group: the transaction created it
 *   [Backups GUID]
 *   Nodes=AUTHSECRET;...     the secrets whose backup items were stored
 *
 * One transaction at a time, across processes: a lock file beside the
 * journal (transaction.lock, flock) is held by the host from begin to the
 * end of commit or rollback, and by recovery, so that a second process
 * waits for the first one's undo instead of working on the same files.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>

#include "email2-file-private.h"
#include "email2-journal-private.h"

#define TRANSACTION_GROUP "Transaction"
#define LOCK_NAME "transaction.lock"
#define BACKUPS_PREFIX "Backups "

struct _Email2Journal {
  GObject parent_instance;

  char *path;
  int lock_fd;          /* the lock file beside it, -1 until opened */
  GKeyFile *key_file;   /* NULL: no transaction in memory */
};

G_DEFINE_FINAL_TYPE (Email2Journal, email2_journal, G_TYPE_OBJECT)

static void
set_damaged (GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("The transaction journal is damaged"));
}

static char *
before_group (const char *guid)
{
  return g_strconcat ("Before ", guid, NULL);
}

static char *
backups_group (const char *guid)
{
  return g_strconcat (BACKUPS_PREFIX, guid, NULL);
}

/* Writes the journal as it is in memory, durably. */
static gboolean
save (Email2Journal  *self,
      GError        **error)
{
  g_autofree char *data = g_key_file_to_data (self->key_file, NULL, NULL);
  g_autofree char *dir = g_path_get_dirname (self->path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  return g_file_set_contents_full (self->path, data, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

/**
 * email2_journal_new:
 * @path: the journal's file; its lock file is made beside it
 *
 * Returns: (transfer full): a journal with no transaction in memory
 */
Email2Journal *
email2_journal_new (const char *path)
{
  Email2Journal *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (EMAIL2_TYPE_JOURNAL, NULL);
  self->path = g_strdup (path);
  return self;
}

/**
 * email2_journal_new_default:
 *
 * Returns: (transfer full): the journal of this user's transactions,
 *   `$XDG_STATE_HOME/email2/transaction.journal`
 */
Email2Journal *
email2_journal_new_default (void)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "email2",
                                            "transaction.journal", NULL);

  return email2_journal_new (path);
}

/**
 * email2_journal_get_path:
 * @self: the journal
 *
 * Returns: (transfer none): its file
 */
const char *
email2_journal_get_path (Email2Journal *self)
{
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), NULL);

  return self->path;
}

/**
 * email2_journal_lock:
 * @self: the journal
 * @timeout_ms: how long to wait for another holder to let it go
 * @error: return location for a #GError
 *
 * Takes the lock of transactions, which any other process (or other
 * #Email2Journal of the same file) holding it keeps from being taken.
 *
 * Returns: %TRUE when held
 */
gboolean
email2_journal_lock (Email2Journal  *self,
                     guint           timeout_ms,
                     GError        **error)
{
  gint64 deadline;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);

  deadline = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  if (self->lock_fd < 0)
    {
      g_autofree char *dir = g_path_get_dirname (self->path);
      g_autofree char *path = g_build_filename (dir, LOCK_NAME, NULL);

      if (g_mkdir_with_parents (dir, 0700) == 0)
        self->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (self->lock_fd < 0)
        {
          int saved = errno;
          g_debug ("%s: %s", path, g_strerror (saved));
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("email2's state directory cannot be written; check the disk"));
          return FALSE;
        }
    }

  while (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      if ((errno != EWOULDBLOCK && errno != EINTR) || g_get_monotonic_time () > deadline)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("Another account registry is still ending a transaction; "
                         "send the payload again in a minute"));
          return FALSE;
        }
      g_usleep (G_USEC_PER_SEC / 20);
    }
  return TRUE;
}

/**
 * email2_journal_unlock:
 * @self: the journal
 *
 * Lets the lock of transactions go.
 */
void
email2_journal_unlock (Email2Journal *self)
{
  g_return_if_fail (EMAIL2_IS_JOURNAL (self));

  if (self->lock_fd >= 0)
    flock (self->lock_fd, LOCK_UN);
}

/**
 * email2_journal_exists:
 * @self: the journal
 *
 * Returns: whether a journal is on disk (a transaction not ended)
 */
gboolean
email2_journal_exists (Email2Journal *self)
{
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);

  return g_file_test (self->path, G_FILE_TEST_EXISTS);
}

/**
 * email2_journal_load:
 * @self: the journal
 * @error: return location for a #GError
 *
 * Reads the journal on disk, replacing what is in memory; no file is no
 * transaction (%EMAIL2_JOURNAL_NONE).
 *
 * Returns: %TRUE when read, or when there is none; %FALSE when the file
 *   cannot be read or is no key file (it stays)
 */
gboolean
email2_journal_load (Email2Journal  *self,
                     GError        **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);

  email2_journal_close (self);
  if (!g_key_file_load_from_file (key_file, self->path, G_KEY_FILE_NONE, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  self->key_file = g_steal_pointer (&key_file);
  return TRUE;
}

/**
 * email2_journal_begin:
 * @self: the journal, with no transaction in memory
 * @error: return location for a #GError
 *
 * Starts a transaction of a new id, open, with no account, in memory:
 * until an account is about to change there is nothing to undo, and the
 * first email2_journal_add_account() writes it (over any journal on disk:
 * end that one first).
 *
 * Returns: %TRUE
 */
gboolean
email2_journal_begin (Email2Journal  *self,
                      GError        **error)
{
  g_autofree char *transaction = g_uuid_string_random ();

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file == NULL, FALSE);

  self->key_file = g_key_file_new ();
  g_key_file_set_comment (self->key_file, NULL, NULL,
                          " email2 transaction journal: what to undo if the registry stops\n"
                          " in the middle. Secrets are never here, only that one is set.", NULL);
  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "Id", transaction);
  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "State", "open");
  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "Accounts", "");
  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "Backups", "named");
  return TRUE;
}

/**
 * email2_journal_add_account:
 * @self: the journal, open
 * @guid: the account about to change
 * @before: (nullable): the account as it is; %NULL when it is created
 * @error: return location for a #GError
 *
 * Records, durably, that @guid is about to change and what it was. Call it
 * before changing anything of the account.
 *
 * Returns: %TRUE when written
 */
gboolean
email2_journal_add_account (Email2Journal        *self,
                            const char           *guid,
                            const Email2Account  *before,
                            GError              **error)
{
  g_autofree char *accounts = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file != NULL, FALSE);

  accounts = g_key_file_get_string (self->key_file, TRANSACTION_GROUP, "Accounts", NULL);
  if (accounts == NULL || accounts[0] == '\0')
    g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "Accounts", guid);
  else
    {
      g_autofree char *more = g_strconcat (accounts, ";", guid, NULL);
      g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "Accounts", more);
    }
  if (before != NULL)
    {
      g_autofree char *group = before_group (guid);
      email2_account_to_key_file (before, self->key_file, group);
    }
  return save (self, error);
}

/**
 * email2_journal_name_backups:
 * @self: the journal, open
 * @guid: the account
 * @nodes: the names of the secrets of @guid whose backups are now stored
 * @error: return location for a #GError
 *
 * Records, durably, which backups an undo must restore. Call it once they
 * are all stored and before any of their secrets changes.
 *
 * Returns: %TRUE when written
 */
gboolean
email2_journal_name_backups (Email2Journal       *self,
                             const char          *guid,
                             const char * const  *nodes,
                             GError             **error)
{
  g_autofree char *group = backups_group (guid);

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file != NULL, FALSE);

  g_key_file_set_string_list (self->key_file, group, "Nodes", nodes, g_strv_length ((char **) nodes));
  return save (self, error);
}

/**
 * email2_journal_commit:
 * @self: the journal, open
 * @error: return location for a #GError
 *
 * Records, durably, that the transaction is committed: from then on it is
 * finished, never undone.
 *
 * Returns: %TRUE when written; %FALSE when the journal on disk is still
 *   open (and so is the one in memory)
 */
gboolean
email2_journal_commit (Email2Journal  *self,
                       GError        **error)
{
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file != NULL, FALSE);

  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "State", "committed");
  if (save (self, error))
    return TRUE;
  g_key_file_set_string (self->key_file, TRANSACTION_GROUP, "State", "open");
  return FALSE;
}

/**
 * email2_journal_names_backups:
 * @self: the journal, open
 *
 * Returns: whether the transaction named a backup of any account
 *   (email2_journal_name_backups()): only then has its commit a clean-up
 *   to leave to recovery
 */
gboolean
email2_journal_names_backups (Email2Journal *self)
{
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file != NULL, FALSE);

  groups = g_key_file_get_groups (self->key_file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], BACKUPS_PREFIX))
      return TRUE;
  return FALSE;
}

/**
 * email2_journal_remove_durably:
 * @self: the journal, open
 * @error: return location for a #GError
 *
 * Commits a transaction that named no backup: with nothing to clean up,
 * the journal's removal, its directory synced, is the commit (one fsync
 * instead of a committed journal's two). A journal never written is not
 * there, which is as good.
 *
 * Returns: %TRUE when removed, and forgotten; %FALSE with the transaction
 *   still open in memory (the caller rolls back)
 */
gboolean
email2_journal_remove_durably (Email2Journal  *self,
                               GError        **error)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (self->key_file != NULL, FALSE);

  if (g_unlink (self->path) == 0)
    {
      dir = g_path_get_dirname (self->path);
      if (!email2_file_sync_dir (dir, error))
        return FALSE;
    }
  else if (errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", self->path, g_strerror (saved));
      return FALSE;
    }
  email2_journal_close (self);
  return TRUE;
}

/**
 * email2_journal_close:
 * @self: the journal
 *
 * Forgets the transaction in memory; the file stays.
 */
void
email2_journal_close (Email2Journal *self)
{
  g_return_if_fail (EMAIL2_IS_JOURNAL (self));

  g_clear_pointer (&self->key_file, g_key_file_unref);
}

/**
 * email2_journal_remove:
 * @self: the journal
 *
 * Ends the transaction: forgets it and removes its file.
 *
 * Returns: %TRUE when the file was removed
 */
gboolean
email2_journal_remove (Email2Journal *self)
{
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);

  email2_journal_close (self);
  return g_unlink (self->path) == 0;
}

/**
 * email2_journal_get_state:
 * @self: the journal
 *
 * Returns: the state of the transaction in memory; one that does not say
 *   it is committed is open
 */
Email2JournalState
email2_journal_get_state (Email2Journal *self)
{
  g_autofree char *state = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), EMAIL2_JOURNAL_NONE);

  if (self->key_file == NULL)
    return EMAIL2_JOURNAL_NONE;
  state = g_key_file_get_string (self->key_file, TRANSACTION_GROUP, "State", NULL);
  return g_strcmp0 (state, "committed") == 0 ? EMAIL2_JOURNAL_COMMITTED : EMAIL2_JOURNAL_OPEN;
}

/**
 * email2_journal_dup_transaction:
 * @self: the journal
 *
 * Returns: (transfer full) (nullable): the transaction's id; %NULL when
 *   there is none in memory, or the journal does not name it (damaged)
 */
char *
email2_journal_dup_transaction (Email2Journal *self)
{
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), NULL);

  if (self->key_file == NULL)
    return NULL;
  return g_key_file_get_string (self->key_file, TRANSACTION_GROUP, "Id", NULL);
}

/**
 * email2_journal_list_accounts:
 * @self: the journal
 * @error: return location for a #GError
 *
 * The accounts of the transaction, in the order they were applied (an
 * undo goes the other way).
 *
 * Returns: (transfer full): their GUIDs, canonical; %NULL with @error set
 *   when the journal names no transaction, or an account that is no GUID
 */
char **
email2_journal_list_accounts (Email2Journal  *self,
                              GError        **error)
{
  g_autofree char *transaction = NULL;
  g_auto(GStrv) guids = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), NULL);

  transaction = email2_journal_dup_transaction (self);
  if (transaction == NULL)
    {
      set_damaged (error);
      return NULL;
    }
  guids = g_key_file_get_string_list (self->key_file, TRANSACTION_GROUP, "Accounts", NULL, NULL);
  for (guint i = 0; guids != NULL && guids[i] != NULL; i++)
    {
      char guid[EMAIL2_GUID_SIZE];

      if (!email2_guid_canonicalize (guids[i], guid))
        {
          set_damaged (error);
          return NULL;
        }
      g_strv_builder_add (builder, guid);
    }
  return g_strv_builder_end (builder);
}

/**
 * email2_journal_created:
 * @self: the journal
 * @guid: one of its accounts
 *
 * Returns: whether the transaction created @guid (the journal has no
 *   account before it)
 */
gboolean
email2_journal_created (Email2Journal *self,
                        const char    *guid)
{
  g_autofree char *group = before_group (guid);

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), FALSE);

  return self->key_file != NULL && !g_key_file_has_group (self->key_file, group);
}

/**
 * email2_journal_dup_before:
 * @self: the journal
 * @guid: one of its accounts
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): @guid as it was before the
 *   transaction; %NULL without @error when the transaction created it,
 *   with @error when its record cannot be read
 */
Email2Account *
email2_journal_dup_before (Email2Journal  *self,
                           const char     *guid,
                           GError        **error)
{
  g_autofree char *group = before_group (guid);

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), NULL);

  if (email2_journal_created (self, guid))
    return NULL;
  return email2_account_new_from_key_file (guid, self->key_file, group, error);
}

/**
 * email2_journal_get_backup:
 * @self: the journal
 * @guid: one of its accounts
 * @node: a secret node
 *
 * Returns: whether an undo restores the backup of @node of @guid
 */
Email2JournalBackup
email2_journal_get_backup (Email2Journal *self,
                           const char    *guid,
                           Email2NodeId   node)
{
  g_autofree char *group = backups_group (guid);
  g_auto(GStrv) named = NULL;

  g_return_val_if_fail (EMAIL2_IS_JOURNAL (self), EMAIL2_JOURNAL_BACKUP_NONE);

  if (self->key_file == NULL)
    return EMAIL2_JOURNAL_BACKUP_NONE;
  /* A journal of before the backups were named in it. */
  if (!g_key_file_has_key (self->key_file, TRANSACTION_GROUP, "Backups", NULL))
    return EMAIL2_JOURNAL_BACKUP_UNKNOWN;
  named = g_key_file_get_string_list (self->key_file, group, "Nodes", NULL, NULL);
  if (named != NULL && g_strv_contains ((const char * const *) named, email2_schema_get (node)->name))
    return EMAIL2_JOURNAL_BACKUP_NAMED;
  return EMAIL2_JOURNAL_BACKUP_NONE;
}

static void
email2_journal_finalize (GObject *object)
{
  Email2Journal *self = EMAIL2_JOURNAL (object);

  g_clear_pointer (&self->key_file, g_key_file_unref);
  g_free (self->path);
  if (self->lock_fd >= 0)
    close (self->lock_fd);

  G_OBJECT_CLASS (email2_journal_parent_class)->finalize (object);
}

static void
email2_journal_class_init (Email2JournalClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_journal_finalize;
}

static void
email2_journal_init (Email2Journal *self)
{
  self->lock_fd = -1;
}
