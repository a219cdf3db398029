/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * An EMAIL2 account as Evolution's own sources (docs/DESIGN.md §3): three
 * linked sources, as Evolution's wizard links them:
 *   email2-<guid>            [Mail Account]; the account, with [EMAIL2]
 *   email2-<guid>-identity   [Mail Identity], [Mail Submission], parent: the account
 *   email2-<guid>-transport  [Mail Transport], parent: the account
 *
 * This file finds, writes and removes the registry's sources, on the
 * registry's main context, never leaving a truncated file; the mapping of
 * an account onto the three (email2-evolution-mapping.c) works on any
 * ESource.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "email2-evolution-mapping.h"
#include "email2-evolution-sources.h"
#include "email2-dirty-dirs-private.h"
#include "email2-file-private.h"
#include "email2-source-extension.h"

#define UID_PREFIX "email2-"

/**
 * email2_evolution_source_uid:
 * @guid: a canonical GUID, in braces
 * @role: which of the account's sources
 *
 * Returns: (transfer full): the UID of that source
 */
char *
email2_evolution_source_uid (const char       *guid,
                             Email2SourceRole  role)
{
  static const char * const suffixes[] = {
    [EMAIL2_SOURCE_ACCOUNT] = "",
    [EMAIL2_SOURCE_IDENTITY] = "-identity",
    [EMAIL2_SOURCE_TRANSPORT] = "-transport",
  };
  g_autofree char *lower = g_ascii_strdown (guid + 1, EMAIL2_GUID_SIZE - 3);

  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (suffixes), NULL);
  return g_strconcat (UID_PREFIX, lower, suffixes[role], NULL);
}

/* ---- the registry's sources, on its main context ---- */

/**
 * email2_evolution_sources_list:
 * @server: the registry
 *
 * Returns: (transfer full): the GUIDs of the provisioned accounts
 */
char **
email2_evolution_sources_list (ESourceRegistryServer *server)
{
  GList *sources = e_source_registry_server_list_sources (server, EMAIL2_SOURCE_EXTENSION_NAME);
  GPtrArray *guids = g_ptr_array_new ();

  for (GList *l = sources; l != NULL; l = l->next)
    {
      char *guid = email2_source_extension_dup_guid (e_source_get_extension (l->data,
                                                                             EMAIL2_SOURCE_EXTENSION_NAME));

      if (guid != NULL)
        g_ptr_array_add (guids, guid);
    }
  g_list_free_full (sources, g_object_unref);
  g_ptr_array_add (guids, NULL);

  return (char **) g_ptr_array_free (guids, FALSE);
}

/**
 * email2_evolution_sources_lookup:
 * @server: the registry
 * @guid: a canonical GUID
 *
 * Returns: (transfer full) (nullable): the account as provisioned, with
 *   Evolution's live settings where Get reads them; %NULL when there is none
 */
Email2Account *
email2_evolution_sources_lookup (ESourceRegistryServer *server,
                                 const char            *guid)
{
  g_autofree char *uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *identity_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_IDENTITY);
  g_autoptr(ESource) source = e_source_registry_server_ref_source (server, uid);
  g_autoptr(ESource) identity = NULL;
  Email2Account *account;

  if (source == NULL || !e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
    return NULL;
  account = email2_source_extension_to_account (e_source_get_extension (source,
                                                                        EMAIL2_SOURCE_EXTENSION_NAME));
  if (account == NULL)
    return NULL;

  identity = e_source_registry_server_ref_source (server, identity_uid);
  email2_evolution_mapping_read_live (source, identity, account);
  return account;
}

/* ---- writing: never a truncated file ----
 *
 * EDS writes a source with g_file_replace_contents(), which writes a
 * temporary file and renames it into place when the stream is closed, even
 * after a write failed: on a full disk the source file is left short or
 * empty, and the registry cannot read it again (issue 15). And an exported
 * source writes itself whenever it changes (its "changed" signal, from an
 * idle). So email2 never changes a live source first: it changes a scratch
 * copy that nobody exports, writes that copy's text to a temporary file of
 * its own and renames it over the old file, and only then makes
 * the live source load what is on disk. A write that fails leaves the old
 * file and the live source as they were; EDS then has nothing to write.
 *
 * A new account's files are first written under hidden names
 * (.UID.source.pending), which EDS neither loads nor watches: until its
 * transaction commits, no client of the registry sees any of it, and a
 * registry that stops in between starts without it. Publishing renames
 * them into place and adds the sources. */

