/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * SyncML DM 1.2 (and 1.1) messages: the reader turns a request into the
 * command list of email2-command.h, the writer turns the engine's statuses
 * into the answer a device sends back (docs/DESIGN.md §2, "Response
 * numbering"). The XML itself is read by the hardened email2-xml.c.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-answer-private.h"
#include "email2-command-private.h"
#include "email2-error.h"
#include "email2-payload-private.h"
#include "email2-secure-private.h"
#include "email2-syncml.h"
#include "email2-xml-private.h"

static const char * const namespaces[] = { "SYNCML:SYNCML1.2", "SYNCML:SYNCML1.1", NULL };
static const char * const dtd_versions[] = { "1.2", "1.1", NULL };
static const char * const protocol_versions[] = { "DM/1.2", "DM/1.1", NULL };

/**
 * email2_syncml_message_free:
 * @message: (nullable): a message
 */
void
email2_syncml_message_free (Email2SyncmlMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->namespace);
  g_free (message->ver_dtd);
  g_free (message->ver_proto);
  g_free (message->session_id);
  g_free (message->msg_id);
  g_free (message->target);
  g_free (message->source);
  g_free (message->header_reason);
  g_clear_pointer (&message->commands, g_ptr_array_unref);
  g_free (message);
}

/* What an open element is to the reader. */
typedef enum {
  ROLE_DOCUMENT,
  ROLE_SYNCML,
  ROLE_HEADER,
  ROLE_REF,        /* SyncHdr Target / Source, Item Target: holds a LocURI */
  ROLE_BODY,
  ROLE_COMMAND,
  ROLE_META,       /* holds a Format */
  ROLE_ITEM,
  ROLE_VALUE,      /* text into *dest, stripped */
  ROLE_DATA,       /* text into the item's data, exact */
  ROLE_SKIP,       /* ignored, with everything inside */
} Role;

typedef struct {
  Role role;
  char **dest;            /* ROLE_VALUE, ROLE_REF, ROLE_META: where the text goes */
  Email2Command *command; /* ROLE_COMMAND */
  Email2Item *item;       /* ROLE_ITEM, ROLE_DATA */
  char *format;           /* ROLE_COMMAND: the command-level Meta Format */
} Frame;

/* The open elements the reader looks at: the document's frame, and as
 * many elements as the stream lets nest. */
#define MAX_FRAMES (EMAIL2_XML_DEFAULT_MAX_DEPTH + 1)

/* The open elements are frames, except those the reader ignores with all
 * they hold (ROLE_SKIP): those are only counted, in @skipped, so that a
 * document of many unknown or deeply nested elements costs a counter per
 * element. */
typedef struct {
  Email2SyncmlMessage *message;
  Frame frames[MAX_FRAMES];
  guint depth;            /* frames in use; the document's is the first */
  guint skipped;          /* ignored elements open inside the top frame */
  GString *text;          /* the text of the open ROLE_VALUE / ROLE_DATA */
  gboolean markup;        /* ROLE_DATA holds elements */
  gboolean header_seen;
  gboolean body_seen;
  guint n_commands;       /* commands and items so far */
} Reader;

static Frame *
reader_top (Reader *reader)
{
  return &reader->frames[reader->depth - 1];
}

static void
reader_push (Reader        *reader,
             Role           role,
             char         **dest,
             Email2Command *command,
             Email2Item    *item)
{
  if (role == ROLE_SKIP)
    {
      reader->skipped++;
      return;
    }

  if (role == ROLE_VALUE || role == ROLE_DATA)
    {
      explicit_bzero (reader->text->str, reader->text->len);
      g_string_truncate (reader->text, 0);
      reader->markup = FALSE;
    }
  /* the stream bounds the depth (EMAIL2_XML_DEFAULT_MAX_DEPTH) */
  g_assert (reader->depth < MAX_FRAMES);
  reader->frames[reader->depth++] = (Frame) { role, dest, command, item, NULL };
}

/* Every command and item costs memory until the message is answered. */
static gboolean
reader_count (Reader  *reader,
              GError **error)
{
  if (++reader->n_commands <= EMAIL2_SYNCML_MAX_COMMANDS)
    return TRUE;

  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
               _("The message exceeds the limit of %u commands and items"),
               EMAIL2_SYNCML_MAX_COMMANDS);
  return FALSE;
}

