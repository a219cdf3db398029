/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 */

#pragma once

#if !defined (EMAIL2_INSIDE) && !defined (EMAIL2_COMPILATION)
#error "Only <email2.h> can be included directly."
#endif

#include <glib.h>

#include "email2-session.h"
#include "email2-syncml.h"
#include "email2-wapprov.h"

G_BEGIN_DECLS

/**
 * Email2Format:
 * @EMAIL2_FORMAT_AUTO: tell from the content (the root element)
 * @EMAIL2_FORMAT_SYNCML: a SyncML DM 1.1 / 1.2 message
 * @EMAIL2_FORMAT_CP: an OMA Client Provisioning document (wap-provisioningdoc)
 *
 * The payload formats.
 */
typedef enum {
  EMAIL2_FORMAT_AUTO,
  EMAIL2_FORMAT_SYNCML,
  EMAIL2_FORMAT_CP,
} Email2Format;

/**
 * Email2Encoding:
 * @EMAIL2_ENCODING_XML: XML text
 * @EMAIL2_ENCODING_WBXML: WAP binary XML
 *
 * How a payload is encoded; the answer is encoded the same way.
 */
typedef enum {
  EMAIL2_ENCODING_XML,
  EMAIL2_ENCODING_WBXML,
} Email2Encoding;

/**
 * Email2Payload:
 *
 * A payload of either format in either encoding, read, run and answered
 * the same way. Opaque: read it with the getters below.
 */
typedef struct _Email2Payload Email2Payload;

Email2Payload *email2_payload_parse          (const char     *data,
                                              gsize           length,
                                              Email2Format    format,
                                              GError        **error);
Email2Payload *email2_payload_parse_fd       (int             fd,
                                              Email2Format    format,
                                              GError        **error);
void           email2_payload_free           (Email2Payload  *payload);
gboolean       email2_payload_process        (Email2Payload  *payload,
                                              Email2Session  *session);
char          *email2_payload_write_response (Email2Payload  *payload,
                                              gsize          *length,
                                              GError        **error);
GVariant      *email2_payload_get_summary    (const Email2Payload *payload);
Email2Format   email2_payload_get_format     (const Email2Payload *payload);
Email2Encoding email2_payload_get_encoding   (const Email2Payload *payload);
GPtrArray     *email2_payload_get_statuses   (const Email2Payload *payload);
gboolean       email2_payload_succeeded      (const Email2Payload *payload);
const Email2Status *email2_payload_get_failure (const Email2Payload *payload);
const char    *email2_format_to_string       (Email2Format    format);
gboolean       email2_format_from_string     (const char     *name,
                                              Email2Format   *format);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Email2Payload, email2_payload_free)

G_END_DECLS
