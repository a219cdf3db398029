/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

/* email2ctl probe HOST[:PORT] --protocol imap|pop3|smtp [--require-tls]
 * [--ca-file FILE] [--timeout SECONDS] [--json]; returns the exit status:
 * 0 a mode was found, 1 none, 2 usage. */
int email2ctl_probe (int argc, char **argv);
