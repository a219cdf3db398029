/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * One way in for every payload: SyncML DM or OMA CP, XML or WBXML, told
 * apart from the content (the WBXML version byte, then the root element
 * read by the hardened reader), run through the engine, and answered in
 * the request's format and encoding.
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#include "email2-command-private.h"
#include "email2-error.h"
#include "email2-payload.h"
#include "email2-payload-private.h"
#include "email2-secure-private.h"
#include "email2-wbxml-private.h"

/* Email2Payload:
 * @format: %EMAIL2_FORMAT_SYNCML or %EMAIL2_FORMAT_CP
 * @encoding: the request's encoding, and the answer's
 * @wbxml_version: for WBXML, the request's version byte
 * @syncml: (nullable): the message, for SyncML
 * @cp: (nullable): the document, for CP
 * @statuses: (element-type Email2Status) (nullable): what the engine
 *   answered, once processed
 * @ok: once processed, whether everything succeeded
 *
 * A payload of either format in either encoding, read, run and answered
 * the same way.
 */
struct _Email2Payload {
  Email2Format format;
  Email2Encoding encoding;
  guint wbxml_version;
  Email2SyncmlMessage *syncml;
  Email2WapprovDoc *cp;
  GPtrArray *statuses;
  gboolean ok;
};

static const char * const format_names[] = {
  [EMAIL2_FORMAT_AUTO] = "auto",
  [EMAIL2_FORMAT_SYNCML] = "syncml",
  [EMAIL2_FORMAT_CP] = "cp",
};

/**
 * email2_format_to_string:
 * @format: a format
 *
 * Returns: `auto`, `syncml` or `cp`
 */
const char *
email2_format_to_string (Email2Format format)
{
  g_return_val_if_fail (format <= EMAIL2_FORMAT_CP, NULL);

  return format_names[format];
}

/**
 * email2_format_from_string:
 * @name: `auto`, `syncml` or `cp`
 * @format: (out): the format
 *
 * Returns: whether @name names a format
 */
gboolean
email2_format_from_string (const char   *name,
                           Email2Format *format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_strcmp0 (name, format_names[i]) == 0)
      {
        *format = i;
        return TRUE;
      }

  return FALSE;
}

/**
 * email2_payload_free:
 * @payload: (nullable): a payload
 */
void
email2_payload_free (Email2Payload *payload)
{
  if (payload == NULL)
    return;

  g_clear_pointer (&payload->syncml, email2_syncml_message_free);
  g_clear_pointer (&payload->cp, email2_wapprov_doc_free);
  g_clear_pointer (&payload->statuses, g_ptr_array_unref);
  g_free (payload);
}

typedef struct {
  char *root;
} Detect;

static gboolean
detect_start (gpointer            user_data,
              const char         *name,
              const char         *ns,
              const char * const *attributes,
              GError            **error)
{
  Detect *detect = user_data;

  detect->root = g_strdup (name);
  /* Stops the reader: the root is all detection needs. */
  g_set_error_literal (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, "root element found");
  return FALSE;
}

static void
detect_end (gpointer user_data)
{
}

static void
detect_text (gpointer    user_data,
             const char *text,
             gsize       length)
{
}

/* Reads up to the root element with @stream. */
static gboolean
detect_format (Email2XmlStream   stream,
               const char       *data,
               gsize             length,
               Email2Format     *format,
               GError          **error)
{
  static const Email2XmlHandler handler = { detect_start, detect_end, detect_text };
  Detect detect = { NULL };
  g_autoptr(GError) local_error = NULL;
  g_autofree char *root = NULL;

  stream (data, length, NULL, &handler, &detect, &local_error);
  root = g_steal_pointer (&detect.root);

  if (root == NULL)
    {
      if (local_error == NULL)
        g_set_error (&local_error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                     _("The document has no root element"));
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (strcmp (root, "SyncML") == 0)
    *format = EMAIL2_FORMAT_SYNCML;
  else if (strcmp (root, "wap-provisioningdoc") == 0)
    *format = EMAIL2_FORMAT_CP;
  else
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The document is neither a SyncML DM message nor an OMA Client "
                     "Provisioning document (wap-provisioningdoc)"));
      return FALSE;
    }

  return TRUE;
}

