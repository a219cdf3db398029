/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The EMAIL2 node schema: one table, taken from the seed
 * (shared/seed/email2-csp.txt) and the decisions of docs/DESIGN.md §2. It
 * drives validation, access checks, Get and `email2ctl schema`.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-schema.h"

#define GARD (EMAIL2_OP_GET | EMAIL2_OP_ADD | EMAIL2_OP_REPLACE | EMAIL2_OP_DELETE)

#define REQUIRED EMAIL2_NODE_FLAG_REQUIRED
#define SECRET EMAIL2_NODE_FLAG_SECRET
#define NUMERIC EMAIL2_NODE_FLAG_NUMERIC
#define SMTPALT EMAIL2_NODE_FLAG_SMTPALT

static const char * const boolean_values[] = { "0", "1", NULL };
static const char * const account_types[] = { "Email", "VVM", NULL };
static const char * const account_types_unsupported[] = { "VVM", NULL };
static const char * const dwnday_values[] = { "-1", "7", "14", "30", "90", NULL };
static const char * const linger_values[] = { "0", "15", "30", "60", "120", NULL };
/* -1 (ActiveSync: as items arrive), 0 (manual), Windows'
 * DeviceAccountSyncScheduleKind 1-6, and minutes (src/email2-dav-plan.c). */
static const char * const sync_schedule_values[] = {
  "-1", "0", "1", "2", "3", "4", "5", "6", "15", "30", "60", "120", "240", "1440", NULL
};
static const char * const keepmax_values[] = { "0", "25", "50", "125", "250", "-1", NULL };
static const char * const service_types[] = { "IMAP4", "POP3", NULL };
static const char * const retrieve_values[] = { "512", "1024", "2048", "5120", "20480", "51200", NULL };
static const char * const smtpalt_enabled_values[] = { "TRUE", "FALSE", "1", "0", NULL };

#define BOOLEAN (EMAIL2_NODE_FLAG_NUMERIC | EMAIL2_NODE_FLAG_BOOLEAN)

#define NODE(ID, NAME, PATH, PARENT, FLAGS, OPS, KIND, MIN, MAX, VALUES, UNSUPPORTED, DEFAULT, SUMMARY) \
  [EMAIL2_NODE_##ID] = { .id = EMAIL2_NODE_##ID, .name = NAME, .path = PATH, .parent = EMAIL2_NODE_##PARENT, \
                         .flags = FLAGS, .ops = OPS, .kind = EMAIL2_VALUE_##KIND, .min_length = MIN, \
                         .max_length = MAX, .values = VALUES, .unsupported = UNSUPPORTED, \
                         .default_value = DEFAULT, .summary = SUMMARY }

#define LEAF(ID, NAME, FLAGS, OPS, KIND, MIN, MAX, VALUES, SUMMARY) \
  NODE (ID, NAME, NAME, ACCOUNT, FLAGS, OPS, KIND, MIN, MAX, VALUES, NULL, NULL, SUMMARY)

