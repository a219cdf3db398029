/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2.h"

G_BEGIN_DECLS

#define EMAIL2_TYPE_EVOLUTION_COLLECTION (email2_evolution_collection_get_type ())

G_DECLARE_FINAL_TYPE (Email2EvolutionCollection, email2_evolution_collection,
                      EMAIL2, EVOLUTION_COLLECTION, GObject)

Email2EvolutionCollection *email2_evolution_collection_new       (ESourceRegistryServer     *server);

char     *email2_evolution_collection_uid          (const char                *guid);
gboolean  email2_evolution_collection_wanted       (const Email2Account       *account);

gboolean  email2_evolution_collection_write        (Email2EvolutionCollection *self,
                                                    const char                *guid,
                                                    const Email2Account       *account,
                                                    const Email2DavPlan       *looked_up,
                                                    gboolean                  *changed,
                                                    GError                   **error);
void      email2_evolution_collection_authenticate (Email2EvolutionCollection *self,
                                                    const char                *guid);
void      email2_evolution_collection_stop         (Email2EvolutionCollection *self);

gboolean  email2_evolution_collection_child_service (ESource                  *source,
                                                     Email2DavService         *service);
void      email2_evolution_collection_read_live    (ESourceRegistryServer     *server,
                                                    Email2Account             *account);

/* email2-evolution-collection-https.c */
void      email2_evolution_collection_probe_https  (ESourceRegistryServer     *server,
                                                    const char                *uid,
                                                    Email2DavService           service,
                                                    const char                *https_url,
                                                    const char                *plain_url,
                                                    gboolean                   upgrade,
                                                    GCancellable              *cancellable);

G_END_DECLS
