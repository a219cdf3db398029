/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * OMA Client Provisioning documents (wap-provisioningdoc) with Microsoft's
 * MSPROV elements, run through the same engine as SyncML DM
 * (docs/DESIGN.md §2.4):
 *
 *  - the reader keeps the document as a small tree of its own (the answer
 *    is the document itself, with queries filled in and failed elements
 *    renamed), read by the hardened streaming reader of email2-xml.c; the
 *    tree, its names and URIs live in an arena of the document, the
 *    attributes in a second one that is wiped, so that a hostile document
 *    of many elements costs no allocation per element;
 *  - every element that changes something becomes one command of ONE
 *    Atomic: `characteristic type="{GUID}"` an Add of the account node when
 *    the account does not exist yet, each `parm` a Replace of its leaf,
 *    `noparm` and `nocharacteristic` a Delete; an element that is wrong in
 *    itself (unknown parameter, bad GUID, an answer element) becomes a
 *    command that fails, so that the engine fails the whole document;
 *    a query wrong in itself is only answered as its own error;
 *  - the engine's statuses come back onto the elements by CmdID (the
 *    element's number in the document);
 *  - the queries are answered after the Atomic, from the engine's Get, and
 *    only when the document was applied.
 *
 * Longer than 800 lines on purpose: the reader, the run and the answer
 * are three passes over one tree (Element), whose layout only they know;
 * cut apart, the tree would become a shared private struct with no other
 * user, and each pass is short (the longest, build(), about 70 lines).
 */

#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-answer-private.h"
#include "email2-arena-private.h"
#include "email2-command-private.h"
#include "email2-error.h"
#include "email2-host.h"
#include "email2-locuri.h"
#include "email2-payload-private.h"
#include "email2-schema.h"
#include "email2-wapprov.h"
#include "email2-xml-private.h"

#define ROOT_URI "./Vendor/MSFT/EMAIL2"
#define SECRET_MASK "********"

typedef enum {
  KIND_DOCUMENT,
  KIND_CHARACTERISTIC,
  KIND_NOCHARACTERISTIC,
  KIND_CHARACTERISTIC_QUERY,
  KIND_PARM,
  KIND_NOPARM,
  KIND_PARM_QUERY,
  KIND_OTHER,
} Kind;

static const char * const kind_names[] = {
  [KIND_DOCUMENT] = "wap-provisioningdoc",
  [KIND_CHARACTERISTIC] = "characteristic",
  [KIND_NOCHARACTERISTIC] = "nocharacteristic",
  [KIND_CHARACTERISTIC_QUERY] = "characteristic-query",
  [KIND_PARM] = "parm",
  [KIND_NOPARM] = "noparm",
  [KIND_PARM_QUERY] = "parm-query",
};

/* What a characteristic names, and so where its children are. */
typedef enum {
  SCOPE_NONE,
  SCOPE_DOCUMENT,
  SCOPE_ROOT,       /* characteristic type="EMAIL2" */
  SCOPE_ACCOUNT,    /* characteristic type="{GUID}" */
  SCOPE_TAGPROPS,   /* characteristic type="TAGPROPS" */
} Scope;

typedef struct _Element Element;

struct _Element {
  Kind kind;
  const char *name;       /* the element name as given (a kind's, or in the arena) */
  char *attributes;       /* "name\0value\0name\0value\0…" as given, in one block
                           * of the values arena */
  gsize attributes_size;
  Element *first_child;   /* owned, in document order through next */
  Element *last_child;
  Element *next;          /* the next sibling */
  Element *parent;
  guint id;               /* its number in the document: the CmdID */
  Scope scope;            /* characteristics: what they name */
  const char *guid;       /* the account it is part of, canonical (in the arena) */
  char *uri;              /* the LocURI of the node it names, if any (in the arena) */
  gboolean recursive;     /* characteristic-query */
  gboolean mask_value;    /* parm: its value is a secret, or unknown */
  guint status;           /* not 0: the element failed (renamed *-error) */
  char *reason;
  GPtrArray *answer;      /* Element *: what answers a query, owned */
};

struct _Email2WapprovDoc {
  Email2Arena *arena;     /* every Element, with its name and URI */
  Email2Arena *values;    /* every Element's attributes; wiped */
  Element *root;
  GPtrArray *elements;    /* Element *, not owned: the request's, by id */
  gboolean processed;
  gboolean ok;            /* applied, and every query answered */
};

static Element *
element_new (Email2Arena *arena,
             Kind         kind,
             const char  *name,
             Element     *parent)
{
  Element *element = email2_arena_alloc (arena, sizeof (Element));

  /* kind_from_name() gave the kind of its name, or KIND_OTHER */
  *element = (Element) {
    .kind = kind,
    .name = kind == KIND_OTHER ? email2_arena_strndup (arena, name, strlen (name))
                               : kind_names[kind],
    .parent = parent,
    .recursive = TRUE,
    .mask_value = kind == KIND_PARM,
  };
  if (parent != NULL)
    {
      if (parent->last_child != NULL)
        parent->last_child->next = element;
      else
        parent->first_child = element;
      parent->last_child = element;
    }

  return element;
}

