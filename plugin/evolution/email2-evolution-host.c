/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2EvolutionHost: the Email2Host of evolution-source-registry
 * (docs/DESIGN.md §3.1): the transaction, and nothing else. Accounts are
 * Evolution's sources (email2-evolution-sources.c), email2's keyring items
 * (src/email2-keyring.c) and Evolution's copies of the secrets
 * (email2-evolution-keyring.c).
 *
 * The engine calls this host from the worker thread (the registry's main
 * loop must not block on the keyring); source work is handed to the
 * registry's main context through an Email2MainCaller and waited for,
 * keyring work is done in the calling thread. When the module stops, the
 * caller refuses: the transaction fails and is left to the journal.
 *
 * Crash safety: a transaction is written ahead to a journal
 * (Email2Journal, src/email2-journal.c: accounts as provisioned, a secret
 * only as "set"), and a provisioned secret is copied to a backup item of
 * the keyring before it is replaced or removed (src/email2-keyring.c).
 * Commit marks the journal committed, then drops the backups and the
 * journal; with no backup, removing the journal durably is the commit
 * (docs/DESIGN.md §3.8, Durable writes). When the registry starts, email2_evolution_host_recover()
 * finishes a committed transaction or undoes an open one from the journal
 * and the backups, so that after kill -9 at any point every account of an
 * Atomic is fully there or fully absent.
 *
 * One transaction at a time, across restarts and processes: the journal's
 * lock is held from begin to the end of commit or rollback, and by
 * recovery, so that a second registry (a re-login, D-Bus activation) waits
 * for the first one's undo instead of working on the same files; and
 * begin first ends a journal an earlier transaction left (its undo needed
 * a keyring that was gone), or refuses, changing nothing.
 *
 * The keyring must be unlocked before anything changes; every keyring
 * change is verified, and every source file is replaced whole
 * (email2-evolution-sources.c). This file is the order of those steps,
 * which is the crash-safety argument, and its crash points.
 */

#include "config.h"

#include <signal.h>

#include <glib/gi18n-lib.h>

#include "email2-evolution-collection.h"
#include "email2-evolution-host.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"
#include "email2-journal-private.h"
#include "email2-keyring-private.h"
#include "email2-test-hooks.h"

struct _Email2EvolutionHost {
  GObject parent_instance;

  ESourceRegistryServer *server;
  Email2MainCaller *main_caller;
  Email2EvolutionCollection *collections; /* contacts and calendars */

  Email2Journal *journal;   /* the transaction, and its lock */
  gboolean keyring_touched; /* the transaction changed the keyring */

  /* For the crash tests only (EMAIL2_TEST_HOOK_CRASH_AFTER_STEP): kills
   * the registry after the Nth durable step of a transaction. */
  guint crash_after;
  guint steps;
};

static void email2_evolution_host_iface_init (Email2HostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2EvolutionHost, email2_evolution_host, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_HOST,
                                                      email2_evolution_host_iface_init))

/* How long a transaction waits for another registry's to end. */
#define LOCK_WAIT_MS (60 * 1000)

/* One durable step of a transaction is done: a crash point of the tests. */
static void
durable_step_done (gpointer data)
{
  Email2EvolutionHost *self = data;

  if (++self->steps == self->crash_after)
    raise (SIGKILL);
}

static void
set_stopping (GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
               _("The account registry is stopping; try again when it runs"));
}

/* ---- sources, on the registry's main context ---- */

/* All the SRV look-ups of one account write together (DESIGN §3.7). */
#define SRV_TIMEOUT_MS 5000

typedef struct {
  ESourceRegistryServer *server;
  Email2EvolutionCollection *collections;
  const char *guid;
  const Email2Account *account;  /* write: the account; NULL: remove */
  Email2DavPlan *plan;           /* write: its contacts and calendars, SRV looked up */
  gboolean pending;              /* write: a new account, not seen until published */
  char **guids;                  /* out: list */
  Email2Account *found;          /* out: lookup */
  char *account_label;           /* out: write */
  char *transport_label;
  gboolean collection_changed;   /* out: write; its servers are to be discovered again */
  GError *error;                 /* out: write, remove */
} SourcesCall;