static Email2Command *
reader_new_command (Reader     *reader,
                    const char *name,
                    GPtrArray  *siblings)
{
  Email2Command *command = email2_command_new (email2_command_kind_from_name (name), name);

  g_ptr_array_add (siblings, command);
  reader_push (reader, ROLE_COMMAND, NULL, command, NULL);

  return command;
}

/* What an element does when it opens, besides becoming its frame. */
typedef enum {
  ACTION_PUSH,          /* nothing more */
  ACTION_ROOT,          /* <SyncML>: the namespace is checked and kept */
  ACTION_NOT_SYNCML,    /* any other root: the document is unusable */
  ACTION_HEADER,        /* the first <SyncHdr> */
  ACTION_BODY,          /* the first <SyncBody> */
  ACTION_NO_RESP,       /* <NoResp/> */
  ACTION_COMMAND,       /* a command of the body */
  ACTION_CHILD,         /* inside a command: a nested command or an Item */
  ACTION_DATA,          /* the first <Data> of an item */
  ACTION_MARKUP,        /* an element inside <Data> */
} Action;

/* Where the text of a ROLE_VALUE, ROLE_REF or ROLE_META frame goes. */
typedef enum {
  SLOT_NONE,
  SLOT_MESSAGE,         /* a char * field of the message, at .offset */
  SLOT_COMMAND,         /* a char * field of the open command, at .offset */
  SLOT_ITEM,            /* a char * field of the open item, at .offset */
  SLOT_PARENT,          /* where the parent frame's text goes */
  SLOT_FORMAT,          /* the open command's Meta Format */
} Slot;

/* One row: in a @parent frame, the element @name (NULL: any other) becomes
 * a @role frame whose text goes to @slot, and does @action. */
typedef struct {
  Role parent;
  const char *name;
  Role role;
  Slot slot;
  gsize offset;
  Action action;
} Rule;

#define MESSAGE(field) SLOT_MESSAGE, G_STRUCT_OFFSET (Email2SyncmlMessage, field)
#define COMMAND(field) SLOT_COMMAND, G_STRUCT_OFFSET (Email2Command, field)
#define ITEM(field) SLOT_ITEM, G_STRUCT_OFFSET (Email2Item, field)

/* The grammar of a request, in the order rows are tried; each parent's
 * rows together. */
static const Rule rules[] = {
  { ROLE_DOCUMENT, "SyncML", ROLE_SYNCML, SLOT_NONE, 0, ACTION_ROOT },
  { ROLE_DOCUMENT, NULL, ROLE_SKIP, SLOT_NONE, 0, ACTION_NOT_SYNCML },

  { ROLE_SYNCML, "SyncHdr", ROLE_HEADER, SLOT_NONE, 0, ACTION_HEADER },
  { ROLE_SYNCML, "SyncBody", ROLE_BODY, SLOT_NONE, 0, ACTION_BODY },

  { ROLE_HEADER, "VerDTD", ROLE_VALUE, MESSAGE (ver_dtd), ACTION_PUSH },
  { ROLE_HEADER, "VerProto", ROLE_VALUE, MESSAGE (ver_proto), ACTION_PUSH },
  { ROLE_HEADER, "SessionID", ROLE_VALUE, MESSAGE (session_id), ACTION_PUSH },
  { ROLE_HEADER, "MsgID", ROLE_VALUE, MESSAGE (msg_id), ACTION_PUSH },
  { ROLE_HEADER, "Target", ROLE_REF, MESSAGE (target), ACTION_PUSH },
  { ROLE_HEADER, "Source", ROLE_REF, MESSAGE (source), ACTION_PUSH },

  { ROLE_REF, "LocURI", ROLE_VALUE, SLOT_PARENT, 0, ACTION_PUSH },
  { ROLE_META, "Format", ROLE_VALUE, SLOT_PARENT, 0, ACTION_PUSH },

  /* A server's own Status and Results answer our previous message. */
  { ROLE_BODY, "Final", ROLE_SKIP, SLOT_NONE, 0, ACTION_PUSH },
  { ROLE_BODY, "Status", ROLE_SKIP, SLOT_NONE, 0, ACTION_PUSH },
  { ROLE_BODY, "Results", ROLE_SKIP, SLOT_NONE, 0, ACTION_PUSH },
  { ROLE_BODY, NULL, ROLE_COMMAND, SLOT_NONE, 0, ACTION_COMMAND },

  { ROLE_COMMAND, "CmdID", ROLE_VALUE, COMMAND (cmd_id), ACTION_PUSH },
  { ROLE_COMMAND, "NoResp", ROLE_SKIP, SLOT_NONE, 0, ACTION_NO_RESP },
  { ROLE_COMMAND, "Meta", ROLE_META, SLOT_FORMAT, 0, ACTION_PUSH },
  { ROLE_COMMAND, "Cred", ROLE_SKIP, SLOT_NONE, 0, ACTION_PUSH },
  { ROLE_COMMAND, NULL, ROLE_SKIP, SLOT_NONE, 0, ACTION_CHILD },

  { ROLE_ITEM, "Target", ROLE_REF, ITEM (target), ACTION_PUSH },
  { ROLE_ITEM, "Meta", ROLE_META, ITEM (format), ACTION_PUSH },
  { ROLE_ITEM, "Data", ROLE_DATA, SLOT_NONE, 0, ACTION_DATA },

  { ROLE_DATA, NULL, ROLE_SKIP, SLOT_NONE, 0, ACTION_MARKUP },
};