/* Frees what @element and the elements below it hold outside the arena:
 * a failure's reason, a query's answer array. */
static void
element_release (Element *element)
{
  for (Element *child = element->first_child; child != NULL; child = child->next)
    element_release (child);
  if (element->answer != NULL)
    {
      for (guint i = 0; i < element->answer->len; i++)
        element_release (element->answer->pdata[i]);
      g_ptr_array_unref (element->answer);
    }
  g_free (element->reason);
}

/* The next attribute of @element after @at (NULL: the first), its name
 * and value; NULL after the last. */
static const char *
element_next_attribute (const Element  *element,
                        const char     *at,
                        const char    **name,
                        const char    **value)
{
  at = at == NULL ? element->attributes : at;
  if (at == NULL || at >= element->attributes + element->attributes_size)
    return NULL;

  *name = at;
  *value = at + strlen (at) + 1;
  return *value + strlen (*value) + 1;
}

static const char *
element_get (const Element *element,
             const char    *name)
{
  const char *attribute, *value;

  for (const char *at = NULL; (at = element_next_attribute (element, at, &attribute, &value)); )
    if (strcmp (attribute, name) == 0)
      return value;

  return NULL;
}

/* Gives @element its attributes, name, value, …, NULL, in one block of
 * @arena (wiped when the arena is: a value may be a password). */
static void
element_set_all (Email2Arena        *arena,
                 Element            *element,
                 const char * const *attributes)
{
  /* each string's length with its NUL; the readers give at most
   * EMAIL2_XML_DEFAULT_MAX_ATTRIBUTES pairs, the answer two */
  gsize lengths[2 * EMAIL2_XML_DEFAULT_MAX_ATTRIBUTES];
  gsize size = 0;
  guint n;
  char *at;

  g_assert (element->attributes == NULL);

  for (n = 0; attributes[n] != NULL; n++)
    {
      g_assert (n < G_N_ELEMENTS (lengths));
      lengths[n] = strlen (attributes[n]) + 1;
      size += lengths[n];
    }
  if (size == 0)
    return;

  element->attributes = at = email2_arena_alloc (arena, size);
  element->attributes_size = size;
  for (guint i = 0; i < n; i++)
    {
      memcpy (at, attributes[i], lengths[i]);
      at += lengths[i];
    }
}

/* Sets @element's URI to @parent_uri/@segment, in @arena. */
static void
element_set_uri (Email2Arena *arena,
                 Element     *element,
                 const char  *parent_uri,
                 const char  *segment)
{
  gsize parent_length = strlen (parent_uri);
  gsize segment_length = strlen (segment);
  char *uri = email2_arena_alloc (arena, parent_length + segment_length + 2);

  memcpy (uri, parent_uri, parent_length);
  uri[parent_length] = '/';
  memcpy (uri + parent_length + 1, segment, segment_length + 1);
  element->uri = uri;
}

static void element_fail (Element    *element,
                          guint       status,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

/* The first failure of an element is the one reported. */
static void
element_fail (Element    *element,
              guint       status,
              const char *format,
              ...)
{
  va_list args;

  if (element->status != 0)
    return;

  element->status = status;
  va_start (args, format);
  element->reason = g_strdup_vprintf (format, args);
  va_end (args);
}

/* An element of the answer, with attributes given as name, value, …, NULL
 * (two at most). */
static Element *
answer_new (Email2WapprovDoc *doc,
            Kind              kind,
            Element          *parent,
            const char       *first_name,
            ...)
{
  Element *element = element_new (doc->arena, kind, NULL, parent);
  const char *attributes[5] = { NULL, };
  guint n = 0;
  va_list args;

  element->mask_value = FALSE;
  va_start (args, first_name);
  for (const char *name = first_name; name != NULL; name = va_arg (args, const char *))
    {
      g_assert (n + 2 < G_N_ELEMENTS (attributes));
      attributes[n++] = name;
      attributes[n++] = va_arg (args, const char *);
    }
  va_end (args);
  element_set_all (doc->values, element, attributes);

  return element;
}

/**
 * email2_wapprov_doc_free:
 * @doc: (nullable): a document
 *
 * Frees @doc; every attribute value is overwritten first (a parm value
 * may be a password).
 */
void
email2_wapprov_doc_free (Email2WapprovDoc *doc)
{
  if (doc == NULL)
    return;

  if (doc->root != NULL)
    element_release (doc->root);
  g_ptr_array_unref (doc->elements);
  email2_arena_free (doc->arena);
  email2_arena_free (doc->values);
  g_free (doc);
}

/* Reading ---------------------------------------------------------------- */

typedef struct {
  Email2WapprovDoc *doc;
  Element *current;       /* the open element, NULL outside the root */
} Reader;

static Kind
kind_from_name (const char *name)
{
  for (guint i = KIND_CHARACTERISTIC; i < KIND_OTHER; i++)
    if (name[0] == kind_names[i][0] && strcmp (name, kind_names[i]) == 0)
      return i;

  return KIND_OTHER;
}

static gboolean
reader_start (gpointer            user_data,
              const char         *name,
              const char         *ns,
              const char * const *attributes,
              GError            **error)
{
  Reader *reader = user_data;
  Email2WapprovDoc *doc = reader->doc;
  Element *element;

  if (reader->current == NULL)
    {
      if (strcmp (name, kind_names[KIND_DOCUMENT]) != 0)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The document is not an OMA Client Provisioning document "
                         "(wap-provisioningdoc)"));
          return FALSE;
        }
      element = doc->root = element_new (doc->arena, KIND_DOCUMENT, name, NULL);
      element->scope = SCOPE_DOCUMENT;
    }
  else if (doc->elements->len >= EMAIL2_WAPPROV_MAX_ELEMENTS)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The document exceeds the limit of %u elements"),
                   EMAIL2_WAPPROV_MAX_ELEMENTS);
      return FALSE;
    }
  else
    element = element_new (doc->arena, kind_from_name (name), name, reader->current);

  element_set_all (doc->values, element, attributes);

  element->id = doc->elements->len;
  g_ptr_array_add (doc->elements, element);
  reader->current = element;

  return TRUE;
}

