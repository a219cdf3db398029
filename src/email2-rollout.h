/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include "email2-host.h"
#include "email2-memory-host.h"
#include "email2-payload.h"
#include "email2-variables.h"

G_BEGIN_DECLS

Email2MemoryHost *email2_rollout_desired (Email2Payload     *payload,
                                          Email2Variables   *variables,
                                          GError           **error);
gboolean          email2_rollout_apply   (Email2Host        *host,
                                          Email2MemoryHost  *before,
                                          Email2MemoryHost  *after,
                                          const char * const *adopt,
                                          guint             *n_changed,
                                          GError           **error);

G_END_DECLS
