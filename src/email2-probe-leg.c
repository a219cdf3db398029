/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * One connection leg of a probe (DESIGN §4.1): a free connection slot for
 * its host, TCP, TLS (implicit, or after STARTTLS), the greeting and the
 * capabilities, each phase under its deadline, and a polite close. What
 * the server's lines mean is the dialect's (email2-probe-dialect.c); which
 * leg wins is the race's (email2-probe.c), told through the leg's done
 * callback. It is longer than 800 lines because a leg's asynchronous
 * steps (connect, handshake, read, write, close) and their callbacks read
 * best next to each other; its table-like parts live in
 * email2-probe-dialect.c and email2-probe-slots.c.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-probe-leg-private.h"
#include "email2-probe-private.h"

/* Limits on what a server may send (DESIGN §4). */
#define MAX_LINE 8192           /* bytes in one line */
#define MAX_REPLY_LINES 1000    /* lines in one reply, untagged ones included */
/* Time to say LOGOUT / QUIT and close a connection that is no longer needed. */
#define CLOSE_TIMEOUT_MS 1000

typedef Email2ProbeConn Leg;

static void leg_pump (Email2ProbeConn *leg);
static void leg_fail (Email2ProbeConn *leg, GError *error);

/* ---- legs: life --------------------------------------------------------- */

Email2ProbeConn *
email2_probe_conn_ref (Email2ProbeConn *leg)
{
  g_atomic_int_inc (&leg->ref_count);
  return leg;
}

void
email2_probe_destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_source_unref (*source);
      *source = NULL;
    }
}

void
email2_probe_conn_unref (Email2ProbeConn *leg)
{
  if (!g_atomic_int_dec_and_test (&leg->ref_count))
    return;

  email2_probe_destroy_source (&leg->deadline);
  email2_probe_destroy_source (&leg->leg_deadline);
  email2_probe_destroy_source (&leg->close_deadline);
  g_clear_object (&leg->cancellable);
  g_clear_object (&leg->close_cancellable);
  g_clear_object (&leg->client);
  g_clear_object (&leg->tls);
  g_clear_object (&leg->stream);
  g_clear_object (&leg->tcp);
  g_clear_object (&leg->database);
  g_clear_object (&leg->peer_certificate);
  g_clear_pointer (&leg->rbuf, g_byte_array_unref);
  email2_probe_line_state_clear (&leg->lines);
  g_clear_error (&leg->error);
  g_free (leg->wbuf);
  g_free (leg->host);
  g_free (leg->host_key);
  g_main_context_unref (leg->context);
  g_free (leg);
}

const char *
email2_probe_phase_what (Phase phase)
{
  switch (phase)
    {
    case PHASE_WAIT_SLOT:
      return N_("a free connection");
    case PHASE_CONNECT:
      return N_("the connection");
    case PHASE_TLS:
      return N_("the TLS handshake");
    case PHASE_GREETING:
      return N_("the greeting");
    case PHASE_CAPABILITIES:
      return N_("the capabilities");
    case PHASE_STARTTLS:
      return N_("the STARTTLS reply");
    case PHASE_IDLE:
    case PHASE_DONE:
    default:
      return N_("an answer");
    }
}

static gboolean
deadline_fired (Email2ProbeConn *leg)
{
  if (leg->done)
    return G_SOURCE_REMOVE;

  leg->timed_out = email2_probe_phase_what (leg->phase);
  g_debug ("probe %s:%u: deadline for %s", leg->host, leg->port, leg->timed_out);

  if (leg->phase == PHASE_WAIT_SLOT)
    leg_fail (leg, NULL);        /* nothing is in flight */
  else
    g_cancellable_cancel (leg->cancellable);

  return G_SOURCE_REMOVE;
}

static gboolean
deadline_cb (gpointer data)
{
  Email2ProbeConn *leg = data;

  g_clear_pointer (&leg->deadline, g_source_unref);
  return deadline_fired (leg);
}

/* The whole leg's deadline. */
static gboolean
leg_deadline_cb (gpointer data)
{
  Email2ProbeConn *leg = data;

  g_clear_pointer (&leg->leg_deadline, g_source_unref);
  return deadline_fired (leg);
}