static void
reader_end (gpointer user_data)
{
  Reader *reader = user_data;

  reader->current = reader->current->parent;
}

static void
reader_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
  /* MSPROV carries everything in attributes. */
}

static gboolean
parse_recursive (const char *value,
                 gboolean   *recursive)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0 || strcmp (value, "1") == 0)
    *recursive = TRUE;
  else if (g_ascii_strcasecmp (value, "false") == 0 || strcmp (value, "0") == 0)
    *recursive = FALSE;
  else
    return FALSE;

  return TRUE;
}

/* characteristic, nocharacteristic, characteristic-query: what it names. */
static void
resolve_characteristic (Email2Arena *arena,
                        Element     *element)
{
  const Element *parent = element->parent;
  const char *type = element_get (element, "type");
  char guid[EMAIL2_GUID_SIZE];

  if (type == NULL)
    {
      element_fail (element, 400, _("<%s> has no type attribute"), element->name);
      return;
    }

  if (element->kind == KIND_CHARACTERISTIC_QUERY &&
      !parse_recursive (element_get (element, "recursive"), &element->recursive))
    {
      element_fail (element, 400, _("The recursive attribute must be “true” or “false”"));
      return;
    }

  switch (parent->scope)
    {
    case SCOPE_DOCUMENT:
      if (strcmp (type, "EMAIL2") != 0)
        element_fail (element, 406,
                      _("Only the EMAIL2 configuration service provider is supported, not “%s”"),
                      type);
      else if (element->kind == KIND_NOCHARACTERISTIC)
        element_fail (element, 405, _("The EMAIL2 root cannot be deleted"));
      else
        {
          element->scope = SCOPE_ROOT;
          element->uri = email2_arena_strndup (arena, ROOT_URI, strlen (ROOT_URI));
        }
      break;

    case SCOPE_ROOT:
      if (!email2_guid_canonicalize (type, guid))
        {
          g_autofree char *why = email2_guid_describe_problem (type);

          element_fail (element, 404, _("“%s” is not an account GUID: %s"), type, why);
        }
      else
        {
          g_autofree char *segment = email2_guid_to_uri_segment (guid);

          element->guid = email2_arena_strndup (arena, guid, strlen (guid));
          element->scope = SCOPE_ACCOUNT;
          element_set_uri (arena, element, ROOT_URI, segment);
        }
      break;

    case SCOPE_ACCOUNT:
      if (strcmp (type, "TAGPROPS") != 0)
        element_fail (element, 404, _("“%s” is not a characteristic of an EMAIL2 account"), type);
      else
        {
          element->scope = SCOPE_TAGPROPS;
          element_set_uri (arena, element, parent->uri, "TAGPROPS");
        }
      break;

    case SCOPE_TAGPROPS:
    case SCOPE_NONE:
    default:
      element_fail (element, 404, _("TAGPROPS holds parameters, not characteristics"));
      break;
    }
}

