/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * apply-floor: the floor of the apply benchmark (bench/apply.sh). It makes
 * the writes `email2ctl apply` of one account makes, with the host's own
 * APIs and nothing else: the three key files through the registry's
 * SourceManager.CreateSources, then the secrets through libsecret (the
 * provisioned AUTHSECRET under email2's schema, Evolution's copies under
 * the account's and the transport's UIDs).
 *
 *   apply-floor GUID ACCOUNT.source IDENTITY.source TRANSPORT.source <SECRET
 *
 * Each UID is its file's name without `.source`. The secret comes on
 * standard input, never in argv or the environment.
 */

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <libsecret/secret.h>

static const SecretSchema email2_schema = {
  "io.github.email2.Secret", SECRET_SCHEMA_NONE,
  {
    { "email2-guid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "email2-node", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static const SecretSchema eds_schema = {
  "org.gnome.Evolution.Data.Source", SECRET_SCHEMA_DONT_MATCH_NAME,
  {
    { "e-source-uid", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "eds-origin", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static char *
uid_of (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);

  return g_strndup (base, strlen (base) - strlen (".source"));
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *uids[3] = { NULL };
  g_autofree char *email2_label = NULL;
  GVariantBuilder sources;
  gsize length = 0;

  if (argc != 5)
    {
      g_printerr ("usage: apply-floor GUID ACCOUNT.source IDENTITY.source TRANSPORT.source <SECRET\n");
      return 2;
    }

  /* The secret, from standard input. */
  {
    char buffer[1024];

    length = fread (buffer, 1, sizeof buffer - 1, stdin);
    buffer[length] = '\0';
    secret = g_strdup (g_strchomp (buffer));
    memset (buffer, 0, sizeof buffer);
  }

  g_variant_builder_init (&sources, G_VARIANT_TYPE ("a{ss}"));
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *data = NULL;

      if (!g_file_get_contents (argv[2 + i], &data, NULL, &error))
        goto fail;
      uids[i] = uid_of (argv[2 + i]);
      g_variant_builder_add (&sources, "{ss}", uids[i], data);
    }

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    goto fail;
  reply = g_dbus_connection_call_sync (bus, "org.gnome.evolution.dataserver.Sources5",
                                       "/org/gnome/evolution/dataserver/SourceManager",
                                       "org.gnome.evolution.dataserver.SourceManager",
                                       "CreateSources", g_variant_new ("(a{ss})", &sources),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (reply == NULL)
    goto fail;

  email2_label = g_strdup_printf ("EMAIL2 AUTHSECRET of account %s", argv[1]);
  if (!secret_password_store_sync (&email2_schema, SECRET_COLLECTION_DEFAULT, email2_label, secret,
                                   NULL, &error, "email2-guid", argv[1],
                                   "email2-node", "AUTHSECRET", NULL) ||
      !secret_password_store_sync (&eds_schema, SECRET_COLLECTION_DEFAULT,
                                   "Evolution Data Source (Mail Account - imapx) ", secret,
                                   NULL, &error, "e-source-uid", uids[0],
                                   "eds-origin", "evolution-data-server", NULL) ||
      !secret_password_store_sync (&eds_schema, SECRET_COLLECTION_DEFAULT,
                                   "Evolution Data Source (Mail Transport - smtp) ", secret,
                                   NULL, &error, "e-source-uid", uids[2],
                                   "eds-origin", "evolution-data-server", NULL))
    goto fail;

  memset (secret, 0, strlen (secret));
  return 0;

fail:
  g_printerr ("apply-floor: %s\n", error->message);
  return 1;
}