GSource *
email2_probe_add_timeout (GMainContext *context,
             guint         ms,
             GSourceFunc   func,
             gpointer      data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

static void
leg_arm (Email2ProbeConn   *leg,
         Phase  phase,
         guint  ms)
{
  leg->phase = phase;
  email2_probe_destroy_source (&leg->deadline);
  leg->deadline = email2_probe_add_timeout (leg->context, ms, deadline_cb, leg);
}

static gint64
leg_elapsed_ms (Email2ProbeConn *leg)
{
  return (g_get_monotonic_time () - leg->start_us) / 1000;
}

/* The error for a failed GIO operation: a deadline, an abandoned leg (no
 * error), or what GIO said. */
static GError *
leg_io_error (Email2ProbeConn        *leg,
              GError     *io_error,
              const char *doing)
{
  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (leg->timed_out != NULL)
        return g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT,
                            _("Timed out waiting for %s from %s port %u (%lld ms after the start)"),
                            _(leg->timed_out), leg->host, leg->port, (long long) leg_elapsed_ms (leg));
      return NULL;
    }

  g_debug ("probe %s:%u: %s: %s", leg->host, leg->port, doing, io_error->message);
  if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_NETWORK,
                        _("%s refused the connection on port %u"), leg->host, leg->port);

  return g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_NETWORK, _("%s port %u, %s: %s"),
                      leg->host, leg->port, doing, io_error->message);
}

static void
on_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_debug ("probe %s:%u: close: %s", leg->host, leg->port, error->message);
  email2_probe_destroy_source (&leg->close_deadline);
  email2_probe_slot_release (leg);
  email2_probe_conn_unref (leg);
}

static gboolean
close_deadline_cb (gpointer data)
{
  Email2ProbeConn *leg = data;

  g_clear_pointer (&leg->close_deadline, g_source_unref);
  g_cancellable_cancel (leg->close_cancellable);
  return G_SOURCE_REMOVE;
}

static void
leg_close_stream (Email2ProbeConn *leg)
{
  g_io_stream_close_async (leg->stream, G_PRIORITY_DEFAULT, leg->close_cancellable,
                           on_closed, email2_probe_conn_ref (leg));
}

static void
on_logout_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_debug ("probe %s:%u: logout: %s", leg->host, leg->port, error->message);
  leg_close_stream (leg);
  email2_probe_conn_unref (leg);
}

static const char *
logout_command (Email2ProbeConn *leg)
{
  return leg->dialect->logout_command;
}

/* Ends the connection: LOGOUT / QUIT when the session is at a point where a
 * command may be sent, then close (TLS close_notify included), all within
 * CLOSE_TIMEOUT_MS. */
static void
leg_close (Email2ProbeConn *leg)
{
  if (leg->stream == NULL)
    {
      if (leg->phase != PHASE_WAIT_SLOT)
        email2_probe_slot_release (leg);
      return;
    }

  leg->close_cancellable = g_cancellable_new ();
  leg->close_deadline = email2_probe_add_timeout (leg->context, CLOSE_TIMEOUT_MS, close_deadline_cb, leg);

  if (leg->can_logout)
    {
      g_free (leg->wbuf);
      leg->wbuf = g_strdup (logout_command (leg));
      g_output_stream_write_all_async (g_io_stream_get_output_stream (leg->stream),
                                       leg->wbuf, strlen (leg->wbuf), G_PRIORITY_DEFAULT,
                                       leg->close_cancellable, on_logout_written, email2_probe_conn_ref (leg));
    }
  else
    leg_close_stream (leg);
}

static void
leg_finish (Email2ProbeConn                 *leg,
            Email2ProbeSecurity  security,
            GError              *error)
{
  g_assert (!leg->done);

  leg->done = TRUE;
  leg->security = security;
  if (error != NULL)
    {
      g_clear_error (&leg->error);
      leg->error = error;
    }
  leg->end_us = g_get_monotonic_time ();
  leg->reading = FALSE;
  email2_probe_destroy_source (&leg->deadline);
  email2_probe_destroy_source (&leg->leg_deadline);
  if (leg->phase == PHASE_WAIT_SLOT)
    email2_probe_slot_cancel_wait (leg);
  leg_close (leg);
  leg->phase = PHASE_DONE;

  if (leg->done_cb != NULL)
    leg->done_cb (leg->done_data);
}

static void
leg_fail (Email2ProbeConn    *leg,
          GError *error)
{
  if (error != NULL)
    g_debug ("probe %s:%u (%s leg): %s", leg->host, leg->port,
             leg->kind == EMAIL2_PROBE_LEG_TLS ? "tls" : "cleartext", error->message);
  else if (leg->timed_out != NULL)
    error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT,
                         _("Timed out waiting for %s for %s port %u (%lld ms after the start)"),
                         _(leg->timed_out), leg->host, leg->port, (long long) leg_elapsed_ms (leg));
  leg_finish (leg, EMAIL2_PROBE_SECURITY_NONE, error);
}