/* parm, noparm, parm-query: the leaf it names. */
static void
resolve_parm (Email2Arena *arena,
              Element     *element)
{
  const Element *parent = element->parent;
  const char *name = element_get (element, "name");
  const Email2NodeInfo *node = NULL;

  if (name == NULL)
    {
      element_fail (element, 400, _("<%s> has no name attribute"), element->name);
      return;
    }

  if (parent->scope != SCOPE_ACCOUNT && parent->scope != SCOPE_TAGPROPS)
    {
      element_fail (element, 404,
                    _("Parameters belong in an account's characteristic or its TAGPROPS"));
      return;
    }

  node = email2_schema_lookup_child (parent->scope == SCOPE_ACCOUNT
                                     ? EMAIL2_NODE_ACCOUNT : EMAIL2_NODE_TAGPROPS, name);
  if (node == NULL || (node->flags & EMAIL2_NODE_FLAG_INTERIOR))
    {
      element_fail (element, 404, parent->scope == SCOPE_ACCOUNT
                    ? _("“%s” is not a parameter of an EMAIL2 account")
                    : _("“%s” is not a parameter of TAGPROPS"), name);
      return;
    }

  element->mask_value = (node->flags & EMAIL2_NODE_FLAG_SECRET) != 0;
  element_set_uri (arena, element, parent->uri, name);

  if (element->kind == KIND_PARM && element_get (element, "value") == NULL)
    element_fail (element, 400, _("<parm name=“%s”> has no value attribute"), name);
}

/* Works out what each element names, and what is wrong with it in itself. */
static void
resolve (Email2Arena *arena,
         Element     *element)
{
  Element *parent = element->parent;

  element->guid = parent->guid;

  /* a kind's own name never ends so */
  if (element->kind == KIND_OTHER && g_str_has_suffix (element->name, "-error"))
    element_fail (element, 400, _("<%s> belongs in an answer, not in a request"), element->name);
  else if (element->kind == KIND_OTHER)
    element_fail (element, 400, _("<%s> is not an element of a provisioning document"),
                  element->name);
  else if (parent->kind != KIND_DOCUMENT && parent->kind != KIND_CHARACTERISTIC)
    element_fail (element, 400, _("<%s> cannot be inside <%s>"), element->name, parent->name);
  else if (element->kind == KIND_PARM || element->kind == KIND_NOPARM ||
           element->kind == KIND_PARM_QUERY)
    resolve_parm (arena, element);
  else
    resolve_characteristic (arena, element);

  /* The children of a failed characteristic are never run. */
  if (element->status != 0)
    return;

  for (Element *child = element->first_child; child != NULL; child = child->next)
    resolve (arena, child);
}

/**
 * email2_wapprov_read:
 * @stream: what streams the document: email2_xml_parse() or
 *   email2_wbxml_parse()
 * @data: an OMA Client Provisioning document, XML or WBXML as @stream reads
 * @length: its length in bytes
 * @error: return location for a #GError
 *
 * Reads a `wap-provisioningdoc` with the hardened streaming XML reader or
 * the WBXML decoder. Problems of single elements (an unknown parameter, a
 * characteristic that is not EMAIL2) are not errors: they fail the
 * document when it is processed, and are reported on those elements.
 *
 * Returns: (transfer full) (nullable): the document, or %NULL when it
 *   cannot be used at all (%EMAIL2_ERROR_INVALID_INPUT, %EMAIL2_ERROR_LIMIT)
 */
Email2WapprovDoc *
email2_wapprov_read (Email2XmlStream   stream,
                     const char       *data,
                     gsize             length,
                     GError          **error)
{
  static const Email2XmlHandler handler = { reader_start, reader_end, reader_text };
  g_autoptr(Email2WapprovDoc) doc = g_new0 (Email2WapprovDoc, 1);
  Reader reader = { doc, NULL };
  const char *version;

  doc->arena = email2_arena_new (FALSE);
  doc->values = email2_arena_new (TRUE);
  doc->elements = g_ptr_array_new ();

  if (!stream (data, length, NULL, &handler, &reader, error))
    return NULL;

  g_assert (doc->root != NULL);
  version = element_get (doc->root, "version");
  if (version != NULL && strcmp (version, "1.0") != 0 && strcmp (version, "1.1") != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("Provisioning document version “%s” is not supported (1.0 and 1.1 are)"),
                   version);
      return NULL;
    }

  for (Element *child = doc->root->first_child; child != NULL; child = child->next)
    resolve (doc->arena, child);

  return g_steal_pointer (&doc);
}

/* Processing ------------------------------------------------------------- */

typedef struct {
  Email2WapprovDoc *doc;
  Email2Session *session;
  Email2Host *host;
  GHashTable *exists;     /* GUID → whether the account exists at that point */
  Email2Command *atomic;
  GPtrArray *queries;     /* Element *, in document order */
  GPtrArray *statuses;    /* Email2Status *: everything the engine answered */
} Run;

static gboolean
run_account_exists (Run        *run,
                    const char *guid)
{
  gpointer value;

  if (!g_hash_table_lookup_extended (run->exists, guid, NULL, &value))
    {
      g_autoptr(Email2Account) account = email2_host_lookup_account (run->host, guid);

      value = GINT_TO_POINTER (account != NULL);
      g_hash_table_insert (run->exists, g_strdup (guid), value);
    }

  return GPOINTER_TO_INT (value);
}

