/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Verified keyring operations (email2-keyring-verify.h).
 *
 * Why: with libsecret 0.20.5 and gnome-keyring 42, secret_password_clear()
 * deletes only the unlocked items it finds and returns no error for the
 * locked ones; a store into a locked default collection asks for a prompt,
 * which a session without a prompter fails or never answers. So a change
 * is made only once the default collection is known to be unlocked, and
 * every change is confirmed by searching the items afterwards (locked
 * ones included). Nothing here ever prompts.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-keyring-verify.h"

static gboolean
keyring_error (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST, message);
  return FALSE;
}

/**
 * email2_keyring_ensure_usable:
 * @error: return location for a #GError
 *
 * Whether the keyring can take changes now without a prompt: the Secret
 * Service answers and its default collection exists and is unlocked.
 *
 * Returns: %TRUE when it can
 */
gboolean
email2_keyring_ensure_usable (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &local_error);
  g_autoptr(SecretCollection) collection = NULL;

  if (service != NULL)
    collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                   SECRET_COLLECTION_NONE, NULL, &local_error);
  if (collection == NULL)
    return keyring_error (error, _("The keyring is not available: log in again and repeat"));
  if (secret_collection_get_locked (collection))
    return keyring_error (error, _("The keyring is locked: unlock it (log in) and repeat"));
  return TRUE;
}

/**
 * email2_keyring_count:
 * @schema: the items' schema
 * @attributes: (element-type utf8 utf8): what they match
 * @error: return location for a #GError
 *
 * Returns: how many items match, locked or not; 0 with @error set when
 *   the keyring cannot be searched
 */
guint
email2_keyring_count (const SecretSchema  *schema,
                      GHashTable          *attributes,
                      GError             **error)
{
  GList *items = secret_password_searchv_sync (schema, attributes, SECRET_SEARCH_ALL, NULL, error);
  guint n = g_list_length (items);

  g_list_free_full (items, g_object_unref);
  return n;
}

/**
 * email2_keyring_store:
 * @schema: the item's schema
 * @attributes: (element-type utf8 utf8): the item's attributes
 * @label: its label
 * @secret: the secret
 * @error: return location for a #GError
 *
 * Stores @secret in the default collection, once it is known to be
 * unlocked (a store into a locked one would prompt), then looks it up
 * again.
 *
 * Returns: %TRUE when the keyring holds @secret under @attributes
 */
gboolean
email2_keyring_store (const SecretSchema  *schema,
                      GHashTable          *attributes,
                      const char          *label,
                      const char          *secret,
                      GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  char *stored;
  gboolean same;

  if (!email2_keyring_ensure_usable (error) ||
      !secret_password_storev_sync (schema, attributes, SECRET_COLLECTION_DEFAULT, label, secret,
                                    NULL, error))
    return FALSE;

  stored = secret_password_lookupv_sync (schema, attributes, NULL, &local_error);
  same = stored != NULL && g_strcmp0 (stored, secret) == 0;
  if (stored != NULL)
    email2_secret_free (stored);
  if (!same)
    return keyring_error (error, _("The keyring did not keep a password"));
  return TRUE;
}

/**
 * email2_keyring_clear:
 * @schema: the items' schema
 * @attributes: (element-type utf8 utf8): what they match
 * @error: return location for a #GError
 *
 * Removes every item that matches @attributes, then searches again.
 *
 * Returns: %TRUE when none is left, locked or not
 */
gboolean
email2_keyring_clear (const SecretSchema  *schema,
                      GHashTable          *attributes,
                      GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  guint left;

  /* Clearing never prompts: a locked item is merely left, and found below. */
  secret_password_clearv_sync (schema, attributes, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  left = email2_keyring_count (schema, attributes, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (left > 0)
    return keyring_error (error, _("The keyring kept a password that was to be removed"));
  return TRUE;
}