static void
leg_fail_io (Email2ProbeConn        *leg,
             GError     *io_error,
             const char *doing)
{
  leg_fail (leg, leg_io_error (leg, io_error, doing));
}

static void G_GNUC_PRINTF (3, 4)
leg_fail_with (Email2ProbeConn        *leg,
               int         code,
               const char *format,
               ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (EMAIL2_ERROR, code, format, args);
  va_end (args);
  leg_fail (leg, error);
}

/* ---- legs: reading and writing ----------------------------------------- */

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (leg->done)
    ;
  else if (n < 0)
    leg_fail_io (leg, error, _("reading"));
  else if (n == 0)
    leg_fail_with (leg, EMAIL2_ERROR_NETWORK, _("%s port %u closed the connection while waiting for %s"),
                   leg->host, leg->port, _(email2_probe_phase_what (leg->phase)));
  else
    {
      g_byte_array_append (leg->rbuf, leg->chunk, n);
      leg_pump (leg);
    }
  email2_probe_conn_unref (leg);
}

static void leg_handle_line (Email2ProbeConn *leg, char *line);

/* Hands complete lines to the protocol while a reply is expected, and
 * reads more when none is complete. */
static void
leg_pump (Email2ProbeConn *leg)
{
  while (leg->reading && !leg->done)
    {
      guint8 *nl = leg->rbuf->len > 0 ? memchr (leg->rbuf->data, '\n', leg->rbuf->len) : NULL;
      g_autofree char *line = NULL;
      gsize len;

      if (nl == NULL)
        {
          if (leg->rbuf->len > MAX_LINE)
            {
              leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent a line longer than %u bytes"),
                             leg->host, leg->port, MAX_LINE);
              return;
            }
          g_input_stream_read_async (g_io_stream_get_input_stream (leg->stream),
                                     leg->chunk, sizeof leg->chunk, G_PRIORITY_DEFAULT,
                                     leg->cancellable, on_read, email2_probe_conn_ref (leg));
          return;
        }

      len = nl - leg->rbuf->data;
      if (len > MAX_LINE)
        {
          leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent a line longer than %u bytes"),
                         leg->host, leg->port, MAX_LINE);
          return;
        }
      line = g_strndup ((const char *) leg->rbuf->data, len);
      g_byte_array_remove_range (leg->rbuf, 0, len + 1);
      if (strlen (line) != len)
        {
          leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent a NUL byte"),
                         leg->host, leg->port);
          return;
        }
      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      if (++leg->reply_lines > MAX_REPLY_LINES)
        {
          leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent more than %u lines in one reply"),
                         leg->host, leg->port, MAX_REPLY_LINES);
          return;
        }
      leg_handle_line (leg, line);
    }
}

static void
leg_expect (Email2ProbeConn   *leg,
            Phase  phase)
{
  static const Email2ProbeStep steps[] = {
    [PHASE_GREETING] = EMAIL2_PROBE_STEP_GREETING,
    [PHASE_CAPABILITIES] = EMAIL2_PROBE_STEP_CAPABILITIES,
    [PHASE_STARTTLS] = EMAIL2_PROBE_STEP_STARTTLS,
  };

  g_assert (phase == PHASE_GREETING || phase == PHASE_CAPABILITIES || phase == PHASE_STARTTLS);
  leg_arm (leg, phase, leg->reply_ms);
  leg->reply_lines = 0;
  email2_probe_line_state_expect (&leg->lines, steps[phase], NULL);
  leg->reading = TRUE;
  leg_pump (leg);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!leg->done)
        leg_fail_io (leg, error, _("writing"));
    }
  else if (!leg->done)
    leg_expect (leg, leg->phase);
  email2_probe_conn_unref (leg);
}

/* Sends one command and then expects its reply in @phase. */
static void
leg_send (Email2ProbeConn        *leg,
          Phase       phase,
          const char *command)
{
  leg->reading = FALSE;
  leg_arm (leg, phase, leg->reply_ms);
  g_free (leg->wbuf);
  leg->wbuf = g_strdup (command);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (leg->stream),
                                   leg->wbuf, strlen (leg->wbuf), G_PRIORITY_DEFAULT,
                                   leg->cancellable, on_written, email2_probe_conn_ref (leg));
}