static void
run_set_exists (Run        *run,
                const char *guid,
                gboolean    exists)
{
  g_hash_table_insert (run->exists, g_strdup (guid), GINT_TO_POINTER (exists));
}

static Email2Command *
command_new (const Element     *element,
             Email2CommandKind  kind,
             const char        *format,
             const char        *data)
{
  Email2Command *command = email2_command_new (kind, element->name);

  command->cmd_id = g_strdup_printf ("%u", element->id);
  if (element->uri != NULL)
    {
      Email2Item *item = email2_item_new ();

      item->target = g_strdup (element->uri);
      item->format = g_strdup (format);
      item->data = g_strdup (data);
      g_ptr_array_add (command->items, item);
    }

  return command;
}

static void
run_add (Run               *run,
         const Element     *element,
         Email2CommandKind  kind,
         const char        *format,
         const char        *data)
{
  g_ptr_array_add (run->atomic->children, command_new (element, kind, format, data));
}

/* Whether @element only asks: a query, or a characteristic that holds
 * nothing but queries. Such an element never fails the document, even
 * when it names something EMAIL2 does not know (Windows Mobile's TAGPROPS
 * 0x8125001F, Windows Mobile 2003's NAMEDPROPS). */
static gboolean
is_query_only (const Element *element)
{
  if (element->kind == KIND_PARM_QUERY || element->kind == KIND_CHARACTERISTIC_QUERY)
    return TRUE;
  if (element->kind != KIND_CHARACTERISTIC || element->first_child == NULL)
    return FALSE;

  for (const Element *child = element->first_child; child != NULL; child = child->next)
    if (!is_query_only (child))
      return FALSE;

  return TRUE;
}

/* Whether a characteristic changes something (else it only scopes queries). */
static gboolean
has_writes (const Element *element)
{
  for (const Element *child = element->first_child; child != NULL; child = child->next)
    {
      if (child->kind == KIND_CHARACTERISTIC && child->status == 0 ? has_writes (child)
                                                                    : !is_query_only (child))
        return TRUE;
    }

  return FALSE;
}

/* Turns @element and what is inside it into commands of the Atomic. */
static void
build (Run     *run,
       Element *element)
{
  if (element->status != 0 && is_query_only (element))
    {
      /* A query that is wrong in itself is answered as its own error; the
       * rest of the document runs as if it were not there. */
      Email2Status *status = email2_status_new (NULL, element->name, element->uri, element->status);

      status->cmd_ref = g_strdup_printf ("%u", element->id);
      email2_status_set (status, element->status, element->reason);
      g_ptr_array_add (run->statuses, status);
      return;
    }

  if (element->status != 0)
    {
      /* Wrong in itself: a command that fails, and so fails the Atomic. */
      Email2Command *command = command_new (element, EMAIL2_COMMAND_REPLACE, NULL, NULL);

      command->status = element->status;
      command->reason = g_strdup (element->reason);
      g_ptr_array_add (run->atomic->children, command);
      return;
    }

  switch (element->kind)
    {
    case KIND_CHARACTERISTIC:
      /* A characteristic of an account that does not exist creates it;
       * one that holds only queries does not. */
      if (element->scope == SCOPE_ACCOUNT &&
          (element->first_child == NULL || has_writes (element)) &&
          !run_account_exists (run, element->guid))
        {
          run_add (run, element, EMAIL2_COMMAND_ADD, "node", NULL);
          run_set_exists (run, element->guid, TRUE);
        }
      break;

    case KIND_DOCUMENT:
      break;

    case KIND_NOCHARACTERISTIC:
      run_add (run, element, EMAIL2_COMMAND_DELETE, NULL, NULL);
      if (element->scope == SCOPE_ACCOUNT)
        run_set_exists (run, element->guid, FALSE);
      break;

    case KIND_PARM:
      run_add (run, element, EMAIL2_COMMAND_REPLACE, "chr", element_get (element, "value"));
      break;

    case KIND_NOPARM:
      run_add (run, element, EMAIL2_COMMAND_DELETE, NULL, NULL);
      break;

    case KIND_CHARACTERISTIC_QUERY:
    case KIND_PARM_QUERY:
      g_ptr_array_add (run->queries, element);
      break;

    case KIND_OTHER:
    default:
      g_assert_not_reached ();
    }

  /* Inside anything but a characteristic, each child is a failure. */
  for (Element *child = element->first_child; child != NULL; child = child->next)
    build (run, child);
}

/* The account characteristic an element is part of, or %NULL. */
static Element *
account_of (Element *element)
{
  for (; element != NULL; element = element->parent)
    if (element->kind == KIND_CHARACTERISTIC && element->scope == SCOPE_ACCOUNT)
      return element;

  return NULL;
}

