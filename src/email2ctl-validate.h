/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

/* email2ctl validate [--format F] [--state FILE] [--as-user NAME]
 * [--trust-dir DIR] [--policy FILE] [--json] FILE|-; returns the exit
 * status: 0 every command succeeded, 1 one failed, 2 unusable. */
int email2ctl_validate (int argc, char **argv);