/* ---- TLS ---------------------------------------------------------------- */

static gboolean
on_accept_certificate (GTlsConnection       *conn,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  Email2ProbeConn *leg = data;

  /* Never accepted: the probe only records why (DESIGN §4). */
  leg->certificate_errors = errors != 0 ? errors : G_TLS_CERTIFICATE_GENERIC_ERROR;
  g_set_object (&leg->peer_certificate, certificate);
  return FALSE;
}

static void leg_after_tls (Email2ProbeConn *leg);

/* TLS 1.2 at least (DESIGN §4.1). GLib 2.74 and glib-networking have no
 * per-connection minimum (GnuTLS's priority string is read from the
 * environment for the whole process), so the negotiated version is
 * checked once the handshake is done, before a byte is exchanged. */
static gboolean
protocol_version_ok (GTlsProtocolVersion version)
{
  return version == G_TLS_PROTOCOL_VERSION_TLS_1_2 || version == G_TLS_PROTOCOL_VERSION_TLS_1_3;
}

static const char *
protocol_version_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0: return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0: return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1: return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2: return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3: return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0: return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2: return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default: return _("an unknown TLS version");
    }
}

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      if (leg->done)
        ;
      else if (leg->certificate_errors != 0)
        {
          g_autofree char *why = email2_probe_describe_certificate_errors (leg->certificate_errors);

          g_debug ("probe %s:%u: handshake: %s", leg->host, leg->port, error->message);
          leg_fail_with (leg, EMAIL2_ERROR_TLS,
                         _("The certificate of %s port %u is not valid for this server (%s)"),
                         leg->host, leg->port, why);
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        leg_fail_io (leg, error, _("TLS handshake"));
      else
        {
          g_debug ("probe %s:%u: handshake: %s", leg->host, leg->port, error->message);
          leg_fail_with (leg, EMAIL2_ERROR_TLS,
                         _("The TLS handshake with %s port %u failed (%s)"),
                         leg->host, leg->port, error->message);
        }
    }
  else if (!leg->done)
    {
      if (g_tls_connection_get_peer_certificate_errors (leg->tls) != 0)
        {
          /* Cannot happen while accept-certificate refuses; fail closed. */
          leg->certificate_errors = g_tls_connection_get_peer_certificate_errors (leg->tls);
          leg_fail_with (leg, EMAIL2_ERROR_TLS,
                         _("The certificate of %s port %u is not valid for this server"),
                         leg->host, leg->port);
        }
      else if (!protocol_version_ok (g_tls_connection_get_protocol_version (leg->tls)))
        {
          /* Nothing has been sent or read over it: close, never use. */
          leg_fail_with (leg, EMAIL2_ERROR_TLS,
                         _("%s port %u offers only %s; TLS 1.2 or newer is required"),
                         leg->host, leg->port,
                         protocol_version_name (g_tls_connection_get_protocol_version (leg->tls)));
        }
      else
        {
          g_set_object (&leg->peer_certificate, g_tls_connection_get_peer_certificate (leg->tls));
          leg->certificate_errors = 0;
          g_set_object (&leg->stream, G_IO_STREAM (leg->tls));
          leg->tls_active = TRUE;
          leg->lines.tls_active = TRUE;
          leg_after_tls (leg);
        }
    }
  email2_probe_conn_unref (leg);
}

/* Starts TLS on the TCP connection itself, never on a buffered stream:
 * nothing read in the clear can reach the TLS layer. */
static void
leg_start_tls (Email2ProbeConn *leg)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (leg->host, leg->port);
  g_autoptr(GError) error = NULL;
  GIOStream *tls;

  leg->can_logout = FALSE;
  leg->reading = FALSE;
  leg_arm (leg, PHASE_TLS, leg->tls_ms);

  tls = g_tls_client_connection_new (G_IO_STREAM (leg->tcp), identity, &error);
  if (tls == NULL)
    {
      leg_fail_with (leg, EMAIL2_ERROR_TLS, _("TLS is not available: %s"), error->message);
      return;
    }
  leg->tls = G_TLS_CONNECTION (tls);
  if (leg->database != NULL)
    g_tls_connection_set_database (leg->tls, leg->database);
  g_signal_connect (leg->tls, "accept-certificate", G_CALLBACK (on_accept_certificate), leg);
  g_tls_connection_handshake_async (leg->tls, G_PRIORITY_DEFAULT, leg->cancellable,
                                    on_handshake, email2_probe_conn_ref (leg));
}