/* Puts the engine's verdicts onto the elements; returns whether the
 * document was applied. */
static gboolean
run_atomic (Run *run)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  g_autoptr(GPtrArray) statuses = NULL;
  gboolean applied = TRUE;

  g_ptr_array_add (commands, run->atomic);
  statuses = email2_session_process (run->session, commands);

  for (guint i = 0; i < statuses->len; i++)
    {
      Email2Status *status = statuses->pdata[i];
      guint64 id = 0;
      Element *element;

      if (status->code == 215 || status->code == 216 ||
          email2_status_code_is_success (status->code))
        continue;

      if (status->cmd_ref == NULL ||
          !g_ascii_string_to_unsigned (status->cmd_ref, 10, 0, run->doc->elements->len - 1,
                                       &id, NULL))
        continue;

      applied = FALSE;
      if (id == 0)
        continue;   /* the Atomic: the document itself is never renamed */

      element = run->doc->elements->pdata[id];
      /* The end-of-Atomic check and the host blame the last command that
       * touched an account (500): the account's characteristic is the
       * element that failed. */
      if (status->code == 500 && account_of (element) != NULL)
        element = account_of (element);
      element_fail (element, status->code, "%s",
                    status->reason != NULL ? status->reason : _("The command failed"));
    }

  g_ptr_array_extend_and_steal (run->statuses, g_steal_pointer (&statuses));

  return applied;
}

/* A Get through the engine; the status stays in run->statuses. */
static const Email2Status *
run_get (Run           *run,
         const Element *query,
         const char    *uri)
{
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  Email2Command *get = email2_command_new (EMAIL2_COMMAND_GET, query->name);
  Email2Item *item = email2_item_new ();
  g_autoptr(GPtrArray) statuses = NULL;

  get->cmd_id = g_strdup_printf ("%u", query->id);
  item->target = g_strdup (uri);
  g_ptr_array_add (get->items, item);
  g_ptr_array_add (commands, get);

  statuses = email2_session_process (run->session, commands);
  g_assert (statuses->len == 1);
  g_ptr_array_add (run->statuses, g_ptr_array_steal_index (statuses, 0));

  return run->statuses->pdata[run->statuses->len - 1];
}

/* Whether a Get answered: 200 with data, 404 gone; otherwise @query fails. */
static gboolean
get_answered (Element            *query,
              const Email2Status *status)
{
  if (status->code == 200 || status->code == 404)
    return TRUE;

  element_fail (query, status->code, "%s", status->reason != NULL ? status->reason : "");
  return FALSE;
}

/* Appends `parm name value` for the leaf @name below @parent_uri. */
static gboolean
answer_parm (Run        *run,
             Element    *query,
             Element    *parent,
             const char *parent_uri,
             const char *name)
{
  g_autofree char *uri = g_strconcat (parent_uri, "/", name, NULL);
  const Email2Status *status = run_get (run, query, uri);

  if (!get_answered (query, status))
    return FALSE;
  if (status->code == 200)
    answer_new (run->doc, KIND_PARM, parent, "name", name, "value", status->result_data, NULL);

  return TRUE;
}

/* The Get of the interior node @uri answered under @parent: a
 * characteristic of @type, returned with the names of its children in
 * @names to fill it; or a nocharacteristic when there is no such node
 * (returns NULL, *@ok TRUE); or NULL and *@ok FALSE when the Get failed. */
static Element *
answer_characteristic (Run         *run,
                       Element     *query,
                       Element     *parent,
                       const char  *uri,
                       const char  *type,
                       GStrv       *names,
                       gboolean    *ok)
{
  const Email2Status *status = run_get (run, query, uri);

  *ok = get_answered (query, status);
  if (!*ok)
    return NULL;
  if (status->code == 404)
    {
      answer_new (run->doc, KIND_NOCHARACTERISTIC, parent, "type", type, NULL);
      return NULL;
    }

  *names = g_strsplit (status->result_data, "/", -1);
  return answer_new (run->doc, KIND_CHARACTERISTIC, parent, "type", type, NULL);
}

/* The characteristic TAGPROPS with its parms, or nocharacteristic. */
static gboolean
answer_tagprops (Run        *run,
                 Element    *query,
                 Element    *parent,
                 const char *account_uri)
{
  g_autofree char *uri = g_strconcat (account_uri, "/TAGPROPS", NULL);
  g_auto(GStrv) names = NULL;
  gboolean ok;
  Element *characteristic = answer_characteristic (run, query, parent, uri, "TAGPROPS", &names, &ok);

  if (characteristic == NULL)
    return ok;
  for (guint i = 0; names[i] != NULL; i++)
    if (!answer_parm (run, query, characteristic, uri, names[i]))
      return FALSE;

  return TRUE;
}

/* The characteristic of an account with its parms (secrets left out) and,
 * when @recursive, its TAGPROPS; or nocharacteristic. */