static gboolean
list_on_main (gpointer data)
{
  SourcesCall *call = data;

  call->guids = email2_evolution_sources_list (call->server);
  return G_SOURCE_REMOVE;
}

static gboolean
lookup_on_main (gpointer data)
{
  SourcesCall *call = data;

  call->found = email2_evolution_sources_lookup (call->server, call->guid);
  if (call->found != NULL)
    email2_evolution_collection_read_live (call->server, call->found);
  return G_SOURCE_REMOVE;
}

static gboolean
write_on_main (gpointer data)
{
  SourcesCall *call = data;

  if (call->account != NULL)
    email2_evolution_sources_write (call->server, call->account, call->pending,
                                    &call->account_label, &call->transport_label, &call->error);
  else
    email2_evolution_sources_remove (call->server, call->guid, &call->error);
  if (call->error == NULL)
    email2_evolution_collection_write (call->collections, call->guid, call->account, call->plan,
                                       &call->collection_changed, &call->error);
  return G_SOURCE_REMOVE;
}

static gboolean
authenticate_on_main (gpointer data)
{
  SourcesCall *call = data;

  email2_evolution_collection_authenticate (call->collections, call->guid);
  return G_SOURCE_REMOVE;
}

static gboolean
publish_on_main (gpointer data)
{
  SourcesCall *call = data;

  email2_evolution_sources_publish (call->server, call->guid, &call->error);
  return G_SOURCE_REMOVE;
}

static void
sources_call_clear (SourcesCall *call)
{
  g_free (call->account_label);
  g_free (call->transport_label);
  g_clear_pointer (&call->plan, email2_dav_plan_free);
  g_clear_error (&call->error);
}

/* Writes @account's sources (NULL: removes those of @guid; @pending: a
 * new account, hidden until published); the labels Evolution gives its
 * passwords come back in @call. */
static gboolean
write_sources (Email2EvolutionHost  *self,
               const char           *guid,
               const Email2Account  *account,
               gboolean              pending,
               SourcesCall          *call,
               GError              **error)
{
  call->server = self->server;
  call->collections = self->collections;
  call->guid = guid;
  call->account = account;
  call->pending = pending;
  /* SRV look-ups (RFC 6764) here, in the worker: the main thread never
   * waits for DNS. */
  if (account != NULL && email2_evolution_collection_wanted (account))
    {
      call->plan = email2_dav_plan_new (account, NULL);
      if (call->plan != NULL)
        email2_dav_plan_look_up (call->plan, SRV_TIMEOUT_MS);
    }

  if (!email2_main_caller_run (self->main_caller, write_on_main, call))
    {
      set_stopping (error);
      return FALSE;
    }
  if (call->error != NULL)
    {
      g_debug ("the sources of %s could not be written: %s", guid, call->error->message);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("Evolution's account files could not be written; check the disk"));
      return FALSE;
    }
  return TRUE;
}

/* Every source file written so far is on disk. */
static gboolean
sources_sync (GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (email2_evolution_sources_sync (&local_error))
    return TRUE;
  g_debug ("the sources cannot be synced: %s", local_error->message);
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
               _("Evolution's account files could not be written; check the disk"));
  return FALSE;
}

static char **
email2_evolution_host_list_accounts (Email2Host *host)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  SourcesCall call = { self->server, };

  if (!email2_main_caller_run (self->main_caller, list_on_main, &call))
    return g_new0 (char *, 1);
  return call.guids;
}

static Email2Account *
email2_evolution_host_lookup_account (Email2Host *host,
                                      const char *guid)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  SourcesCall call = { .server = self->server, .guid = guid };

  if (!email2_main_caller_run (self->main_caller, lookup_on_main, &call))
    return NULL;
  return call.found;
}

/* ---- the transaction ---- */

/* Writes sources, then secrets; on delete the other way round, so that
 * EDS's secret monitor never sees a password without its source. An
 * @undo writes @after (the account as it was) over @before (what the
 * transaction left): it backs nothing up and publishes nothing, and its
 * servers are those of any password the user typed. */
