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

#include "email2-error.h"
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

static const xmlNode *
find_child (const xmlNode *node,
            const char    *name)
{
  for (const xmlNode *child = node->children; child != NULL; child = child->next)
    if (email2_xml_is (child, name))
      return child;

  return NULL;
}

static char *
child_text (const xmlNode *node,
            const char    *name)
{
  const xmlNode *child = find_child (node, name);

  return child != NULL ? email2_xml_text (child, TRUE, NULL) : NULL;
}

/* <Target><LocURI>…</LocURI></Target> and the like */
static char *
loc_uri (const xmlNode *node,
         const char    *name)
{
  const xmlNode *child = find_child (node, name);

  return child != NULL ? child_text (child, "LocURI") : NULL;
}

static char *
meta_format (const xmlNode *node)
{
  const xmlNode *meta = find_child (node, "Meta");
  char *format;

  if (meta == NULL)
    return NULL;

  format = child_text (meta, "Format");
  if (format != NULL && format[0] == '\0')
    g_clear_pointer (&format, g_free);

  return format;
}

static Email2Item *
read_item (const xmlNode *node,
           const char    *command_format)
{
  Email2Item *item = email2_item_new ();
  const xmlNode *data = find_child (node, "Data");

  item->target = loc_uri (node, "Target");
  item->format = meta_format (node);
  if (item->format == NULL)
    item->format = g_strdup (command_format);

  if (data != NULL)
    {
      gboolean markup = FALSE;

      item->data = email2_xml_text (data, FALSE, &markup);
      if (markup)
        {
          item->status = 415;
          item->reason = g_strdup (_("Data holds markup; EMAIL2 values are text"));
        }
    }

  if (item->target == NULL || item->target[0] == '\0')
    {
      item->status = 400;
      g_free (item->reason);
      item->reason = g_strdup (_("The item has no Target LocURI"));
    }

  return item;
}

static Email2Command *
read_command (const xmlNode *node)
{
  Email2CommandKind kind = email2_command_kind_from_name ((const char *) node->name);
  Email2Command *command = email2_command_new (kind, (const char *) node->name);
  g_autofree char *format = NULL;

  command->cmd_id = child_text (node, "CmdID");
  if (command->cmd_id != NULL && command->cmd_id[0] == '\0')
    g_clear_pointer (&command->cmd_id, g_free);
  command->no_resp = find_child (node, "NoResp") != NULL;

  if (kind == EMAIL2_COMMAND_INVALID)
    {
      command->status = 400;
      command->reason = g_strdup_printf (_("<%s> is not an OMA DM command"), node->name);
      return command;
    }

  format = meta_format (node);

  for (const xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE ||
          email2_xml_is (child, "CmdID") || email2_xml_is (child, "NoResp") ||
          email2_xml_is (child, "Meta") || email2_xml_is (child, "Cred"))
        continue;

      if (command->children != NULL)
        g_ptr_array_add (command->children, read_command (child));
      else if (email2_xml_is (child, "Item"))
        g_ptr_array_add (command->items, read_item (child, format));
    }

  if (command->cmd_id == NULL)
    {
      command->status = 400;
      command->reason = g_strdup (_("The command has no CmdID"));
    }
  else if (command->children == NULL && kind != EMAIL2_COMMAND_OTHER && command->items->len == 0)
    {
      command->status = 400;
      command->reason = g_strdup (_("The command has no Item"));
    }

  return command;
}

static void
read_header (Email2SyncmlMessage *message,
             const xmlNode       *header)
{
  message->ver_dtd = child_text (header, "VerDTD");
  message->ver_proto = child_text (header, "VerProto");
  message->session_id = child_text (header, "SessionID");
  message->msg_id = child_text (header, "MsgID");
  message->target = loc_uri (header, "Target");
  message->source = loc_uri (header, "Source");
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
 * email2_syncml_parse:
 * @data: a SyncML DM message (XML)
 * @length: its length in bytes
 * @error: return location for a #GError
 *
 * Reads a request message with the hardened XML reader. Problems of single
 * commands (no CmdID, an unknown element) are not errors: they become the
 * status of that command.
 *
 * Returns: (transfer full) (nullable): the message, or %NULL when the
 *   document cannot be used at all (%EMAIL2_ERROR_INVALID_INPUT,
 *   %EMAIL2_ERROR_LIMIT)
 */
Email2SyncmlMessage *
email2_syncml_parse (const char  *data,
                     gsize        length,
                     GError     **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(Email2SyncmlMessage) message = NULL;
  const xmlNode *root, *header, *body;

  doc = email2_xml_parse (data, length, NULL, error);
  if (doc == NULL)
    return NULL;

  root = xmlDocGetRootElement (doc);
  if (root == NULL || !email2_xml_is (root, "SyncML") ||
      (root->ns != NULL && root->ns->href != NULL &&
       !g_strv_contains (namespaces, (const char *) root->ns->href) &&
       g_ascii_strncasecmp ((const char *) root->ns->href, "SYNCML:SYNCML1.", 15) != 0))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document is not a SyncML DM message"));
      return NULL;
    }

  header = find_child (root, "SyncHdr");
  body = find_child (root, "SyncBody");
  if (header == NULL || body == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The SyncML message lacks its SyncHdr or SyncBody"));
      return NULL;
    }

  message = g_new0 (Email2SyncmlMessage, 1);
  message->namespace = g_strdup (root->ns != NULL && root->ns->href != NULL
                                 ? (const char *) root->ns->href : namespaces[0]);
  message->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_command_free);
  read_header (message, header);

  for (const xmlNode *child = body->children; child != NULL; child = child->next)
    {
      /* A server's own Status and Results answer our previous message. */
      if (child->type != XML_ELEMENT_NODE || email2_xml_is (child, "Final") ||
          email2_xml_is (child, "Status") || email2_xml_is (child, "Results"))
        continue;
      g_ptr_array_add (message->commands, read_command (child));
    }

  return g_steal_pointer (&message);
}