static char *
source_file_path (const char *uid)
{
  g_autofree char *name = g_strconcat (uid, ".source", NULL);

  return g_build_filename (e_server_side_source_get_user_dir (), name, NULL);
}

static char *
pending_file_path (const char *uid)
{
  g_autofree char *name = g_strconcat (".", uid, ".source.pending", NULL);

  return g_build_filename (e_server_side_source_get_user_dir (), name, NULL);
}

/* The directories where a source file was renamed or removed since the
 * last email2_evolution_sources_sync(): noted on the registry's main
 * context, synced from the host's worker. */
static Email2DirtyDirs *
changed_dirs (void)
{
  static Email2DirtyDirs *dirs;

  if (g_once_init_enter (&dirs))
    g_once_init_leave (&dirs, email2_dirty_dirs_new ());
  return dirs;
}

/**
 * email2_evolution_sources_changed:
 * @path: a source file that was renamed into place or removed
 *
 * Remembers @path's directory for email2_evolution_sources_sync().
 */
void
email2_evolution_sources_changed (const char *path)
{
  email2_dirty_dirs_add_file (changed_dirs (), path);
}

/**
 * email2_evolution_sources_sync:
 * @error: return location for a #GError
 *
 * Makes every source file written so far durable, renames and removals
 * included: each file's text was synced before it was renamed into place
 * (email2_evolution_source_file_write()), so what is left is one fsync()
 * of each directory where a file was renamed or removed since the last
 * sync; a transaction calls it where it commits and where its undo ends.
 *
 * Returns: %TRUE when they are on disk; on failure the directories not
 *   synced are kept for the next call
 */
gboolean
email2_evolution_sources_sync (GError **error)
{
  return email2_dirty_dirs_sync (changed_dirs (), error);
}

/**
 * email2_evolution_source_file_write:
 * @path: a source file
 * @data: its new contents
 * @error: return location for a #GError
 *
 * Makes @path hold @data without ever being seen short: a temporary file
 * in the same directory (not a name EDS loads), synced, renamed over
 * @path once written whole. A file that holds @data already is left
 * alone; one that differs, whatever is in memory, is rewritten.
 * email2_evolution_sources_sync() makes the rename durable.
 *
 * Returns: %TRUE when @path holds @data
 */
gboolean
email2_evolution_source_file_write (const char  *path,
                                    const char  *data,
                                    GError     **error)
{
  gsize length = strlen (data);

  if (email2_file_holds (path, data, length))
    return TRUE;
  if (!email2_file_replace (path, data, length, 0600, EMAIL2_FILE_REPLACE_DATASYNC, error))
    return FALSE;
  email2_evolution_sources_changed (path);
  return TRUE;
}

/* EDS writes a source whose settings changed itself, from an idle, with
 * g_file_replace_contents() to its UID's file in the registry's
 * directory: a scratch copy would write after email2, unsafely (a short
 * file on a full disk) and with what email2 left out. Its "changed"
 * never reaches that class handler. */
static void
stop_changed (ESource *scratch)
{
  g_signal_stop_emission_by_name (scratch, "changed");
}

static ESource *
unwritten (ESource *scratch)
{
  if (scratch != NULL)
    g_signal_connect (scratch, "changed", G_CALLBACK (stop_changed), NULL);
  return scratch;
}

/* A copy of @live, the registry's source @uid, that nobody exports:
 * through a private temporary file, since EDS takes a source's UID from
 * its file's name. */
static ESource *
scratch_of_live (ESourceRegistryServer  *server,
                 const char             *uid,
                 ESource                *live,
                 GError                **error)
{
  g_autofree char *name = g_strconcat (uid, ".source", NULL);
  g_autofree char *dir = g_dir_make_tmp ("email2-source-XXXXXX", error);
  g_autofree char *copy_path = NULL;
  g_autofree char *data = NULL;
  g_autoptr(GFile) copy = NULL;
  ESource *scratch = NULL;

  if (dir == NULL)
    return NULL;
  copy_path = g_build_filename (dir, name, NULL);
  data = e_source_to_string (live, NULL);
  copy = g_file_new_for_path (copy_path);
  if (g_file_set_contents_full (copy_path, data, -1, G_FILE_SET_CONTENTS_NONE, 0600, error))
    scratch = unwritten (e_server_side_source_new (server, copy, error));
  g_unlink (copy_path);
  g_rmdir (dir);
  return scratch;
}