static gboolean
write_account (Email2EvolutionHost  *self,
               const Email2Account  *before,
               const Email2Account  *after,
               gboolean              undo,
               GError              **error)
{
  const char *guid = email2_account_get_guid (after != NULL ? after : before);
  SourcesCall call = { NULL, };
  gboolean ok = TRUE;

  /* Touched from the first attempt on: a change that failed to be
   * confirmed may still have happened, and only an undo with the keyring
   * takes it back. */
  if (after == NULL)
    {
      self->keyring_touched = TRUE;
      ok = email2_evolution_keyring_write_eds (guid, NULL, NULL, FALSE, NULL, NULL,
                                               &self->keyring_touched, error) &&
           email2_evolution_keyring_write_collection (guid, NULL, NULL, FALSE, &self->keyring_touched, error) &&
           (undo ||
            email2_keyring_write_provisioned (self->journal, before, NULL, durable_step_done, self,
                                              &self->keyring_touched, error));
    }
  else if (email2_evolution_collection_wanted (after))
    {
      self->keyring_touched = TRUE;
      ok = email2_evolution_keyring_write_collection (guid, before, after, undo,
                                                      &self->keyring_touched, error);
      if (ok)
        durable_step_done (self);
    }

  /* A new account stays hidden until its transaction commits. */
  if (ok)
    ok = write_sources (self, guid, after, !undo && before == NULL, &call, error);
  if (ok)
    durable_step_done (self);

  if (ok && after != NULL)
    {
      self->keyring_touched = TRUE;
      ok = (undo ||
            email2_keyring_write_provisioned (self->journal, before, after, durable_step_done, self,
                                              &self->keyring_touched, error)) &&
           email2_evolution_keyring_write_eds (guid, before, after, undo, call.account_label,
                                               call.transport_label, &self->keyring_touched, error) &&
           (email2_evolution_collection_wanted (after) ||
            email2_evolution_keyring_write_collection (guid, NULL, NULL, FALSE, &self->keyring_touched, error));
    }
  if (ok && after != NULL)
    durable_step_done (self);
  /* A collection whose servers changed is discovered again. */
  if (ok && call.collection_changed)
    email2_main_caller_run (self->main_caller, authenticate_on_main, &call);

  sources_call_clear (&call);
  return ok;
}

/* Puts one account back as it was before the transaction of @journal:
 * the provisioned secrets from their backups, the sources, then
 * Evolution's copies of the secrets. */
static gboolean
undo_account (Email2EvolutionHost  *self,
              const char           *guid,
              gboolean              with_keyring,
              GError              **error)
{
  g_autoptr(GError) read_error = NULL;
  g_autoptr(Email2Account) before = email2_journal_dup_before (self->journal, guid, &read_error);
  g_autoptr(Email2Account) current = email2_account_new (guid);

  if (read_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }

  /* The keyring is as it was: the sources alone are put back. */
  if (!with_keyring)
    {
      SourcesCall call = { NULL, };
      gboolean ok = write_sources (self, guid, before, FALSE, &call, error);

      sources_call_clear (&call);
      return ok;
    }

  /* What the transaction left provisioned: Evolution's copy of it is
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
undo_journal (Email2EvolutionHost  *self,
              gboolean              with_keyring,
              GError              **error)
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
recover_locked (Email2EvolutionHost  *self,
                GError              **error)
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
      g_message ("email2: finishing transaction %s, committed before the registry stopped",
                 transaction);
      ok = email2_keyring_clear_backups (transaction, error);
    }
  else
    {
      g_message ("email2: undoing transaction %s, left open when the registry stopped",
                 transaction != NULL ? transaction : "?");
      ok = undo_journal (self, TRUE, error) && sources_sync (error);
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
email2_evolution_host_begin (Email2Host  *host,
                             GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
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
email2_evolution_host_apply (Email2Host           *host,
                             const Email2Account  *before,
                             const Email2Account  *after,
                             GError              **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
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
publish_new_accounts (Email2EvolutionHost  *self,
                      GError              **error)
{
  g_auto(GStrv) guids = email2_journal_list_accounts (self->journal, error);

  if (guids == NULL)
    return FALSE;
  for (guint i = 0; guids[i] != NULL; i++)
    {
      SourcesCall call = { .server = self->server, .guid = guids[i], };

      if (!email2_journal_created (self->journal, guids[i]))
        continue;
      if (!email2_main_caller_run (self->main_caller, publish_on_main, &call))
        {
          set_stopping (error);
          return FALSE;
        }
      if (call.error != NULL)
        {
          g_debug ("%s could not be published: %s", guids[i], call.error->message);
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                       _("Evolution's account files could not be written; check the disk"));
          sources_call_clear (&call);
          return FALSE;
        }
      durable_step_done (self);
    }
  return TRUE;
}

static gboolean
email2_evolution_host_commit (Email2Host  *host,
                              GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);
  g_autofree char *transaction = NULL;
  g_autoptr(GError) cleanup_error = NULL;

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_OPEN, FALSE);

  /* If this fails, the engine rolls back with the journal still open. */
  /* The sources are on disk before the journal says committed. */
  if (!publish_new_accounts (self, error) || !sources_sync (error))
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
email2_evolution_host_rollback (Email2Host  *host,
                                GError     **error)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (host);

  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_OPEN, FALSE);

  /* A failed undo leaves the journal for the next start to try again.
   * A transaction that never reached the keyring (locked, gone) is undone
   * without it. */
  /* The journal goes once what it undid is on disk. */
  if (!undo_journal (self, self->keyring_touched, error) || !sources_sync (error))
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
 * email2_evolution_host_recover:
 * @self: the host
 * @error: return location for a #GError
 *
 * Finishes or undoes a transaction that the registry's last run did not
 * end (the registry was killed, the machine lost power): a committed one
 * loses its backups and journal, an open one is undone. Call it from the
 * worker before any payload, once the registry has loaded its sources.
 *
 * Returns: %TRUE when nothing was left or it was ended
 */