static gboolean
answer_account (Run        *run,
                Element    *query,
                Element    *parent,
                const char *guid,
                const char *type,
                gboolean    recursive)
{
  g_autofree char *segment = email2_guid_to_uri_segment (guid);
  g_autofree char *uri = g_strconcat (ROOT_URI "/", segment, NULL);
  g_auto(GStrv) names = NULL;
  gboolean ok;
  Element *characteristic = answer_characteristic (run, query, parent, uri, type, &names, &ok);

  if (characteristic == NULL)
    return ok;
  for (guint i = 0; names[i] != NULL; i++)
    {
      const Email2NodeInfo *node = email2_schema_lookup_child (EMAIL2_NODE_ACCOUNT, names[i]);

      /* ok is TRUE here: the characteristic was made, and each round
       * that sets it FALSE returns. */
      if (node == NULL || (node->flags & EMAIL2_NODE_FLAG_SECRET))
        continue;
      if (node->id == EMAIL2_NODE_TAGPROPS)
        {
          if (recursive)
            ok = answer_tagprops (run, query, characteristic, uri);
          else
            answer_new (run->doc, KIND_CHARACTERISTIC, characteristic, "type", "TAGPROPS", NULL);
        }
      else
        ok = answer_parm (run, query, characteristic, uri, names[i]);
      if (!ok)
        return FALSE;
    }

  return TRUE;
}

/* characteristic-query type="EMAIL2": every account. */
static gboolean
answer_root (Run     *run,
             Element *query,
             Element *parent)
{
  const Email2Status *status = run_get (run, query, ROOT_URI);
  g_auto(GStrv) segments = NULL;
  Element *characteristic;

  if (status->code != 200)
    {
      element_fail (query, status->code, "%s", status->reason != NULL ? status->reason : "");
      return FALSE;
    }

  characteristic = answer_new (run->doc, KIND_CHARACTERISTIC, parent, "type", "EMAIL2", NULL);
  segments = g_strsplit (status->result_data, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      g_autofree char *braced = NULL;
      char guid[EMAIL2_GUID_SIZE];
      gsize length = strlen (segments[i]);

      /* The engine lists %7B…%7D. */
      if (length < 6 || !g_str_has_prefix (segments[i], "%7B") ||
          !g_str_has_suffix (segments[i], "%7D"))
        continue;
      braced = g_strdup_printf ("{%.*s}", (int) length - 6, segments[i] + 3);
      if (!email2_guid_canonicalize (braced, guid))
        continue;

      if (!query->recursive)
        answer_new (run->doc, KIND_CHARACTERISTIC, characteristic, "type", guid, NULL);
      else if (!answer_account (run, query, characteristic, guid, guid, TRUE))
        return FALSE;
    }

  return TRUE;
}

static void
run_query (Run     *run,
           Element *query)
{
  Element holder = { 0, };
  gboolean ok = TRUE;

  /* The answer is built under a stand-in parent, then moved. */
  if (query->kind == KIND_PARM_QUERY)
    ok = answer_parm (run, query, &holder, query->parent->uri, element_get (query, "name"));
  else if (query->scope == SCOPE_ROOT)
    ok = answer_root (run, query, &holder);
  else if (query->scope == SCOPE_ACCOUNT)
    ok = answer_account (run, query, &holder, query->guid, element_get (query, "type"),
                         query->recursive);
  else
    ok = answer_tagprops (run, query, &holder, query->parent->uri);

  /* A parm-query of a parameter that is not set. */
  if (ok && query->kind == KIND_PARM_QUERY && holder.first_child == NULL)
    answer_new (run->doc, KIND_NOPARM, &holder, "name", element_get (query, "name"), NULL);

  if (ok)
    {
      query->answer = g_ptr_array_new ();
      for (Element *answer = holder.first_child; answer != NULL; answer = answer->next)
        {
          answer->parent = query->parent;
          g_ptr_array_add (query->answer, answer);
        }
    }
  else
    element_release (&holder);   /* the elements stay in the arena */
}

/**
 * email2_wapprov_process:
 * @doc: a document from email2_wapprov_read()
 * @session: the engine
 *
 * Runs @doc as one transaction: every change it asks for is one command
 * of one Atomic, with the engine's rules (required nodes, all or none of
 * SMTPALT*, values, SERVICENAME / SERVICETYPE only on creation); then,
 * when the document was applied, its queries are answered from the
 * engine's Get. When any element fails, nothing changes and no query is
 * answered. The outcome is recorded in @doc for
 * email2_wapprov_write_response().
 *
 * Returns: (transfer container) (element-type Email2Status): every status
 *   the engine answered, for a summary; each Cmd is the element's name and
 *   each CmdRef its number in the document (0: the document itself)
 */