static const Email2NodeInfo schema[EMAIL2_N_NODES] = {
  NODE (ROOT, "EMAIL2", ".", ROOT, EMAIL2_NODE_FLAG_INTERIOR, EMAIL2_OP_GET, NONE, 0, 0, NULL, NULL, NULL,
        N_("The configuration service provider root node. Get lists the provisioned accounts.")),
  NODE (ACCOUNT, "{GUID}", "{GUID}", ROOT, EMAIL2_NODE_FLAG_INTERIOR, GARD, NONE, 0, 0, NULL, NULL, NULL,
        N_("One e-mail account, named by a GUID in braces. Add of an existing GUID fails (418); "
           "Replace adds it when missing and leaves it as it is when present.")),
  LEAF (ACCOUNTICON, "ACCOUNTICON", 0, GARD, TEXT, 1, 1024, NULL,
        N_("Location of the icon associated with the account (its tile).")),
  NODE (ACCOUNTTYPE, "ACCOUNTTYPE", "ACCOUNTTYPE", ACCOUNT, 0, GARD, ENUM, 0, 0,
        account_types, account_types_unsupported, "Email",
        N_("Type of account: Email (normal e-mail) or VVM (visual voice mail).")),
  LEAF (AUTHNAME, "AUTHNAME", REQUIRED, GARD, TEXT, 1, 255, NULL,
        N_("Name used to authorize the user to the account (logon name).")),
  LEAF (AUTHREQUIRED, "AUTHREQUIRED", BOOLEAN, GARD, ENUM, 0, 0, boolean_values,
        N_("Whether the outgoing server requires authentication (absent: no SMTP authentication).")),
  LEAF (AUTHSECRET, "AUTHSECRET", SECRET, GARD, TEXT, 1, 255, NULL,
        N_("The user's password, also used for SMTP authentication.")),
  LEAF (DOMAIN, "DOMAIN", 0, GARD, TEXT, 0, 255, NULL,
        N_("Incoming server credentials domain.")),
  LEAF (DWNDAY, "DWNDAY", NUMERIC, GARD, ENUM, 0, 0, dwnday_values,
        N_("How many days of e-mail to download (-1: all e-mail on the server).")),
  LEAF (INSERVER, "INSERVER", REQUIRED,
        EMAIL2_OP_GET | EMAIL2_OP_ADD | EMAIL2_OP_REPLACE, HOST_PORT, 1, 62, NULL,
        N_("Incoming server name and port (server name:port number).")),
  LEAF (LINGER, "LINGER", NUMERIC, GARD, ENUM, 0, 0, linger_values,
        N_("Minutes between send/receive updates (0: manual; default 15).")),
  LEAF (KEEPMAX, "KEEPMAX", NUMERIC, GARD, ENUM, 0, 0, keepmax_values,
        N_("Largest attachment downloaded, in KB (0 or -1: no limit). IMAP4 accounts only.")),
  LEAF (NAME, "NAME", 0, GARD, TEXT, 0, 255, NULL,
        N_("Name of the sender displayed on sent e-mail.")),
  LEAF (OUTSERVER, "OUTSERVER", REQUIRED, GARD, HOST_PORT, 1, 62, NULL,
        N_("Outgoing server name and port (server name:port number).")),
  LEAF (REPLYADDR, "REPLYADDR", REQUIRED, GARD, ADDRESS, 3, 255, NULL,
        N_("Reply e-mail address of the user.")),
  LEAF (SERVICENAME, "SERVICENAME", REQUIRED | EMAIL2_NODE_FLAG_CREATE_ONLY, GARD, TEXT, 1, 32, NULL,
        N_("Name of the e-mail service; not replaced on an existing account.")),
  LEAF (SERVICETYPE, "SERVICETYPE", REQUIRED | EMAIL2_NODE_FLAG_CREATE_ONLY, GARD, ENUM, 0, 0, service_types,
        N_("Type of e-mail service, IMAP4 or POP3; not replaced on an existing account.")),
  LEAF (RETRIEVE, "RETRIEVE", NUMERIC, GARD, ENUM, 0, 0, retrieve_values,
        N_("Largest message retrieved in full, in bytes; larger ones are truncated.")),
  LEAF (SERVERDELETEACTION, "SERVERDELETEACTION", NUMERIC, GARD, INT32, 1, 11, NULL,
        N_("1: delete messages on the server; 2: keep them (move to Trash); other: the transport's default.")),
  LEAF (CELLULARONLY, "CELLULARONLY", BOOLEAN, GARD, ENUM, 0, 0, boolean_values,
        N_("When 1, the account uses only the cellular network.")),
  NODE (SYNCINGCONTENTTYPES, "SYNCINGCONTENTTYPES", "SYNCINGCONTENTTYPES", ACCOUNT, NUMERIC, GARD, UINT32, 1, 10,
        NULL, NULL, "0x2",
        N_("Bitmask of content types synchronized: 0x1 contacts (CardDAV), 0x2 mail, 0x4 appointments, 0x8 tasks, 0x10 notes (CalDAV); other bits are ignored.")),
  LEAF (CONTACTSSERVER, "CONTACTSSERVER", 0, GARD, HOST_OR_URL, 1, 255, NULL,
        N_("CardDAV server of the address books (host[:port] or URL); absent: the server that the SRV records of the domain of REPLYADDR name, else that domain.")),
  LEAF (CALENDARSERVER, "CALENDARSERVER", 0, GARD, HOST_OR_URL, 1, 255, NULL,
        N_("CalDAV server of the calendars, task and memo lists (host[:port] or URL); absent: the server that the SRV records of the domain of REPLYADDR name, else that domain.")),
  LEAF (CONTACTSSERVERREQUIRESSL, "CONTACTSSERVERREQUIRESSL", BOOLEAN, GARD, ENUM, 0, 0, boolean_values,
        N_("1: the contacts server over HTTPS only, its certificate validated; 0: HTTPS first, plain HTTP only when HTTPS cannot be reached.")),
  LEAF (CALENDARSERVERREQUIRESSL, "CALENDARSERVERREQUIRESSL", BOOLEAN, GARD, ENUM, 0, 0, boolean_values,
        N_("1: the calendar server over HTTPS only, its certificate validated; 0: HTTPS first, plain HTTP only when HTTPS cannot be reached.")),
  LEAF (CONTACTSSYNCSCHEDULE, "CONTACTSSYNCSCHEDULE", NUMERIC, GARD, ENUM, 0, 0, sync_schedule_values,
        N_("Contact synchronization: -1 as items arrive, 0 manual, 1-6 Windows' schedule kinds (15, 30, 60, 120 minutes, daily, as items arrive), or minutes.")),
  LEAF (CALENDARSYNCSCHEDULE, "CALENDARSYNCSCHEDULE", NUMERIC, GARD, ENUM, 0, 0, sync_schedule_values,
        N_("Calendar synchronization: -1 as items arrive, 0 manual, 1-6 Windows' schedule kinds (15, 30, 60, 120 minutes, daily, as items arrive), or minutes.")),
  LEAF (SMTPALTAUTHNAME, "SMTPALTAUTHNAME", SMTPALT, GARD, TEXT, 1, 255, NULL,
        N_("User name of the alternative SMTP account.")),
  LEAF (SMTPALTDOMAIN, "SMTPALTDOMAIN", SMTPALT, GARD, TEXT, 0, 255, NULL,
        N_("Domain of the alternative SMTP account.")),
  LEAF (SMTPALTENABLED, "SMTPALTENABLED", BOOLEAN, GARD, ENUM, 0, 0, smtpalt_enabled_values,
        N_("Whether the alternative SMTP account is enabled (TRUE/FALSE); TRUE needs its three credentials.")),
  LEAF (SMTPALTPASSWORD, "SMTPALTPASSWORD", SECRET | SMTPALT, GARD, TEXT, 1, 255, NULL,
        N_("Password of the alternative SMTP account.")),
  NODE (TAGPROPS, "TAGPROPS", "TAGPROPS", ACCOUNT, EMAIL2_NODE_FLAG_INTERIOR, GARD, NONE, 0, 0,
        NULL, NULL, NULL,
        N_("Group of properties with non-standard (MAPI property tag) names.")),
  NODE (TAGPROPS_INSERVER_SSL, "8128000B", "TAGPROPS/8128000B", TAGPROPS, BOOLEAN, GARD, ENUM, 0, 0,
        boolean_values, NULL, NULL,
        N_("Whether the incoming server requires SSL.")),
  NODE (TAGPROPS_OUTSERVER_SSL, "812C000B", "TAGPROPS/812C000B", TAGPROPS, BOOLEAN,
        EMAIL2_OP_GET | EMAIL2_OP_REPLACE, ENUM, 0, 0, boolean_values, NULL, NULL,
        N_("Whether the outgoing server requires SSL.")),
};

