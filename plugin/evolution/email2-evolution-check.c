/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl check, inside the registry: what transactions may leave
 * behind, and with --repair what can be put right without guessing.
 *
 * The library (src/email2-check.c) finds what is left in the journal
 * (open-journal), in the registry's source files (pending-source,
 * unreadable-source) and of email2's own keyring items (orphan-item,
 * missing-secret, keyring-locked). This file adds what needs the
 * registry's sources and EDS's keyring schema:
 *
 *   orphan-item        Evolution's password of an email2- UID that is not
 *                      there: repair removes it
 *   missing-secret     Evolution's copy of a secret the payload gave is
 *                      missing: repair copies it from email2's item when
 *                      that one is there
 *   registry-stopping  the registry is quitting: nothing more was checked
 *
 * It runs in the module's worker, between two calls, so never in the
 * middle of a transaction; source work is done on the registry's main
 * context. It never reads a secret except to copy it into Evolution's item.
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <libsecret/secret.h>

#include "email2-evolution-check.h"
#include "email2-evolution-keyring.h"
#include "email2-evolution-sources.h"
#include "email2-journal-private.h"
#include "email2-keyring-private.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"

#define EDS_ORIGIN "evolution-data-server"

/* ---- the registry's view, taken on its main context ---- */

typedef struct {
  Email2Account *account;  /* account sources only */
  char *label;             /* the label EDS gives its secret */
} SourceInfo;

static void
source_info_free (SourceInfo *info)
{
  g_clear_pointer (&info->account, email2_account_free);
  g_free (info->label);
  g_free (info);
}

typedef struct {
  ESourceRegistryServer *server;
  GHashTable *sources;  /* UID → SourceInfo, email2's only */
} Snapshot;

static gboolean
snapshot_on_main (gpointer data)
{
  Snapshot *snapshot = data;
  GList *sources = e_source_registry_server_list_sources (snapshot->server, NULL);

  for (GList *l = sources; l != NULL; l = l->next)
    {
      ESource *source = l->data;
      SourceInfo *info;

      if (!g_str_has_prefix (e_source_get_uid (source), UID_PREFIX))
        continue;
      info = g_new0 (SourceInfo, 1);
      info->label = e_source_dup_secret_label (source);
      if (e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
        info->account = email2_source_extension_to_account (
          e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME));
      g_hash_table_insert (snapshot->sources, g_strdup (e_source_get_uid (source)), info);
    }
  g_list_free_full (sources, g_object_unref);
  return G_SOURCE_REMOVE;
}

/* %NULL when the registry is stopping. */
static GHashTable *
take_snapshot (ESourceRegistryServer *server,
               Email2MainCaller      *main_caller)
{
  Snapshot snapshot = { server, g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) source_info_free) };

  if (!email2_main_caller_run (main_caller, snapshot_on_main, &snapshot))
    g_clear_pointer (&snapshot.sources, g_hash_table_unref);
  return snapshot.sources;
}

static char *
uid_of_guid (const char       *guid,
             Email2SourceRole  role)
{
  char canonical[EMAIL2_GUID_SIZE];

  if (guid == NULL || !email2_guid_canonicalize (guid, canonical))
    return NULL;
  return email2_evolution_source_uid (canonical, role);
}

static gboolean
recover (gpointer   transaction,
         GError   **error)
{
  return email2_transaction_recover (transaction, error);
}

/* ---- keyring ---- */

/* email2's items (email2_check_orphans()), then Evolution's: a password
 * of an email2- UID that is not there. */
static void
check_orphans (GHashTable *sources,
               GHashTable *accounts,
               const char *open_transaction,
               gboolean    repair,
               GPtrArray  *findings)
{
  GList *items;

  email2_check_orphans (accounts, open_transaction, repair, findings);

  items = email2_check_search (email2_evolution_keyring_eds_schema (), "eds-origin", EDS_ORIGIN);
  for (GList *l = items; l != NULL; l = l->next)
    {
      g_autoptr(GHashTable) attributes = secret_item_get_attributes (l->data);
      const char *uid = g_hash_table_lookup (attributes, "e-source-uid");

      if (uid == NULL || !g_str_has_prefix (uid, UID_PREFIX) || g_hash_table_contains (sources, uid))
        continue;
      email2_check_orphan (findings, l->data, uid,
                           g_strdup (_("Evolution's password of a source that is not there")), repair);
    }
  g_list_free_full (items, g_object_unref);
}

