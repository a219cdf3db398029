/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Built twice: into the installed module without EMAIL2_ENABLE_TEST_HOOKS
 * (no hook, no environment read), and into the tests' module with it.
 */

#include "config.h"

#include "email2-test-hooks.h"

/**
 * email2_test_hook:
 * @hook: which
 *
 * Returns: (nullable): the hook's value in a test build; %NULL always in
 *   the installed module
 */
const char *
email2_test_hook (Email2TestHook hook)
{
#ifdef EMAIL2_ENABLE_TEST_HOOKS
  static const char * const variables[] = {
    [EMAIL2_TEST_HOOK_CRASH_AFTER_STEP] = "EMAIL2_TEST_CRASH_AFTER_STEP",
    [EMAIL2_TEST_HOOK_SYSTEM_INBOX] = "EMAIL2_SYSTEM_INBOX",
    [EMAIL2_TEST_HOOK_PROBE_CA_FILE] = "EMAIL2_PROBE_CA_FILE",
  };

  g_return_val_if_fail ((guint) hook < G_N_ELEMENTS (variables), NULL);
  return g_getenv (variables[hook]);
#else
  return NULL;
#endif
}
