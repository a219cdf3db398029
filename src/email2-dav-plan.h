/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <gio/gio.h>

#include "email2-account.h"

G_BEGIN_DECLS

/**
 * Email2ContentType:
 * @EMAIL2_CONTENT_CONTACTS: 0x1, contacts (CardDAV address books)
 * @EMAIL2_CONTENT_MAIL: 0x2, mail (the mail account)
 * @EMAIL2_CONTENT_APPOINTMENTS: 0x4, appointments (CalDAV calendars)
 * @EMAIL2_CONTENT_TASKS: 0x8, tasks (CalDAV task lists)
 * @EMAIL2_CONTENT_NOTES: 0x10, notes (CalDAV memo lists)
 *
 * The bits of SYNCINGCONTENTTYPES that a desktop can act on.
 */
typedef enum {
  EMAIL2_CONTENT_CONTACTS = 1 << 0,
  EMAIL2_CONTENT_MAIL = 1 << 1,
  EMAIL2_CONTENT_APPOINTMENTS = 1 << 2,
  EMAIL2_CONTENT_TASKS = 1 << 3,
  EMAIL2_CONTENT_NOTES = 1 << 4,
} Email2ContentType;

#define EMAIL2_CONTENT_KNOWN 0x1fu
#define EMAIL2_CONTENT_CALENDARS (EMAIL2_CONTENT_APPOINTMENTS | EMAIL2_CONTENT_TASKS | EMAIL2_CONTENT_NOTES)

/**
 * Email2DavService:
 * @EMAIL2_DAV_CARDDAV: contacts (CONTACTSSERVER and its nodes)
 * @EMAIL2_DAV_CALDAV: calendars, task and memo lists (CALENDARSERVER and
 *   its nodes)
 *
 * The two servers of an account besides mail.
 */
typedef enum {
  EMAIL2_DAV_CARDDAV,
  EMAIL2_DAV_CALDAV,
} Email2DavService;

#define EMAIL2_DAV_N_SERVICES 2

/**
 * Email2DavNodes:
 * @server: CONTACTSSERVER or CALENDARSERVER
 * @require_ssl: its *REQUIRESSL
 * @schedule: its *SYNCSCHEDULE
 *
 * The nodes of one service.
 */
typedef struct {
  Email2NodeId server;
  Email2NodeId require_ssl;
  Email2NodeId schedule;
} Email2DavNodes;

const Email2DavNodes *email2_dav_service_get_nodes (Email2DavService service);

#define EMAIL2_TYPE_DAV_PLAN (email2_dav_plan_get_type ())

typedef struct _Email2DavPlan Email2DavPlan;

GType          email2_dav_plan_get_type      (void) G_GNUC_CONST;

Email2DavPlan *email2_dav_plan_new           (const Email2Account *account,
                                              GError             **error);
Email2DavPlan *email2_dav_plan_copy          (const Email2DavPlan *plan);
void           email2_dav_plan_free          (Email2DavPlan       *plan);

guint32        email2_dav_plan_get_content_types (const Email2DavPlan *plan);
guint32        email2_dav_plan_get_ignored_types (const Email2DavPlan *plan);
gboolean       email2_dav_plan_wants          (const Email2DavPlan *plan,
                                               Email2ContentType    type);
gboolean       email2_dav_plan_is_empty       (const Email2DavPlan *plan);
const char    *email2_dav_plan_get_url        (const Email2DavPlan *plan,
                                               Email2DavService     service);
const char    *email2_dav_plan_get_plain_url  (const Email2DavPlan *plan,
                                               Email2DavService     service);
gboolean       email2_dav_plan_get_tls_required (const Email2DavPlan *plan,
                                                 Email2DavService     service);
gboolean       email2_dav_plan_get_refresh    (const Email2DavPlan *plan,
                                               Email2DavService     service,
                                               guint               *minutes);
const char    *email2_dav_plan_get_user       (const Email2DavPlan *plan);
const char    *email2_dav_plan_get_domain     (const Email2DavPlan *plan,
                                               Email2DavService     service);
void           email2_dav_plan_set_found      (Email2DavPlan       *plan,
                                               Email2DavService     service,
                                               const char          *url,
                                               const char          *plain_url);

void           email2_dav_plan_set_unresolved (Email2DavPlan       *plan,
                                               Email2DavService     service);
gboolean       email2_dav_plan_get_unresolved (const Email2DavPlan *plan,
                                               Email2DavService     service);

void           email2_dav_plan_look_up        (Email2DavPlan       *plan,
                                               guint                timeout_ms);

/**
 * Email2DavTransport:
 * @EMAIL2_DAV_TRANSPORT_UNKNOWN: neither HTTPS nor plain HTTP answered
 * @EMAIL2_DAV_TRANSPORT_HTTPS: the server speaks TLS (perhaps with a
 *   certificate that does not validate)
 * @EMAIL2_DAV_TRANSPORT_HTTP: HTTPS cannot be reached, plain HTTP answers
 *
 * What email2_dav_find_transport_async() found.
 */
typedef enum {
  EMAIL2_DAV_TRANSPORT_UNKNOWN,
  EMAIL2_DAV_TRANSPORT_HTTPS,
  EMAIL2_DAV_TRANSPORT_HTTP,
} Email2DavTransport;

void               email2_dav_find_transport_async  (const char          *https_url,
                                                     const char          *plain_url,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
Email2DavTransport email2_dav_find_transport_finish (GAsyncResult        *result,
                                                     GError             **error);

gboolean       email2_parse_content_types     (const char          *value,
                                               guint32             *types);
gboolean       email2_parse_sync_schedule     (const char          *value,
                                               gboolean            *enabled,
                                               guint               *minutes);
char          *email2_dav_server_url          (const char          *server,
                                               const char          *fallback_domain,
                                               GError             **error);
char          *email2_dav_plain_url           (const char          *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2DavPlan, email2_dav_plan_free)

G_END_DECLS