G_STATIC_ASSERT (G_N_ELEMENTS (rules) < G_MAXUINT8);

static const Rule skip_rule = { ROLE_SKIP, NULL, ROLE_SKIP, SLOT_NONE, 0, ACTION_PUSH };

static const Rule *
rule_for (Role        parent,
          const char *name)
{
  /* Each parent's rows are together. Where the rows of a parent whose
   * names start with a letter begin, and each parent's row for any other
   * name, are found once: an element the grammar does not name (a hostile
   * document's many) then costs two lookups and no string comparison. */
  static gsize done;
  static guint8 first[ROLE_SKIP + 1][128];
  static guint8 other[ROLE_SKIP + 1];
  guint8 c = (guint8) name[0];

  if (g_once_init_enter (&done))
    {
      memset (first, G_N_ELEMENTS (rules), sizeof first);
      memset (other, G_N_ELEMENTS (rules), sizeof other);
      for (guint i = G_N_ELEMENTS (rules); i-- > 0; )
        {
          if (rules[i].name == NULL)
            other[rules[i].parent] = i;
          else
            first[rules[i].parent][(guint8) rules[i].name[0]] = i;
        }
      g_once_init_leave (&done, 1);
    }

  if (c < 128)
    {
      for (guint i = first[parent][c]; i < G_N_ELEMENTS (rules) && rules[i].parent == parent; i++)
        if (rules[i].name != NULL && rules[i].name[0] == name[0] && strcmp (rules[i].name, name) == 0)
          return &rules[i];
    }

  return other[parent] < G_N_ELEMENTS (rules) ? &rules[other[parent]] : &skip_rule;
}

static char **
slot_address (const Rule    *rule,
              Reader        *reader,
              Frame         *parent)
{
  switch (rule->slot)
    {
    case SLOT_MESSAGE:
      return G_STRUCT_MEMBER_P (reader->message, rule->offset);
    case SLOT_COMMAND:
      return G_STRUCT_MEMBER_P (parent->command, rule->offset);
    case SLOT_ITEM:
      return G_STRUCT_MEMBER_P (parent->item, rule->offset);
    case SLOT_PARENT:
      return parent->dest;
    case SLOT_FORMAT:
      return &parent->format;
    case SLOT_NONE:
    default:
      return NULL;
    }
}

/* Inside a command: an Atomic's or Sequence's command, or an Item. */
static gboolean
reader_command_child (Reader      *reader,
                      Frame       *parent,
                      const char  *name,
                      GError     **error)
{
  Email2Command *command = parent->command;

  if (command->kind == EMAIL2_COMMAND_INVALID)
    reader_push (reader, ROLE_SKIP, NULL, NULL, NULL);
  else if (!reader_count (reader, error))
    return FALSE;
  else if (command->children != NULL)
    reader_new_command (reader, name, command->children);
  else if (strcmp (name, "Item") == 0)
    {
      Email2Item *item = email2_item_new ();

      g_ptr_array_add (command->items, item);
      reader_push (reader, ROLE_ITEM, NULL, NULL, item);
    }
  else
    reader_push (reader, ROLE_SKIP, NULL, NULL, NULL);

  return TRUE;
}

