/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2EvolutionStore: evolution-source-registry as an Email2AccountStore
 * (docs/DESIGN.md §3.1, §3.8): an account's three sources
 * (email2-evolution-sources.c) and its contacts-and-calendars collection
 * (email2-evolution-collection.c), and EDS's copies of the secrets
 * (email2-evolution-keyring.c). The transaction's order, its journal and
 * email2's own keyring items are Email2Transaction's
 * (src/email2-transaction.c).
 *
 * The transaction calls this store from the engine's worker thread (the
 * registry's main loop must not block on the keyring): source work is
 * handed to the registry's main context through an Email2MainCaller and
 * waited for, keyring work is done in the calling thread. When the module
 * stops, the caller refuses: the transaction fails and is left to the
 * journal.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-evolution-collection.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"
#include "email2-evolution-store.h"

struct _Email2EvolutionStore {
  GObject parent_instance;

  ESourceRegistryServer *server;
  Email2MainCaller *main_caller;
  Email2EvolutionCollection *collections; /* contacts and calendars */
};

static void email2_evolution_store_iface_init (Email2AccountStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2EvolutionStore, email2_evolution_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_ACCOUNT_STORE,
                                                      email2_evolution_store_iface_init))

/* All the SRV look-ups of one account write together (DESIGN §3.7). */
#define SRV_TIMEOUT_MS 5000

typedef struct {
  Email2EvolutionStore *self;
  const char *guid;
  const Email2Account *account;  /* write: the account; NULL: remove */
  Email2DavPlan *plan;           /* write: its contacts and calendars, SRV looked up */
  gboolean pending;              /* write: a new account, not seen until published */
  char **guids;                  /* out: list */
  Email2Account *found;          /* out: lookup */
  char *labels[3];               /* out: write: the account's, the transport's */
  gboolean collection_changed;   /* out: write; its servers are to be discovered again */
  GError *error;                 /* out: write, publish */
} SourcesCall;

static gboolean
list_on_main (gpointer data)
{
  SourcesCall *call = data;

  call->guids = email2_evolution_sources_list (call->self->server);
  return G_SOURCE_REMOVE;
}

static gboolean
lookup_on_main (gpointer data)
{
  SourcesCall *call = data;

  call->found = email2_evolution_sources_lookup (call->self->server, call->guid);
  if (call->found != NULL)
    email2_evolution_collection_read_live (call->self->server, call->found);
  return G_SOURCE_REMOVE;
}

static gboolean
write_on_main (gpointer data)
{
  SourcesCall *call = data;
  ESourceRegistryServer *server = call->self->server;

  if (call->account != NULL)
    email2_evolution_sources_write (server, call->account, call->pending,
                                    &call->labels[0], &call->labels[1], &call->error);
  else
    email2_evolution_sources_remove (server, call->guid, &call->error);
  if (call->error == NULL)
    email2_evolution_collection_write (call->self->collections, call->guid, call->account,
                                       call->plan, &call->collection_changed, &call->error);
  return G_SOURCE_REMOVE;
}

static gboolean
publish_on_main (gpointer data)
{
  SourcesCall *call = data;

  email2_evolution_sources_publish (call->self->server, call->guid, &call->error);
  return G_SOURCE_REMOVE;
}

static gboolean
authenticate_on_main (gpointer data)
{
  SourcesCall *call = data;

  email2_evolution_collection_authenticate (call->self->collections, call->guid);
  return G_SOURCE_REMOVE;
}

/* Runs @func on the registry's main context; FALSE (and @error) when it
 * failed there or the module is stopping. */
static gboolean
run_on_main (Email2EvolutionStore  *self,
             GSourceFunc            func,
             SourcesCall           *call,
             GError               **error)
{
  if (!email2_main_caller_run (self->main_caller, func, call))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The account registry is stopping; try again when it runs"));
      return FALSE;
    }
  if (call->error != NULL)
    {
      g_debug ("the sources of %s could not be written: %s", call->guid, call->error->message);
      g_clear_error (&call->error);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("Evolution's account files could not be written; check the disk"));
      return FALSE;
    }
  return TRUE;
}

static char **
email2_evolution_store_list (Email2AccountStore *store)
{
  SourcesCall call = { EMAIL2_EVOLUTION_STORE (store), };

  if (!email2_main_caller_run (call.self->main_caller, list_on_main, &call))
    return g_new0 (char *, 1);
  return call.guids;
}

static Email2Account *
email2_evolution_store_lookup (Email2AccountStore *store,
                               const char         *guid)
{
  SourcesCall call = { EMAIL2_EVOLUTION_STORE (store), guid, };

  if (!email2_main_caller_run (call.self->main_caller, lookup_on_main, &call))
    return NULL;
  return call.found;
}

/* The account's sources and collection; the labels Evolution gives its
 * passwords come back in @change. */