/* A copy of @uid's source that nobody exports: of its file @path (none: a
 * new source); when the file cannot be read, or is not written yet, of
 * @live as the registry has it; else a new one. */
static ESource *
scratch_source (ESourceRegistryServer  *server,
                const char             *path,
                const char             *uid,
                ESource                *live,
                GError                **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;
  ESource *scratch;

  if (live == NULL || g_file_test (path, G_FILE_TEST_EXISTS))
    {
      scratch = unwritten (e_server_side_source_new (server, file, &local_error));
      if (scratch != NULL)
        return scratch;
      g_debug ("%s cannot be read (%s): rewritten whole", path, local_error->message);
      if (live == NULL)
        return unwritten (e_server_side_source_new_memory_only (server, uid, error));
    }
  return scratch_of_live (server, uid, live, error);
}

/* @uid's file holds @scratch's settings: the registry takes them, from
 * the disk. */
static ESource *
take_from_disk (ESourceRegistryServer  *server,
                const char             *uid,
                ESource                *live,
                GError                **error)
{
  g_autofree char *path = source_file_path (uid);
  g_autoptr(GFile) file = NULL;
  ESource *source;

  if (live != NULL)
    return e_server_side_source_load (E_SERVER_SIDE_SOURCE (live), NULL, error)
           ? g_object_ref (live) : NULL;

  file = g_file_new_for_path (path);
  source = e_server_side_source_new (server, file, error);
  if (source == NULL)
    return NULL;
  /* Like an account the user made: Evolution may change and remove it. */
  e_server_side_source_set_writable (E_SERVER_SIDE_SOURCE (source), TRUE);
  e_server_side_source_set_removable (E_SERVER_SIDE_SOURCE (source), TRUE);
  e_source_registry_server_add_source (server, source);
  return source;
}

/**
 * email2_evolution_source_edit:
 * @server: the registry
 * @uid: a source's UID
 * @edit: changes the source (a copy of it that nobody exports)
 * @user_data: for @edit
 * @error: return location for a #GError
 *
 * Changes one source the way email2 writes every source file: @edit
 * changes a scratch copy, whose text replaces the file whole (a temporary
 * file renamed over it), and only then does the registry's source load
 * the file; a source that was not there is added once its file is. A
 * write that fails leaves the file and the registry's source as they
 * were, never a short file, as EDS's e_source_write_sync() does on a full
 * disk. Call it on the registry's main context.
 *
 * Returns: (transfer full) (nullable): the registry's source, %NULL with
 *   @error set when the file could not be written
 */
ESource *
email2_evolution_source_edit (ESourceRegistryServer  *server,
                              const char             *uid,
                              Email2SourceEditFunc    edit,
                              gpointer                user_data,
                              GError                **error)
{
  g_autoptr(ESource) live = e_source_registry_server_ref_source (server, uid);
  GFile *live_file = live != NULL ? e_server_side_source_get_file (E_SERVER_SIDE_SOURCE (live)) : NULL;
  g_autofree char *path = NULL;
  g_autoptr(ESource) scratch = NULL;
  g_autofree char *data = NULL;

  /* A source kept in memory only: EDS never writes it either. */
  if (live != NULL && live_file == NULL)
    {
      edit (live, user_data);
      return g_steal_pointer (&live);
    }
  /* The registry's own file (a collection's children are in its cache),
   * from the registry's source: a client's change that EDS has not
   * written yet stays. */
  path = live_file != NULL ? g_file_get_path (live_file) : source_file_path (uid);
  scratch = live != NULL ? scratch_of_live (server, uid, live, error)
                         : scratch_source (server, path, uid, NULL, error);
  if (scratch == NULL)
    return NULL;
  edit (scratch, user_data);
  data = email2_source_to_string (scratch);
  if (!email2_evolution_source_file_write (path, data, error))
    return NULL;
  return take_from_disk (server, uid, live, error);
}