/**
 * email2_payload_parse:
 * @data: the payload as received
 * @length: its length in bytes
 * @format: %EMAIL2_FORMAT_AUTO to tell the format from the content, or the
 *   format to read it as
 * @error: return location for a #GError
 *
 * Reads a payload of either format in either encoding: XML through the
 * hardened reader (email2-xml.c), WBXML through the decoder
 * (email2-wbxml-decoder.c), each streaming the document, with the same
 * bounds, to the SyncML or CP reader.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL when it
 *   cannot be used at all
 */
Email2Payload *
email2_payload_parse (const char    *data,
                      gsize          length,
                      Email2Format   format,
                      GError       **error)
{
  g_autoptr(Email2Payload) payload = g_new0 (Email2Payload, 1);
  Email2XmlStream stream = email2_xml_parse;

  g_return_val_if_fail (format <= EMAIL2_FORMAT_CP, NULL);

  if (email2_wbxml_detect (data, length))
    {
      payload->encoding = EMAIL2_ENCODING_WBXML;
      payload->wbxml_version = (guchar) data[0];
      stream = email2_wbxml_parse;
    }

  if (format != EMAIL2_FORMAT_AUTO || detect_format (stream, data, length, &format, error))
    {
      payload->format = format;
      if (format == EMAIL2_FORMAT_SYNCML)
        payload->syncml = email2_syncml_read (stream, data, length, error);
      else
        payload->cp = email2_wapprov_read (stream, data, length, error);
    }

  if (payload->syncml == NULL && payload->cp == NULL)
    return NULL;

  return g_steal_pointer (&payload);
}

/**
 * email2_payload_parse_fd:
 * @fd: a regular file (a memfd, best sealed) holding the payload; read
 *   from its current offset to its end
 * @format: as for email2_payload_parse()
 * @error: return location for a #GError
 *
 * Reads a payload handed over as a file descriptor (the D-Bus service's
 * Apply), so that no message on the bus holds it. Only a regular file is
 * read: a pipe or a socket could stall the reader forever. The bytes go
 * into memory that no core dump holds and that is wiped when it is freed;
 * more than the document size limit (one byte more is read) is refused by
 * the reader.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL when it
 *   cannot be used at all (%EMAIL2_ERROR_INVALID_INPUT when @fd is no
 *   regular file or cannot be read)
 */
Email2Payload *
email2_payload_parse_fd (int            fd,
                         Email2Format   format,
                         GError       **error)
{
  g_autoptr(Email2SecureBuffer) buffer = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;

  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The payload must be handed over as a regular file or a memfd"));
      return NULL;
    }

  buffer = email2_secure_buffer_read_fd (fd, EMAIL2_XML_DEFAULT_MAX_SIZE, &local_error);
  if (buffer == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The payload cannot be read: %s"), local_error->message);
      return NULL;
    }

  return email2_payload_parse (buffer->data, buffer->length, format, error);
}

/**
 * email2_payload_process:
 * @payload: a payload from email2_payload_parse()
 * @session: the engine
 *
 * Runs the payload: a SyncML message's commands (none when its header
 * cannot be served), or a CP document as one transaction.
 *
 * Returns: whether everything succeeded (also in @payload's ok)
 */