GPtrArray *
email2_wapprov_process (Email2WapprovDoc *doc,
                        Email2Session    *session)
{
  Run run = { doc, session, email2_session_get_host (session), NULL, NULL, NULL, NULL };
  gboolean applied = TRUE;

  g_return_val_if_fail (doc != NULL, NULL);
  g_return_val_if_fail (!doc->processed, NULL);
  g_return_val_if_fail (EMAIL2_IS_SESSION (session), NULL);

  run.exists = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  run.atomic = command_new (doc->root, EMAIL2_COMMAND_ATOMIC, NULL, NULL);
  run.queries = g_ptr_array_new ();
  run.statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_status_free);

  build (&run, doc->root);

  if (run.atomic->children->len > 0)
    applied = run_atomic (&run);   /* takes the Atomic */
  else
    email2_command_free (run.atomic);
  run.atomic = NULL;

  for (guint i = 0; i < run.queries->len; i++)
    {
      Element *query = run.queries->pdata[i];

      if (applied)
        run_query (&run, query);
      else
        {
          Email2Status *status = email2_status_new (NULL, query->name, query->uri, 215);

          status->cmd_ref = g_strdup_printf ("%u", query->id);
          email2_status_set (status, 215, _("Not executed: the document failed and was not applied"));
          g_ptr_array_add (run.statuses, status);
          element_fail (query, 215, "%s", status->reason);
        }
    }

  doc->processed = TRUE;
  doc->ok = applied;
  for (guint i = 0; i < doc->elements->len; i++)
    doc->ok &= ((Element *) doc->elements->pdata[i])->status == 0;

  g_hash_table_unref (run.exists);
  g_ptr_array_unref (run.queries);

  return run.statuses;
}

/**
 * email2_wapprov_response_ok:
 * @doc: a document that email2_wapprov_process() ran
 *
 * Tells whether the document was applied and every query answered: a
 * query of something that does not exist is answered (`noparm`,
 * `nocharacteristic`), though the engine's Get said 404.
 *
 * Returns: %TRUE when no element failed
 */
gboolean
email2_wapprov_response_ok (const Email2WapprovDoc *doc)
{
  g_return_val_if_fail (doc != NULL, FALSE);

  return doc->processed && doc->ok;
}

/* Writing ---------------------------------------------------------------- */

static void
write_element (Email2Answer  *answer,
               const Element *element)
{
  /* the attributes, within the bound the reader kept, and desc */
  const char *pairs[2 * (EMAIL2_XML_DEFAULT_MAX_ATTRIBUTES + 1) + 1];
  g_autofree char *error_name = NULL;
  const char *name = element->name;
  const char *attribute, *value;
  guint n = 0;

  if (element->answer != NULL && element->status == 0)
    {
      for (guint i = 0; i < element->answer->len; i++)
        write_element (answer, element->answer->pdata[i]);
      return;
    }

  if (element->status != 0)
    name = error_name = g_strconcat (element->name, "-error", NULL);

  for (const char *at = NULL; (at = element_next_attribute (element, at, &attribute, &value)); )
    {
      if (element->status != 0 && strcmp (attribute, "desc") == 0)
        continue;
      if (element->mask_value && strcmp (attribute, "value") == 0)
        value = SECRET_MASK;
      g_assert (n + 4 < G_N_ELEMENTS (pairs));
      pairs[n++] = attribute;
      pairs[n++] = value;
    }
  if (element->status != 0)
    {
      pairs[n++] = "desc";
      pairs[n++] = element->reason;
    }
  pairs[n] = NULL;

  email2_answer_start (answer, name, NULL, pairs);
  for (const Element *child = element->first_child; child != NULL; child = child->next)
    write_element (answer, child);
  email2_answer_end (answer);
}

/**
 * email2_wapprov_write_answer:
 * @doc: a document that email2_wapprov_process() ran
 * @answer: where the answer is written
 *
 * Writes the answer to @doc into @answer, as
 * email2_wapprov_write_response() describes.
 */
void
email2_wapprov_write_answer (const Email2WapprovDoc *doc,
                             Email2Answer           *answer)
{
  write_element (answer, doc->root);
}

/**
 * email2_wapprov_write_response:
 * @doc: a document that email2_wapprov_process() ran
 *
 * Writes the answer: the document as it came, with each query replaced by
 * its answer (`parm` with the value, `characteristic` with its parms,
 * `noparm` / `nocharacteristic` for what does not exist) and each failed
 * element renamed `*-error` with a `desc` attribute saying why. The value
 * of AUTHSECRET and SMTPALTPASSWORD, and of parms that name no EMAIL2
 * parameter, is never written: it is `********`; a characteristic-query
 * leaves the secrets out.
 *
 * Returns: (transfer full): the answer document, XML in UTF-8
 */
char *
email2_wapprov_write_response (const Email2WapprovDoc *doc)
{
  Email2Answer *answer = email2_answer_new_xml ();
  gsize length;

  email2_wapprov_write_answer (doc, answer);
  return email2_answer_finish (answer, 0, &length, NULL);
}