static gboolean
reader_start (gpointer            user_data,
              const char         *name,
              const char         *ns,
              const char * const *attributes,
              GError            **error)
{
  Reader *reader = user_data;
  Frame *parent;
  const Rule *rule;
  gboolean *once = NULL;

  if (reader->skipped > 0)
    {
      reader->skipped++;
      return TRUE;
    }

  parent = reader_top (reader);
  rule = rule_for (parent->role, name);
  switch (rule->action)
    {
    case ACTION_ROOT:
      if (ns != NULL && g_ascii_strncasecmp (ns, "SYNCML:SYNCML1.", 15) != 0)
        break;
      reader->message->namespace = g_strdup (ns != NULL ? ns : namespaces[0]);
      reader_push (reader, rule->role, NULL, NULL, NULL);
      return TRUE;

    case ACTION_NOT_SYNCML:
      break;

    case ACTION_HEADER:
    case ACTION_BODY:
      once = rule->action == ACTION_HEADER ? &reader->header_seen : &reader->body_seen;
      reader_push (reader, *once ? ROLE_SKIP : rule->role, NULL, NULL, NULL);
      *once = TRUE;
      return TRUE;

    case ACTION_NO_RESP:
      parent->command->no_resp = TRUE;
      reader_push (reader, rule->role, NULL, NULL, NULL);
      return TRUE;

    case ACTION_COMMAND:
      if (!reader_count (reader, error))
        return FALSE;
      reader_new_command (reader, name, reader->message->commands);
      return TRUE;

    case ACTION_CHILD:
      return reader_command_child (reader, parent, name, error);

    case ACTION_DATA:
      /* The first Data of an item counts. */
      reader_push (reader, parent->item->data == NULL ? rule->role : ROLE_SKIP, NULL, NULL, parent->item);
      return TRUE;

    case ACTION_MARKUP:
      reader->markup = TRUE;
      reader_push (reader, rule->role, NULL, NULL, NULL);
      return TRUE;

    case ACTION_PUSH:
    default:
      reader_push (reader, rule->role, slot_address (rule, reader, parent), NULL, NULL);
      return TRUE;
    }

  g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
               _("The document is not a SyncML DM message"));
  return FALSE;
}

static void
reader_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
  Reader *reader = user_data;
  Role role = reader_top (reader)->role;

  if (reader->skipped == 0 && (role == ROLE_VALUE || role == ROLE_DATA))
    {
      /* Grown by copy and wipe: the text may be a password. */
      email2_secure_string_reserve (reader->text, length);
      g_string_append_len (reader->text, text, length);
    }
}

static void
finish_command (Email2Command *command,
                char          *format)
{
  if (command->cmd_id != NULL && command->cmd_id[0] == '\0')
    g_clear_pointer (&command->cmd_id, g_free);

  for (guint i = 0; i < command->items->len; i++)
    {
      Email2Item *item = command->items->pdata[i];

      if (item->format != NULL && item->format[0] == '\0')
        g_clear_pointer (&item->format, g_free);
      if (item->format == NULL)
        item->format = g_strdup (format);

      if (item->target == NULL || item->target[0] == '\0')
        {
          item->status = 400;
          g_free (item->reason);
          item->reason = g_strdup (_("The item has no Target LocURI"));
        }
    }

  if (command->kind == EMAIL2_COMMAND_INVALID)
    {
      command->status = 400;
      command->reason = g_strdup_printf (_("<%s> is not an OMA DM command"), command->name);
    }
  else if (command->cmd_id == NULL)
    {
      command->status = 400;
      command->reason = g_strdup (_("The command has no CmdID"));
    }
  else if (command->children == NULL && command->kind != EMAIL2_COMMAND_OTHER &&
           command->items->len == 0)
    {
      command->status = 400;
      command->reason = g_strdup (_("The command has no Item"));
    }
}

