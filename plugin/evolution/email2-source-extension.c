/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2SourceExtension: the [EMAIL2] group of a provisioned account's
 * source. It keeps every node the payload set, as provisioned, so that Get
 * answers exactly and an edit knows what it changes; the settings Evolution
 * uses are written to its own groups by the Evolution host. A secret is
 * never here: `Values` only lists that it is set, its value is in the
 * keyring.
 *
 *   [EMAIL2]
 *   Guid={C556E16F-…}
 *   Values=ACCOUNTTYPE=Email;AUTHNAME=alice;AUTHSECRET;…;TAGPROPS/8128000B=1;
 *   Probed=false
 *   PasswordCarriedTo=
 *
 * Four keys, so that EDS loads the group cheaply (docs/DESIGN.md §3.1,
 * `[EMAIL2]`). `PasswordCarriedTo` lists the servers whose password was
 * kept while they moved (§5.3). email2 0.1.0 wrote `Nodes` and one key per
 * node: that group is read from the source's key file, and rewritten by
 * the next write or five seconds after start.
 */

#include "config.h"

#include "email2-evolution-sources.h"
#include "email2-source-extension.h"

struct _Email2SourceExtension {
  ESourceExtension parent_instance;

  char *guid;
  char **values;
  char **carried;
  gboolean probed;
};

enum {
  PROP_0,
  PROP_GUID,
  PROP_VALUES,
  PROP_PROBED,
  PROP_PASSWORD_CARRIED_TO,
};

/* The group's keys (e_source_parameter_to_key() of the properties). */
static const char * const keys[] = { "Guid", "Values", "Probed", "PasswordCarriedTo", NULL };

G_DEFINE_DYNAMIC_TYPE (Email2SourceExtension, email2_source_extension, E_TYPE_SOURCE_EXTENSION)

static void
email2_source_extension_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  Email2SourceExtension *self = EMAIL2_SOURCE_EXTENSION (object);

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  if (prop_id == PROP_GUID)
    {
      g_free (self->guid);
      self->guid = g_value_dup_string (value);
    }
  else if (prop_id == PROP_PROBED)
    self->probed = g_value_get_boolean (value);
  else
    {
      char ***list = prop_id == PROP_VALUES ? &self->values : &self->carried;

      g_strfreev (*list);
      *list = g_value_dup_boxed (value);
    }
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
}

static void
email2_source_extension_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  Email2SourceExtension *self = EMAIL2_SOURCE_EXTENSION (object);

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  if (prop_id == PROP_GUID)
    g_value_set_string (value, self->guid);
  else if (prop_id == PROP_PROBED)
    g_value_set_boolean (value, self->probed);
  else
    g_value_set_boxed (value, prop_id == PROP_VALUES ? self->values : self->carried);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
}

static void
email2_source_extension_finalize (GObject *object)
{
  Email2SourceExtension *self = EMAIL2_SOURCE_EXTENSION (object);

  g_free (self->guid);
  g_strfreev (self->values);
  g_strfreev (self->carried);

  G_OBJECT_CLASS (email2_source_extension_parent_class)->finalize (object);
}

static void
email2_source_extension_class_init (Email2SourceExtensionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING;

  object_class->set_property = email2_source_extension_set_property;
  object_class->get_property = email2_source_extension_get_property;
  object_class->finalize = email2_source_extension_finalize;

  E_SOURCE_EXTENSION_CLASS (klass)->name = EMAIL2_SOURCE_EXTENSION_NAME;

  g_object_class_install_property (object_class, PROP_GUID,
                                   g_param_spec_string ("guid", NULL, NULL, NULL, flags));
  /* The nodes set (email2_account_to_strv()). */
  g_object_class_install_property (object_class, PROP_VALUES,
                                   g_param_spec_boxed ("values", NULL, NULL, G_TYPE_STRV, flags));
  /* Whether the servers' TLS modes were found by probing. */
  g_object_class_install_property (object_class, PROP_PROBED,
                                   g_param_spec_boolean ("probed", NULL, NULL, FALSE, flags));
  /* The servers whose password was carried over. */
  g_object_class_install_property (object_class, PROP_PASSWORD_CARRIED_TO,
                                   g_param_spec_boxed ("password-carried-to", NULL, NULL,
                                                       G_TYPE_STRV, flags));
}

static void
email2_source_extension_class_finalize (Email2SourceExtensionClass *klass)
{
}

static void
email2_source_extension_init (Email2SourceExtension *self)
{
}

/**
 * email2_source_extension_type_register:
 * @type_module: the registry module
 *
 * Registers the [EMAIL2] extension in the registry process.
 */
void
email2_source_extension_type_register (GTypeModule *type_module)
{
  email2_source_extension_register_type (type_module);
}

/* Whether the group is email2 0.1.0's (or names no node). */
static gboolean
is_legacy (Email2SourceExtension *self)
{
  gboolean legacy;

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  legacy = self->values == NULL || self->values[0] == NULL;
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
  return legacy;
}