gboolean
email2_payload_process (Email2Payload *payload,
                        Email2Session *session)
{
  g_return_val_if_fail (payload != NULL, FALSE);
  g_return_val_if_fail (payload->statuses == NULL, FALSE);

  if (payload->cp != NULL)
    {
      payload->statuses = email2_wapprov_process (payload->cp, session);
      payload->ok = email2_wapprov_response_ok (payload->cp);
      return payload->ok;
    }

  if (payload->syncml->header_status == 200)
    payload->statuses = email2_session_process (session, payload->syncml->commands);
  else
    payload->statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) email2_status_free);

  payload->ok = payload->syncml->header_status == 200;
  for (guint i = 0; i < payload->statuses->len; i++)
    payload->ok &= email2_status_code_is_success (((Email2Status *) payload->statuses->pdata[i])->code);

  return payload->ok;
}

/**
 * email2_payload_write_response:
 * @payload: a processed payload
 * @length: (out): the answer's length in bytes
 * @error: return location for a #GError
 *
 * Writes the answer in the request's format and encoding: XML text, or
 * WBXML of the request's version.
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL when it could
 *   not be encoded
 */
char *
email2_payload_write_response (Email2Payload  *payload,
                               gsize          *length,
                               GError        **error)
{
  g_return_val_if_fail (payload != NULL && payload->statuses != NULL, NULL);

  return email2_payload_write_answer (payload, payload->encoding, length, error);
}

/**
 * email2_payload_write_answer:
 * @payload: a processed payload
 * @encoding: the encoding to write, whatever the request's
 * @length: (out): the answer's length in bytes
 * @error: return location for a #GError
 *
 * Writes the answer as email2_payload_write_response() does, in
 * @encoding; WBXML is written directly, not encoded from XML text, in the
 * request's WBXML version (1.2 for an XML request).
 *
 * Returns: (transfer full) (nullable): the answer, or %NULL when it could
 *   not be encoded
 */
char *
email2_payload_write_answer (Email2Payload   *payload,
                             Email2Encoding   encoding,
                             gsize           *length,
                             GError         **error)
{
  Email2Answer *answer = encoding == EMAIL2_ENCODING_WBXML ? email2_answer_new_wbxml ()
                                                           : email2_answer_new_xml ();

  g_return_val_if_fail (payload != NULL && payload->statuses != NULL, NULL);

  if (payload->cp != NULL)
    email2_wapprov_write_answer (payload->cp, answer);
  else
    email2_syncml_write_answer (payload->syncml, payload->statuses, answer);

  return email2_answer_finish (answer, payload->wbxml_version, length, error);
}

static void
add_string (GVariantBuilder *builder,
            const char      *key,
            const char      *value)
{
  if (value != NULL)
    g_variant_builder_add (builder, "{sv}", key, g_variant_new_string (value));
}

/**
 * email2_payload_get_summary:
 * @payload: a payload that email2_payload_process() ran
 *
 * Sums up what the engine answered, the same for both formats: `ok` (b),
 * `format` and `encoding` (s), for SyncML `session_id`, `msg_id` (s) and
 * `header_status` (u) with `header_reason` (s), and `statuses` (aa{sv}),
 * each with `cmd`, `status` (u) and, when known, `cmd_ref`, `target`,
 * `reason`, `format` and `data`. A key whose value is unknown is left
 * out. No secret is in it: the engine's Get answers `********` for one.
 *
 * Returns: (transfer floating): an `a{sv}`
 */
