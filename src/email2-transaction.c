/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Transaction: the Email2Host of a desktop's account store
 * (docs/DESIGN.md §3.8): the transaction, and nothing else. Accounts are
 * the store's files and its copies of the secrets (Email2AccountStore:
 * Evolution's sources and EDS's password items in the registry module)
 * and email2's keyring items (email2-keyring.c).
 *
 * Crash safety: a transaction is written ahead to a journal
 * (Email2Journal, email2-journal.c: accounts as provisioned, a secret only
 * as "set"), and a provisioned secret is copied to a backup item of the
 * keyring before it is replaced or removed
 * (email2-keyring-transaction.c). Commit marks the journal committed, then
 * drops the backups and the journal; with no backup, removing the journal
 * durably is the commit (docs/DESIGN.md §3.8, Durable writes). At start,
 * email2_transaction_recover() finishes a committed transaction or undoes
 * an open one from the journal and the backups, so that after kill -9 at
 * any point every account of an Atomic is fully there or fully absent.
 *
 * One transaction at a time, across restarts and processes: the journal's
 * lock is held from begin to the end of commit or rollback, and by
 * recovery, so that a second host process (a re-login, D-Bus activation)
 * waits for the first one's undo instead of working on the same files;
 * and begin first ends a journal an earlier transaction left (its undo
 * needed a keyring that was gone), or refuses, changing nothing.
 *
 * The keyring must be unlocked before anything changes; every keyring
 * change is confirmed, and the store writes every file whole. This file is
 * the order of those steps, which is the crash-safety argument, and its
 * crash points.
 */

#include "config.h"

#include <signal.h>

#include <glib/gi18n-lib.h>

#include "email2-keyring-private.h"
#include "email2-transaction-private.h"

struct _Email2Transaction {
  GObject parent_instance;

  Email2AccountStore *store;
  Email2Journal *journal;   /* the transaction, and its lock */
  gboolean keyring_touched; /* the transaction changed the keyring */

  /* For the crash tests only (email2_transaction_set_crash_after()):
   * kills the process after the Nth durable step of a transaction. */
  guint crash_after;
  guint steps;
};

static void email2_transaction_iface_init (Email2HostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2Transaction, email2_transaction, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_HOST,
                                                      email2_transaction_iface_init))

/* How long a transaction waits for another process's to end. */
#define LOCK_WAIT_MS (60 * 1000)

/* One durable step of a transaction is done: a crash point of the tests. */
static void
durable_step_done (gpointer data)
{
  Email2Transaction *self = data;

  if (++self->steps == self->crash_after)
    raise (SIGKILL);
}

static char **
email2_transaction_list_accounts (Email2Host *host)
{
  return email2_account_store_list (EMAIL2_TRANSACTION (host)->store);
}

static Email2Account *
email2_transaction_lookup_account (Email2Host *host,
                                   const char *guid)
{
  return email2_account_store_lookup (EMAIL2_TRANSACTION (host)->store, guid);
}

/* Writes files, then secrets; on delete the other way round, so that a
 * store's secret monitor (EDS's) never sees a password without its
 * account. An @undo writes @after (the account as it was) over @before
 * (what the transaction left): it backs nothing up and publishes nothing,
 * and its servers are those of any password the user typed. */
