/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl check, inside the registry: what transactions may leave
 * behind, and with --repair what can be put right without guessing.
 *
 *   open-journal       a transaction not ended (its registry stopped, or
 *                      its undo needed a keyring that was gone): repair
 *                      ends it as the registry's start does
 *   pending-source     a new account's hidden file (.UID.source.pending)
 *                      that no open transaction will publish: repair
 *                      removes it
 *   unreadable-source  an email2- source file that is not a key file with a
 *                      [Data Source] group: repair moves it aside
 *                      (NAME.source.broken, which EDS does not load)
 *   orphan-item        a keyring item of email2's schemas, or of EDS's for an
 *                      email2- UID, whose account or source is not there, or
 *                      a backup item of no open transaction: repair removes it
 *   missing-secret     an account whose payload gave a secret the keyring
 *                      lacks: repair copies Evolution's item from email2's
 *                      when that one is there; else the secret must be sent
 *                      again
 *   keyring-locked     locked or unavailable: the secrets cannot be
 *                      checked; nothing is prompted
 *   registry-stopping  the registry is quitting: nothing more was checked
 *
 * email2's own items (orphans, secrets the keyring lacks) are checked by
 * the library (src/email2-check.c); this file adds the registry's files,
 * the journal and Evolution's items.
 *
 * It runs in the module's worker, between two calls, so never in the
 * middle of a transaction; source work is done on the registry's main
 * context. It never reads a secret except to copy it into Evolution's item.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
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

/* ---- journal ---- */

/* The open transaction's id, whose backup items are not orphans. */
static char *
check_journal (Email2Transaction *transaction,
               gboolean           repair,
               GPtrArray         *findings)
{
  g_autoptr(Email2Journal) journal = email2_journal_new_default ();
  const char *path = email2_journal_get_path (journal);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  Email2JournalState state = EMAIL2_JOURNAL_NONE;
  static const char *state_names[] = { NULL, "open", "committed" };
  char *detail;

  if (!email2_journal_exists (journal))
    return NULL;

  /* Read without the lock: the worker runs no transaction now. */
  if (email2_journal_load (journal, NULL))
    {
      id = email2_journal_dup_transaction (journal);
      state = email2_journal_get_state (journal);
    }
  detail = g_strdup_printf (_("Transaction %s (%s) was not ended"), id != NULL ? id : "?",
                            state_names[state] != NULL ? state_names[state] : _("unreadable"));

  if (!repair)
    {
      email2_check_add (findings, "open-journal", path, detail,
                        g_strdup (_("email2ctl check --repair ends it, as the registry's next start does")),
                        FALSE);
      return g_steal_pointer (&id);
    }

  if (email2_transaction_recover (transaction, &error))
    {
      email2_check_add (findings, "open-journal", path, detail,
                        g_strdup (state == EMAIL2_JOURNAL_COMMITTED ? _("finished: its changes stay")
                                                                      : _("undone: every account as before it")),
                        TRUE);
      return NULL;
    }
  email2_check_add (findings, "open-journal", path, detail,
                    g_strdup_printf (_("could not be ended (%s); fix that and repeat"), error->message),
                    FALSE);
  return g_steal_pointer (&id);
}

/* ---- source files ---- */

/* A new account's file that no open transaction will publish or undo. */
static void
check_pending_file (const char *path,
                    const char *open_transaction,
                    gboolean    repair,
                    GPtrArray  *findings)
{
  char *detail;

  if (open_transaction != NULL)
    return;
  detail = g_strdup (_("A new account's file that no transaction will publish"));
  if (!repair)
    email2_check_add (findings, "pending-source", path, detail,
                      g_strdup (_("email2ctl check --repair removes it")), FALSE);
  else if (g_unlink (path) == 0)
    email2_check_add (findings, "pending-source", path, detail, g_strdup (_("removed")), TRUE);
  else
    email2_check_add (findings, "pending-source", path, detail,
                      g_strdup_printf (_("could not be removed: %s"), g_strerror (errno)), FALSE);
}

static void
check_source_files (const char *open_transaction,
                    gboolean    repair,
                    GPtrArray  *findings)
{
  const char *dir_path = e_server_side_source_get_user_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GKeyFile) key_file = g_key_file_new ();
      g_autofree char *broken = NULL;
      g_autofree char *uid = NULL;
      g_autoptr(GError) error = NULL;

      path = g_build_filename (dir_path, name, NULL);
      if (g_str_has_prefix (name, "." UID_PREFIX) && g_str_has_suffix (name, ".source.pending"))
        {
          check_pending_file (path, open_transaction, repair, findings);
          continue;
        }
      if (!g_str_has_prefix (name, UID_PREFIX) || !g_str_has_suffix (name, ".source"))
        continue;
      if (g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error) &&
          g_key_file_has_group (key_file, "Data Source"))
        continue;

      uid = g_strndup (name, strlen (name) - strlen (".source"));
      if (!repair)
        {
          email2_check_add (findings, "unreadable-source", path,
                            g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                            g_strdup (_("email2ctl check --repair moves it aside; then delete the account and send its creation again")),
                            FALSE);
          continue;
        }
      broken = g_strconcat (path, ".broken", NULL);
      if (g_rename (path, broken) == 0)
        email2_check_add (findings, "unreadable-source", path,
                          g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                          g_strdup_printf (_("moved to %s; delete the account and send its creation again"), broken),
                          TRUE);
      else
        email2_check_add (findings, "unreadable-source", path,
                          g_strdup (error != NULL ? error->message : _("No [Data Source] group")),
                          g_strdup_printf (_("could not be moved aside: %s"), g_strerror (errno)), FALSE);
    }
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
  g_autofree char *open_transaction = NULL;
  g_autoptr(GHashTable) sources = NULL;

  /* A journal first: ending it changes what the rest finds. */
  open_transaction = check_journal (transaction, repair, findings);
  check_source_files (open_transaction, repair, findings);
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