static void
reader_end (gpointer user_data)
{
  Reader *reader = user_data;
  Frame frame;

  if (reader->skipped > 0)
    {
      reader->skipped--;
      return;
    }
  frame = reader->frames[--reader->depth];

  switch (frame.role)
    {
    case ROLE_VALUE:
      /* The first of repeated elements counts. */
      if (*frame.dest == NULL)
        *frame.dest = g_strstrip (g_strndup (reader->text->str, reader->text->len));
      break;

    case ROLE_DATA:
      frame.item->data = g_strndup (reader->text->str, reader->text->len);
      if (reader->markup)
        {
          frame.item->status = 415;
          frame.item->reason = g_strdup (_("Data holds markup; EMAIL2 values are text"));
        }
      break;

    case ROLE_COMMAND:
      finish_command (frame.command, frame.format);
      g_free (frame.format);
      break;

    default:
      break;
    }
}

static void
read_header (Email2SyncmlMessage *message)
{
  message->header_status = 200;

  if (message->ver_dtd == NULL || !g_strv_contains (dtd_versions, message->ver_dtd))
    {
      message->header_status = 505;
      message->header_reason = g_strdup_printf (_("SyncML DTD version “%s” is not supported"),
                                                message->ver_dtd ? message->ver_dtd : "");
    }
  else if (message->ver_proto == NULL || !g_strv_contains (protocol_versions, message->ver_proto))
    {
      message->header_status = 513;
      message->header_reason = g_strdup_printf (_("Protocol “%s” is not supported"),
                                                message->ver_proto ? message->ver_proto : "");
    }
  else if (message->msg_id == NULL || message->session_id == NULL)
    {
      message->header_status = 400;
      message->header_reason = g_strdup (_("The SyncHdr lacks SessionID or MsgID"));
    }
}

/**
 * email2_syncml_read:
 * @stream: what streams the document: email2_xml_parse() or
 *   email2_wbxml_parse()
 * @data: a SyncML DM message, XML or WBXML as @stream reads
 * @length: its length in bytes
 * @error: return location for a #GError
 *
 * Reads a request message with the hardened streaming XML reader or the
 * WBXML decoder. Problems of single commands (no CmdID, an unknown
 * element) are not errors: they become the status of that command.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when the
 *   document cannot be used at all (%EMAIL2_ERROR_INVALID_INPUT,
 *   %EMAIL2_ERROR_LIMIT)
 */
Email2SyncmlMessage *
email2_syncml_read (Email2XmlStream   stream,
                    const char       *data,
                    gsize             length,
                    GError          **error)
{
  static const Email2XmlHandler handler = { reader_start, reader_end, reader_text };
  g_autoptr(Email2SyncmlMessage) message = g_new0 (Email2SyncmlMessage, 1);
  Reader reader = { message, };
  gboolean ok;

  message->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  reader.text = g_string_new (NULL);
  reader.frames[reader.depth++] = (Frame) { ROLE_DOCUMENT, NULL, NULL, NULL, NULL };

  ok = stream (data, length, NULL, &handler, &reader, error);

  /* A document stopped half-way leaves commands open: their formats. */
  for (guint i = 0; i < reader.depth; i++)
    g_free (reader.frames[i].format);
  explicit_bzero (reader.text->str, reader.text->len);
  g_string_free (reader.text, TRUE);

  if (!ok)
    return NULL;

  if (!reader.header_seen || !reader.body_seen)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The SyncML message lacks its SyncHdr or SyncBody"));
      return NULL;
    }

  read_header (message);

  return g_steal_pointer (&message);
}

static void
write_status (Email2Answer *answer,
              guint         cmd_id,
              const char   *msg_ref,
              const char   *cmd_ref,
              const char   *cmd,
              const char   *target_ref,
              const char   *source_ref,
              guint         code)
{
  static const char * const none[] = { NULL };
  char number[16];

  email2_answer_start (answer, "Status", NULL, none);
  g_snprintf (number, sizeof number, "%u", cmd_id);
  email2_answer_element (answer, "CmdID", number);
  email2_answer_element (answer, "MsgRef", msg_ref);
  email2_answer_element (answer, "CmdRef", cmd_ref);
  email2_answer_element (answer, "Cmd", cmd);
  if (target_ref != NULL)
    email2_answer_element (answer, "TargetRef", target_ref);
  if (source_ref != NULL)
    email2_answer_element (answer, "SourceRef", source_ref);
  g_snprintf (number, sizeof number, "%u", code);
  email2_answer_element (answer, "Data", number);
  email2_answer_end (answer);
}

