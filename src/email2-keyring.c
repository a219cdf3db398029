/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The keyring of a host (docs/DESIGN.md §3.1, §3.8): email2's two schemas
 * of libsecret items, and every store, lookup and clear confirmed and
 * bounded in time. No desktop's own schema is here: a host adds its own
 * items through email2_keyring_store_verified() and
 * email2_keyring_clear_verified().
 *
 *   io.github.email2.Secret          (email2-guid, email2-node): the truth,
 *                                    each provisioned secret as provisioned
 *   io.github.email2.Backup          (email2-transaction, email2-guid,
 *                                    email2-node): a provisioned secret about
 *                                    to be replaced or removed, kept until its
 *                                    transaction is committed or undone
 *
 * Every call blocks: the host makes them in the worker thread, never on
 * the host's main context. Secrets are overwritten before they are
 * freed (email2_secret_free()).
 *
 * Every change is verified, because libsecret does not say what it did:
 * secret_password_clear() deletes only the unlocked items it finds and
 * reports nothing for locked ones, and a store into a locked default
 * collection asks for a prompt, which a session without a prompter fails
 * (a desktop shows it, and the worker waits for the user). So a
 * transaction starts only when the default collection is unlocked, and
 * every store's item is searched for again;
 * a clear is followed by a search of the items, locked ones included. A
 * daemon that dies in between fails the lookup or the search: the host
 * then keeps its journal. Nothing here ever prompts.
 *
 * A collection can still be locked after the transaction began. libsecret
 * 0.20.5 then tries an unlock prompt, and when the prompt fails it calls
 * g_task_return_error() without an error and never finishes the store:
 * the worker, and with it every later D-Bus call, would wait for ever.
 * So each store, lookup and clear is given KEYRING_DEADLINE_S seconds; one that
 * does not answer fails, and every keyring call after it fails at once
 * until the next transaction finds the keyring usable again. The host
 * then keeps its journal, which the next start ends.
 */

#include "config.h"

#include <stdarg.h>

#include <glib/gi18n-lib.h>

#include "email2-keyring-private.h"

