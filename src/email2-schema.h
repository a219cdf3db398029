/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * Email2NodeId:
 *
 * Every node of the EMAIL2 tree, in the seed's order. The leaves and the
 * TAGPROPS interior node are the slots of an #Email2Account.
 */
typedef enum {
  EMAIL2_NODE_ROOT,
  EMAIL2_NODE_ACCOUNT,
  EMAIL2_NODE_ACCOUNTICON,
  EMAIL2_NODE_ACCOUNTTYPE,
  EMAIL2_NODE_AUTHNAME,
  EMAIL2_NODE_AUTHREQUIRED,
  EMAIL2_NODE_AUTHSECRET,
  EMAIL2_NODE_DOMAIN,
  EMAIL2_NODE_DWNDAY,
  EMAIL2_NODE_INSERVER,
  EMAIL2_NODE_LINGER,
  EMAIL2_NODE_KEEPMAX,
  EMAIL2_NODE_NAME,
  EMAIL2_NODE_OUTSERVER,
  EMAIL2_NODE_REPLYADDR,
  EMAIL2_NODE_SERVICENAME,
  EMAIL2_NODE_SERVICETYPE,
  EMAIL2_NODE_RETRIEVE,
  EMAIL2_NODE_SERVERDELETEACTION,
  EMAIL2_NODE_CELLULARONLY,
  EMAIL2_NODE_SYNCINGCONTENTTYPES,
  EMAIL2_NODE_CONTACTSSERVER,
  EMAIL2_NODE_CALENDARSERVER,
  EMAIL2_NODE_CONTACTSSERVERREQUIRESSL,
  EMAIL2_NODE_CALENDARSERVERREQUIRESSL,
  EMAIL2_NODE_CONTACTSSYNCSCHEDULE,
  EMAIL2_NODE_CALENDARSYNCSCHEDULE,
  EMAIL2_NODE_SMTPALTAUTHNAME,
  EMAIL2_NODE_SMTPALTDOMAIN,
  EMAIL2_NODE_SMTPALTENABLED,
  EMAIL2_NODE_SMTPALTPASSWORD,
  EMAIL2_NODE_TAGPROPS,
  EMAIL2_NODE_TAGPROPS_INSERVER_SSL,
  EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL,
  EMAIL2_N_NODES
} Email2NodeId;

/* The first slot of an account; slots run up to EMAIL2_N_NODES. */
#define EMAIL2_FIRST_SLOT EMAIL2_NODE_ACCOUNTICON

/**
 * Email2Op:
 *
 * The OMA DM operations, as a set.
 */
typedef enum {
  EMAIL2_OP_GET     = 1 << 0,
  EMAIL2_OP_ADD     = 1 << 1,
  EMAIL2_OP_REPLACE = 1 << 2,
  EMAIL2_OP_DELETE  = 1 << 3,
} Email2Op;

/**
 * Email2NodeFlags:
 * @EMAIL2_NODE_FLAG_REQUIRED: every account must have it when a transaction ends
 * @EMAIL2_NODE_FLAG_SECRET: lives only in the keyring; Get answers `********`
 * @EMAIL2_NODE_FLAG_INTERIOR: an interior node (Format `node`)
 * @EMAIL2_NODE_FLAG_NUMERIC: a number: Meta Format `int` is accepted besides `chr`
 * @EMAIL2_NODE_FLAG_CREATE_ONLY: set only while its account is being created
 *   (the seed: no Replace of SERVICENAME / SERVICETYPE); a Replace with the
 *   value it already has changes nothing and succeeds
 * @EMAIL2_NODE_FLAG_SMTPALT: one of the all-or-none alternate SMTP credentials
 *   (SMTPALTAUTHNAME, SMTPALTDOMAIN, SMTPALTPASSWORD)
 * @EMAIL2_NODE_FLAG_BOOLEAN: a flag: Meta Format `int` and `bool` are
 *   accepted besides `chr`
 */
