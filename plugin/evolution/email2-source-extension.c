/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2SourceExtension: the [EMAIL2] group of a provisioned account's
 * source. It keeps every node the payload set, as provisioned, so that Get
 * answers exactly and an edit knows what it changes; the settings Evolution
 * uses are written to its own groups by the Evolution host. A secret is
 * never here: `Nodes` only lists that it is set, its value is in the
 * keyring.
 *
 *   [EMAIL2]
 *   Guid={C556E16F-…}
 *   Nodes=ACCOUNTTYPE;AUTHNAME;AUTHSECRET;INSERVER;…
 *   ACCOUNTTYPE=Email
 *   TAGPROPS8128000B=1
 *
 * `Nodes` tells a node set to "" (NAME, DOMAIN, SMTPALTDOMAIN may be empty)
 * from one not set at all. `PasswordCarriedTo` lists the servers whose
 * password was kept while they moved (docs/DESIGN.md §5.3): the prober
 * reaches them over TLS only.
 */

#include "config.h"

#include <string.h>

#include "email2-source-extension.h"

struct _Email2SourceExtension {
  ESourceExtension parent_instance;

  char *guid;
  char **nodes;
  char **carried;
  gboolean probed;
  char *values[EMAIL2_N_NODES];
};

enum {
  PROP_0,
  PROP_GUID,
  PROP_NODES,
  PROP_PROBED,
  PROP_PASSWORD_CARRIED_TO,
  /* then one per node, PROP_NODE_BASE + its Email2NodeId */
  PROP_NODE_BASE,
};

/* The servers a password is sent to. */
static const Email2NodeId servers[] = { EMAIL2_NODE_INSERVER, EMAIL2_NODE_OUTSERVER };

G_DEFINE_DYNAMIC_TYPE (Email2SourceExtension, email2_source_extension, E_TYPE_SOURCE_EXTENSION)

/* Which nodes have a value here: leaves that are not secrets. */
static gboolean
is_stored (Email2NodeId id)
{
  const Email2NodeInfo *node = email2_schema_get (id);

  return id >= EMAIL2_FIRST_SLOT &&
         !(node->flags & (EMAIL2_NODE_FLAG_SECRET | EMAIL2_NODE_FLAG_INTERIOR));
}

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
  else if (prop_id == PROP_NODES)
    {
      g_strfreev (self->nodes);
      self->nodes = g_value_dup_boxed (value);
    }
  else if (prop_id == PROP_PROBED)
    self->probed = g_value_get_boolean (value);
  else if (prop_id == PROP_PASSWORD_CARRIED_TO)
    {
      g_strfreev (self->carried);
      self->carried = g_value_dup_boxed (value);
    }
  else
    {
      guint id = prop_id - PROP_NODE_BASE;

      g_free (self->values[id]);
      self->values[id] = g_value_dup_string (value);
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
  else if (prop_id == PROP_NODES)
    g_value_set_boxed (value, self->nodes);
  else if (prop_id == PROP_PROBED)
    g_value_set_boolean (value, self->probed);
  else if (prop_id == PROP_PASSWORD_CARRIED_TO)
    g_value_set_boxed (value, self->carried);
  else
    g_value_set_string (value, self->values[prop_id - PROP_NODE_BASE]);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
}

static void
email2_source_extension_finalize (GObject *object)
{
  Email2SourceExtension *self = EMAIL2_SOURCE_EXTENSION (object);

  g_free (self->guid);
  g_strfreev (self->nodes);
  g_strfreev (self->carried);
  for (guint i = 0; i < EMAIL2_N_NODES; i++)
    g_free (self->values[i]);

  G_OBJECT_CLASS (email2_source_extension_parent_class)->finalize (object);
}

/* "TAGPROPS/8128000B" → "TAGPROPS-8128000B": a valid property name, whose
 * key (e_source_parameter_to_key) is "TAGPROPS8128000B". */
static char *
property_name (const Email2NodeInfo *node)
{
  char *name = g_strdup (node->path);

  g_strdelimit (name, "/", '-');
  return name;
}

static void
email2_source_extension_class_init (Email2SourceExtensionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = email2_source_extension_set_property;
  object_class->get_property = email2_source_extension_get_property;
  object_class->finalize = email2_source_extension_finalize;

  E_SOURCE_EXTENSION_CLASS (klass)->name = EMAIL2_SOURCE_EXTENSION_NAME;

  g_object_class_install_property (
    object_class, PROP_GUID,
    g_param_spec_string ("guid", NULL, NULL, NULL,
                         G_PARAM_READWRITE |
                         G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));
  g_object_class_install_property (
    object_class, PROP_NODES,
    g_param_spec_boxed ("nodes", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE |
                        G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));

  /* Whether the servers' TLS modes were found by probing (Probed). */
  g_object_class_install_property (
    object_class, PROP_PROBED,
    g_param_spec_boolean ("probed", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));

  /* The servers whose password was carried over (PasswordCarriedTo). */
  g_object_class_install_property (
    object_class, PROP_PASSWORD_CARRIED_TO,
    g_param_spec_boxed ("password-carried-to", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));

  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    if (is_stored (id))
      {
        char *name = property_name (email2_schema_get (id));

        /* The name stays with the class for as long as the process. */
        g_object_class_install_property (
          object_class, PROP_NODE_BASE + id,
          g_param_spec_string (g_intern_string (name), NULL, NULL, NULL,
                               G_PARAM_READWRITE |
                               G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));
        g_free (name);
      }
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
  g_autoptr(Email2Account) account = NULL;
  char guid[EMAIL2_GUID_SIZE];

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));

  if (self->guid == NULL || !email2_guid_canonicalize (self->guid, guid))
    {
      e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
      return NULL;
    }

  account = email2_account_new (guid);
  for (guint i = 0; self->nodes != NULL && self->nodes[i] != NULL; i++)
    for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
      {
        const Email2NodeInfo *node = email2_schema_get (id);

        if (strcmp (node->path, self->nodes[i]) != 0)
          continue;
        if (node->flags & EMAIL2_NODE_FLAG_SECRET)
          email2_account_set_kept (account, id);
        else
          email2_account_set (account, id, self->values[id] != NULL ? self->values[id] : "");
      }
  for (guint i = 0; self->carried != NULL && self->carried[i] != NULL; i++)
    for (guint k = 0; k < G_N_ELEMENTS (servers); k++)
      if (strcmp (self->carried[i], email2_schema_get (servers[k])->path) == 0)
        email2_account_set_password_carried (account, servers[k], TRUE);

  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));

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
  g_autoptr(GStrvBuilder) nodes = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) carried = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  g_auto(GStrv) carried_list = NULL;
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);

  g_object_set (object, "guid", email2_account_get_guid (account), NULL);
  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (email2_account_has (account, id))
        g_strv_builder_add (nodes, node->path);
      if (is_stored (id))
        {
          g_autofree char *name = property_name (node);
          g_object_set (object, name, email2_account_get (account, id), NULL);
        }
    }
  list = g_strv_builder_end (nodes);
  g_object_set (object, "nodes", list, NULL);
  for (guint k = 0; k < G_N_ELEMENTS (servers); k++)
    if (email2_account_password_carried (account, servers[k]))
      g_strv_builder_add (carried, email2_schema_get (servers[k])->path);
  carried_list = g_strv_builder_end (carried);
  g_object_set (object, "password-carried-to", carried_list[0] != NULL ? carried_list : NULL,
                NULL);
  /* Written from a payload: the servers are to be probed (again). */
  g_object_set (object, "probed", FALSE, NULL);

  g_object_thaw_notify (object);
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
