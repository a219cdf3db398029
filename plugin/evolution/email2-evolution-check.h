/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#include <libebackend/libebackend.h>

#include "email2-evolution-host.h"
#include "email2-main-caller-private.h"

G_BEGIN_DECLS

/**
 * Email2CheckFinding:
 * @kind: open-journal, pending-source, unreadable-source, orphan-item,
 *   missing-secret, keyring-locked or registry-stopping
 * @subject: the file, account GUID or source UID concerned (never a secret)
 * @detail: what is wrong
 * @action: what the repair did, or would do, or what to do by hand
 * @repaired: whether the repair fixed it
 *
 * One thing `email2ctl check` found.
 */
typedef struct {
  char *kind;
  char *subject;
  char *detail;
  char *action;
  gboolean repaired;
} Email2CheckFinding;

void      email2_check_finding_free (Email2CheckFinding    *finding);
GPtrArray *email2_evolution_check   (Email2EvolutionHost   *host,
                                     ESourceRegistryServer *server,
                                     Email2MainCaller      *main_caller,
                                     gboolean               repair);
void       email2_check_findings_add (GPtrArray             *findings,
                                      GVariantBuilder       *builder);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2CheckFinding, email2_check_finding_free)

G_END_DECLS