static gboolean
write_account (Email2Transaction    *self,
               const Email2Account  *before,
               const Email2Account  *after,
               gboolean              undo,
               GError              **error)
{
  Email2StoreChange change = {
    .guid = email2_account_get_guid (after != NULL ? after : before),
    .before = before,
    .after = after,
    .undo = undo,
    /* A new account stays hidden until its transaction commits. */
    .pending = !undo && before == NULL,
  };
  gboolean wrote = FALSE;
  gboolean ok;

  /* Touched from the first attempt on: a change that failed to be
   * confirmed may still have happened, and only an undo with the keyring
   * takes it back. */
  ok = email2_account_store_write_secrets_ahead (self->store, &change, &wrote, error);
  if (wrote)
    self->keyring_touched = TRUE;
  if (ok && after == NULL && !undo)
    ok = email2_keyring_write_provisioned (self->journal, before, NULL, durable_step_done, self,
                                           &self->keyring_touched, error);
  else if (ok && wrote && after != NULL)
    durable_step_done (self);

  if (ok)
    ok = email2_account_store_write_files (self->store, &change, error);
  if (ok)
    durable_step_done (self);

  if (ok && after != NULL)
    {
      self->keyring_touched = TRUE;
      ok = (undo ||
            email2_keyring_write_provisioned (self->journal, before, after, durable_step_done, self,
                                              &self->keyring_touched, error)) &&
           email2_account_store_write_secrets (self->store, &change, error);
      if (ok)
        durable_step_done (self);
    }
  /* Servers that changed are discovered again. */
  if (ok && change.rediscover)
    email2_account_store_rediscover (self->store, &change);

  g_strfreev (change.labels);
  return ok;
}

/* Puts one account back as it was before the transaction of the journal:
 * the provisioned secrets from their backups, the files, then the store's
 * copies of the secrets. */
static gboolean
undo_account (Email2Transaction  *self,
              const char         *guid,
              gboolean            with_keyring,
              GError            **error)
{
  g_autoptr(GError) read_error = NULL;
  g_autoptr(Email2Account) before = email2_journal_dup_before (self->journal, guid, &read_error);
  g_autoptr(Email2Account) current = email2_account_new (guid);

  if (read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }

  /* The keyring is as it was: the files alone are put back. */
  if (!with_keyring)
    {
      Email2StoreChange change = { .guid = guid, .after = before, .undo = TRUE };
      gboolean ok = email2_account_store_write_files (self->store, &change, error);

      g_strfreev (change.labels);
      return ok;
    }

  /* What the transaction left provisioned: the store's copy of it is
   * email2's to remove; any other is the password the user typed. */
  if (!email2_keyring_undo_provisioned (self->journal, guid, before, current, error))
    return FALSE;

  /* "current" stands for whatever is there now: everything is rewritten.
   * The servers are @before's again: a typed password that stayed is for
   * them (one typed for a server the transaction moved was removed). */
  return write_account (self, current, before, TRUE, error);
}

/* Undoes the transaction of the journal, newest account first; without
 * touching the keyring when the transaction never changed it. */
static gboolean
undo_journal (Email2Transaction  *self,
              gboolean            with_keyring,
              GError            **error)
{
  g_autofree char *transaction = email2_journal_dup_transaction (self->journal);
  g_auto(GStrv) guids = email2_journal_list_accounts (self->journal, error);

  if (guids == NULL)
    return FALSE;
  for (guint i = g_strv_length (guids); i > 0; i--)
    if (!undo_account (self, guids[i - 1], with_keyring, error))
      return FALSE;

  return !with_keyring || email2_keyring_clear_backups (transaction, error);
}

/* Ends the transaction of the journal on disk, holding the lock. */
static gboolean
recover_locked (Email2Transaction  *self,
                GError            **error)
{
  g_autofree char *transaction = NULL;
  gboolean ok;

  if (!email2_journal_load (self->journal, error))
    return FALSE;
  if (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_NONE)
    return TRUE;

  /* Ended only with a keyring that takes changes: one that D-Bus has just
   * started, locked, may not even list the items to remove. */
  transaction = email2_journal_dup_transaction (self->journal);
  if (!email2_keyring_ensure_usable (error))
    ok = FALSE;
  else if (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_COMMITTED && transaction != NULL)
    {
      g_message ("email2: finishing transaction %s, committed before its process stopped",
                 transaction);
      ok = email2_keyring_clear_backups (transaction, error);
    }
  else
    {
      g_message ("email2: undoing transaction %s, left open when its process stopped",
                 transaction != NULL ? transaction : "?");
      ok = undo_journal (self, TRUE, error) && email2_account_store_sync (self->store, error);
    }

  if (!ok)
    {
      email2_journal_close (self->journal);
      return FALSE;
    }
  email2_journal_remove (self->journal);
  return TRUE;
}