static const SecretSchema email2_schema = {
  "io.github.email2.Secret", SECRET_SCHEMA_NONE,
  {
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static const SecretSchema backup_schema = {
  "io.github.email2.Backup", SECRET_SCHEMA_NONE,
  {
    { "email2-transaction", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

#define KEYRING_DEADLINE_S 20

/* Set when a call was given up; cleared when a transaction begins with a
 * usable keyring. */
static gint keyring_unanswered;

/* The unique bus name of the daemon the transaction began with, which
 * every confirmation asks (worker thread only). A daemon killed midway is
 * replaced by one D-Bus starts for the next caller, with the login
 * collection locked, which may list none of the items: asked instead, a
 * confirmation that a clear left nothing would pass while every item is
 * still in the keyring file (seen: a commit's backups left behind and its
 * journal removed). Asking the first daemon fails once it is gone. */
static char *keyring_owner;

typedef void (*KeyringStart) (gpointer             data,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);

/* Shared by the caller and the call's callback (an atomic reference-counted
 * box): a call given up may still finish, or never. */
typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} Pending;

static void
pending_clear (gpointer data)
{
  Pending *pending = data;

  g_clear_object (&pending->result);
  g_main_loop_unref (pending->loop);
}

static void
pending_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;

  pending->result = g_object_ref (result);
  g_main_loop_quit (pending->loop);
  g_atomic_rc_box_release_full (pending, pending_clear);
}

static gboolean
pending_expired (gpointer user_data)
{
  Pending *pending = user_data;

  g_main_loop_quit (pending->loop);
  return G_SOURCE_REMOVE;
}

static void
set_unanswered (GError **error)
{
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
               _("The keyring did not answer; unlock it or log in again, then send the payload again"));
}

/* Runs one asynchronous libsecret call on a context of its own, as its
 * _sync() form would, but for KEYRING_DEADLINE_S seconds at most.
 * Returns: (transfer full) (nullable): the call's result, %NULL with
 * @error set when it did not answer */
static GAsyncResult *
keyring_call (KeyringStart   start,
              gpointer       data,
              GError       **error)
{
  g_autoptr(GMainContext) context = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GSource) deadline = NULL;
  GAsyncResult *result = NULL;
  Pending *pending;

  if (g_atomic_int_get (&keyring_unanswered))
    {
      set_unanswered (error);
      return NULL;
    }

  context = g_main_context_new ();
  cancellable = g_cancellable_new ();
  pending = g_atomic_rc_box_new0 (Pending);
  pending->loop = g_main_loop_new (context, FALSE);

  g_main_context_push_thread_default (context);
  start (data, cancellable, pending_done, g_atomic_rc_box_acquire (pending));
  deadline = g_timeout_source_new_seconds (KEYRING_DEADLINE_S);
  g_source_set_callback (deadline, pending_expired, pending, NULL);
  g_source_attach (deadline, context);
  g_main_loop_run (pending->loop);
  g_source_destroy (deadline);
  g_main_context_pop_thread_default (context);

  if (pending->result != NULL)
    result = g_object_ref (pending->result);
  else
    {
      g_debug ("a keyring call did not answer in %d s", KEYRING_DEADLINE_S);
      g_cancellable_cancel (cancellable);
      g_atomic_int_set (&keyring_unanswered, 1);
      set_unanswered (error);
    }
  g_atomic_rc_box_release_full (pending, pending_clear);
  return result;
}

typedef struct {
  const SecretSchema *schema;
  GHashTable *attributes;
  const char *label;
  const char *secret;
} KeyringArgs;

static void
start_store (gpointer             data,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  KeyringArgs *args = data;

  secret_password_storev (args->schema, args->attributes, SECRET_COLLECTION_DEFAULT, args->label,
                          args->secret, cancellable, callback, user_data);
}

static void
start_lookup (gpointer             data,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  KeyringArgs *args = data;

  secret_password_lookupv (args->schema, args->attributes, cancellable, callback, user_data);
}

static void
start_clear (gpointer             data,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  KeyringArgs *args = data;

  secret_password_clearv (args->schema, args->attributes, cancellable, callback, user_data);
}

static gboolean
store_with_deadline (const SecretSchema  *schema,
                     GHashTable          *attributes,
                     const char          *label,
                     const char          *secret,
                     GError             **error)
{
  KeyringArgs args = { schema, attributes, label, secret };
  g_autoptr(GAsyncResult) result = keyring_call (start_store, &args, error);

  return result != NULL && secret_password_store_finish (result, error);
}

static char *
lookup_with_deadline (const SecretSchema  *schema,
                      GHashTable          *attributes,
                      GError             **error)
{
  KeyringArgs args = { schema, attributes, NULL, NULL };
  g_autoptr(GAsyncResult) result = keyring_call (start_lookup, &args, error);

  return result != NULL ? secret_password_lookup_finish (result, error) : NULL;
}

/* %FALSE with @error set when the call failed or did not answer; whether
 * anything matched is not said (the caller searches again). */
static gboolean
clear_with_deadline (const SecretSchema  *schema,
                     GHashTable          *attributes,
                     GError             **error)
{
  KeyringArgs args = { schema, attributes, NULL, NULL };
  g_autoptr(GAsyncResult) result = keyring_call (start_clear, &args, error);
  g_autoptr(GError) local_error = NULL;

  if (result == NULL)
    return FALSE;
  /* FALSE also when nothing matched: only the error counts. */
  if (!secret_password_clear_finish (result, &local_error) && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

static void
set_missing (GError **error)
{
  if (error == NULL || *error == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, _("A password is missing from the keyring"));
}

/**
 * email2_keyring_provisioned_schema:
 *
 * Returns: (transfer none): the schema of provisioned secrets
 *   (io.github.email2.Secret: email2-guid, email2-node)
 */
const SecretSchema *
email2_keyring_provisioned_schema (void)
{
  return &email2_schema;
}

/**
 * email2_keyring_backup_schema:
 *
 * Returns: (transfer none): the schema of backups (io.github.email2.Backup:
 *   email2-transaction, email2-guid, email2-node)
 */
const SecretSchema *
email2_keyring_backup_schema (void)
{
  return &backup_schema;
}

/**
 * email2_keyring_ensure_usable:
 * @error: return location for a #GError
 *
 * Whether the keyring takes changes now without a prompt: the Secret
 * Service answers, and its default collection exists and is unlocked.
 * The host asks before a transaction changes anything.
 *
 * Returns: %TRUE when it does
 */
gboolean
email2_keyring_ensure_usable (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &local_error);
  g_autoptr(SecretCollection) collection = NULL;

  g_clear_pointer (&keyring_owner, g_free);
  if (service != NULL)
    collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                   SECRET_COLLECTION_NONE, NULL, &local_error);
  if (collection == NULL)
    {
      g_debug ("the keyring is not usable: %s", local_error != NULL ? local_error->message : "no default collection");
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The keyring is not available: log in again, then send the payload again"));
      return FALSE;
    }
  if (secret_collection_get_locked (collection))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The keyring is locked: unlock it, then send the payload again"));
      return FALSE;
    }
  g_atomic_int_set (&keyring_unanswered, 0);
  {
    g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
    g_autoptr(GVariant) owner = NULL;

    if (bus != NULL)
      owner = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "GetNameOwner",
                                           g_variant_new ("(s)", "org.freedesktop.secrets"),
                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
    if (owner != NULL)
      g_variant_get (owner, "(s)", &keyring_owner);
  }
  return TRUE;
}