/* ---- protocol ----------------------------------------------------------- */

static void
leg_send_capabilities (Email2ProbeConn *leg)
{
  switch (leg->protocol)
    {
    case EMAIL2_PROBE_PROTOCOL_IMAP:
      g_strlcpy (leg->lines.tag, leg->tls_active ? "C2" : "C1", sizeof leg->lines.tag);
      leg_send (leg, PHASE_CAPABILITIES, leg->tls_active ? "C2 CAPABILITY\r\n" : "C1 CAPABILITY\r\n");
      break;
    case EMAIL2_PROBE_PROTOCOL_POP3:
      leg_send (leg, PHASE_CAPABILITIES, "CAPA\r\n");
      break;
    case EMAIL2_PROBE_PROTOCOL_SMTP:
    default:
      {
        /* Our own address as an address literal (RFC 5321 §4.1.3): no
         * name of the machine leaves it. */
        g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (leg->tcp, NULL);
        g_autofree char *literal = NULL;
        g_autofree char *command = NULL;

        if (G_IS_INET_SOCKET_ADDRESS (local))
          {
            GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
            g_autofree char *text = g_inet_address_to_string (address);

            literal = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6
              ? g_strdup_printf ("[IPv6:%s]", text) : g_strdup_printf ("[%s]", text);
          }
        else
          literal = g_strdup ("[127.0.0.1]");
        command = g_strdup_printf ("EHLO %s\r\n", literal);
        leg_send (leg, PHASE_CAPABILITIES, command);
      }
      break;
    }
}

static void
leg_after_tls (Email2ProbeConn *leg)
{
  /* RFC 2595 §3.1, RFC 3207 §4.2: forget everything learnt in the clear. */
  g_byte_array_set_size (leg->rbuf, 0);
  email2_probe_line_state_reset_caps (&leg->lines);

  if (leg->kind == EMAIL2_PROBE_LEG_TLS)
    leg_expect (leg, PHASE_GREETING);
  else
    {
      /* After STARTTLS there is no new greeting. */
      leg->can_logout = TRUE;
      leg_send_capabilities (leg);
    }
}

/* The capabilities are complete: finish, upgrade, or refuse. */
static void
leg_capabilities_done (Email2ProbeConn *leg)
{
  if (leg->tls_active)
    {
      leg_finish (leg, leg->kind == EMAIL2_PROBE_LEG_TLS ? EMAIL2_PROBE_SECURITY_TLS
                                                          : EMAIL2_PROBE_SECURITY_STARTTLS, NULL);
      return;
    }

  leg->starttls_offered = email2_probe_caps_offer_starttls (leg->dialect, leg->lines.caps);
  if (leg->starttls_offered && leg->lines.preauth)
    leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                   _("%s port %u offers STARTTLS but skipped authentication (PREAUTH): TLS can no longer start"),
                   leg->host, leg->port);
  else if (leg->starttls_offered)
    {
      g_strlcpy (leg->lines.tag, "S1", sizeof leg->lines.tag);
      leg_send (leg, PHASE_STARTTLS, leg->dialect->starttls_command);
    }
  else if (leg->require_tls)
    leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                   _("%s port %u does not offer STARTTLS, and TLS is required"),
                   leg->host, leg->port);
  else
    leg_finish (leg, EMAIL2_PROBE_SECURITY_PLAIN, NULL);
}

/* The server accepted STARTTLS: refuse if it sent anything more (response
 * injection, probing.md §4.1), else start TLS. */
static void
leg_starttls_accepted (Email2ProbeConn *leg)
{
  GSocket *socket = g_socket_connection_get_socket (leg->tcp);

  leg->reading = FALSE;
  if (leg->rbuf->len > 0 || g_socket_get_available_bytes (socket) > 0)
    {
      leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                     _("%s port %u sent data after accepting STARTTLS (response injection)"),
                     leg->host, leg->port);
      return;
    }
  leg_start_tls (leg);
}

static void
leg_starttls_refused (Email2ProbeConn *leg)
{
  leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                 _("%s port %u offered STARTTLS but refused it"), leg->host, leg->port);
}