/**
 * email2_schema_get:
 * @id: a node
 *
 * Returns: (transfer none): the schema row of @id
 */
const Email2NodeInfo *
email2_schema_get (Email2NodeId id)
{
  g_return_val_if_fail (id < EMAIL2_N_NODES, NULL);

  return &schema[id];
}

/**
 * email2_schema_lookup_child:
 * @parent: %EMAIL2_NODE_ACCOUNT or %EMAIL2_NODE_TAGPROPS
 * @name: a node name, compared exactly
 *
 * Returns: (transfer none) (nullable): the child of @parent called @name
 */
const Email2NodeInfo *
email2_schema_lookup_child (Email2NodeId  parent,
                            const char   *name)
{
  /* the first letters first: a payload of many parms looks up often */
  for (guint i = EMAIL2_FIRST_SLOT; i < EMAIL2_N_NODES; i++)
    if (schema[i].parent == parent && schema[i].name[0] == name[0] &&
        strcmp (schema[i].name, name) == 0)
      return &schema[i];

  return NULL;
}

static gboolean
is_hostname (const char *host,
             gsize       length)
{
  gsize label = 0;

  if (length == 0 || length > 253)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = host[i];

      if (c == '.')
        {
          if (label == 0 || host[i - 1] == '-')
            return FALSE;
          label = 0;
        }
      else if (g_ascii_isalnum (c) || c == '_' || (c == '-' && label > 0))
        {
          if (++label > 63)
            return FALSE;
        }
      else
        return FALSE;
    }

  return host[length - 1] != '-';
}