/**
 * email2_evolution_sources_write:
 * @server: the registry
 * @account: the account as provisioned
 * @pending: a new account: write its files under hidden names, for
 *   email2_evolution_sources_publish()
 * @account_label: (out) (optional): the label EDS gives the account's password
 * @transport_label: (out) (optional): the label of the transport's password
 * @error: return location for a #GError
 *
 * Creates or updates the account's three sources: each file is replaced
 * whole or not at all, and the registry's source follows its file. A
 * failure leaves the files written so far (the transaction's undo puts
 * them back) and the others as they were.
 *
 * Returns: %TRUE when all three are written
 */
gboolean
email2_evolution_sources_write (ESourceRegistryServer  *server,
                                const Email2Account    *account,
                                gboolean                pending,
                                char                  **account_label,
                                char                  **transport_label,
                                GError                **error)
{
  const char *guid = email2_account_get_guid (account);
  ESource *live[EMAIL2_N_SOURCE_ROLES] = { NULL, };
  ESource *scratch[EMAIL2_N_SOURCE_ROLES] = { NULL, };
  gboolean ok = TRUE;

  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES && ok; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autofree char *path = source_file_path (uid);

      live[role] = pending ? NULL : e_source_registry_server_ref_source (server, uid);
      scratch[role] = scratch_source (server, path, uid, live[role], error);
      ok = scratch[role] != NULL;
    }

  if (ok)
    email2_evolution_mapping_configure (scratch[EMAIL2_SOURCE_ACCOUNT],
                                        scratch[EMAIL2_SOURCE_IDENTITY],
                                        scratch[EMAIL2_SOURCE_TRANSPORT], account);

  /* The account first: its children name it as their parent. */
  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES && ok; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autofree char *path = pending ? pending_file_path (uid) : source_file_path (uid);
      g_autofree char *data = email2_source_to_string (scratch[role]);
      ESource *taken;

      ok = email2_evolution_source_file_write (path, data, error);
      if (!ok || pending)
        continue;
      taken = take_from_disk (server, uid, live[role], error);
      ok = taken != NULL;
      g_clear_object (&live[role]);
      live[role] = taken;
    }

  /* The labels are the sources' own, which a scratch copy has too. */
  if (ok && account_label != NULL)
    *account_label = e_source_dup_secret_label (scratch[EMAIL2_SOURCE_ACCOUNT]);
  if (ok && transport_label != NULL)
    *transport_label = e_source_dup_secret_label (scratch[EMAIL2_SOURCE_TRANSPORT]);

  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES; role++)
    {
      g_clear_object (&live[role]);
      g_clear_object (&scratch[role]);
    }
  return ok;
}

/**
 * email2_evolution_sources_publish:
 * @server: the registry
 * @guid: a new account, written pending
 * @error: return location for a #GError
 *
 * Renames the account's pending files into place and adds its sources to
 * the registry: from now on Evolution sees it.
 *
 * Returns: %TRUE when all three are there
 */
gboolean
email2_evolution_sources_publish (ESourceRegistryServer  *server,
                                  const char             *guid,
                                  GError                **error)
{
  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autofree char *pending = pending_file_path (uid);
      g_autofree char *path = source_file_path (uid);
      g_autoptr(ESource) live = e_source_registry_server_ref_source (server, uid);
      g_autoptr(ESource) taken = NULL;

      if (g_rename (pending, path) != 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "%s: %s", pending, g_strerror (saved));
          return FALSE;
        }
      email2_evolution_sources_changed (path);
      taken = take_from_disk (server, uid, live, error);
      if (taken == NULL)
        return FALSE;
    }
  return TRUE;
}

/**
 * email2_evolution_sources_remove:
 * @server: the registry
 * @guid: a canonical GUID
 * @error: return location for a #GError
 *
 * Removes the account's sources and their files. Removing the account
 * removes its children; a child left alone by an interrupted transaction
 * goes on its own.
 *
 * Returns: %TRUE when none is left
 */