/* One server line, read by the protocol's dialect. */
static void
leg_handle_line (Email2ProbeConn  *leg,
                 char *line)
{
  g_autoptr(GError) error = NULL;

  switch (leg->dialect->line (&leg->lines, line, &error))
    {
    case EMAIL2_PROBE_VERDICT_MORE:
      break;
    case EMAIL2_PROBE_VERDICT_GREETED:
      leg->reading = FALSE;
      leg->can_logout = TRUE;
      leg_send_capabilities (leg);
      break;
    case EMAIL2_PROBE_VERDICT_CAPABILITIES:
      leg->reading = FALSE;
      leg->can_logout = TRUE;
      leg_capabilities_done (leg);
      break;
    case EMAIL2_PROBE_VERDICT_STARTTLS:
      leg->reading = FALSE;
      leg_starttls_accepted (leg);
      break;
    case EMAIL2_PROBE_VERDICT_STARTTLS_REFUSED:
      leg->reading = FALSE;
      leg_starttls_refused (leg);
      break;
    case EMAIL2_PROBE_VERDICT_FAILED:
    default:
      leg_fail (leg, g_steal_pointer (&error));
      break;
    }
}

/* ---- legs: start -------------------------------------------------------- */

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Email2ProbeConn *leg = data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);

  if (conn == NULL)
    {
      if (!leg->done)
        leg_fail_io (leg, error, _("connecting"));
    }
  else if (leg->done)
    g_object_unref (conn);
  else
    {
      leg->tcp = conn;
      leg->stream = g_object_ref (G_IO_STREAM (conn));
      leg->connected = TRUE;
      leg->connected_us = g_get_monotonic_time ();
      if (leg->kind == EMAIL2_PROBE_LEG_TLS)
        leg_start_tls (leg);
      else
        leg_expect (leg, PHASE_GREETING);
    }
  email2_probe_conn_unref (leg);
}

void
email2_probe_conn_connect (Email2ProbeConn *leg)
{
  g_autoptr(GSocketConnectable) address = g_network_address_new (leg->host, leg->port);

  leg_arm (leg, PHASE_CONNECT, leg->connect_ms);
  leg->client = g_socket_client_new ();
  /* Direct connections only: what is probed is the server itself. */
  g_socket_client_set_enable_proxy (leg->client, FALSE);
  leg->connect_start_us = g_get_monotonic_time ();
  g_socket_client_connect_async (leg->client, address, leg->cancellable, on_connected, email2_probe_conn_ref (leg));
}

void
email2_probe_conn_start (Email2ProbeConn *leg)
{
  leg->phase = PHASE_WAIT_SLOT;
  leg->leg_deadline = email2_probe_add_timeout (leg->context, EMAIL2_PROBE_DEFAULT_LEG_TIMEOUT_MS, leg_deadline_cb, leg);
  if (email2_probe_slot_acquire (leg))
    email2_probe_conn_connect (leg);
}

/* The run no longer needs @leg: stop it, close politely. */
void
email2_probe_conn_abandon (Email2ProbeConn *leg)
{
  leg->done_cb = NULL;
  if (leg->done)
    return;
  leg->abandoned = TRUE;
  if (leg->phase == PHASE_WAIT_SLOT)
    leg_finish (leg, EMAIL2_PROBE_SECURITY_NONE, NULL);
  else
    g_cancellable_cancel (leg->cancellable);
}

/* A leg, not started, for @config; @done_cb is called in @context when
 * it is done (unless it was abandoned). */
Email2ProbeConn *
email2_probe_conn_new (const Email2ProbeConnConfig *config,
                       GMainContext                *context,
                       gint64                       start_us,
                       GSourceFunc                  done_cb,
                       gpointer                     done_data)
{
  Email2ProbeConn *leg = g_new0 (Email2ProbeConn, 1);

  leg->ref_count = 1;
  leg->done_cb = done_cb;
  leg->done_data = done_data;
  leg->context = g_main_context_ref (context);
  leg->kind = config->kind;
  leg->protocol = config->protocol;
  leg->host = g_strdup (config->host);
  leg->host_key = g_ascii_strdown (config->host, -1);
  leg->port = config->port;
  leg->require_tls = config->require_tls;
  leg->database = config->database != NULL ? g_object_ref (config->database) : NULL;
  leg->connect_ms = config->connect_ms;
  leg->tls_ms = config->tls_ms;
  leg->reply_ms = config->reply_ms;
  leg->start_us = start_us;
  leg->cancellable = g_cancellable_new ();
  leg->rbuf = g_byte_array_new ();
  leg->dialect = email2_probe_dialect (leg->protocol);
  email2_probe_line_state_init (&leg->lines, leg->host, leg->port, leg->require_tls);

  return leg;
}