/**
 * email2_keyring_count:
 * @schema: the items' schema
 * @attributes: (element-type utf8 utf8): what they match
 * @error: return location for a #GError
 *
 * One SearchItems call of the Secret Service, as libsecret would make it
 * (the schema's name is matched unless the schema says not to), without
 * libsecret's proxy for each item found: a confirmation costs one round
 * trip.
 *
 * Returns: how many items match, locked or not (0 with @error set when
 *   the keyring cannot be searched)
 */
guint
email2_keyring_count (const SecretSchema  *schema,
                      GHashTable          *attributes,
                      GError             **error)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) unlocked = NULL;
  g_autoptr(GVariant) locked = NULL;
  GVariantBuilder builder;
  GHashTableIter iter;
  gpointer name, value;

  if (bus == NULL)
    return 0;
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_hash_table_iter_init (&iter, attributes);
  while (g_hash_table_iter_next (&iter, &name, &value))
    g_variant_builder_add (&builder, "{ss}", name, value);
  if (!(schema->flags & SECRET_SCHEMA_DONT_MATCH_NAME))
    g_variant_builder_add (&builder, "{ss}", "xdg:schema", schema->name);

  reply = g_dbus_connection_call_sync (bus, keyring_owner != NULL ? keyring_owner : "org.freedesktop.secrets",
                                       "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "SearchItems",
                                       g_variant_new ("(a{ss})", &builder), G_VARIANT_TYPE ("(aoao)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return 0;
  g_variant_get (reply, "(@ao@ao)", &unlocked, &locked);
  return g_variant_n_children (unlocked) + g_variant_n_children (locked);
}

/**
 * email2_keyring_attributes_new:
 * @name: the first attribute's name
 * @value: its value
 * @...: more NAME, VALUE pairs, ended by %NULL
 *
 * Returns: (transfer full): the attributes; the strings are not copied
 */
GHashTable *
email2_keyring_attributes_new (const char *name,
                               const char *value,
                               ...)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);
  va_list args;

  va_start (args, value);
  while (name != NULL)
    {
      g_hash_table_insert (attributes, (char *) name, (char *) value);
      name = va_arg (args, const char *);
      if (name != NULL)
        value = va_arg (args, const char *);
    }
  va_end (args);
  return attributes;
}

/**
 * email2_keyring_store_verified:
 * @schema: the item's schema
 * @attributes: (element-type utf8 utf8): its attributes
 * @label: its label
 * @secret: the secret
 * @error: return location for a #GError
 *
 * Stores @secret (the host made sure at begin that the collection was
 * unlocked), and searches for the item again. The search lists the item without
 * reading its secret back: a lookup of the value would cost a round of
 * decryption, and libsecret 0.20.5 leaks 64 bytes on each (§3.1,
 * Sanitizers); the store replaced any item of the same attributes, so the
 * item found is the one stored.
 *
 * Returns: %TRUE when the keyring holds it
 */
gboolean
email2_keyring_store_verified (const SecretSchema  *schema,
                               GHashTable          *attributes,
                               const char          *label,
                               const char          *secret,
                               GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  guint found;

  if (!store_with_deadline (schema, attributes, label, secret, error))
    return FALSE;

  found = email2_keyring_count (schema, attributes, &local_error);
  if (found == 0)
    {
      g_debug ("a stored password is not there: %s",
               local_error != NULL ? local_error->message : "no item");
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The keyring did not keep a password; check that it is unlocked"));
      return FALSE;
    }
  return TRUE;
}

/**
 * email2_keyring_clear_verified:
 * @schema: the items' schema
 * @attributes: (element-type utf8 utf8): what they match
 * @error: return location for a #GError
 *
 * Removes every item that matches, then searches again: none may be
 * left, locked or not. The search comes first too: with no item there
 * (locked ones included) nothing is to be removed, and the call costs one
 * round trip instead of two, as in every creation. Clearing never
 * prompts, but a daemon can still stop answering: the clear has the same
 * deadline as a store.
 *
 * Returns: %TRUE when none is left
 */
gboolean
email2_keyring_clear_verified (const SecretSchema  *schema,
                               GHashTable          *attributes,
                               GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  guint left = 0;

  left = email2_keyring_count (schema, attributes, &local_error);
  if (left > 0 && clear_with_deadline (schema, attributes, &local_error))
    left = email2_keyring_count (schema, attributes, &local_error);
  if (local_error != NULL)
    {
      g_debug ("the keyring cannot be cleared: %s", local_error->message);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The keyring is not available: log in again, then send the payload again"));
      return FALSE;
    }
  if (left > 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST,
                   _("The keyring kept a password that was to be removed; check that it is unlocked"));
      return FALSE;
    }
  return TRUE;
}

