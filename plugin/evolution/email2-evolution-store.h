/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2.h"
#include "email2-account-store-private.h"
#include "email2-main-caller-private.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_EVOLUTION_STORE (email2_evolution_store_get_type ())

G_DECLARE_FINAL_TYPE (Email2EvolutionStore, email2_evolution_store,
                      EMAIL2, EVOLUTION_STORE, GObject)

Email2EvolutionStore *email2_evolution_store_new (ESourceRegistryServer *server,
                                                  Email2MainCaller      *main_caller);
void                  email2_evolution_store_stop (Email2EvolutionStore  *self);

G_END_DECLS