/**
 * email2_parse_host_port:
 * @value: `host`, `host:port`, `[v6-address]` or `[v6-address]:port`
 * @host: (out) (optional): the host, without brackets
 * @port: (out) (optional): the port, or 0 when @value has none
 *
 * Splits a server value of the INSERVER / OUTSERVER form. Host names are
 * ASCII (an internationalised name is given in its ACE form).
 *
 * Returns: %TRUE when @value is well formed
 */
gboolean
email2_parse_host_port (const char  *value,
                        char       **host,
                        guint16     *port)
{
  const char *host_start = value;
  const char *host_end;
  const char *port_str = NULL;
  guint64 port_value = 0;

  if (value[0] == '[')
    {
      g_autofree char *address = NULL;

      host_start = value + 1;
      host_end = strchr (host_start, ']');
      if (host_end == NULL)
        return FALSE;
      address = g_strndup (host_start, host_end - host_start);
      if (!g_hostname_is_ip_address (address) || strchr (address, ':') == NULL)
        return FALSE;
      if (host_end[1] == ':')
        port_str = host_end + 2;
      else if (host_end[1] != '\0')
        return FALSE;
    }
  else
    {
      host_end = strchr (value, ':');
      if (host_end != NULL)
        port_str = host_end + 1;
      else
        host_end = value + strlen (value);
      if (!is_hostname (value, host_end - value))
        return FALSE;
    }

  if (port_str != NULL)
    {
      gsize digits = strspn (port_str, "0123456789");

      if (digits == 0 || digits > 5 || port_str[digits] != '\0')
        return FALSE;
      port_value = g_ascii_strtoull (port_str, NULL, 10);
      if (port_value == 0 || port_value > 65535)
        return FALSE;
    }

  if (host != NULL)
    *host = g_strndup (host_start, host_end - host_start);
  if (port != NULL)
    *port = (guint16) port_value;

  return TRUE;
}

static gboolean
is_server_url (const char *value)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (value, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  /* Credentials never travel in a URL: they would end up in settings files. */
  return (g_ascii_strcasecmp (scheme, "http") == 0 ||
          g_ascii_strcasecmp (scheme, "https") == 0) &&
         g_uri_get_userinfo (uri) == NULL &&
         g_uri_get_host (uri) != NULL &&
         g_uri_get_host (uri)[0] != '\0';
}

static gboolean
is_address (const char *value)
{
  const char *at = strrchr (value, '@');

  if (at == NULL || at == value)
    return FALSE;

  for (const char *p = value; p < at; p++)
    if (*p == ' ' || *p == '<' || *p == '>' || *p == ',' || *p == ';')
      return FALSE;

  return is_hostname (at + 1, strlen (at + 1));
}

/**
 * email2_parse_uint32:
 * @value: decimal, or hexadecimal after `0x`
 * @number: (out) (optional): its value
 *
 * Reads a node's unsigned 32-bit number (SYNCINGCONTENTTYPES is written
 * both ways by real senders): digits only, no sign, no space.
 *
 * Returns: %FALSE when @value is not an unsigned 32-bit number
 */
