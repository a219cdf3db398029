/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2DavSourceExtension: the [EMAIL2 DAV] group of a provisioned
 * collection (docs/DESIGN.md §3.7). It keeps the contacts and calendar
 * URLs email2 last wrote into the collection, whether they came from the
 * payload, from the e-mail domain's SRV records or from a switch to plain
 * HTTP, so that Get can tell them from a URL the user changed in
 * Evolution.
 *
 *   [EMAIL2 DAV]
 *   ContactsUrl=https://dav.example.com:8443/
 *   CalendarUrl=https://dav.example.com:8443/
 */

#include "config.h"

#include "email2-dav-source-extension.h"

struct _Email2DavSourceExtension {
  ESourceExtension parent_instance;

  char *url[EMAIL2_DAV_N_SERVICES];
};

/* One property per service, PROP_URL_BASE + its Email2DavService. */
enum {
  PROP_0,
  PROP_URL_BASE,
};

static const char * const property_names[EMAIL2_DAV_N_SERVICES] = {
  [EMAIL2_DAV_CARDDAV] = "contacts-url",
  [EMAIL2_DAV_CALDAV] = "calendar-url",
};

G_DEFINE_DYNAMIC_TYPE (Email2DavSourceExtension, email2_dav_source_extension, E_TYPE_SOURCE_EXTENSION)

static void
email2_dav_source_extension_set_property (GObject      *object,
                                          guint         prop_id,
                                          const GValue *value,
                                          GParamSpec   *pspec)
{
  Email2DavSourceExtension *self = EMAIL2_DAV_SOURCE_EXTENSION (object);

  if (prop_id < PROP_URL_BASE || prop_id >= PROP_URL_BASE + EMAIL2_DAV_N_SERVICES)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  email2_dav_source_extension_set_url (self, prop_id - PROP_URL_BASE, g_value_get_string (value));
}

static void
email2_dav_source_extension_get_property (GObject    *object,
                                          guint       prop_id,
                                          GValue     *value,
                                          GParamSpec *pspec)
{
  Email2DavSourceExtension *self = EMAIL2_DAV_SOURCE_EXTENSION (object);

  if (prop_id < PROP_URL_BASE || prop_id >= PROP_URL_BASE + EMAIL2_DAV_N_SERVICES)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  g_value_set_string (value, self->url[prop_id - PROP_URL_BASE]);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
}

static void
email2_dav_source_extension_finalize (GObject *object)
{
  Email2DavSourceExtension *self = EMAIL2_DAV_SOURCE_EXTENSION (object);

  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    g_free (self->url[s]);

  G_OBJECT_CLASS (email2_dav_source_extension_parent_class)->finalize (object);
}

static void
email2_dav_source_extension_class_init (Email2DavSourceExtensionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = email2_dav_source_extension_set_property;
  object_class->get_property = email2_dav_source_extension_get_property;
  object_class->finalize = email2_dav_source_extension_finalize;

  E_SOURCE_EXTENSION_CLASS (klass)->name = EMAIL2_DAV_SOURCE_EXTENSION_NAME;

  for (guint s = 0; s < EMAIL2_DAV_N_SERVICES; s++)
    g_object_class_install_property (
      object_class, PROP_URL_BASE + s,
      g_param_spec_string (property_names[s], NULL, NULL, NULL,
                           G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS | E_SOURCE_PARAM_SETTING));
}

static void
email2_dav_source_extension_class_finalize (Email2DavSourceExtensionClass *klass)
{
}

static void
email2_dav_source_extension_init (Email2DavSourceExtension *self)
{
}

/**
 * email2_dav_source_extension_type_register:
 * @type_module: the registry module
 *
 * Registers the [EMAIL2 DAV] extension in the registry process.
 */
void
email2_dav_source_extension_type_register (GTypeModule *type_module)
{
  email2_dav_source_extension_register_type (type_module);
}

/**
 * email2_dav_source_extension_get_url:
 * @self: the [EMAIL2 DAV] extension of a collection
 * @service: a service
 *
 * Returns: (nullable): the URL email2 last wrote for @service
 */
const char *
email2_dav_source_extension_get_url (Email2DavSourceExtension *self,
                                     Email2DavService          service)
{
  g_return_val_if_fail (EMAIL2_IS_DAV_SOURCE_EXTENSION (self), NULL);

  return self->url[service];
}

/**
 * email2_dav_source_extension_set_url:
 * @self: the [EMAIL2 DAV] extension of a collection
 * @service: a service
 * @url: (nullable): the URL email2 writes for @service
 */
void
email2_dav_source_extension_set_url (Email2DavSourceExtension *self,
                                     Email2DavService          service,
                                     const char               *url)
{
  g_return_if_fail (EMAIL2_IS_DAV_SOURCE_EXTENSION (self));

  e_source_extension_property_lock (E_SOURCE_EXTENSION (self));
  if (g_strcmp0 (self->url[service], url) == 0)
    {
      e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
      return;
    }
  g_free (self->url[service]);
  self->url[service] = g_strdup (url);
  e_source_extension_property_unlock (E_SOURCE_EXTENSION (self));
  g_object_notify (G_OBJECT (self), property_names[service]);
}