/* ---- provisioned secrets ---- */

/**
 * email2_keyring_lookup:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the provisioned secret, to be freed
 *   with email2_secret_free(); %NULL without @error when there is none
 */
char *
email2_keyring_lookup (const char    *guid,
                                 Email2NodeId   node,
                                 GError       **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid,
                                                     "email2-node", email2_schema_get (node)->name,
                                                     NULL);

  return lookup_with_deadline (&email2_schema, attributes, error);
}

/**
 * email2_keyring_lookup_required:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the provisioned secret, to be freed
 *   with email2_secret_free(); %NULL with @error set when there is none
 */
char *
email2_keyring_lookup_required (const char    *guid,
                                Email2NodeId   node,
                                GError       **error)
{
  char *secret = email2_keyring_lookup (guid, node, error);

  if (secret == NULL)
    set_missing (error);
  return secret;
}

/**
 * email2_keyring_has:
 * @guid: the account's GUID
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: whether the keyring holds a provisioned @node of @guid; %FALSE
 *   with @error set when it cannot be asked
 */
gboolean
email2_keyring_has (const char    *guid,
                              Email2NodeId   node,
                              GError       **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid,
                                                     "email2-node", email2_schema_get (node)->name,
                                                     NULL);

  return email2_keyring_count (&email2_schema, attributes, error) > 0;
}

/**
 * email2_keyring_store:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @secret: the value
 * @error: return location for a #GError
 *
 * Returns: %TRUE when stored
 */
gboolean
email2_keyring_store (const char    *guid,
                                Email2NodeId   node,
                                const char    *secret,
                                GError       **error)
{
  g_autofree char *label = g_strdup_printf ("EMAIL2 %s of account %s",
                                            email2_schema_get (node)->name, guid);
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid,
                                                     "email2-node", email2_schema_get (node)->name,
                                                     NULL);

  return email2_keyring_store_verified (&email2_schema, attributes, label, secret, error);
}

/**
 * email2_keyring_clear:
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: %TRUE when none is left
 */
gboolean
email2_keyring_clear (const char    *guid,
                                Email2NodeId   node,
                                GError       **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-guid", guid,
                                                     "email2-node", email2_schema_get (node)->name,
                                                     NULL);

  return email2_keyring_clear_verified (&email2_schema, attributes, error);
}

/* ---- backups ---- */

/**
 * email2_keyring_back_up:
 * @transaction: the transaction's id
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD, set
 * @error: return location for a #GError
 *
 * Copies the provisioned secret into a backup item of @transaction.
 *
 * Returns: %TRUE when the backup is stored
 */
gboolean
email2_keyring_back_up (const char    *transaction,
                                  const char    *guid,
                                  Email2NodeId   node,
                                  GError       **error)
{
  const char *name = email2_schema_get (node)->name;
  g_autofree char *label = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  char *old = email2_keyring_lookup_required (guid, node, error);
  gboolean ok;

  if (old == NULL)
    return FALSE;
  label = g_strdup_printf ("EMAIL2 %s of account %s, kept until transaction %s ends",
                           name, guid, transaction);
  attributes = email2_keyring_attributes_new ("email2-transaction", transaction, "email2-guid", guid,
                               "email2-node", name, NULL);
  ok = email2_keyring_store_verified (&backup_schema, attributes, label, old, error);
  email2_secret_free (old);
  return ok;
}

/**
 * email2_keyring_lookup_backup:
 * @transaction: the transaction's id
 * @guid: the account
 * @node: AUTHSECRET or SMTPALTPASSWORD
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the backup, to be freed with
 *   email2_secret_free(); %NULL without @error when there is none
 */
char *
email2_keyring_lookup_backup (const char    *transaction,
                                        const char    *guid,
                                        Email2NodeId   node,
                                        GError       **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-transaction", transaction,
                                                     "email2-guid", guid,
                                                     "email2-node", email2_schema_get (node)->name,
                                                     NULL);

  return lookup_with_deadline (&backup_schema, attributes, error);
}

/**
 * email2_keyring_clear_backups:
 * @transaction: the transaction's id
 * @error: return location for a #GError
 *
 * Returns: %TRUE when no backup of @transaction is left
 */
gboolean
email2_keyring_clear_backups (const char  *transaction,
                                        GError     **error)
{
  g_autoptr(GHashTable) attributes = email2_keyring_attributes_new ("email2-transaction", transaction, NULL);

  return email2_keyring_clear_verified (&backup_schema, attributes, error);
}