static gboolean
email2_evolution_store_write_files (Email2AccountStore  *store,
                                    Email2StoreChange   *change,
                                    GError             **error)
{
  SourcesCall call = {
    EMAIL2_EVOLUTION_STORE (store), change->guid, change->after, .pending = change->pending,
  };
  gboolean ok;

  /* SRV look-ups (RFC 6764) here, in the worker: the main thread never
   * waits for DNS. */
  if (change->after != NULL && email2_evolution_collection_wanted (change->after))
    {
      call.plan = email2_dav_plan_new (change->after, NULL);
      if (call.plan != NULL)
        email2_dav_plan_look_up (call.plan, SRV_TIMEOUT_MS);
    }

  ok = run_on_main (call.self, write_on_main, &call, error);
  g_clear_pointer (&call.plan, email2_dav_plan_free);
  change->rediscover = ok && call.collection_changed;
  change->labels = g_boxed_copy (G_TYPE_STRV, call.labels);
  g_free (call.labels[0]);
  g_free (call.labels[1]);
  return ok;
}

static gboolean
email2_evolution_store_publish (Email2AccountStore  *store,
                                const char          *guid,
                                GError             **error)
{
  SourcesCall call = { EMAIL2_EVOLUTION_STORE (store), guid, };

  return run_on_main (call.self, publish_on_main, &call, error);
}

static gboolean
email2_evolution_store_sync (Email2AccountStore  *store,
                             GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  if (email2_evolution_sources_sync (&local_error))
    return TRUE;
  g_debug ("the sources cannot be synced: %s", local_error->message);
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
               _("Evolution's account files could not be written; check the disk"));
  return FALSE;
}

/* The collection's password is there before the collection: EDS's
 * discovery starts at once. An account that goes loses every item before
 * its sources, so that EDS's secret monitor never sees a password without
 * its source. */
static gboolean
email2_evolution_store_write_secrets_ahead (Email2AccountStore       *store,
                                            const Email2StoreChange  *change,
                                            gboolean                 *wrote,
                                            GError                  **error)
{
  if (change->after == NULL)
    {
      *wrote = TRUE;
      return email2_evolution_keyring_write_eds (change->guid, NULL, NULL, FALSE, NULL, NULL, error) &&
             email2_evolution_keyring_write_collection (change->guid, NULL, NULL, FALSE, error);
    }
  if (!email2_evolution_collection_wanted (change->after))
    return TRUE;
  *wrote = TRUE;
  return email2_evolution_keyring_write_collection (change->guid, change->before, change->after,
                                                    change->undo, error);
}

static gboolean
email2_evolution_store_write_secrets (Email2AccountStore       *store,
                                      const Email2StoreChange  *change,
                                      GError                  **error)
{
  const char *account_label = change->labels != NULL ? change->labels[0] : NULL;
  const char *transport_label = account_label != NULL ? change->labels[1] : NULL;

  return email2_evolution_keyring_write_eds (change->guid, change->before, change->after, change->undo,
                                             account_label, transport_label, error) &&
         (email2_evolution_collection_wanted (change->after) ||
          email2_evolution_keyring_write_collection (change->guid, NULL, NULL, FALSE, error));
}

/* A collection whose servers changed is discovered again. */
static void
email2_evolution_store_rediscover (Email2AccountStore      *store,
                                   const Email2StoreChange *change)
{
  SourcesCall call = { EMAIL2_EVOLUTION_STORE (store), change->guid, };

  email2_main_caller_run (call.self->main_caller, authenticate_on_main, &call);
}

static void
email2_evolution_store_iface_init (Email2AccountStoreInterface *iface)
{
  iface->list = email2_evolution_store_list;
  iface->lookup = email2_evolution_store_lookup;
  iface->write_files = email2_evolution_store_write_files;
  iface->publish = email2_evolution_store_publish;
  iface->sync = email2_evolution_store_sync;
  iface->write_secrets_ahead = email2_evolution_store_write_secrets_ahead;
  iface->write_secrets = email2_evolution_store_write_secrets;
  iface->rediscover = email2_evolution_store_rediscover;
}

static void
email2_evolution_store_finalize (GObject *object)
{
  Email2EvolutionStore *self = EMAIL2_EVOLUTION_STORE (object);

  g_clear_object (&self->collections);
  g_clear_object (&self->server);
  g_clear_object (&self->main_caller);

  G_OBJECT_CLASS (email2_evolution_store_parent_class)->finalize (object);
}

static void
email2_evolution_store_class_init (Email2EvolutionStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_evolution_store_finalize;
}

static void
email2_evolution_store_init (Email2EvolutionStore *self)
{
}

/**
 * email2_evolution_store_new:
 * @server: the registry
 * @main_caller: runs source work on the registry's main context
 *
 * Call it on the registry's main context.
 *
 * Returns: (transfer full): Evolution's accounts, as a transaction's store
 */
Email2EvolutionStore *
email2_evolution_store_new (ESourceRegistryServer *server,
                            Email2MainCaller      *main_caller)
{
  Email2EvolutionStore *self = g_object_new (EMAIL2_TYPE_EVOLUTION_STORE, NULL);

  self->server = g_object_ref (server);
  self->main_caller = g_object_ref (main_caller);
  self->collections = email2_evolution_collection_new (server);
  return self;
}

/**
 * email2_evolution_store_stop:
 * @self: the store
 *
 * Stops what the store runs on its own, the collections' HTTPS checks:
 * nothing is written after it but what a transaction still asks for. Call
 * it on the main context.
 */
void
email2_evolution_store_stop (Email2EvolutionStore *self)
{
  g_return_if_fail (EMAIL2_IS_EVOLUTION_STORE (self));

  email2_evolution_collection_stop (self->collections);
}
