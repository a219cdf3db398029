/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libedataserver/libedataserver.h>

#include "email2.h"

G_BEGIN_DECLS

void email2_evolution_mapping_configure (ESource             *account_source,
                                         ESource             *identity,
                                         ESource             *transport,
                                         const Email2Account *account);
void email2_evolution_mapping_read_live (ESource             *account_source,
                                         ESource             *identity,
                                         Email2Account       *account);

G_END_DECLS
