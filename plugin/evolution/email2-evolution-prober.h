/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_EVOLUTION_PROBER (email2_evolution_prober_get_type ())

G_DECLARE_FINAL_TYPE (Email2EvolutionProber, email2_evolution_prober,
                      EMAIL2, EVOLUTION_PROBER, GObject)

Email2EvolutionProber *email2_evolution_prober_new           (ESourceRegistryServer *server);
void                   email2_evolution_prober_probe_pending (Email2EvolutionProber *self);
void                   email2_evolution_prober_stop          (Email2EvolutionProber *self);

G_END_DECLS
