/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib-object.h>

#include "email2-host.h"

G_BEGIN_DECLS

/**
 * Email2AccountChangeKind:
 * @EMAIL2_ACCOUNT_ADDED: the transaction created the account
 * @EMAIL2_ACCOUNT_CHANGED: the transaction changed an existing account
 * @EMAIL2_ACCOUNT_REMOVED: the transaction deleted the account
 */
typedef enum {
  EMAIL2_ACCOUNT_ADDED,
  EMAIL2_ACCOUNT_CHANGED,
  EMAIL2_ACCOUNT_REMOVED,
} Email2AccountChangeKind;

/**
 * Email2AccountChange:
 * @kind: what happened
 * @guid: the account's canonical GUID
 * @name: its SERVICENAME (as it was, for a removal)
 * @needs_password: the account is there and no AUTHSECRET was provisioned:
 *   the mail client will ask the user for it
 *
 * One account of a committed transaction.
 */
typedef struct {
  Email2AccountChangeKind kind;
  char *guid;
  char *name;
  gboolean needs_password;
} Email2AccountChange;

void email2_account_change_free (Email2AccountChange *change);

/**
 * Email2InboxUriFunc:
 * @account: a complete account
 * @user_data: the data given with the function
 *
 * Returns: (transfer full): the URI that opens @account's Inbox
 */
typedef char *(*Email2InboxUriFunc) (const Email2Account *account,
                                     gpointer             user_data);

/**
 * Email2CommittedFunc:
 * @changes: (element-type Email2AccountChange): the accounts a committed
 *   transaction added, changed or removed, in the order they were applied
 * @user_data: the data given with the function
 */
typedef void (*Email2CommittedFunc) (GPtrArray *changes,
                                     gpointer   user_data);

#define EMAIL2_TYPE_DESKTOP_HOST (email2_desktop_host_get_type ())
G_DECLARE_FINAL_TYPE (Email2DesktopHost, email2_desktop_host, EMAIL2, DESKTOP_HOST, GObject)

Email2DesktopHost *email2_desktop_host_new        (Email2Host          *inner,
                                                   const char          *applications_dir,
                                                   Email2InboxUriFunc   inbox_uri,
                                                   gpointer             user_data);
void               email2_desktop_host_set_committed_func (Email2DesktopHost   *self,
                                                           Email2CommittedFunc  func,
                                                           gpointer             user_data);
gboolean           email2_desktop_host_reconcile  (Email2DesktopHost   *self,
                                                   GError             **error);

G_END_DECLS
