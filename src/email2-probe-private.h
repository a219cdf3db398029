/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Knobs of Email2Probe for the tests and benchmarks only.
 */

#pragma once

#include "email2.h"

G_BEGIN_DECLS

/* Runs only the legs given (the benchmark's single-mode floor and its
 * sequential prober). */
void  email2_probe_set_legs                 (Email2Probe *self,
                                             gboolean     tls,
                                             gboolean     cleartext);

/* The most connections all probes of this process hold open to one host
 * at once; returns the previous value. */
guint email2_probe_set_max_connections_per_host (guint max);

/* How long a plain answer waits for a TLS leg that may still answer
 * (default EMAIL2_PROBE_PLAIN_WAIT_MS). */
void  email2_probe_set_plain_wait           (Email2Probe *self,
                                             guint        ms);

G_END_DECLS