/* email2 0.1.0's group, read from the source's key file. */
static void
read_legacy (Email2SourceExtension *self,
             Email2Account         *account)
{
  g_autoptr(ESource) source = e_source_extension_ref_source (E_SOURCE_EXTENSION (self));
  g_autofree char *data = source != NULL ? e_source_to_string (source, NULL) : NULL;
  g_autoptr(GKeyFile) file = g_key_file_new ();

  if (data != NULL && g_key_file_load_from_data (file, data, -1, G_KEY_FILE_NONE, NULL))
    email2_account_set_legacy_group (account, file, EMAIL2_SOURCE_EXTENSION_NAME);
}

/**
 * email2_source_extension_dup_guid:
 * @self: the [EMAIL2] extension of an account source
 *
 * Returns: (transfer full) (nullable): the account's canonical GUID;
 *   %NULL when the group holds no valid one
 */
char *
email2_source_extension_dup_guid (Email2SourceExtension *self)
{
  char guid[EMAIL2_GUID_SIZE];
  gboolean valid;

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  valid = self->guid != NULL && email2_guid_canonicalize (self->guid, guid);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));

  return valid ? g_strdup (guid) : NULL;
}

/**
 * email2_source_extension_to_account:
 * @self: the [EMAIL2] extension of an account source
 *
 * Returns: (transfer full) (nullable): the account as provisioned, its
 *   secrets kept; %NULL when the group holds no valid GUID
 */
Email2Account *
email2_source_extension_to_account (Email2SourceExtension *self)
{
  g_autofree char *guid = email2_source_extension_dup_guid (self);
  g_autoptr(Email2Account) account = NULL;

  if (guid == NULL)
    return NULL;

  account = email2_account_new (guid);
  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  email2_account_set_strv (account, (const char * const *) self->values);
  email2_account_set_carried (account, (const char * const *) self->carried, NULL);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));

  /* Unlocked: e_source_to_string() reads the properties. */
  if (is_legacy (self))
    read_legacy (self, account);
  return g_steal_pointer (&account);
}

/**
 * email2_source_extension_set_account:
 * @self: the [EMAIL2] extension of an account source
 * @account: the account as provisioned
 *
 * Records @account; secrets only as set or not.
 */
void
email2_source_extension_set_account (Email2SourceExtension *self,
                                     const Email2Account   *account)
{
  g_auto(GStrv) values = email2_account_to_strv (account);
  g_auto(GStrv) carried = email2_account_dup_carried (account);

  /* Written from a payload: the servers are to be probed (again). */
  g_object_set (self,
                "guid", email2_account_get_guid (account),
                "values", values,
                "password-carried-to", carried[0] != NULL ? carried : NULL,
                "probed", FALSE,
                NULL);
}

/**
 * email2_source_extension_get_probed:
 * @self: the [EMAIL2] extension of an account source
 *
 * Returns: whether the account's servers were probed since it was written
 */
gboolean
email2_source_extension_get_probed (Email2SourceExtension *self)
{
  gboolean probed;

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  probed = self->probed;
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));

  return probed;
}

/**
 * email2_source_extension_set_probed:
 * @self: the [EMAIL2] extension of an account source
 * @probed: whether both servers are decided
 */
void
email2_source_extension_set_probed (Email2SourceExtension *self,
                                    gboolean               probed)
{
  g_object_set (self, "probed", probed, NULL);
}

/**
 * email2_source_to_string:
 * @source: a source email2 writes
 *
 * e_source_to_string() in the current format: an account source that
 * email2 0.1.0 wrote gets its nodes as `Values` and loses the keys of the
 * old format, nothing else. Every source file email2 writes is this text.
 *
 * Returns: (transfer full): @source's key-file text
 */
char *
email2_source_to_string (ESource *source)
{
  g_autofree char *data = e_source_to_string (source, NULL);
  char *upgraded = email2_account_upgrade_legacy_group (data, EMAIL2_SOURCE_EXTENSION_NAME, keys);

  return upgraded != NULL ? upgraded : g_steal_pointer (&data);
}

static void
edit_nothing (ESource  *source,
              gpointer  user_data)
{
}

/**
 * email2_source_extension_upgrade:
 * @server: the registry
 *
 * Writes every account source that email2 0.1.0 wrote in the current
 * format, as every source is written (email2_evolution_source_edit()).
 * Call it on the registry's main context.
 */
void
email2_source_extension_upgrade (ESourceRegistryServer *server)
{
  GList *sources = e_source_registry_server_list_sources (server, EMAIL2_SOURCE_EXTENSION_NAME);

  for (GList *l = sources; l != NULL; l = l->next)
    {
      g_autoptr(ESource) written = NULL;
      g_autoptr(GError) error = NULL;

      if (!is_legacy (e_source_get_extension (l->data, EMAIL2_SOURCE_EXTENSION_NAME)))
        continue;
      written = email2_evolution_source_edit (server, e_source_get_uid (l->data), edit_nothing,
                                              NULL, &error);
      if (written == NULL)
        g_warning ("%s could not be written in the current format: %s",
                   e_source_get_uid (l->data), error->message);
    }
  g_list_free_full (sources, g_object_unref);
}