gboolean
email2_evolution_sources_remove (ESourceRegistryServer  *server,
                                 const char             *guid,
                                 GError                **error)
{
  ESource *sources[EMAIL2_N_SOURCE_ROLES] = { NULL, };
  gboolean ok = TRUE;

  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autofree char *path = source_file_path (uid);

      sources[role] = e_source_registry_server_ref_source (server, uid);
      /* Its file goes, here or in EDS. */
      email2_evolution_sources_changed (path);
    }

  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES && ok; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autoptr(ESource) source = e_source_registry_server_ref_source (server, uid);

      /* Gone already when its parent went. */
      if (source != NULL)
        ok = e_source_remove_sync (source, NULL, error);
    }

  /* EDS keeps removed children as orphans, which it would adopt, stale,
   * when an account of the same UID comes back (and refuse CreateSources
   * of their UIDs): drop them. */
  for (guint role = EMAIL2_SOURCE_IDENTITY; role < EMAIL2_N_SOURCE_ROLES && ok; role++)
    if (sources[role] != NULL)
      e_source_registry_server_remove_source (server, sources[role]);

  /* What is on disk counts, not what the registry loaded: a new account's
   * pending file, a file another registry wrote, or one it could not read
   * goes too. */
  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES && ok; role++)
    {
      g_autofree char *uid = email2_evolution_source_uid (guid, role);
      g_autofree char *path = source_file_path (uid);
      g_autofree char *pending = pending_file_path (uid);

      const char *paths[] = { pending, path };

      for (guint i = 0; i < G_N_ELEMENTS (paths) && ok; i++)
        if (g_unlink (paths[i]) != 0 && errno != ENOENT)
          {
            int saved = errno;
            g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                         "%s: %s", paths[i], g_strerror (saved));
            ok = FALSE;
          }
    }

  for (guint role = 0; role < EMAIL2_N_SOURCE_ROLES; role++)
    g_clear_object (&sources[role]);
  return ok;
}

/* The server and security of one source: "host:port" and the method. */
static void
describe_server (ESource         *source,
                 const char      *server_key,
                 const char      *security_key,
                 GVariantBuilder *builder)
{
  ESourceAuthentication *auth;
  ESourceSecurity *security;
  g_autofree char *server = NULL;

  if (source == NULL)
    return;
  auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  security = e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY);
  if (e_source_authentication_get_host (auth) != NULL)
    {
      const char *host = e_source_authentication_get_host (auth);

      /* An IPv6 literal goes in brackets, as INSERVER writes it. */
      server = g_strdup_printf (strchr (host, ':') != NULL ? "[%s]:%u" : "%s:%u",
                                host, e_source_authentication_get_port (auth));
      g_variant_builder_add (builder, "{sv}", server_key, g_variant_new_string (server));
    }
  if (e_source_security_get_method (security) != NULL)
    g_variant_builder_add (builder, "{sv}", security_key,
                           g_variant_new_string (e_source_security_get_method (security)));
}

/**
 * email2_evolution_sources_describe:
 * @server: the registry
 * @guid: a canonical account GUID
 * @builder: a `a{sv}` builder
 *
 * Adds what Evolution has of the account now, on the registry's main
 * context: `in-server`, `out-server` ("host:port"), `in-security`,
 * `out-security` (`[Security] Method`), `probed` (whether the probe
 * has chosen them), `in-password-carried` and `out-password-carried`
 * (TLS required because the password was kept while the server moved).
 */
void
email2_evolution_sources_describe (ESourceRegistryServer *server,
                                   const char            *guid,
                                   GVariantBuilder       *builder)
{
  g_autofree char *uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *transport_uid = email2_evolution_source_uid (guid, EMAIL2_SOURCE_TRANSPORT);
  g_autoptr(ESource) source = e_source_registry_server_ref_source (server, uid);
  g_autoptr(ESource) transport = e_source_registry_server_ref_source (server, transport_uid);

  describe_server (source, "in-server", "in-security", builder);
  describe_server (transport, "out-server", "out-security", builder);
  if (source != NULL && e_source_has_extension (source, EMAIL2_SOURCE_EXTENSION_NAME))
    {
      Email2SourceExtension *extension = e_source_get_extension (source, EMAIL2_SOURCE_EXTENSION_NAME);
      g_autoptr(Email2Account) account = email2_source_extension_to_account (extension);

      g_variant_builder_add (builder, "{sv}", "probed",
                             g_variant_new_boolean (email2_source_extension_get_probed (extension)));
      /* TLS required because the password was kept while the server moved. */
      if (account != NULL)
        {
          g_variant_builder_add (builder, "{sv}", "in-password-carried",
                                 g_variant_new_boolean (email2_account_password_carried (
                                   account, EMAIL2_NODE_INSERVER)));
          g_variant_builder_add (builder, "{sv}", "out-password-carried",
                                 g_variant_new_boolean (email2_account_password_carried (
                                   account, EMAIL2_NODE_OUTSERVER)));
        }
    }
}
