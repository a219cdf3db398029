/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * LocURIs of the EMAIL2 tree. The rules (docs/DESIGN.md §2):
 *  - roots `./Vendor/MSFT/EMAIL2` and `./User/Vendor/MSFT/EMAIL2`, the
 *    prefix compared without case, `./` optional;
 *  - segments are percent-decoded (RFC 3986); an escape that decodes to `/`
 *    or NUL, or a broken escape, is a malformed URI (400);
 *  - the account segment is `{GUID}` after decoding (`%7B…%7D` or literal
 *    braces), or `0x7B…0x7D` around a whole GUID, the seed's spelling; any
 *    other name there does not exist (404);
 *  - node names are the seed's, exactly;
 *  - `?prop=` and `?list=` queries are not supported (406).
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-locuri.h"

static const char * const root_prefixes[][4] = {
  { "Vendor", "MSFT", "EMAIL2", NULL },
  { "User", "Vendor", "MSFT", "EMAIL2" },
};

/**
 * email2_guid_canonicalize:
 * @text: a GUID in braces, any case
 * @guid: (out caller-allocates): the canonical form, upper case in braces
 *
 * Returns: %TRUE when @text is a GUID in braces
 */
gboolean
email2_guid_canonicalize (const char *text,
                          char        guid[EMAIL2_GUID_SIZE])
{
  if (strlen (text) != EMAIL2_GUID_SIZE - 1 ||
      text[0] != '{' || text[EMAIL2_GUID_SIZE - 2] != '}')
    return FALSE;

  for (guint i = 1; i < EMAIL2_GUID_SIZE - 2; i++)
    {
      gboolean dash = i == 9 || i == 14 || i == 19 || i == 24;

      if (dash ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
        return FALSE;
      guid[i] = g_ascii_toupper (text[i]);
    }

  guid[0] = '{';
  guid[EMAIL2_GUID_SIZE - 2] = '}';
  guid[EMAIL2_GUID_SIZE - 1] = '\0';

  return TRUE;
}

/**
 * email2_guid_to_uri_segment:
 * @guid: a canonical GUID
 *
 * Returns: (transfer full): @guid as a LocURI segment, `%7B…%7D`
 */
char *
email2_guid_to_uri_segment (const char *guid)
{
  gsize length = strlen (guid);

  g_return_val_if_fail (length == EMAIL2_GUID_SIZE - 1, NULL);

  return g_strdup_printf ("%%7B%.*s%%7D", (int) length - 2, guid + 1);
}

/**
 * email2_locuri_for_account:
 * @guid: a canonical GUID
 *
 * Returns: (transfer full): the LocURI of the account's node,
 *   `./Vendor/MSFT/EMAIL2/%7B…%7D`
 */
char *
email2_locuri_for_account (const char *guid)
{
  g_autofree char *segment = email2_guid_to_uri_segment (guid);

  g_return_val_if_fail (segment != NULL, NULL);
  return g_strconcat ("./Vendor/MSFT/EMAIL2/", segment, NULL);
}

/* Percent-decodes one segment into @out (at least @length + 1 bytes);
 * FALSE when an escape is broken or decodes to NUL or '/'. */
static gboolean
decode_segment (const char *segment,
                gsize       length,
                char       *out)
{
  gsize n = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = segment[i];

      if (c == '%')
        {
          int hi, lo;

          if (i + 2 >= length)
            return FALSE;
          hi = g_ascii_xdigit_value (segment[i + 1]);
          lo = g_ascii_xdigit_value (segment[i + 2]);
          if (hi < 0 || lo < 0)
            return FALSE;
          c = (char) (hi << 4 | lo);
          if (c == '\0' || c == '/')
            return FALSE;
          i += 2;
        }
      out[n++] = c;
    }
  out[n] = '\0';

  return TRUE;
}

static const char *
segment_end (const char *segment)
{
  const char *slash = strchr (segment, '/');

  return slash != NULL ? slash : segment + strlen (segment);
}

/* Whether the segments seen so far complete the root prefix @root. */
static gboolean
root_done (int   root,
           guint prefix)
{
  return root >= 0 &&
         (prefix == G_N_ELEMENTS (root_prefixes[root]) || root_prefixes[root][prefix] == NULL);
}

/* The seed's OMA DM spelling: 0x7B and 0x7D around a whole GUID. */
static gboolean
guid_from_hex_braces (const char *segment,
                      char        guid[EMAIL2_GUID_SIZE])
{
  gsize length = strlen (segment);
  char braced[EMAIL2_GUID_SIZE];

  if (length != EMAIL2_GUID_SIZE - 3 + 8 ||
      g_ascii_strncasecmp (segment, "0x7B", 4) != 0 ||
      g_ascii_strncasecmp (segment + length - 4, "0x7D", 4) != 0)
    return FALSE;

  braced[0] = '{';
  memcpy (braced + 1, segment + 4, EMAIL2_GUID_SIZE - 3);
  braced[EMAIL2_GUID_SIZE - 2] = '}';
  braced[EMAIL2_GUID_SIZE - 1] = '\0';

  return email2_guid_canonicalize (braced, guid);
}