GVariant *
email2_payload_get_summary (const Email2Payload *payload)
{
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_auto(GVariantBuilder) statuses = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("aa{sv}"));

  g_return_val_if_fail (payload != NULL && payload->statuses != NULL, NULL);

  g_variant_builder_add (&builder, "{sv}", "ok", g_variant_new_boolean (payload->ok));
  add_string (&builder, "format", email2_format_to_string (payload->format));
  add_string (&builder, "encoding", payload->encoding == EMAIL2_ENCODING_WBXML ? "wbxml" : "xml");
  if (payload->syncml != NULL)
    {
      add_string (&builder, "session_id", payload->syncml->session_id);
      add_string (&builder, "msg_id", payload->syncml->msg_id);
      g_variant_builder_add (&builder, "{sv}", "header_status",
                             g_variant_new_uint32 (payload->syncml->header_status));
      add_string (&builder, "header_reason", payload->syncml->header_reason);
    }

  for (guint i = 0; i < payload->statuses->len; i++)
    {
      const Email2Status *status = payload->statuses->pdata[i];
      g_auto(GVariantBuilder) entry = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);

      add_string (&entry, "cmd", status->cmd);
      add_string (&entry, "cmd_ref", status->cmd_ref);
      add_string (&entry, "target", status->target_ref);
      g_variant_builder_add (&entry, "{sv}", "status", g_variant_new_uint32 (status->code));
      add_string (&entry, "reason", status->reason);
      add_string (&entry, "format", status->result_format);
      add_string (&entry, "data", status->result_data);
      g_variant_builder_add_value (&statuses, g_variant_builder_end (&entry));
    }
  g_variant_builder_add (&builder, "{sv}", "statuses", g_variant_builder_end (&statuses));

  return g_variant_builder_end (&builder);
}

/**
 * email2_payload_get_format:
 * @payload: a payload
 *
 * Returns: %EMAIL2_FORMAT_SYNCML or %EMAIL2_FORMAT_CP
 */
Email2Format
email2_payload_get_format (const Email2Payload *payload)
{
  g_return_val_if_fail (payload != NULL, EMAIL2_FORMAT_AUTO);

  return payload->format;
}

/**
 * email2_payload_get_encoding:
 * @payload: a payload
 *
 * Returns: the request's encoding, which is also the answer's
 */
Email2Encoding
email2_payload_get_encoding (const Email2Payload *payload)
{
  g_return_val_if_fail (payload != NULL, EMAIL2_ENCODING_XML);

  return payload->encoding;
}

/**
 * email2_payload_get_statuses:
 * @payload: a payload
 *
 * Returns: (transfer none) (element-type Email2Status) (nullable): what
 *   the engine answered, in order; %NULL before email2_payload_process()
 */
GPtrArray *
email2_payload_get_statuses (const Email2Payload *payload)
{
  g_return_val_if_fail (payload != NULL, NULL);

  return payload->statuses;
}

/**
 * email2_payload_succeeded:
 * @payload: a processed payload
 *
 * Returns: whether everything the payload asked for succeeded (what
 *   email2_payload_process() returned); %FALSE before it ran
 */
gboolean
email2_payload_succeeded (const Email2Payload *payload)
{
  g_return_val_if_fail (payload != NULL, FALSE);

  return payload->ok;
}

/* Whether a status is of a command that changes something (not a query). */
static gboolean
is_change (const Email2Status *status)
{
  const char *cmd = email2_status_get_cmd (status);

  return g_strcmp0 (cmd, "Get") != 0 && g_strcmp0 (cmd, "SyncHdr") != 0 &&
         !g_str_has_suffix (cmd, "-query");
}

/**
 * email2_payload_get_failure:
 * @payload: a processed payload
 *
 * What to tell a person about a payload that failed to change what it
 * meant to: the first failed command that changes something and gives a
 * reason (an Atomic's own 507 only when no command in it says more).
 * Queries that found nothing are no failure.
 *
 * Returns: (transfer none) (nullable): that status, or %NULL
 */
const Email2Status *
email2_payload_get_failure (const Email2Payload *payload)
{
  const Email2Status *failed = NULL;

  g_return_val_if_fail (payload != NULL, NULL);

  for (guint i = 0; payload->statuses != NULL && i < payload->statuses->len; i++)
    {
      const Email2Status *status = payload->statuses->pdata[i];
      guint code = email2_status_get_code (status);

      if (code < 400 || !is_change (status) || email2_status_get_reason (status) == NULL)
        continue;
      if (failed == NULL || (email2_status_get_code (failed) == 507 && code != 507))
        failed = status;
    }
  return failed;
}