typedef enum {
  EMAIL2_NODE_FLAG_NONE        = 0,
  EMAIL2_NODE_FLAG_REQUIRED    = 1 << 0,
  EMAIL2_NODE_FLAG_SECRET      = 1 << 1,
  EMAIL2_NODE_FLAG_INTERIOR    = 1 << 2,
  EMAIL2_NODE_FLAG_NUMERIC     = 1 << 3,
  EMAIL2_NODE_FLAG_CREATE_ONLY = 1 << 4,
  EMAIL2_NODE_FLAG_SMTPALT     = 1 << 5,
  EMAIL2_NODE_FLAG_BOOLEAN     = 1 << 6,
} Email2NodeFlags;

/**
 * Email2ValueKind:
 * @EMAIL2_VALUE_NONE: an interior node, no value
 * @EMAIL2_VALUE_TEXT: free text of bounded length, no control characters
 * @EMAIL2_VALUE_ENUM: one of a list (compared without case, stored as listed)
 * @EMAIL2_VALUE_HOST_PORT: `host[:port]`
 * @EMAIL2_VALUE_HOST_OR_URL: `host[:port]` or an `http(s)://` URL
 * @EMAIL2_VALUE_ADDRESS: an e-mail address
 * @EMAIL2_VALUE_UINT32: an unsigned 32-bit number, decimal or `0x` hexadecimal
 * @EMAIL2_VALUE_INT32: a signed 32-bit decimal number
 */
typedef enum {
  EMAIL2_VALUE_NONE,
  EMAIL2_VALUE_TEXT,
  EMAIL2_VALUE_ENUM,
  EMAIL2_VALUE_HOST_PORT,
  EMAIL2_VALUE_HOST_OR_URL,
  EMAIL2_VALUE_ADDRESS,
  EMAIL2_VALUE_UINT32,
  EMAIL2_VALUE_INT32,
} Email2ValueKind;

typedef struct _Email2NodeInfo Email2NodeInfo;

/**
 * Email2NodeInfo:
 * @id: the node
 * @name: its name in a URI (the last segment)
 * @path: its path below the account node (`TAGPROPS/8128000B`), or a
 *   placeholder for the root and account nodes
 * @parent: the parent node
 * @flags: #Email2NodeFlags
 * @ops: the #Email2Op set the seed allows
 * @kind: the value rule
 * @min_length: the fewest characters a value may have
 * @max_length: the most characters a value may have (0: the kind decides)
 * @values: for %EMAIL2_VALUE_ENUM, the accepted spellings, %NULL-terminated
 * @unsupported: values that are valid but that this host cannot honour (406)
 * @default_value: (nullable): the value an account takes when a transaction
 *   leaves it without this node (docs/DESIGN.md §2: ACCOUNTTYPE `Email`,
 *   SYNCINGCONTENTTYPES mail); Get answers it like any other value
 * @summary: the seed's description, shortened
 *
 * One row of the node schema.
 */
struct _Email2NodeInfo {
  Email2NodeId id;
  const char *name;
  const char *path;
  Email2NodeId parent;
  Email2NodeFlags flags;
  Email2Op ops;
  Email2ValueKind kind;
  guint min_length;
  guint max_length;
  const char * const *values;
  const char * const *unsupported;
  const char *default_value;
  const char *summary;
};

const Email2NodeInfo *email2_schema_get          (Email2NodeId id);
const Email2NodeInfo *email2_schema_lookup_child (Email2NodeId parent,
                                                  const char  *name);

gboolean              email2_node_check_value    (const Email2NodeInfo *node,
                                                  const char           *value,
                                                  char                **canonical,
                                                  GError              **error);
gboolean              email2_node_check_format   (const Email2NodeInfo *node,
                                                  const char           *format,
                                                  const char           *data,
                                                  GError              **error);
char                 *email2_node_formats        (const Email2NodeInfo *node);

const char           *email2_op_to_string        (Email2Op op);
char                 *email2_ops_to_string       (Email2Op ops);
char                 *email2_node_describe_rule  (const Email2NodeInfo *node);
char                 *email2_schema_to_markdown  (void);

gboolean              email2_parse_host_port     (const char *value,
                                                  char      **host,
                                                  guint16    *port);
gboolean              email2_parse_uint32        (const char *value,
                                                  guint32    *number);

G_END_DECLS
