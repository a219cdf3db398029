/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The probe's answer (Email2ProbeResult) and the names of its modes,
 * protocols and certificate errors.
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "email2-probe.h"
#include "email2-probe-dialect-private.h"

/* ---- results ------------------------------------------------------------ */

static void
result_clear (Email2ProbeResult *result)
{
  g_strfreev (result->capabilities);
  g_strfreev (result->auth_mechanisms);
  g_clear_object (&result->certificate);
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    g_clear_error (&result->legs[i].error);
}

/**
 * email2_probe_result_ref:
 * @result: a probe result
 *
 * Returns: (transfer full): @result
 */
Email2ProbeResult *
email2_probe_result_ref (Email2ProbeResult *result)
{
  return g_atomic_rc_box_acquire (result);
}

/**
 * email2_probe_result_unref:
 * @result: a probe result
 *
 * Drops a reference; the last one frees @result.
 */
void
email2_probe_result_unref (Email2ProbeResult *result)
{
  g_atomic_rc_box_release_full (result, (GDestroyNotify) result_clear);
}

G_DEFINE_BOXED_TYPE (Email2ProbeResult, email2_probe_result,
                     email2_probe_result_ref, email2_probe_result_unref)

/* ---- strings ------------------------------------------------------------ */

/**
 * email2_probe_security_to_string:
 * @security: a mode
 *
 * Returns: "tls", "starttls", "plain", or %NULL for none
 */
const char *
email2_probe_security_to_string (Email2ProbeSecurity security)
{
  switch (security)
    {
    case EMAIL2_PROBE_SECURITY_TLS:
      return "tls";
    case EMAIL2_PROBE_SECURITY_STARTTLS:
      return "starttls";
    case EMAIL2_PROBE_SECURITY_PLAIN:
      return "plain";
    case EMAIL2_PROBE_SECURITY_NONE:
    default:
      return NULL;
    }
}

/**
 * email2_probe_protocol_to_string:
 * @protocol: a protocol
 *
 * Returns: "imap", "pop3" or "smtp"
 */
const char *
email2_probe_protocol_to_string (Email2ProbeProtocol protocol)
{
  g_return_val_if_fail ((guint) protocol <= EMAIL2_PROBE_PROTOCOL_SMTP, NULL);
  return email2_probe_dialect (protocol)->name;
}

/**
 * email2_probe_protocol_from_string:
 * @name: "imap", "pop3" or "smtp", any case
 * @protocol: (out): the protocol
 *
 * Returns: whether @name is a protocol
 */
gboolean
email2_probe_protocol_from_string (const char          *name,
                                   Email2ProbeProtocol *protocol)
{
  for (guint i = 0; i <= EMAIL2_PROBE_PROTOCOL_SMTP; i++)
    if (g_ascii_strcasecmp (name, email2_probe_dialect (i)->name) == 0)
      {
        *protocol = i;
        return TRUE;
      }
  return FALSE;
}

/**
 * email2_probe_describe_certificate_errors:
 * @flags: certificate errors
 *
 * Returns: (transfer full): the errors as comma-separated words:
 *   unknown-ca, bad-identity, not-activated, expired, revoked, insecure,
 *   generic-error; "" for none
 */
char *
email2_probe_describe_certificate_errors (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *name;
  } names[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "unknown-ca" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "bad-identity" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not-activated" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "generic-error" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (flags & names[i].flag)
      g_string_append_printf (out, "%s%s", out->len > 0 ? "," : "", names[i].name);

  return g_string_free (out, FALSE);
}