/* Why @parent has no child called @name: node names are case-sensitive. */
static char *
describe_missing_child (Email2NodeId  parent,
                        const char   *name)
{
  for (Email2NodeId id = EMAIL2_FIRST_SLOT; id < EMAIL2_N_NODES; id++)
    {
      const Email2NodeInfo *node = email2_schema_get (id);

      if (node->parent == parent && g_ascii_strcasecmp (node->name, name) == 0)
        return g_strdup_printf (_("node names are upper case: %s"), node->name);
    }

  if (parent == EMAIL2_NODE_TAGPROPS)
    return g_strdup (_("TAGPROPS holds only 8128000B and 812C000B"));
  if (parent != EMAIL2_NODE_ACCOUNT)
    return g_strdup_printf (_("%s has no children"), email2_schema_get (parent)->path);

  return NULL;
}

/* What each group of a GUID must be: its hex digits, and the sentences
 * that say it has another count or a character that is no hex digit. */
static const struct {
  guint digits;
  const char *count;   /* %u: the digits it has */
  const char *bad;     /* %s: the character */
} guid_groups[] = {
  { 8, N_("the GUID's first group has %u hex digits, not 8"),
    N_("the GUID's first group holds “%s”, which is not a hex digit") },
  { 4, N_("the GUID's second group has %u hex digits, not 4"),
    N_("the GUID's second group holds “%s”, which is not a hex digit") },
  { 4, N_("the GUID's third group has %u hex digits, not 4"),
    N_("the GUID's third group holds “%s”, which is not a hex digit") },
  { 4, N_("the GUID's fourth group has %u hex digits, not 4"),
    N_("the GUID's fourth group holds “%s”, which is not a hex digit") },
  { 12, N_("the GUID's last group has %u hex digits, not 12"),
    N_("the GUID's last group holds “%s”, which is not a hex digit") },
};

/* The formats are this file's own table, each taking one string or one
 * number as its translation says. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *
format_group (const char *format,
              const char *text,
              guint       number)
{
  return text != NULL ? g_strdup_printf (_(format), text) : g_strdup_printf (_(format), number);
}
#pragma GCC diagnostic pop

/**
 * email2_guid_describe_problem:
 * @text: an account name as a payload gives it, braces decoded: `{GUID}`,
 *   or the seed's `0x7B…0x7D`
 *
 * Says why @text is not an account GUID, for the administrator who must
 * fix the payload.
 *
 * Returns: (transfer full): the reason, or %NULL when @text is a GUID in
 *   braces
 */
char *
email2_guid_describe_problem (const char *text)
{
  char guid[EMAIL2_GUID_SIZE];
  gsize length = strlen (text);
  g_autofree char *inner = NULL;
  g_auto(GStrv) groups = NULL;

  if (email2_guid_canonicalize (text, guid))
    return NULL;

  if (length >= 2 && text[0] == '{' && text[length - 1] == '}')
    inner = g_strndup (text + 1, length - 2);
  else if (length >= 8 && g_ascii_strncasecmp (text, "0x7B", 4) == 0 &&
           g_ascii_strncasecmp (text + length - 4, "0x7D", 4) == 0)
    inner = g_strndup (text + 4, length - 8);
  else if (text[0] == '{' || g_ascii_strncasecmp (text, "0x7B", 4) == 0)
    return g_strdup (_("the GUID's closing brace is missing"));
  else if (length > 0 && text[length - 1] == '}')
    return g_strdup (_("the GUID's opening brace is missing"));
  else if (strspn (text, "0123456789abcdefABCDEF-") == length && strchr (text, '-') != NULL)
    return g_strdup (_("the GUID must be in braces: %7B…%7D in a LocURI, {…} in a CP document"));
  else
    return g_strdup (_("an account is named by a GUID in braces, "
                       "such as {C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}"));

  groups = g_strsplit (inner, "-", -1);
  if (g_strv_length (groups) != G_N_ELEMENTS (guid_groups))
    {
      guint n = g_strv_length (groups);

      if (strspn (inner, "0123456789abcdefABCDEF-") != strlen (inner) || !g_utf8_validate (inner, -1, NULL))
        return g_strdup (_("the braces hold no GUID of 8-4-4-4-12 hex digits "
                           "(a template's placeholder left in?)"));
      return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "the GUID has %u group of hex digits, not 5 (8-4-4-4-12)",
                                           "the GUID has %u groups of hex digits, not 5 (8-4-4-4-12)", n),
                              n);
    }

  for (guint i = 0; i < G_N_ELEMENTS (guid_groups); i++)
    {
      gsize hex = strspn (groups[i], "0123456789abcdefABCDEF");

      if (groups[i][hex] != '\0')
        {
          g_autofree char *bad = g_strndup (groups[i] + hex,
                                            g_utf8_next_char (groups[i] + hex) - (groups[i] + hex));

          if (!g_utf8_validate (bad, -1, NULL) || g_ascii_iscntrl (bad[0]))
            {
              g_free (bad);
              bad = g_strdup ("?");
            }
          return format_group (guid_groups[i].bad, bad, 0);
        }
      if (hex != guid_groups[i].digits)
        return format_group (guid_groups[i].count, NULL, (guint) hex);
    }

  return g_strdup (_("the GUID is not well formed"));
}