static gboolean
email2_transaction_begin (Email2Host  *host,
                          GError     **error)
{
  Email2Transaction *self = EMAIL2_TRANSACTION (host);
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_NONE, FALSE);

  if (!email2_journal_lock (self->journal, LOCK_WAIT_MS, error))
    return FALSE;

  /* An earlier transaction that could not be ended (its undo needed a
   * keyring that was gone) is ended first; while it cannot be, nothing
   * new starts, and its backups stay with it. */
  if (email2_journal_exists (self->journal) && !recover_locked (self, &local_error))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("An earlier transaction is not ended (%s); nothing was changed. "
                     "Fix that, then send the payload again; email2ctl check says what is left"),
                   local_error->message);
      email2_journal_unlock (self->journal);
      return FALSE;
    }

  /* Before any change: a locked keyring would refuse the secrets halfway. */
  if (!email2_keyring_ensure_usable (error))
    {
      email2_journal_unlock (self->journal);
      return FALSE;
    }

  self->steps = 0;
  self->keyring_touched = FALSE;
  /* In memory: the first apply() writes it, ahead of the first change. */
  if (!email2_journal_begin (self->journal, error))
    {
      g_prefix_error (error, _("The transaction journal cannot be written: "));
      email2_journal_unlock (self->journal);
      return FALSE;
    }

  return TRUE;
}

static gboolean
email2_transaction_apply (Email2Host           *host,
                          const Email2Account  *before,
                          const Email2Account  *after,
                          GError              **error)
{
  Email2Transaction *self = EMAIL2_TRANSACTION (host);
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_OPEN, FALSE);

  /* Ahead of any change: which account, and what it was. */
  ok = email2_journal_add_account (self->journal, guid, before, &local_error);
  if (ok)
    {
      durable_step_done (self);
      ok = write_account (self, before, after, FALSE, &local_error);
    }
  if (!ok)
    {
      /* People see what to do; the library's words go to the debug log. */
      if (local_error->domain != EMAIL2_ERROR)
        {
          g_debug ("%s could not be stored: %s", guid, local_error->message);
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("The account could not be stored: the keyring or the disk refused it; "
                         "check that the keyring is unlocked and the disk has room"));
        }
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* The accounts the transaction created (no "Before" group) become
 * visible: before the journal says committed, so that a stop in between
 * undoes them. */
static gboolean
publish_new_accounts (Email2Transaction  *self,
                      GError            **error)
{
  g_auto(GStrv) guids = email2_journal_list_accounts (self->journal, error);

  if (guids == NULL)
    return FALSE;
  for (guint i = 0; guids[i] != NULL; i++)
    {
      if (!email2_journal_created (self->journal, guids[i]))
        continue;
      if (!email2_account_store_publish (self->store, guids[i], error))
        return FALSE;
      durable_step_done (self);
    }
  return TRUE;
}

static gboolean
email2_transaction_commit (Email2Host  *host,
                           GError     **error)
{
  Email2Transaction *self = EMAIL2_TRANSACTION (host);
  g_autofree char *transaction = NULL;
  g_autoptr(GError) cleanup_error = NULL;

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_OPEN, FALSE);

  /* If this fails, the engine rolls back with the journal still open. */
  /* The files are on disk before the journal says committed. */
  if (!publish_new_accounts (self, error) || !email2_account_store_sync (self->store, error))
    return FALSE;

  /* No backup: nothing is left to clean up, and the journal's removal,
   * made durable, is the commit. */
  if (!email2_journal_names_backups (self->journal))
    {
      if (!email2_journal_remove_durably (self->journal, error))
        return FALSE;
      durable_step_done (self);
      email2_journal_unlock (self->journal);
      return TRUE;
    }

  if (!email2_journal_commit (self->journal, error))
    return FALSE;
  durable_step_done (self);
  transaction = email2_journal_dup_transaction (self->journal);
  email2_journal_close (self->journal);

  /* Committed: what is left is cleaning up, which recovery also finishes.
   * The backups stay tied to the journal: while they cannot be dropped
   * (the keyring went away), the journal stays, committed, for the next
   * start or payload to finish. */
  if (!email2_keyring_clear_backups (transaction, &cleanup_error))
    g_debug ("transaction %s is committed; its backups and journal stay until the next start: %s",
             transaction, cleanup_error->message);
  else
    {
      durable_step_done (self);
      if (email2_journal_remove (self->journal))
        durable_step_done (self);
    }
  email2_journal_unlock (self->journal);

  return TRUE;
}

