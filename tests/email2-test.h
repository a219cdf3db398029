/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Helpers shared by the test programs.
 */

#pragma once

#include <json-glib/json-glib.h>

#include "email2.h"
#include "email2-command-private.h"

G_BEGIN_DECLS

#define TEST_GUID "{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}"
#define TEST_ACCOUNT "./Vendor/MSFT/EMAIL2/%7BC556E16F-56C4-4EDB-9C64-D9469EE1FBE0%7D"
#define TEST_GUID2 "{0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40}"
#define TEST_ACCOUNT2 "./Vendor/MSFT/EMAIL2/%7B0D4B5C9E-0F2A-4F7E-9A61-2B8F3C1D7E40%7D"

char      *email2_test_message   (const char        *body);
char      *email2_test_item_cmd  (const char        *cmd,
                                  const char        *cmd_id,
                                  const char        *uri,
                                  const char        *format,
                                  const char        *data);
char      *email2_test_create_account (const char   *account_uri,
                                       const char   *first_cmd_id,
                                       const char   *service_type);
GPtrArray *email2_test_run       (Email2MemoryHost  *host,
                                  const char        *body,
                                  char             **response);
char      *email2_test_summarize (GPtrArray         *statuses);
char      *email2_test_get       (Email2MemoryHost  *host,
                                  const char        *uri,
                                  guint             *code);

void       email2_test_remove_tree (const char  *path);
char      *email2_test_read_file   (const char  *path,
                                    gsize       *length);
void       email2_test_assert_one_line (const char *text);
void       email2_test_assert_no_secret_on_disk (const char         *dir,
                                                 const char * const *secrets,
                                                 const char * const *skip);

gboolean   email2_test_registry_running (void);
guint32    email2_test_keyring_pid      (void);
void       email2_test_init_session     (int                *argc,
                                         char             ***argv);
void       email2_test_registry_wait    (gboolean     running);
void       email2_test_registry_stop    (GPid        *child);
void       email2_test_registry_start   (const char * const *env,
                                         const char  *log,
                                         GPid        *child);

/**
 * Email2TestRun:
 * @status: the exit status, -1 when killed
 * @out: what it printed on stdout
 * @err: what it printed on stderr
 *
 * One run of email2ctl.
 */
typedef struct {
  int status;
  char *out;
  char *err;
} Email2TestRun;

void       email2_test_async_result (GObject      *object,
                                     GAsyncResult *result,
                                     gpointer      user_data);

void       email2_test_run_clear (Email2TestRun *run);
void       email2_test_ctl       (Email2TestRun *run,
                                  const char    *command,
                                  const char    *argument);
void       email2_test_ctlv      (Email2TestRun      *run,
                                  const char * const *args);
JsonObject *email2_test_parse_json (const char *text,
                                    const char *command);
void       email2_test_assert_json_keys (JsonObject         *object,
                                         const char * const *keys);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Email2TestRun, email2_test_run_clear)

typedef struct _Email2TestBus Email2TestBus;

Email2TestBus *email2_test_bus_up          (void);
const char    *email2_test_bus_get_address (Email2TestBus *bus);
void           email2_test_bus_down        (Email2TestBus *bus);

/* A private bus with a notification service that records what it shows. */
typedef struct {
  Email2TestBus *bus;
  GDBusConnection *service_connection;
  GDBusConnection *client_connection;   /* for the notifier */
  guint registration;
  gboolean markup;          /* the service says it reads body markup */
  GPtrArray *shown;         /* of GVariant (ssss): icon, summary, body, desktop-entry */
} Email2TestNotifications;

void email2_test_notifications_init        (Email2TestNotifications *self,
                                            gboolean                 with_service,
                                            gboolean                 markup);
void email2_test_notifications_clear       (Email2TestNotifications *self);
void email2_test_notifications_run         (Email2TestNotifications *self,
                                            GFunc                    func,
                                            gpointer                 data,
                                            guint                    expected);
void email2_test_notifications_assert_shown (Email2TestNotifications *self,
                                             guint                    index,
                                             const char              *icon,
                                             const char              *summary,
                                             const char              *body);

G_END_DECLS