/**
 * email2_locuri_parse:
 * @locuri: a LocURI as the payload gives it
 * @path: (out caller-allocates): the node it names
 * @error: return location for a #GError
 *
 * Resolves a LocURI against the EMAIL2 tree. It does not look at any
 * account: a well-formed URI of an account that does not exist parses.
 *
 * Returns: %TRUE on success; otherwise @error holds
 *   %EMAIL2_ERROR_BAD_REQUEST (malformed), %EMAIL2_ERROR_URI_TOO_LONG,
 *   %EMAIL2_ERROR_NOT_SUPPORTED (a property query) or
 *   %EMAIL2_ERROR_NOT_FOUND (no such node in the tree)
 */
gboolean
email2_locuri_parse (const char  *locuri,
                     Email2Path  *path,
                     GError     **error)
{
  char segment[EMAIL2_LOCURI_MAX_LENGTH + 1];
  const char *rest = locuri;
  gsize length;
  int root = -1;      /* which of root_prefixes, once the first segment tells */
  guint prefix = 0;   /* segments of that prefix matched so far */
  gboolean missing = FALSE;
  const Email2NodeInfo *node;
  g_autofree char *why = NULL;   /* what is missing, when it can be said */

  g_return_val_if_fail (locuri != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  memset (path, 0, sizeof *path);
  length = strlen (locuri);

  if (length > EMAIL2_LOCURI_MAX_LENGTH)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_URI_TOO_LONG,
                   _("The URI is longer than %d bytes"), EMAIL2_LOCURI_MAX_LENGTH);
      return FALSE;
    }

  if (memchr (locuri, '?', length) != NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_SUPPORTED,
                   _("Property and list queries (“?”) are not supported"));
      return FALSE;
    }

  if (g_str_has_prefix (rest, "./"))
    rest += 2;

  if (rest[0] == '\0' || rest[0] == '/' || g_str_has_suffix (rest, "/") ||
      strstr (rest, "//") != NULL)
    goto malformed;

  /* A malformed segment is 400 even after a segment that does not exist,
   * so every segment is decoded; lookups stop at the first miss. */
  for (const char *p = rest; ; p = segment_end (p) + 1)
    {
      const char *end = segment_end (p);

      if (!decode_segment (p, end - p, segment) ||
          strcmp (segment, ".") == 0 || strcmp (segment, "..") == 0)
        goto malformed;

      if (missing)
        {
          /* only the syntax of the rest matters now */
        }
      else if (!root_done (root, prefix))
        {
          /* Still in the root prefix: "Vendor" or "User" decides which. */
          for (guint r = 0; r < G_N_ELEMENTS (root_prefixes) && root < 0; r++)
            if (g_ascii_strcasecmp (segment, root_prefixes[r][0]) == 0)
              root = r;
          missing = root < 0 || g_ascii_strcasecmp (segment, root_prefixes[root][prefix]) != 0;
          prefix++;
        }
      else if (path->guid[0] == '\0')
        {
          missing = !email2_guid_canonicalize (segment, path->guid) &&
                    !guid_from_hex_braces (segment, path->guid);
          if (missing)
            why = email2_guid_describe_problem (segment);
          path->node = EMAIL2_NODE_ACCOUNT;
        }
      else
        {
          node = email2_schema_lookup_child (path->node, segment);
          missing = node == NULL;
          if (node != NULL)
            path->node = node->id;
          else
            why = describe_missing_child (path->node, segment);
        }

      if (*end == '\0')
        break;
    }

  /* path->node started as EMAIL2_NODE_ROOT (0) */
  if (missing || !root_done (root, prefix))
    goto not_found;

  return TRUE;

malformed:
  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_BAD_REQUEST,
               _("“%s” is not a well-formed node URI"), locuri);
  memset (path, 0, sizeof *path);
  return FALSE;

not_found:
  if (why != NULL)
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND,
                 _("“%s” is not a node of the EMAIL2 tree: %s"), locuri, why);
  else
    g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_NOT_FOUND,
                 _("“%s” is not a node of the EMAIL2 tree"), locuri);
  memset (path, 0, sizeof *path);
  return FALSE;
}
