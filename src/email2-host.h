/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib-object.h>

#include "email2-account.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_HOST (email2_host_get_type ())

G_DECLARE_INTERFACE (Email2Host, email2_host, EMAIL2, HOST, GObject)

/**
 * Email2HostInterface:
 * @list_accounts: the canonical GUIDs of every account, in any order
 * @lookup_account: one account as it is now, secrets kept (not read), or
 *   %NULL when there is none
 * @begin: starts a transaction
 * @apply: makes one account change inside the transaction: @before %NULL
 *   creates, @after %NULL deletes, both set edits. Secret slots of @after
 *   that hold a value are new secrets; kept ones are unchanged.
 * @commit: makes every change of the transaction permanent
 * @rollback: undoes every change of the transaction exactly
 *
 * A place where accounts live: the memory host for tests and validation,
 * the Evolution host in the registry module. The calls are synchronous, so
 * that the engine can run in a worker thread of a host that must not block
 * its main loop; the engine never calls them from two threads at once.
 */
struct _Email2HostInterface {
  GTypeInterface g_iface;

  char          **(*list_accounts)  (Email2Host           *host);
  Email2Account  *(*lookup_account) (Email2Host           *host,
                                     const char           *guid);
  gboolean        (*begin)          (Email2Host           *host,
                                     GError              **error);
  gboolean        (*apply)          (Email2Host           *host,
                                     const Email2Account  *before,
                                     const Email2Account  *after,
                                     GError              **error);
  gboolean        (*commit)         (Email2Host           *host,
                                     GError              **error);
  gboolean        (*rollback)       (Email2Host           *host,
                                     GError              **error);
};

char          **email2_host_list_accounts  (Email2Host           *host);
Email2Account  *email2_host_lookup_account (Email2Host           *host,
                                            const char           *guid);
gboolean        email2_host_begin          (Email2Host           *host,
                                            GError              **error);
gboolean        email2_host_apply          (Email2Host           *host,
                                            const Email2Account  *before,
                                            const Email2Account  *after,
                                            GError              **error);
gboolean        email2_host_commit         (Email2Host           *host,
                                            GError              **error);
gboolean        email2_host_rollback       (Email2Host           *host,
                                            GError              **error);

G_END_DECLS