gboolean
email2_parse_uint32 (const char *value,
                     guint32    *number)
{
  guint64 parsed;
  char *end = NULL;
  int base = 10;
  const char *digits = value;

  if (value == NULL)
    return FALSE;
  if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
    {
      base = 16;
      digits = value + 2;
      if (!g_ascii_isxdigit (digits[0]))
        return FALSE;
    }
  else if (!g_ascii_isdigit (value[0]))
    return FALSE;

  errno = 0;
  parsed = g_ascii_strtoull (digits, &end, base);
  if (errno != 0 || *end != '\0' || parsed > G_MAXUINT32)
    return FALSE;
  if (number != NULL)
    *number = (guint32) parsed;
  return TRUE;
}

static gboolean
parse_int32 (const char *value)
{
  gint64 number;
  char *end = NULL;
  const char *digits = value[0] == '-' ? value + 1 : value;

  if (!g_ascii_isdigit (digits[0]))
    return FALSE;

  errno = 0;
  number = g_ascii_strtoll (value, &end, 10);

  return errno == 0 && *end == '\0' && number >= G_MININT32 && number <= G_MAXINT32;
}

static gboolean
has_control_characters (const char *value)
{
  for (const guchar *p = (const guchar *) value; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      return TRUE;

  return FALSE;
}

/**
 * email2_node_check_value:
 * @node: a leaf of the schema
 * @value: the value a payload gives it
 * @canonical: (out) (optional): the value as it is stored
 * @error: return location for a #GError
 *
 * Checks @value against the value rule of @node: enumeration, number range,
 * length in characters, syntax. Enumerations compare without case and are
 * stored in the schema's spelling; everything else is stored as given.
 *
 * Returns: %TRUE when @value is acceptable; otherwise @error says why, with
 *   %EMAIL2_ERROR_INVALID_VALUE (400) or %EMAIL2_ERROR_NOT_SUPPORTED (406)
 */
gboolean
email2_node_check_value (const Email2NodeInfo  *node,
                         const char            *value,
                         char                 **canonical,
                         GError               **error)
{
  const char *stored = value;
  glong length;
  gboolean ok = TRUE;

  g_return_val_if_fail (node != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!g_utf8_validate (value, -1, NULL) || has_control_characters (value))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                   _("%s must not contain control characters"), node->path);
      return FALSE;
    }

  length = g_utf8_strlen (value, -1);
  if ((node->min_length > 0 && length < (glong) node->min_length) ||
      (node->max_length > 0 && length > (glong) node->max_length))
    {
      if (node->min_length > 0 && length == 0)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                     _("%s must not be empty"), node->path);
      else
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                     _("%s must have %u to %u characters, not %ld"),
                     node->path, node->min_length, node->max_length, length);
      return FALSE;
    }

  switch (node->kind)
    {
    case EMAIL2_VALUE_NONE:
      ok = value[0] == '\0';
      break;
    case EMAIL2_VALUE_TEXT:
      break;
    case EMAIL2_VALUE_ENUM:
      ok = FALSE;
      for (guint i = 0; node->values[i] != NULL && !ok; i++)
        if (g_ascii_strcasecmp (value, node->values[i]) == 0)
          {
            stored = node->values[i];
            ok = TRUE;
          }
      break;
    case EMAIL2_VALUE_HOST_PORT:
      ok = email2_parse_host_port (value, NULL, NULL);
      break;
    case EMAIL2_VALUE_HOST_OR_URL:
      ok = email2_parse_host_port (value, NULL, NULL) || is_server_url (value);
      break;
    case EMAIL2_VALUE_ADDRESS:
      ok = is_address (value);
      break;
    case EMAIL2_VALUE_UINT32:
      ok = email2_parse_uint32 (value, NULL);
      break;
    case EMAIL2_VALUE_INT32:
      ok = parse_int32 (value);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    {
      g_autofree char *rule = email2_node_describe_rule (node);

      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                   _("%s does not accept this value; expected %s"), node->path, rule);
      return FALSE;
    }

  if (node->unsupported != NULL && g_strv_contains (node->unsupported, stored))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_SUPPORTED,
                   _("%s %s is not supported on this desktop"), node->path, stored);
      return FALSE;
    }

  if (canonical != NULL)
    *canonical = g_strdup (stored);

  return TRUE;
}

