/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Notifier: tells the user what their organisation changed, through
 * the desktop's notification service (org.freedesktop.Notifications, on
 * the registry's session bus): one notification per committed transaction
 * that added, changed or removed accounts, and one per rollout that
 * failed, saying what failed and what to do (docs/DESIGN.md §3.5). Texts
 * are translated; they hold account names and the engine's reasons, which
 * never hold a value, so never a secret. Nothing waits for the service:
 * calls are sent and their answers only logged. The service is never
 * started for us: a desktop session has one running (GNOME Shell owns the
 * name), and starting one (dunst is D-Bus activatable) in a session
 * without a display would fail on every event.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-notifier-private.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
/* One notification lists at most this many accounts by name. */
#define MAX_NAMED 4

struct _Email2Notifier {
  GObject parent_instance;

  GDBusConnection *connection;
  GMutex lock;
  int markup;               /* -1 unknown, else whether bodies are markup */
};

G_DEFINE_FINAL_TYPE (Email2Notifier, email2_notifier, G_TYPE_OBJECT)

/* What one change says, by kind: a title when it is alone, and a sentence. */
static const struct {
  const char *summary;
  const char *sentence;
} change_texts[] = {
  [EMAIL2_ACCOUNT_ADDED] = { N_("New mail account"),
                             N_("Your organisation added the account %s.") },
  [EMAIL2_ACCOUNT_CHANGED] = { N_("Mail account changed"),
                               N_("Your organisation changed the settings of the account %s.") },
  [EMAIL2_ACCOUNT_REMOVED] = { N_("Mail account removed"),
                               N_("Your organisation removed the account %s.") },
};

/* Whether the service reads bodies as markup (then a name holding `<` must
 * be escaped); asked once, from the worker, which may wait. */
static gboolean
body_is_markup (Email2Notifier *self)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **capabilities = NULL;
  int markup;

  g_mutex_lock (&self->lock);
  markup = self->markup;
  g_mutex_unlock (&self->lock);
  if (markup >= 0)
    return markup;

  reply = g_dbus_connection_call_sync (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                                       NOTIFICATIONS_NAME, "GetCapabilities", NULL,
                                       G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       2000, NULL, &error);
  if (reply == NULL)
    {
      g_debug ("notifications: no service: %s", error->message);
      return TRUE;          /* escaping is the safe guess */
    }
  g_variant_get (reply, "(^a&s)", &capabilities);
  markup = g_strv_contains (capabilities, "body-markup");

  g_mutex_lock (&self->lock);
  self->markup = markup;
  g_mutex_unlock (&self->lock);
  return markup;
}

static void
notify_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    g_debug ("notifications: not shown: %s", error->message);
}

static void
notify (Email2Notifier *self,
        const char     *icon,
        const char     *summary,
        const char     *body)
{
  g_autofree char *escaped = NULL;
  GVariantBuilder hints;

  if (body_is_markup (self))
    body = escaped = g_markup_escape_text (body, -1);

  g_variant_builder_init (&hints, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&hints, "{sv}", "desktop-entry", g_variant_new_string ("org.gnome.Evolution"));
  g_variant_builder_add (&hints, "{sv}", "urgency", g_variant_new_byte (1));

  g_message ("Notification: %s", summary);
  g_dbus_connection_call (self->connection, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                          NOTIFICATIONS_NAME, "Notify",
                          g_variant_new ("(susssasa{sv}i)", _("Evolution"), 0, icon, summary, body,
                                         NULL, &hints, -1),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL,
                          notify_done, NULL);
}

/**
 * email2_notifier_accounts_changed:
 * @self: the notifier
 * @changes: (element-type Email2AccountChange): a committed transaction's
 *   changes
 *
 * One notification: the account by name when there is one change, else
 * the first few by name and how many more.
 */
void
email2_notifier_accounts_changed (Email2Notifier *self,
                                  GPtrArray      *changes)
{
  const Email2AccountChange *first;
  g_autoptr(GString) body = g_string_new (NULL);
  const char *summary;

  g_return_if_fail (EMAIL2_IS_NOTIFIER (self));
  if (changes->len == 0)
    return;

  first = changes->pdata[0];
  summary = changes->len == 1 ? _(change_texts[first->kind].summary) : _("Mail accounts changed");
  for (guint i = 0; i < changes->len && i < MAX_NAMED; i++)
    {
      const Email2AccountChange *change = changes->pdata[i];

      if (i > 0)
        g_string_append_c (body, '\n');
      /* The format is one of the table's literals, translated. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      g_string_append_printf (body, _(change_texts[change->kind].sentence),
                              change->name != NULL ? change->name : change->guid);
#pragma GCC diagnostic pop
      /* Why the user is about to be asked for a password. */
      if (change->kind == EMAIL2_ACCOUNT_ADDED && change->needs_password)
        {
          g_string_append_c (body, ' ');
          g_string_append (body, _("Evolution will ask for its password when it first connects."));
        }
    }
  if (changes->len > MAX_NAMED)
    {
      guint more = changes->len - MAX_NAMED;

      g_string_append_c (body, '\n');
      g_string_append_printf (body, g_dngettext (GETTEXT_PACKAGE, "And %u more account.",
                                                 "And %u more accounts.", more), more);
    }

  notify (self, "evolution-mail", summary, body->str);
}

/**
 * email2_notifier_rollout_failed:
 * @self: the notifier
 * @origin: (nullable): the rollout file's name, or %NULL for a payload
 *   sent over D-Bus
 * @reason: what failed, as the engine says it (never a value)
 *
 * One notification: what failed, that nothing changed, and what to do.
 */
void
email2_notifier_rollout_failed (Email2Notifier *self,
                                const char     *origin,
                                const char     *reason)
{
  g_autofree char *from = NULL;
  g_autofree char *body = NULL;

  g_return_if_fail (EMAIL2_IS_NOTIFIER (self));

  if (origin != NULL)
    /* Translators: %s is a file name. */
    from = g_strdup_printf (_("Mail settings from your organisation (the file %s) could not be applied."),
                            origin);
  else
    from = g_strdup (_("Mail settings sent by your organisation could not be applied."));
  body = g_strdup_printf ("%s\n%s\n%s", from, reason,
                          _("Nothing was changed on this computer. If your mail does not work, "
                            "tell your IT support."));
  notify (self, "dialog-warning", _("Mail settings not applied"), body);
}

static void
email2_notifier_finalize (GObject *object)
{
  Email2Notifier *self = EMAIL2_NOTIFIER (object);

  g_clear_object (&self->connection);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (email2_notifier_parent_class)->finalize (object);
}

static void
email2_notifier_class_init (Email2NotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_notifier_finalize;
}

static void
email2_notifier_init (Email2Notifier *self)
{
  g_mutex_init (&self->lock);
  self->markup = -1;
}

/**
 * email2_notifier_new:
 * @connection: the session bus
 *
 * Returns: (transfer full): a notifier
 */
Email2Notifier *
email2_notifier_new (GDBusConnection *connection)
{
  Email2Notifier *self = g_object_new (EMAIL2_TYPE_NOTIFIER, NULL);

  self->connection = g_object_ref (connection);
  return self;
}