static void
append_element (GString    *out,
                const char *indent,
                const char *name,
                const char *text)
{
  g_string_append (out, indent);
  g_string_append_c (out, '<');
  g_string_append (out, name);
  g_string_append_c (out, '>');
  email2_xml_escape (out, text != NULL ? text : "");
  g_string_append (out, "</");
  g_string_append (out, name);
  g_string_append (out, ">\n");
}

static void
append_status (GString    *out,
               guint       cmd_id,
               const char *msg_ref,
               const char *cmd_ref,
               const char *cmd,
               const char *target_ref,
               const char *source_ref,
               guint       code)
{
  char number[16];

  g_string_append (out, "    <Status>\n");
  g_snprintf (number, sizeof number, "%u", cmd_id);
  append_element (out, "      ", "CmdID", number);
  append_element (out, "      ", "MsgRef", msg_ref);
  append_element (out, "      ", "CmdRef", cmd_ref);
  append_element (out, "      ", "Cmd", cmd);
  if (target_ref != NULL)
    append_element (out, "      ", "TargetRef", target_ref);
  if (source_ref != NULL)
    append_element (out, "      ", "SourceRef", source_ref);
  g_snprintf (number, sizeof number, "%u", code);
  append_element (out, "      ", "Data", number);
  g_string_append (out, "    </Status>\n");
}

static void
append_results (GString            *out,
                guint               cmd_id,
                const char         *msg_ref,
                const Email2Status *status)
{
  char number[16];

  g_string_append (out, "    <Results>\n");
  g_snprintf (number, sizeof number, "%u", cmd_id);
  append_element (out, "      ", "CmdID", number);
  append_element (out, "      ", "MsgRef", msg_ref);
  append_element (out, "      ", "CmdRef", status->cmd_ref);
  g_string_append (out, "      <Item>\n");
  g_string_append (out, "        <Source>\n");
  append_element (out, "          ", "LocURI", status->target_ref);
  g_string_append (out, "        </Source>\n");
  g_string_append (out, "        <Meta>\n          <Format xmlns=\"syncml:metinf\">");
  email2_xml_escape (out, status->result_format);
  g_string_append (out, "</Format>\n          <Type xmlns=\"syncml:metinf\">text/plain</Type>\n"
                        "        </Meta>\n");
  append_element (out, "        ", "Data", status->result_data);
  g_string_append (out, "      </Item>\n");
  g_string_append (out, "    </Results>\n");
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
 * Returns: (transfer full): the answer document, UTF-8
 */
char *
email2_syncml_write_response (const Email2SyncmlMessage *request,
                              GPtrArray                 *statuses)
{
  GString *out = g_string_sized_new (512 + 256 * statuses->len);
  guint cmd_id = 1;

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SyncML xmlns=\"");
  email2_xml_escape (out, request->namespace);
  g_string_append (out, "\">\n  <SyncHdr>\n");
  append_element (out, "    ", "VerDTD", request->ver_dtd != NULL ? request->ver_dtd : "1.2");
  append_element (out, "    ", "VerProto", request->ver_proto != NULL ? request->ver_proto : "DM/1.2");
  append_element (out, "    ", "SessionID", request->session_id);
  append_element (out, "    ", "MsgID", "1");
  g_string_append (out, "    <Target>\n");
  append_element (out, "      ", "LocURI", request->source);
  g_string_append (out, "    </Target>\n    <Source>\n");
  append_element (out, "      ", "LocURI", request->target);
  g_string_append (out, "    </Source>\n  </SyncHdr>\n  <SyncBody>\n");

  append_status (out, cmd_id++, request->msg_id, "0", "SyncHdr",
                 request->target, request->source, request->header_status);

  for (guint i = 0; i < statuses->len; i++)
    {
      const Email2Status *status = statuses->pdata[i];

      if (status->no_resp)
        continue;
      append_status (out, cmd_id++, request->msg_id, status->cmd_ref, status->cmd,
                     status->target_ref, NULL, status->code);
      if (status->result_format != NULL)
        append_results (out, cmd_id++, request->msg_id, status);
    }

  g_string_append (out, "    <Final/>\n  </SyncBody>\n</SyncML>\n");

  return g_string_free (out, FALSE);
}