static gboolean
email2_transaction_rollback (Email2Host  *host,
                             GError     **error)
{
  Email2Transaction *self = EMAIL2_TRANSACTION (host);

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_OPEN, FALSE);

  /* A failed undo leaves the journal for the next start to try again.
   * A transaction that never reached the keyring (locked, gone) is undone
   * without it. The journal goes once what it undid is on disk. */
  if (!undo_journal (self, self->keyring_touched, error) ||
      !email2_account_store_sync (self->store, error))
    {
      email2_journal_close (self->journal);
      email2_journal_unlock (self->journal);
      return FALSE;
    }

  email2_journal_remove (self->journal);
  email2_journal_unlock (self->journal);
  return TRUE;
}

/**
 * email2_transaction_recover:
 * @self: the transaction
 * @error: return location for a #GError
 *
 * Finishes or undoes a transaction that the host's last run did not end
 * (the process was killed, the machine lost power): a committed one loses
 * its backups and journal, an open one is undone. Call it from the worker
 * before any payload, once the store has loaded its accounts.
 *
 * Returns: %TRUE when nothing was left or it was ended
 */
gboolean
email2_transaction_recover (Email2Transaction  *self,
                            GError            **error)
{
  gboolean ok;

  g_return_val_if_fail (EMAIL2_IS_TRANSACTION (self), FALSE);
  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_NONE, FALSE);

  /* Another process may still be ending it (it lost the bus to us). */
  if (!email2_journal_lock (self->journal, LOCK_WAIT_MS, error))
    return FALSE;
  ok = recover_locked (self, error);
  email2_journal_unlock (self->journal);
  return ok;
}

/**
 * email2_transaction_set_crash_after:
 * @self: the transaction
 * @step: 0, or the durable step after which the process is killed
 *
 * For the crash tests only: the tests' build of a host module passes its
 * test hook (EMAIL2_TEST_CRASH_AFTER_STEP); the installed one never calls
 * this, and no step kills.
 */
void
email2_transaction_set_crash_after (Email2Transaction *self,
                                    guint              step)
{
  g_return_if_fail (EMAIL2_IS_TRANSACTION (self));
  self->crash_after = step;
}

static void
email2_transaction_iface_init (Email2HostInterface *iface)
{
  iface->list_accounts = email2_transaction_list_accounts;
  iface->lookup_account = email2_transaction_lookup_account;
  iface->begin = email2_transaction_begin;
  iface->apply = email2_transaction_apply;
  iface->commit = email2_transaction_commit;
  iface->rollback = email2_transaction_rollback;
}

static void
email2_transaction_finalize (GObject *object)
{
  Email2Transaction *self = EMAIL2_TRANSACTION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (email2_transaction_parent_class)->finalize (object);
}

static void
email2_transaction_class_init (Email2TransactionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_transaction_finalize;
}

static void
email2_transaction_init (Email2Transaction *self)
{
}

/**
 * email2_transaction_new:
 * @store: the desktop's account store
 * @journal: the journal and lock of its transactions
 *   (email2_journal_new_default() but in tests)
 *
 * Returns: (transfer full): a host whose transactions are written ahead
 *   to @journal and change @store and email2's keyring items
 */
Email2Transaction *
email2_transaction_new (Email2AccountStore *store,
                        Email2Journal      *journal)
{
  Email2Transaction *self;

  g_return_val_if_fail (EMAIL2_IS_ACCOUNT_STORE (store), NULL);
  g_return_val_if_fail (EMAIL2_IS_JOURNAL (journal), NULL);

  self = g_object_new (EMAIL2_TYPE_TRANSACTION, NULL);
  self->store = g_object_ref (store);
  self->journal = g_object_ref (journal);
  return self;
}
