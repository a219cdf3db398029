/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

/* email2ctl check [--repair] [--json]; returns the exit status: 0 nothing
 * is wrong (or all of it was repaired), 1 something is left, 2 usage or
 * the registry cannot be reached. */
int email2ctl_check (int argc, char **argv);
