/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The few things the tests change in the registry module, through its
 * environment. Only the module built for the tests
 * (plugin/evolution/test-hooks/, -DEMAIL2_ENABLE_TEST_HOOKS) reads them;
 * the installed module never does: there every hook is %NULL.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  /* EMAIL2_TEST_CRASH_AFTER_STEP=N: SIGKILL after the Nth durable step of
   * a transaction (tests/test-evolution.c, the crash tests). */
  EMAIL2_TEST_HOOK_CRASH_AFTER_STEP,
  /* EMAIL2_SYSTEM_INBOX: the system inbox, never the real /etc in tests. */
  EMAIL2_TEST_HOOK_SYSTEM_INBOX,
  /* EMAIL2_PROBE_CA_FILE: the test CA the prober trusts besides the
   * system's store. */
  EMAIL2_TEST_HOOK_PROBE_CA_FILE,
} Email2TestHook;

const char *email2_test_hook (Email2TestHook hook);

G_END_DECLS
