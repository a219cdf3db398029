/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2-check-private.h"
#include "email2-main-caller-private.h"
#include "email2-transaction-private.h"

G_BEGIN_DECLS

GPtrArray *email2_evolution_check   (Email2Transaction     *transaction,
                                     ESourceRegistryServer *server,
                                     Email2MainCaller      *main_caller,
                                     gboolean               repair);

G_END_DECLS
