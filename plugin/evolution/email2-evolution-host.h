/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2.h"
#include "email2-main-caller-private.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_EVOLUTION_HOST (email2_evolution_host_get_type ())

G_DECLARE_FINAL_TYPE (Email2EvolutionHost, email2_evolution_host,
                      EMAIL2, EVOLUTION_HOST, GObject)

Email2EvolutionHost *email2_evolution_host_new     (ESourceRegistryServer  *server,
                                                    Email2MainCaller       *main_caller);
gboolean             email2_evolution_host_recover (Email2EvolutionHost    *self,
                                                    GError                **error);

G_END_DECLS