/* The Meta Formats a leaf takes, and what the leaf must be for each. */
static const struct {
  const char *format;
  Email2NodeFlags needs;
} leaf_formats[] = {
  { "chr", 0 },
  { "int", EMAIL2_NODE_FLAG_NUMERIC },
  { "bool", EMAIL2_NODE_FLAG_BOOLEAN },
};

/**
 * email2_node_formats:
 * @node: a schema row
 *
 * Returns: (transfer full): the Meta Formats @node takes, as "chr, int"
 */
char *
email2_node_formats (const Email2NodeInfo *node)
{
  GString *out;

  if (node->flags & EMAIL2_NODE_FLAG_INTERIOR)
    return g_strdup ("node");

  out = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (leaf_formats); i++)
    if ((node->flags & leaf_formats[i].needs) == leaf_formats[i].needs)
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", leaf_formats[i].format);

  return g_string_free (out, FALSE);
}

/**
 * email2_node_check_format:
 * @node: a schema row
 * @format: (nullable): the Meta Format of an Add or Replace, %NULL when absent
 * @data: (nullable): its Data
 * @error: return location for a #GError
 *
 * Checks the Meta Format of an Add or Replace (docs/DESIGN.md §2). A
 * missing Format means `chr`, as in OMA DM. Leaves take `chr`; leaves
 * holding numbers take `int` too, and flags `bool`; the value itself is
 * checked by email2_node_check_value(), whatever the tag. An interior
 * node takes `node`, or no Format, with empty Data or the Data `node`
 * (what shipping servers send).
 *
 * Returns: %TRUE when the Format fits; otherwise @error is
 *   %EMAIL2_ERROR_BAD_FORMAT (415), or %EMAIL2_ERROR_INVALID_VALUE (400)
 *   for Data on an interior node sent as `node`
 */
gboolean
email2_node_check_format (const Email2NodeInfo  *node,
                          const char            *format,
                          const char            *data,
                          GError               **error)
{
  g_autofree char *formats = NULL;

  if (node->flags & EMAIL2_NODE_FLAG_INTERIOR)
    {
      gboolean empty = data == NULL || data[0] == '\0' || strcmp (data, "node") == 0;

      if (g_strcmp0 (format, "node") == 0 && !empty)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_VALUE,
                       _("%s is an interior node and takes no Data"),
                       node->id == EMAIL2_NODE_ACCOUNT ? _("The account node") : node->path);
          return FALSE;
        }
      if (g_strcmp0 (format, "node") == 0 || (format == NULL && empty))
        return TRUE;
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (leaf_formats); i++)
        if (strcmp (format != NULL ? format : "chr", leaf_formats[i].format) == 0 &&
            (node->flags & leaf_formats[i].needs) == leaf_formats[i].needs)
          return TRUE;
    }

  formats = email2_node_formats (node);
  if (format == NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_BAD_FORMAT,
                 _("%s has Data but no Meta Format, which means “chr”; it takes %s"),
                 node->id == EMAIL2_NODE_ACCOUNT ? _("The account node") : node->path, formats);
  else
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_BAD_FORMAT,
                 _("%s does not take Meta Format “%s”; it takes %s"),
                 node->id == EMAIL2_NODE_ACCOUNT ? _("The account node") : node->path,
                 format, formats);
  return FALSE;
}

/**
 * email2_op_to_string:
 * @op: one operation
 *
 * Returns: the OMA DM command name of @op
 */
const char *
email2_op_to_string (Email2Op op)
{
  switch (op)
    {
    case EMAIL2_OP_GET: return "Get";
    case EMAIL2_OP_ADD: return "Add";
    case EMAIL2_OP_REPLACE: return "Replace";
    case EMAIL2_OP_DELETE: return "Delete";
    default: g_return_val_if_reached (NULL);
    }
}