static void
write_meta_element (Email2Answer *answer,
                    const char   *name,
                    const char   *text)
{
  static const char * const none[] = { NULL };

  email2_answer_start (answer, name, "syncml:metinf", none);
  email2_answer_text (answer, text);
  email2_answer_end (answer);
}

static void
write_results (Email2Answer       *answer,
               guint               cmd_id,
               const char         *msg_ref,
               const Email2Status *status)
{
  static const char * const none[] = { NULL };
  char number[16];

  email2_answer_start (answer, "Results", NULL, none);
  g_snprintf (number, sizeof number, "%u", cmd_id);
  email2_answer_element (answer, "CmdID", number);
  email2_answer_element (answer, "MsgRef", msg_ref);
  email2_answer_element (answer, "CmdRef", status->cmd_ref);
  email2_answer_start (answer, "Item", NULL, none);
  email2_answer_start (answer, "Source", NULL, none);
  email2_answer_element (answer, "LocURI", status->target_ref);
  email2_answer_end (answer);
  email2_answer_start (answer, "Meta", NULL, none);
  write_meta_element (answer, "Format", status->result_format);
  write_meta_element (answer, "Type", "text/plain");
  email2_answer_end (answer);
  email2_answer_element (answer, "Data", status->result_data);
  email2_answer_end (answer);
  email2_answer_end (answer);
}

static void
write_locuri (Email2Answer *answer,
              const char   *name,
              const char   *locuri)
{
  static const char * const none[] = { NULL };

  email2_answer_start (answer, name, NULL, none);
  email2_answer_element (answer, "LocURI", locuri);
  email2_answer_end (answer);
}

/**
 * email2_syncml_write_answer:
 * @request: the request message
 * @statuses: (element-type Email2Status): what the engine answered, in order
 * @answer: where the answer is written
 *
 * Writes the device's answer to @request into @answer, as
 * email2_syncml_write_response() describes.
 */
void
email2_syncml_write_answer (const Email2SyncmlMessage *request,
                            GPtrArray                 *statuses,
                            Email2Answer              *answer)
{
  static const char * const none[] = { NULL };
  guint cmd_id = 1;

  email2_answer_start (answer, "SyncML", request->namespace, none);
  email2_answer_start (answer, "SyncHdr", NULL, none);
  email2_answer_element (answer, "VerDTD", request->ver_dtd != NULL ? request->ver_dtd : "1.2");
  email2_answer_element (answer, "VerProto", request->ver_proto != NULL ? request->ver_proto : "DM/1.2");
  email2_answer_element (answer, "SessionID", request->session_id);
  email2_answer_element (answer, "MsgID", "1");
  write_locuri (answer, "Target", request->source);
  write_locuri (answer, "Source", request->target);
  email2_answer_end (answer);
  email2_answer_start (answer, "SyncBody", NULL, none);

  write_status (answer, cmd_id++, request->msg_id, "0", "SyncHdr",
                request->target, request->source, request->header_status);

  for (guint i = 0; i < statuses->len; i++)
    {
      const Email2Status *status = statuses->pdata[i];

      if (status->no_resp)
        continue;
      write_status (answer, cmd_id++, request->msg_id, status->cmd_ref, status->cmd,
                    status->target_ref, NULL, status->code);
      if (status->result_format != NULL)
        write_results (answer, cmd_id++, request->msg_id, status);
    }

  email2_answer_start (answer, "Final", NULL, none);
  email2_answer_end (answer);
  email2_answer_end (answer);
  email2_answer_end (answer);
}

/**
 * email2_syncml_write_response:
 * @request: the request message
 * @statuses: (element-type Email2Status): what the engine answered, in order
 *
 * Writes the device's answer: the SyncHdr with Target and Source swapped
 * and the SessionID echoed, the SyncHdr's Status (CmdRef 0), then one
 * Status per answered command or item (those with NoResp left out), each
 * Get's Results right after its Status, and Final.
 *
 * Returns: (transfer full): the answer document, XML in UTF-8
 */
char *
email2_syncml_write_response (const Email2SyncmlMessage *request,
                              GPtrArray                 *statuses)
{
  Email2Answer *answer = email2_answer_new_xml ();
  gsize length;

  email2_syncml_write_answer (request, statuses, answer);
  return email2_answer_finish (answer, 0, &length, NULL);
}