/* Evolution's item @uid should hold @node of the account @guid. */
static void
check_copy (GHashTable   *sources,
            const char   *guid,
            const char   *uid,
            Email2NodeId  node_id,
            gboolean      repair,
            GPtrArray    *findings)
{
  SourceInfo *info = g_hash_table_lookup (sources, uid);
  const char *node = email2_schema_get (node_id)->name;
  g_autoptr(GHashTable) copy = email2_keyring_attributes_new ("e-source-uid", uid, NULL);
  g_autoptr(GHashTable) provisioned = email2_keyring_attributes_new ("email2-guid", guid,
                                                                     "email2-node", node, NULL);
  g_autoptr(GError) error = NULL;
  char *secret;

  if (email2_keyring_count (email2_evolution_keyring_eds_schema (), copy, NULL) > 0)
    return;
  if (email2_keyring_count (email2_keyring_provisioned_schema (), provisioned, NULL) == 0)
    return;              /* reported as missing from email2's items */
  if (!repair || info == NULL)
    {
      email2_check_add (findings, "missing-secret", uid,
                        g_strdup_printf (_("Evolution has no password for it; the payload gave %s"), node),
                        g_strdup (_("email2ctl check --repair copies it from email2's item")), FALSE);
      return;
    }

  secret = email2_keyring_lookup (guid, node_id, &error);
  if (secret != NULL && email2_evolution_keyring_store_eds (uid, info->label, secret, &error))
    email2_check_add (findings, "missing-secret", uid,
                      g_strdup_printf (_("Evolution had no password for it; the payload gave %s"), node),
                      g_strdup (_("copied from email2's item")), TRUE);
  else
    email2_check_add (findings, "missing-secret", uid,
                      g_strdup_printf (_("Evolution has no password for it; the payload gave %s"), node),
                      g_strdup_printf (_("could not be copied: %s"),
                                       error != NULL ? error->message : _("email2's item is gone")), FALSE);
  if (secret != NULL)
    email2_secret_free (secret);
}

static void
check_secrets (GHashTable *sources,
               gboolean    repair,
               GPtrArray  *findings)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, sources);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SourceInfo *info = value;
      const char *guid;
      g_autofree char *transport_uid = NULL;
      Email2NodeId transport_node;

      if (info->account == NULL)
        continue;
      guid = email2_account_get_guid (info->account);
      email2_check_provisioned (info->account, findings);

      if (email2_account_has (info->account, EMAIL2_NODE_AUTHSECRET))
        check_copy (sources, guid, key, EMAIL2_NODE_AUTHSECRET, repair, findings);

      /* The transport's: as email2-evolution-keyring.c copies it. */
      transport_node = email2_account_server_secret (info->account, EMAIL2_NODE_OUTSERVER);
      transport_uid = uid_of_guid (guid, EMAIL2_SOURCE_TRANSPORT);
      if (transport_node != EMAIL2_N_NODES && email2_account_has (info->account, transport_node) &&
          g_hash_table_contains (sources, transport_uid))
        check_copy (sources, guid, transport_uid, transport_node, repair, findings);
    }
}

/* The accounts of @sources, by GUID. */
static GHashTable *
accounts_of (GHashTable *sources)
{
  GHashTable *accounts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, sources);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SourceInfo *info = value;

      if (info->account != NULL)
        g_hash_table_insert (accounts, (char *) email2_account_get_guid (info->account), info->account);
    }
  return accounts;
}

/**
 * email2_evolution_check:
 * @transaction: the host's transaction, whose recovery ends an open journal
 * @server: the registry
 * @main_caller: runs source work on the registry's main context
 * @repair: fix what can be fixed safely
 *
 * Call it from the module's worker, between transactions.
 *
 * Returns: (transfer full) (element-type Email2CheckFinding): what was found
 */
GPtrArray *
email2_evolution_check (Email2Transaction     *transaction,
                        ESourceRegistryServer *server,
                        Email2MainCaller      *main_caller,
                        gboolean               repair)
{
  GPtrArray *findings = email2_check_findings_new ();
  g_autoptr(Email2Journal) journal = NULL;
  g_autofree char *open_transaction = NULL;
  g_autoptr(GHashTable) sources = NULL;

  /* A journal first: ending it changes what the rest finds. */
  journal = email2_journal_new_default ();
  open_transaction = email2_check_journal (journal, repair, recover, transaction, findings);
  email2_check_source_files (e_server_side_source_get_user_dir (), open_transaction, repair,
                             findings);
  sources = take_snapshot (server, main_caller);
  if (sources == NULL)
    email2_check_add (findings, "registry-stopping", "", g_strdup (_("The account registry is stopping")),
                      g_strdup (_("run the check again when it runs")), FALSE);
  else if (email2_check_keyring_usable (findings))
    {
      g_autoptr(GHashTable) accounts = accounts_of (sources);

      check_orphans (sources, accounts, open_transaction, repair, findings);
      check_secrets (sources, repair, findings);
    }
  return findings;
}