/**
 * email2_ops_to_string:
 * @ops: a set of operations
 *
 * Returns: (transfer full): the set, as "Get, Add, Replace, Delete"
 */
char *
email2_ops_to_string (Email2Op ops)
{
  GString *s = g_string_new (NULL);

  for (Email2Op op = EMAIL2_OP_GET; op <= EMAIL2_OP_DELETE; op <<= 1)
    if (ops & op)
      g_string_append_printf (s, "%s%s", s->len ? ", " : "", email2_op_to_string (op));

  return g_string_free (s, FALSE);
}

/**
 * email2_node_describe_rule:
 * @node: a schema row
 *
 * Returns: (transfer full): the value rule of @node in words
 */
char *
email2_node_describe_rule (const Email2NodeInfo *node)
{
  g_autofree char *list = NULL;

  switch (node->kind)
    {
    case EMAIL2_VALUE_NONE:
      return g_strdup (_("interior node"));
    case EMAIL2_VALUE_TEXT:
      return g_strdup_printf (_("text, %u to %u characters"), node->min_length, node->max_length);
    case EMAIL2_VALUE_ENUM:
      list = g_strjoinv (", ", (char **) node->values);
      if (node->unsupported != NULL)
        {
          g_autofree char *unsupported = g_strjoinv (", ", (char **) node->unsupported);
          return g_strdup_printf (_("one of %s (%s: 406)"), list, unsupported);
        }
      return g_strdup_printf (_("one of %s"), list);
    case EMAIL2_VALUE_HOST_PORT:
      return g_strdup_printf (_("host[:port], at most %u characters"), node->max_length);
    case EMAIL2_VALUE_HOST_OR_URL:
      return g_strdup_printf (_("host[:port] or http(s) URL, at most %u characters"), node->max_length);
    case EMAIL2_VALUE_ADDRESS:
      return g_strdup_printf (_("e-mail address, at most %u characters"), node->max_length);
    case EMAIL2_VALUE_UINT32:
      return g_strdup (_("unsigned 32-bit number, decimal or 0x hexadecimal"));
    case EMAIL2_VALUE_INT32:
      return g_strdup (_("signed 32-bit decimal number"));
    default:
      g_return_val_if_reached (NULL);
    }
}

/**
 * email2_schema_to_markdown:
 *
 * The node table as documentation: docs/nodes.md is this text, and a test
 * keeps the two equal.
 *
 * Returns: (transfer full): a Markdown table of every node
 */
char *
email2_schema_to_markdown (void)
{
  GString *out = g_string_new (NULL);

  g_string_append (out, "| Node | Operations | Formats | Required | Value | Description |\n"
                        "| --- | --- | --- | --- | --- | --- |\n");

  for (Email2NodeId id = EMAIL2_NODE_ROOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = &schema[id];
      g_autofree char *ops = email2_ops_to_string (node->ops);
      g_autofree char *formats = email2_node_formats (node);
      g_autofree char *rule = email2_node_describe_rule (node);
      g_autofree char *required = NULL;
      const char *prefix = id == EMAIL2_NODE_ROOT ? "" : id == EMAIL2_NODE_ACCOUNT ? "EMAIL2/" : "EMAIL2/{GUID}/";

      if (node->default_value != NULL)
        required = g_strdup_printf ("no (default `%s`)", node->default_value);
      else
        required = g_strdup (node->flags & EMAIL2_NODE_FLAG_REQUIRED ? "yes" : "no");

      g_string_append_printf (out, "| `%s%s` | %s | %s | %s | %s%s%s | %s |\n",
                              prefix, id == EMAIL2_NODE_ROOT ? "EMAIL2" : node->path, ops, formats,
                              required, rule,
                              node->flags & EMAIL2_NODE_FLAG_SECRET ? "; secret: kept in the keyring, Get answers `********`" : "",
                              node->flags & EMAIL2_NODE_FLAG_CREATE_ONLY ? "; set only while the account is created" : "",
                              node->summary);
    }

  return g_string_free (out, FALSE);
}
