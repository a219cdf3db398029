/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib-object.h>

#include "email2-schema.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_ACCOUNT (email2_account_get_type ())

typedef struct _Email2Account Email2Account;

GType          email2_account_get_type     (void) G_GNUC_CONST;

Email2Account *email2_account_new          (const char          *guid);
Email2Account *email2_account_copy         (const Email2Account *account);
void           email2_account_free         (Email2Account       *account);

const char    *email2_account_get_guid     (const Email2Account *account);

gboolean       email2_account_has          (const Email2Account *account,
                                            Email2NodeId         node);
const char    *email2_account_get          (const Email2Account *account,
                                            Email2NodeId         node);
void           email2_account_set          (Email2Account       *account,
                                            Email2NodeId         node,
                                            const char          *value);
void           email2_account_set_kept     (Email2Account       *account,
                                            Email2NodeId         node);
void           email2_account_unset        (Email2Account       *account,
                                            Email2NodeId         node);
void           email2_account_forget_secrets (Email2Account     *account);

gboolean       email2_account_equal        (const Email2Account *a,
                                            const Email2Account *b);

Email2NodeId   email2_account_server_secret (const Email2Account *account,
                                             Email2NodeId         server);
gboolean       email2_account_password_carried (const Email2Account *account,
                                                Email2NodeId         server);
void           email2_account_set_password_carried (Email2Account *account,
                                                    Email2NodeId   server,
                                                    gboolean       carried);
void           email2_account_carry_passwords (const Email2Account *before,
                                               Email2Account       *after);
gboolean       email2_account_requires_tls (const Email2Account *account,
                                            Email2NodeId         server);
gboolean       email2_account_moves_server (const Email2Account *before,
                                            const Email2Account *after,
                                            Email2NodeId         server);

char         **email2_account_dup_carried  (const Email2Account *account);
gboolean       email2_account_set_carried  (Email2Account       *account,
                                            const char * const  *list,
                                            GError             **error);

char         **email2_account_to_strv      (const Email2Account *account);
void           email2_account_set_strv     (Email2Account       *account,
                                            const char * const  *list);
void           email2_account_set_legacy_group (Email2Account   *account,
                                                GKeyFile        *file,
                                                const char      *group);
char          *email2_account_upgrade_legacy_group (const char         *data,
                                                    const char         *group,
                                                    const char * const *keys);

void           email2_account_to_key_file  (const Email2Account *account,
                                            GKeyFile            *file,
                                            const char          *group);
Email2Account *email2_account_new_from_key_file (const char     *guid,
                                                 GKeyFile       *file,
                                                 const char     *group,
                                                 GError        **error);

void           email2_secret_free          (char                *secret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Account, email2_account_free)

G_END_DECLS
