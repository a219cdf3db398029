/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <gio/gio.h>

#include "email2-payload.h"
#include "email2-session.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_SERVICE (email2_service_get_type ())

G_DECLARE_FINAL_TYPE (Email2Service, email2_service, EMAIL2, SERVICE, GObject)

/**
 * Email2ServiceJob:
 * @data: the job's data
 *
 * Work run in the service's worker, in order with the D-Bus calls.
 */
typedef void (*Email2ServiceJob) (gpointer data);

Email2Service *email2_service_new     (Email2Session    *session);
gboolean       email2_service_export  (Email2Service    *self,
                                       GDBusConnection  *connection,
                                       const char       *object_path,
                                       GError          **error);
void           email2_service_queue   (Email2Service    *self,
                                       const char       *name,
                                       Email2ServiceJob  job,
                                       gpointer          data,
                                       GDestroyNotify    destroy);
char          *email2_service_respond (Email2Service    *self,
                                       Email2Payload    *payload,
                                       const char       *origin,
                                       gsize            *length,
                                       GError          **error);
const char    *email2_service_get_origin (Email2Service *self);
Email2Session *email2_service_get_session     (Email2Service *self);
void           email2_service_notify_applied (Email2Service *self);
gboolean       email2_service_drain   (Email2Service    *self,
                                       guint             timeout_ms);
void           email2_service_stop    (Email2Service    *self);

G_END_DECLS
