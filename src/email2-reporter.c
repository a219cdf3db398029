/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Reporter: what the user (Email2Notifier, docs/DESIGN.md §3.5) and
 * the account records (Email2Ledger, §3.6) are told of each payload a
 * service runs, on any desktop host:
 *
 *   a transaction committed   the user is shown what it changed; each
 *                             account's record says who changed it
 *                             ("dbus", or "spool:NAME")
 *   a payload failed          the user is told once, with the reason
 *                             email2_payload_get_failure() picks; the
 *                             accounts it was about keep what they had,
 *                             and their records say so
 *   a call answered           the records it changed are written now, so
 *                             that no client waits for the ledger's sync
 *   ListAccounts              each account's record, after what the host
 *                             said of it
 *
 * All of it happens in the service's worker.
 */

#include "config.h"

#include "email2-ledger-private.h"
#include "email2-notifier-private.h"
#include "email2-reporter-private.h"

struct _Email2Reporter {
  GObject parent_instance;

  Email2Service *service;
  Email2DesktopHost *desktop;
  Email2Notifier *notifier;
  Email2Ledger *ledger;
};

G_DEFINE_FINAL_TYPE (Email2Reporter, email2_reporter, G_TYPE_OBJECT)

/* What sent the payload being applied: "dbus" or "spool:NAME". */
static char *
ledger_origin (Email2Reporter *self)
{
  const char *origin = email2_service_get_origin (self->service);

  return origin != NULL ? g_strconcat ("spool:", origin, NULL) : g_strdup ("dbus");
}

static void
accounts_committed (GPtrArray *changes,
                    gpointer   user_data)
{
  Email2Reporter *self = user_data;
  g_autofree char *origin = ledger_origin (self);

  email2_notifier_accounts_changed (self->notifier, changes);
  email2_ledger_record_changes (self->ledger, changes, origin);
}

static void
on_payload_failed (Email2Service  *service,
                   Email2Payload  *payload,
                   const char     *origin,
                   Email2Reporter *self)
{
  const Email2Status *failed = email2_payload_get_failure (payload);
  g_auto(GStrv) existing = NULL;
  g_autofree char *recorded_origin = NULL;

  if (failed == NULL)
    return;
  email2_notifier_rollout_failed (self->notifier, origin, email2_status_get_reason (failed));

  existing = email2_host_list_accounts (EMAIL2_HOST (self->desktop));
  recorded_origin = ledger_origin (self);
  email2_ledger_record_payload_failure (self->ledger, payload, (const char * const *) existing,
                                        recorded_origin);
}

static void
on_call_done (Email2Service  *service,
              Email2Reporter *self)
{
  email2_ledger_save (self->ledger);
}

static gboolean
on_describe_account (Email2Service   *service,
                     const char      *guid,
                     GVariantBuilder *builder,
                     Email2Reporter  *self)
{
  email2_ledger_describe (self->ledger, guid, builder);
  return FALSE;
}

static void
email2_reporter_dispose (GObject *object)
{
  Email2Reporter *self = EMAIL2_REPORTER (object);

  if (self->service != NULL)
    g_signal_handlers_disconnect_by_data (self->service, self);
  if (self->desktop != NULL)
    email2_desktop_host_set_committed_func (self->desktop, NULL, NULL);
  g_clear_object (&self->service);
  g_clear_object (&self->desktop);
  g_clear_object (&self->notifier);
  g_clear_object (&self->ledger);

  G_OBJECT_CLASS (email2_reporter_parent_class)->dispose (object);
}

static void
email2_reporter_class_init (Email2ReporterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = email2_reporter_dispose;
}

static void
email2_reporter_init (Email2Reporter *self)
{
}

/**
 * email2_reporter_new:
 * @service: the service whose payloads are reported
 * @desktop: the host its session runs on
 * @connection: the session bus, where the desktop's notification service is
 * @ledger_path: the account records' file
 *
 * Reports what @service's payloads do from now on. A host that adds
 * lines to ListAccounts connects to #Email2Service::describe-account
 * itself; the record follows them.
 *
 * Returns: (transfer full): a reporter; dropping it stops the reports
 */
Email2Reporter *
email2_reporter_new (Email2Service     *service,
                     Email2DesktopHost *desktop,
                     GDBusConnection   *connection,
                     const char        *ledger_path)
{
  Email2Reporter *self;

  g_return_val_if_fail (EMAIL2_IS_SERVICE (service), NULL);
  g_return_val_if_fail (EMAIL2_IS_DESKTOP_HOST (desktop), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  self = g_object_new (EMAIL2_TYPE_REPORTER, NULL);
  self->service = g_object_ref (service);
  self->desktop = g_object_ref (desktop);
  self->notifier = email2_notifier_new (connection);
  self->ledger = email2_ledger_new (ledger_path);

  email2_desktop_host_set_committed_func (desktop, accounts_committed, self);
  g_signal_connect (service, "payload-failed", G_CALLBACK (on_payload_failed), self);
  g_signal_connect (service, "call-done", G_CALLBACK (on_call_done), self);
  g_signal_connect_after (service, "describe-account", G_CALLBACK (on_describe_account), self);
  return self;
}
