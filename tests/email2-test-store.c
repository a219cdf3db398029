/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2TestStore: an account store in memory for the transaction's
 * in-process test. Its "files" are accounts (secrets only kept, as on
 * disk), hidden while pending; its "copies" of the secrets are the values
 * a store such as EDS's keeps beside them, made from the provisioned
 * secrets of the real keyring. Each call is recorded, so that the test
 * sees the order. The real stores (plugin/evolution/) are tested against
 * the real registry.
 */

#include "config.h"

#include "email2-keyring-private.h"
#include "email2-test-store.h"

struct _Email2TestStore {
  GObject parent_instance;

  GHashTable *files;    /* GUID → Email2Account, secrets kept */
  GHashTable *pending;  /* GUIDs whose files are hidden */
  GHashTable *copies;   /* GUID → its AUTHSECRET as the store keeps it */
  GString *calls;       /* "write GUID", …, separated by "; " */
  guint unsynced;       /* files written or removed since the last sync */
  char *fail_write;
};

static void email2_test_store_iface_init (Email2AccountStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (Email2TestStore, email2_test_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EMAIL2_TYPE_ACCOUNT_STORE,
                                                      email2_test_store_iface_init))

static void
record (Email2TestStore *self,
        const char      *call,
        const char      *guid)
{
  g_string_append_printf (self->calls, "%s%s%s%s", self->calls->len > 0 ? "; " : "",
                          call, guid != NULL ? " " : "", guid != NULL ? guid : "");
}

static char **
test_store_list (Email2AccountStore *store)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);
  GPtrArray *guids = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer guid;

  g_hash_table_iter_init (&iter, self->files);
  while (g_hash_table_iter_next (&iter, &guid, NULL))
    if (!g_hash_table_contains (self->pending, guid))
      g_ptr_array_add (guids, g_strdup (guid));
  g_ptr_array_add (guids, NULL);
  return (char **) g_ptr_array_free (guids, FALSE);
}

static Email2Account *
test_store_lookup (Email2AccountStore *store,
                   const char         *guid)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);
  Email2Account *account = g_hash_table_lookup (self->files, guid);

  if (account == NULL || g_hash_table_contains (self->pending, guid))
    return NULL;
  return email2_account_copy (account);
}

static gboolean
test_store_write_files (Email2AccountStore  *store,
                        Email2StoreChange   *change,
                        GError             **error)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);
  const char *labels[] = { "label", NULL };

  record (self, change->after != NULL ? "write" : "remove", change->guid);
  if (g_strcmp0 (self->fail_write, change->guid) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "No space left on device");
      return FALSE;
    }

  if (change->after == NULL)
    {
      g_hash_table_remove (self->files, change->guid);
      g_hash_table_remove (self->pending, change->guid);
    }
  else
    {
      Email2Account *file = email2_account_copy (change->after);

      email2_account_forget_secrets (file);
      g_hash_table_replace (self->files, g_strdup (change->guid), file);
      if (change->pending)
        g_hash_table_add (self->pending, g_strdup (change->guid));
    }
  self->unsynced++;
  change->labels = g_strdupv ((char **) labels);
  return TRUE;
}

static gboolean
test_store_publish (Email2AccountStore  *store,
                    const char          *guid,
                    GError             **error)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);

  record (self, "publish", guid);
  g_assert_true (g_hash_table_remove (self->pending, guid));
  self->unsynced++;
  return TRUE;
}

static gboolean
test_store_sync (Email2AccountStore  *store,
                 GError             **error)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);

  record (self, "sync", NULL);
  self->unsynced = 0;
  return TRUE;
}

/* Only an account that goes loses its copy ahead of its files. */
static gboolean
test_store_write_secrets_ahead (Email2AccountStore       *store,
                                const Email2StoreChange  *change,
                                gboolean                 *wrote,
                                GError                  **error)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (store);

  if (change->after != NULL)
    return TRUE;
  record (self, "clear", change->guid);
  *wrote = TRUE;
  g_hash_table_remove (self->copies, change->guid);
  return TRUE;
}

/* The copy of AUTHSECRET, made from the keyring's (or the new value); a
 * password the user typed stays while its server does. */
static gboolean
test_store_write_secrets (Email2AccountStore       *store,
                          const Email2StoreChange  *change,
                          GError                  **error)
{
  static const Email2NodeId inserver[] = { EMAIL2_NODE_INSERVER };
  Email2TestStore *self = EMAIL2_TEST_STORE (store);
  char *secret;

  g_assert_cmpstr (change->labels[0], ==, "label");
  record (self, "copy", change->guid);
  if (!email2_account_has (change->after, EMAIL2_NODE_AUTHSECRET))
    {
      if (!email2_keyring_typed_password_stays (change->before, change->after, EMAIL2_NODE_AUTHSECRET,
                                                inserver, change->undo ? 0 : G_N_ELEMENTS (inserver)))
        g_hash_table_remove (self->copies, change->guid);
      return TRUE;
    }
  secret = email2_keyring_dup_secret (change->after, EMAIL2_NODE_AUTHSECRET, error);
  if (secret == NULL)
    return FALSE;
  g_hash_table_replace (self->copies, g_strdup (change->guid), g_strdup (secret));
  email2_secret_free (secret);
  return TRUE;
}

static void
email2_test_store_iface_init (Email2AccountStoreInterface *iface)
{
  iface->list = test_store_list;
  iface->lookup = test_store_lookup;
  iface->write_files = test_store_write_files;
  iface->publish = test_store_publish;
  iface->sync = test_store_sync;
  iface->write_secrets_ahead = test_store_write_secrets_ahead;
  iface->write_secrets = test_store_write_secrets;
}

static void
email2_test_store_finalize (GObject *object)
{
  Email2TestStore *self = EMAIL2_TEST_STORE (object);

  g_hash_table_unref (self->files);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->copies);
  g_string_free (self->calls, TRUE);
  g_free (self->fail_write);

  G_OBJECT_CLASS (email2_test_store_parent_class)->finalize (object);
}

static void
email2_test_store_class_init (Email2TestStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_test_store_finalize;
}

static void
email2_test_store_init (Email2TestStore *self)
{
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) email2_account_free);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->copies = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->calls = g_string_new (NULL);
}

Email2TestStore *
email2_test_store_new (void)
{
  return g_object_new (EMAIL2_TYPE_TEST_STORE, NULL);
}

gboolean
email2_test_store_is_pending (Email2TestStore *self,
                              const char      *guid)
{
  return g_hash_table_contains (self->pending, guid);
}

/* The user types @secret into the desktop's client for @guid. */
void
email2_test_store_type_password (Email2TestStore *self,
                                 const char      *guid,
                                 const char      *secret)
{
  g_hash_table_replace (self->copies, g_strdup (guid), g_strdup (secret));
}

/* The store's copy of @guid's AUTHSECRET, or NULL. */
const char *
email2_test_store_get_copy (Email2TestStore *self,
                            const char      *guid)
{
  return g_hash_table_lookup (self->copies, guid);
}

guint
email2_test_store_get_unsynced (Email2TestStore *self)
{
  return self->unsynced;
}

/* The calls since the last time, in order. */
char *
email2_test_store_take_calls (Email2TestStore *self)
{
  char *calls = g_strdup (self->calls->str);

  g_string_truncate (self->calls, 0);
  return calls;
}

/* Writing @guid's files fails (a full disk) from now on; NULL: none. */
void
email2_test_store_fail_write (Email2TestStore *self,
                              const char      *guid)
{
  g_free (self->fail_write);
  self->fail_write = g_strdup (guid);
}
