/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * email2ctl --json: every command's answer as one JSON object, written
 * with json-glib. The schemas are in docs/json.md; each object carries
 * "version" (EMAIL2CTL_JSON_VERSION) and "command".
 */

#include "config.h"

#include <stdio.h>

#include "email2ctl-private.h"

/* Set by main() when the command line asks for JSON: the command's name. */
const char *email2ctl_json_command;

/**
 * email2ctl_json_new:
 * @command: the command's name
 *
 * Starts the answer object of @command, with its "version" and "command".
 *
 * Returns: (transfer full): a builder inside the answer object
 */
JsonBuilder *
email2ctl_json_new (const char *command)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, EMAIL2CTL_JSON_VERSION);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command);

  return builder;
}

/**
 * email2ctl_json_add_string:
 * @builder: a builder inside an object
 * @key: the member's name
 * @value: (nullable): its value; %NULL is JSON null
 */
void
email2ctl_json_add_string (JsonBuilder *builder,
                           const char  *key,
                           const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/**
 * email2ctl_json_add_strv:
 * @builder: a builder inside an object
 * @key: the member's name
 * @strv: (nullable): the strings; %NULL is an empty array
 */
void
email2ctl_json_add_strv (JsonBuilder        *builder,
                         const char         *key,
                         const char * const *strv)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
}

/**
 * email2ctl_json_print:
 * @builder: (transfer full): a builder from email2ctl_json_new()
 *
 * Closes the answer object and prints it on standard output.
 */
void
email2ctl_json_print (JsonBuilder *builder)
{
  g_autoptr(JsonBuilder) owned = builder;
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_end_object (owned);
  root = json_builder_get_root (owned);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/**
 * email2ctl_json_error:
 * @kind: what went wrong, one of the words of docs/json.md ("usage",
 *   "input", "no-session-bus", "registry", "probe")
 * @message: the message for people, already printed on standard error
 *
 * With --json, prints the error object on standard output; without, does
 * nothing.
 */
void
email2ctl_json_error (const char *kind,
                      const char *message)
{
  JsonBuilder *builder;

  if (email2ctl_json_command == NULL)
    return;

  builder = email2ctl_json_new (email2ctl_json_command);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  email2ctl_json_add_string (builder, "kind", kind);
  email2ctl_json_add_string (builder, "message", message);
  json_builder_end_object (builder);
  email2ctl_json_print (builder);
}

/* Every key of a payload summary and of each of its statuses, in the order
 * they are written: a key the summary leaves out is null, so that the
 * keys are the same for every payload format. */
static const struct {
  const char *key;
  const GVariantType *type;
} summary_keys[] = {
  { "ok", G_VARIANT_TYPE_BOOLEAN },
  { "format", G_VARIANT_TYPE_STRING },
  { "encoding", G_VARIANT_TYPE_STRING },
  { "session_id", G_VARIANT_TYPE_STRING },
  { "msg_id", G_VARIANT_TYPE_STRING },
}, status_keys[] = {
  { "cmd", G_VARIANT_TYPE_STRING },
  { "cmd_ref", G_VARIANT_TYPE_STRING },
  { "target", G_VARIANT_TYPE_STRING },
  { "status", G_VARIANT_TYPE_UINT32 },
  { "reason", G_VARIANT_TYPE_STRING },
  { "format", G_VARIANT_TYPE_STRING },
  { "data", G_VARIANT_TYPE_STRING },
};

static void
add_member (JsonBuilder        *builder,
            GVariantDict       *dict,
            const char         *key,
            const GVariantType *type)
{
  g_autoptr(GVariant) value = g_variant_dict_lookup_value (dict, key, type);

  json_builder_set_member_name (builder, key);
  if (value == NULL)
    json_builder_add_null_value (builder);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    json_builder_add_boolean_value (builder, g_variant_get_boolean (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    json_builder_add_int_value (builder, g_variant_get_uint32 (value));
  else
    json_builder_add_string_value (builder, g_variant_get_string (value, NULL));
}

/**
 * email2ctl_json_add_summary:
 * @builder: a builder inside the answer object
 * @summary: an `a{sv}` from email2_payload_get_summary()
 *
 * Adds a payload's summary: "ok", "format", "encoding", "session_id",
 * "msg_id", "header" and "statuses", every key always present.
 */
void
email2ctl_json_add_summary (JsonBuilder *builder,
                            GVariant    *summary)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (summary);
  g_autoptr(GVariant) statuses = NULL;
  guint32 header_status = 0;
  const char *header_reason = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (summary_keys); i++)
    add_member (builder, &dict, summary_keys[i].key, summary_keys[i].type);

  json_builder_set_member_name (builder, "header");
  if (g_variant_dict_lookup (&dict, "header_status", "u", &header_status))
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_int_value (builder, header_status);
      if (!g_variant_dict_lookup (&dict, "header_reason", "&s", &header_reason))
        header_reason = NULL;
      email2ctl_json_add_string (builder, "reason", header_reason);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);

  json_builder_set_member_name (builder, "statuses");
  json_builder_begin_array (builder);
  statuses = g_variant_dict_lookup_value (&dict, "statuses", G_VARIANT_TYPE ("aa{sv}"));
  for (gsize i = 0; statuses != NULL && i < g_variant_n_children (statuses); i++)
    {
      g_autoptr(GVariant) entry = g_variant_get_child_value (statuses, i);
      g_auto(GVariantDict) status = G_VARIANT_DICT_INIT (entry);

      json_builder_begin_object (builder);
      for (guint j = 0; j < G_N_ELEMENTS (status_keys); j++)
        add_member (builder, &status, status_keys[j].key, status_keys[j].type);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}