gboolean
email2_evolution_host_recover (Email2EvolutionHost  *self,
                               GError              **error)
{
  gboolean ok;

  g_return_val_if_fail (EMAIL2_IS_EVOLUTION_HOST (self), FALSE);
  g_return_val_if_fail (email2_journal_get_state (self->journal) == EMAIL2_JOURNAL_NONE, FALSE);

  /* Another registry may still be ending it (it lost the bus to us). */
  if (!email2_journal_lock (self->journal, LOCK_WAIT_MS, error))
    return FALSE;
  ok = recover_locked (self, error);
  email2_journal_unlock (self->journal);
  return ok;
}

static void
email2_evolution_host_iface_init (Email2HostInterface *iface)
{
  iface->list_accounts = email2_evolution_host_list_accounts;
  iface->lookup_account = email2_evolution_host_lookup_account;
  iface->begin = email2_evolution_host_begin;
  iface->apply = email2_evolution_host_apply;
  iface->commit = email2_evolution_host_commit;
  iface->rollback = email2_evolution_host_rollback;
}

static void
email2_evolution_host_finalize (GObject *object)
{
  Email2EvolutionHost *self = EMAIL2_EVOLUTION_HOST (object);

  g_clear_object (&self->collections);
  g_clear_object (&self->server);
  g_clear_object (&self->main_caller);
  g_clear_object (&self->journal);

  G_OBJECT_CLASS (email2_evolution_host_parent_class)->finalize (object);
}

static void
email2_evolution_host_class_init (Email2EvolutionHostClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_evolution_host_finalize;
}

static void
email2_evolution_host_init (Email2EvolutionHost *self)
{
}

/**
 * email2_evolution_host_new:
 * @server: the registry
 * @main_caller: runs source work on the registry's main context
 *
 * Returns: (transfer full): a host for Evolution's accounts
 */
Email2EvolutionHost *
email2_evolution_host_new (ESourceRegistryServer *server,
                           Email2MainCaller      *main_caller)
{
  Email2EvolutionHost *self = g_object_new (EMAIL2_TYPE_EVOLUTION_HOST, NULL);
  const char *crash_after = email2_test_hook (EMAIL2_TEST_HOOK_CRASH_AFTER_STEP);

  self->server = g_object_ref (server);
  self->main_caller = g_object_ref (main_caller);
  /* On the registry's main context, as the module makes the host. */
  self->collections = email2_evolution_collection_new (server);
  self->journal = email2_journal_new_default ();
  self->crash_after = crash_after != NULL ? (guint) g_ascii_strtoull (crash_after, NULL, 10) : 0;

  return self;
}
