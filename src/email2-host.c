/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "email2-host.h"

G_DEFINE_INTERFACE (Email2Host, email2_host, G_TYPE_OBJECT)

static void
email2_host_default_init (Email2HostInterface *iface)
{
}

/**
 * email2_host_list_accounts:
 * @host: a host
 *
 * Returns: (transfer full): the canonical GUIDs of all accounts, sorted
 *   (whatever order the host gives them in)
 */
static int
compare_guids (const void *a,
               const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
email2_host_list_accounts (Email2Host *host)
{
  char **guids;

  g_return_val_if_fail (EMAIL2_IS_HOST (host), NULL);

  /* Sorted here, once for every host: Get of the root lists them so. */
  guids = EMAIL2_HOST_GET_IFACE (host)->list_accounts (host);
  qsort (guids, g_strv_length (guids), sizeof (char *), compare_guids);

  return guids;
}

/**
 * email2_host_lookup_account:
 * @host: a host
 * @guid: a canonical GUID
 *
 * Returns: (transfer full) (nullable): the account, its secrets kept
 */
Email2Account *
email2_host_lookup_account (Email2Host *host,
                            const char *guid)
{
  g_return_val_if_fail (EMAIL2_IS_HOST (host), NULL);
  g_return_val_if_fail (guid != NULL, NULL);

  return EMAIL2_HOST_GET_IFACE (host)->lookup_account (host, guid);
}

/**
 * email2_host_begin:
 * @host: a host
 * @error: return location for a #GError
 *
 * Returns: %TRUE when a transaction started
 */
gboolean
email2_host_begin (Email2Host  *host,
                   GError     **error)
{
  g_return_val_if_fail (EMAIL2_IS_HOST (host), FALSE);

  return EMAIL2_HOST_GET_IFACE (host)->begin (host, error);
}

/**
 * email2_host_apply:
 * @host: a host
 * @before: (nullable): the account before the change, %NULL to create
 * @after: (nullable): the account after the change, %NULL to delete
 * @error: return location for a #GError
 *
 * The host is handed @after with its carried passwords decided
 * (email2_account_carry_passwords()), whoever built it: a password kept
 * while its server moved is marked, and the host persists the mark with
 * the account, inside the transaction.
 *
 * Returns: %TRUE when the change was made (still inside the transaction)
 */
gboolean
email2_host_apply (Email2Host           *host,
                   const Email2Account  *before,
                   const Email2Account  *after,
                   GError              **error)
{
  g_autoptr(Email2Account) decided = NULL;

  g_return_val_if_fail (EMAIL2_IS_HOST (host), FALSE);
  g_return_val_if_fail (before != NULL || after != NULL, FALSE);

  if (after != NULL)
    {
      decided = email2_account_copy (after);
      email2_account_carry_passwords (before, decided);
    }
  return EMAIL2_HOST_GET_IFACE (host)->apply (host, before, decided, error);
}

/**
 * email2_host_commit:
 * @host: a host
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every change of the transaction is permanent
 */
gboolean
email2_host_commit (Email2Host  *host,
                    GError     **error)
{
  g_return_val_if_fail (EMAIL2_IS_HOST (host), FALSE);

  return EMAIL2_HOST_GET_IFACE (host)->commit (host, error);
}

/**
 * email2_host_rollback:
 * @host: a host
 * @error: return location for a #GError
 *
 * Returns: %TRUE when every change of the transaction was undone
 */
gboolean
email2_host_rollback (Email2Host  *host,
                      GError     **error)
{
  g_return_val_if_fail (EMAIL2_IS_HOST (host), FALSE);

  return EMAIL2_HOST_GET_IFACE (host)->rollback (host, error);
}
