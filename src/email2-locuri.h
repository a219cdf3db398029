/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-schema.h"

G_BEGIN_DECLS

/* The longest LocURI accepted; longer ones get 414. */
#define EMAIL2_LOCURI_MAX_LENGTH 1024

/* `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` and its NUL */
#define EMAIL2_GUID_SIZE 39

typedef struct _Email2Path Email2Path;

/**
 * Email2Path:
 * @node: the node the URI names
 * @guid: the account GUID in canonical form (upper case, in braces), or an
 *   empty string for the root
 *
 * A LocURI resolved against the EMAIL2 tree.
 */
struct _Email2Path {
  Email2NodeId node;
  char guid[EMAIL2_GUID_SIZE];
};

gboolean  email2_locuri_parse     (const char  *locuri,
                                   Email2Path  *path,
                                   GError     **error);
gboolean  email2_guid_canonicalize (const char  *text,
                                    char         guid[EMAIL2_GUID_SIZE]);
char     *email2_guid_to_uri_segment (const char *guid);
char     *email2_locuri_for_account  (const char *guid);
char     *email2_guid_describe_problem (const char *text);

G_END_DECLS
