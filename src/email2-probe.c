/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The server probe (DESIGN §4): implicit TLS and a cleartext leg raced in
 * parallel, the cleartext leg upgraded with STARTTLS / STLS when offered,
 * plain only when allowed, never a downgrade.
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-probe.h"
#include "email2-probe-private.h"

/* Limits on what a server may send (DESIGN §4). */
#define MAX_LINE 8192           /* bytes in one line */
#define MAX_REPLY_LINES 1000    /* lines in one reply, untagged ones included */
#define MAX_CAPABILITIES 256
#define MAX_TOKEN 256
/* Grace for a better leg that has not even connected: a SYN lost or
 * filtered; the cleartext leg has had about five round trips by then. */
#define GRACE_UNCONNECTED_MIN_MS 50
#define GRACE_UNCONNECTED_MAX_MS 250
/* Time to say LOGOUT / QUIT and close a connection that is no longer needed. */
#define CLOSE_TIMEOUT_MS 1000

typedef enum {
  PHASE_IDLE,
  PHASE_WAIT_SLOT,
  PHASE_CONNECT,
  PHASE_TLS,
  PHASE_GREETING,
  PHASE_CAPABILITIES,
  PHASE_STARTTLS,
  PHASE_DONE,
} Phase;

typedef struct _Run Run;
typedef struct _Leg Leg;

struct _Email2Probe {
  GObject parent_instance;

  Email2ProbeProtocol protocol;
  char *host;
  guint16 port;
  gboolean require_tls;
  GTlsDatabase *database;
  guint connect_ms;
  guint tls_ms;
  guint reply_ms;
  guint16 default_ports[EMAIL2_PROBE_N_LEGS];
  gboolean legs_enabled[EMAIL2_PROBE_N_LEGS];
};

G_DEFINE_FINAL_TYPE (Email2Probe, email2_probe, G_TYPE_OBJECT)

struct _Leg {
  gint ref_count;
  Run *run;                     /* NULL once the run no longer listens */
  GMainContext *context;

  /* Configuration, copied from the probe. */
  Email2ProbeLegKind kind;
  Email2ProbeProtocol protocol;
  char *host;
  char *host_key;
  guint16 port;
  gboolean require_tls;
  GTlsDatabase *database;
  guint connect_ms;
  guint tls_ms;
  guint reply_ms;
  gint64 start_us;

  Phase phase;
  GCancellable *cancellable;
  GSource *deadline;
  GSource *leg_deadline;
  const char *timed_out;        /* what was being waited for, untranslated */
  gboolean abandoned;
  gboolean has_slot;
  gboolean waiting_slot;

  GSocketClient *client;
  GSocketConnection *tcp;
  GIOStream *stream;            /* tcp, or the TLS connection on it */
  GTlsConnection *tls;
  gboolean tls_active;
  gboolean connected;
  gint64 connect_start_us;
  gint64 connected_us;

  GByteArray *rbuf;
  guint8 chunk[4096];
  guint reply_lines;
  gboolean reading;             /* a reply is expected */
  char *wbuf;
  char tag[4];                  /* IMAP tag of the command in flight */

  gboolean preauth;
  gboolean caps_started;
  gboolean starttls_offered;
  gboolean can_logout;
  GPtrArray *caps;

  GTlsCertificate *peer_certificate;
  GTlsCertificateFlags certificate_errors;

  gboolean done;
  Email2ProbeSecurity security;
  GError *error;
  gint64 end_us;

  GCancellable *close_cancellable;
  GSource *close_deadline;
};

struct _Run {
  GTask *task;                  /* held until the answer is returned */
  GMainContext *context;
  GCancellable *user_cancellable;
  gulong cancel_id;
  Leg *legs[EMAIL2_PROBE_N_LEGS];
  GSource *grace;
  gint64 start_us;
  gboolean returned;
};

static void leg_pump (Leg *leg);
static void leg_fail (Leg *leg, GError *error);
static void leg_connect (Leg *leg);
static void run_evaluate (Run *run);

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

static const char * const protocol_names[] = { "imap", "pop3", "smtp" };

/**
 * email2_probe_protocol_to_string:
 * @protocol: a protocol
 *
 * Returns: "imap", "pop3" or "smtp"
 */
const char *
email2_probe_protocol_to_string (Email2ProbeProtocol protocol)
{
  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (protocol_names), NULL);
  return protocol_names[protocol];
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
  for (guint i = 0; i < G_N_ELEMENTS (protocol_names); i++)
    if (g_ascii_strcasecmp (name, protocol_names[i]) == 0)
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

/* ---- connections per host ---------------------------------------------- */

typedef struct {
  guint active;
  GQueue waiters;
} HostSlots;

G_LOCK_DEFINE_STATIC (slots);
static GHashTable *slots_table;
static guint slots_max = EMAIL2_PROBE_MAX_CONNECTIONS_PER_HOST;

static Leg *leg_ref (Leg *leg);
static void leg_unref (Leg *leg);
static void slot_release (Leg *leg);

/* Takes a connection slot for @leg's host, or queues @leg for one. */
static gboolean
slot_acquire (Leg *leg)
{
  HostSlots *hs;
  gboolean got;

  G_LOCK (slots);
  if (slots_table == NULL)
    slots_table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  hs = g_hash_table_lookup (slots_table, leg->host_key);
  if (hs == NULL)
    {
      hs = g_new0 (HostSlots, 1);
      g_hash_table_insert (slots_table, g_strdup (leg->host_key), hs);
    }
  got = hs->active < slots_max;
  if (got)
    {
      hs->active++;
      leg->has_slot = TRUE;
    }
  else
    {
      g_queue_push_tail (&hs->waiters, leg_ref (leg));
      leg->waiting_slot = TRUE;
    }
  G_UNLOCK (slots);

  return got;
}

static gboolean
slot_granted_cb (gpointer data)
{
  Leg *leg = data;

  if (leg->done)
    slot_release (leg);
  else
    leg_connect (leg);

  return G_SOURCE_REMOVE;
}

/* Gives back @leg's slot and hands free slots to queued legs. */
static void
slot_release (Leg *leg)
{
  HostSlots *hs;
  GSList *granted = NULL;

  G_LOCK (slots);
  if (!leg->has_slot)
    {
      G_UNLOCK (slots);
      return;
    }
  leg->has_slot = FALSE;
  hs = g_hash_table_lookup (slots_table, leg->host_key);
  g_assert (hs != NULL && hs->active > 0);
  hs->active--;
  while (hs->active < slots_max && !g_queue_is_empty (&hs->waiters))
    {
      Leg *next = g_queue_pop_head (&hs->waiters);

      next->waiting_slot = FALSE;
      next->has_slot = TRUE;
      hs->active++;
      granted = g_slist_prepend (granted, next);
    }
  if (hs->active == 0 && g_queue_is_empty (&hs->waiters))
    g_hash_table_remove (slots_table, leg->host_key);
  G_UNLOCK (slots);

  granted = g_slist_reverse (granted);
  for (GSList *l = granted; l != NULL; l = l->next)
    {
      Leg *next = l->data;
      GSource *source = g_idle_source_new ();

      /* The queue's reference goes to the idle callback. */
      g_source_set_callback (source, slot_granted_cb, next, (GDestroyNotify) leg_unref);
      g_source_attach (source, next->context);
      g_source_unref (source);
    }
  g_slist_free (granted);
}

/* Takes @leg out of the queue, if it is still there. */
static void
slot_cancel_wait (Leg *leg)
{
  HostSlots *hs;
  gboolean removed = FALSE;

  G_LOCK (slots);
  hs = slots_table != NULL ? g_hash_table_lookup (slots_table, leg->host_key) : NULL;
  if (hs != NULL && leg->waiting_slot)
    {
      removed = g_queue_remove (&hs->waiters, leg);
      leg->waiting_slot = FALSE;
      if (hs->active == 0 && g_queue_is_empty (&hs->waiters))
        g_hash_table_remove (slots_table, leg->host_key);
    }
  G_UNLOCK (slots);

  if (removed)
    leg_unref (leg);
}

guint
email2_probe_set_max_connections_per_host (guint max)
{
  guint old;

  g_return_val_if_fail (max > 0, 0);

  G_LOCK (slots);
  old = slots_max;
  slots_max = max;
  G_UNLOCK (slots);

  return old;
}

/* ---- legs: life --------------------------------------------------------- */

static Leg *
leg_ref (Leg *leg)
{
  g_atomic_int_inc (&leg->ref_count);
  return leg;
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_source_unref (*source);
      *source = NULL;
    }
}

static void
leg_unref (Leg *leg)
{
  if (!g_atomic_int_dec_and_test (&leg->ref_count))
    return;

  destroy_source (&leg->deadline);
  destroy_source (&leg->leg_deadline);
  destroy_source (&leg->close_deadline);
  g_clear_object (&leg->cancellable);
  g_clear_object (&leg->close_cancellable);
  g_clear_object (&leg->client);
  g_clear_object (&leg->tls);
  g_clear_object (&leg->stream);
  g_clear_object (&leg->tcp);
  g_clear_object (&leg->database);
  g_clear_object (&leg->peer_certificate);
  g_clear_pointer (&leg->rbuf, g_byte_array_unref);
  g_clear_pointer (&leg->caps, g_ptr_array_unref);
  g_clear_error (&leg->error);
  g_free (leg->wbuf);
  g_free (leg->host);
  g_free (leg->host_key);
  g_main_context_unref (leg->context);
  g_free (leg);
}

static const char *
phase_what (Phase phase)
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
deadline_fired (Leg *leg)
{
  if (leg->done)
    return G_SOURCE_REMOVE;

  leg->timed_out = phase_what (leg->phase);
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
  Leg *leg = data;

  g_clear_pointer (&leg->deadline, g_source_unref);
  return deadline_fired (leg);
}

/* The whole leg's deadline. */
static gboolean
leg_deadline_cb (gpointer data)
{
  Leg *leg = data;

  g_clear_pointer (&leg->leg_deadline, g_source_unref);
  return deadline_fired (leg);
}

static GSource *
add_timeout (GMainContext *context,
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
leg_arm (Leg   *leg,
         Phase  phase,
         guint  ms)
{
  leg->phase = phase;
  destroy_source (&leg->deadline);
  leg->deadline = add_timeout (leg->context, ms, deadline_cb, leg);
}

static gint64
leg_elapsed_ms (Leg *leg)
{
  return (g_get_monotonic_time () - leg->start_us) / 1000;
}

/* The error for a failed GIO operation: a deadline, an abandoned leg (no
 * error), or what GIO said. */
static GError *
leg_io_error (Leg        *leg,
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
  Leg *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (source), result, &error))
    g_debug ("probe %s:%u: close: %s", leg->host, leg->port, error->message);
  destroy_source (&leg->close_deadline);
  slot_release (leg);
  leg_unref (leg);
}

static gboolean
close_deadline_cb (gpointer data)
{
  Leg *leg = data;

  g_clear_pointer (&leg->close_deadline, g_source_unref);
  g_cancellable_cancel (leg->close_cancellable);
  return G_SOURCE_REMOVE;
}

static void
leg_close_stream (Leg *leg)
{
  g_io_stream_close_async (leg->stream, G_PRIORITY_DEFAULT, leg->close_cancellable,
                           on_closed, leg_ref (leg));
}

static void
on_logout_written (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Leg *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_debug ("probe %s:%u: logout: %s", leg->host, leg->port, error->message);
  leg_close_stream (leg);
  leg_unref (leg);
}

static const char *
logout_command (Leg *leg)
{
  return leg->protocol == EMAIL2_PROBE_PROTOCOL_IMAP ? "L1 LOGOUT\r\n" : "QUIT\r\n";
}

/* Ends the connection: LOGOUT / QUIT when the session is at a point where a
 * command may be sent, then close (TLS close_notify included), all within
 * CLOSE_TIMEOUT_MS. */
static void
leg_close (Leg *leg)
{
  if (leg->stream == NULL)
    {
      if (leg->phase != PHASE_WAIT_SLOT)
        slot_release (leg);
      return;
    }

  leg->close_cancellable = g_cancellable_new ();
  leg->close_deadline = add_timeout (leg->context, CLOSE_TIMEOUT_MS, close_deadline_cb, leg);

  if (leg->can_logout)
    {
      g_free (leg->wbuf);
      leg->wbuf = g_strdup (logout_command (leg));
      g_output_stream_write_all_async (g_io_stream_get_output_stream (leg->stream),
                                       leg->wbuf, strlen (leg->wbuf), G_PRIORITY_DEFAULT,
                                       leg->close_cancellable, on_logout_written, leg_ref (leg));
    }
  else
    leg_close_stream (leg);
}

static void
leg_finish (Leg                 *leg,
            Email2ProbeSecurity  security,
            GError              *error)
{
  Run *run = leg->run;

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
  destroy_source (&leg->deadline);
  destroy_source (&leg->leg_deadline);
  if (leg->phase == PHASE_WAIT_SLOT)
    slot_cancel_wait (leg);
  leg_close (leg);
  leg->phase = PHASE_DONE;

  if (run != NULL)
    run_evaluate (run);
}

static void
leg_fail (Leg    *leg,
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
leg_fail_io (Leg        *leg,
             GError     *io_error,
             const char *doing)
{
  leg_fail (leg, leg_io_error (leg, io_error, doing));
}

static void G_GNUC_PRINTF (3, 4)
leg_fail_with (Leg        *leg,
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
  Leg *leg = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (leg->done)
    ;
  else if (n < 0)
    leg_fail_io (leg, error, _("reading"));
  else if (n == 0)
    leg_fail_with (leg, EMAIL2_ERROR_NETWORK, _("%s port %u closed the connection while waiting for %s"),
                   leg->host, leg->port, _(phase_what (leg->phase)));
  else
    {
      g_byte_array_append (leg->rbuf, leg->chunk, n);
      leg_pump (leg);
    }
  leg_unref (leg);
}

static void leg_handle_line (Leg *leg, char *line);

/* Hands complete lines to the protocol while a reply is expected, and
 * reads more when none is complete. */
static void
leg_pump (Leg *leg)
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
                                     leg->cancellable, on_read, leg_ref (leg));
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
leg_expect (Leg   *leg,
            Phase  phase)
{
  leg_arm (leg, phase, leg->reply_ms);
  leg->reply_lines = 0;
  leg->caps_started = FALSE;
  leg->reading = TRUE;
  leg_pump (leg);
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Leg *leg = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (!leg->done)
        leg_fail_io (leg, error, _("writing"));
    }
  else if (!leg->done)
    leg_expect (leg, leg->phase);
  leg_unref (leg);
}

/* Sends one command and then expects its reply in @phase. */
static void
leg_send (Leg        *leg,
          Phase       phase,
          const char *command)
{
  leg->reading = FALSE;
  leg_arm (leg, phase, leg->reply_ms);
  g_free (leg->wbuf);
  leg->wbuf = g_strdup (command);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (leg->stream),
                                   leg->wbuf, strlen (leg->wbuf), G_PRIORITY_DEFAULT,
                                   leg->cancellable, on_written, leg_ref (leg));
}

/* ---- capabilities ------------------------------------------------------- */

static gboolean
is_printable (const char *text,
              gboolean    spaces)
{
  if (*text == '\0' || strlen (text) > MAX_TOKEN)
    return FALSE;
  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    if (*p > 0x7e || *p < (spaces ? 0x20 : 0x21))
      return FALSE;
  return TRUE;
}

static void
caps_reset (Leg *leg)
{
  g_clear_pointer (&leg->caps, g_ptr_array_unref);
  leg->caps = g_ptr_array_new_with_free_func (g_free);
}

static void
caps_add (Leg        *leg,
          const char *cap)
{
  if (leg->caps->len < MAX_CAPABILITIES && is_printable (cap, TRUE))
    g_ptr_array_add (leg->caps, g_strdup (cap));
}

/* IMAP: the space-separated tokens of a CAPABILITY response. */
static void
caps_add_imap_tokens (Leg        *leg,
                      const char *text)
{
  g_auto(GStrv) tokens = g_strsplit (text, " ", -1);

  caps_reset (leg);
  for (guint i = 0; tokens[i] != NULL; i++)
    if (tokens[i][0] != '\0')
      caps_add (leg, tokens[i]);
}

/* The first word of a capability, or its token for IMAP. */
static gboolean
cap_is (const char *cap,
        const char *word)
{
  gsize n = strlen (word);

  return g_ascii_strncasecmp (cap, word, n) == 0 && (cap[n] == '\0' || cap[n] == ' ');
}

static gboolean
caps_offer_starttls (Leg *leg)
{
  const char *word = leg->protocol == EMAIL2_PROBE_PROTOCOL_POP3 ? "STLS" : "STARTTLS";

  for (guint i = 0; i < leg->caps->len; i++)
    if (cap_is (leg->caps->pdata[i], word))
      return TRUE;
  return FALSE;
}

static void
mechanisms_add (GPtrArray  *mechs,
                const char *name)
{
  g_autofree char *upper = g_ascii_strup (name, -1);

  if (!is_printable (upper, FALSE))
    return;
  for (guint i = 0; i < mechs->len; i++)
    if (strcmp (mechs->pdata[i], upper) == 0)
      return;
  g_ptr_array_add (mechs, g_steal_pointer (&upper));
}

static char **
caps_mechanisms (Email2ProbeProtocol  protocol,
                 GPtrArray           *caps)
{
  GPtrArray *mechs = g_ptr_array_new ();

  for (guint i = 0; i < caps->len; i++)
    {
      const char *cap = caps->pdata[i];
      const char *rest = NULL;

      switch (protocol)
        {
        case EMAIL2_PROBE_PROTOCOL_IMAP:
          if (g_ascii_strncasecmp (cap, "AUTH=", 5) == 0)
            mechanisms_add (mechs, cap + 5);
          break;
        case EMAIL2_PROBE_PROTOCOL_POP3:
          if (cap_is (cap, "SASL"))
            rest = cap + 4;
          break;
        case EMAIL2_PROBE_PROTOCOL_SMTP:
        default:
          if (cap_is (cap, "AUTH") || g_ascii_strncasecmp (cap, "AUTH=", 5) == 0)
            rest = cap[4] == '\0' ? cap + 4 : cap + 5;
          break;
        }
      if (rest != NULL)
        {
          g_auto(GStrv) words = g_strsplit (rest, " ", -1);

          for (guint j = 0; words[j] != NULL; j++)
            if (words[j][0] != '\0')
              mechanisms_add (mechs, words[j]);
        }
    }
  g_ptr_array_add (mechs, NULL);

  return (char **) g_ptr_array_free (mechs, FALSE);
}

/* ---- TLS ---------------------------------------------------------------- */

static gboolean
on_accept_certificate (GTlsConnection       *conn,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  Leg *leg = data;

  /* Never accepted: the probe only records why (DESIGN §4). */
  leg->certificate_errors = errors != 0 ? errors : G_TLS_CERTIFICATE_GENERIC_ERROR;
  g_set_object (&leg->peer_certificate, certificate);
  return FALSE;
}

static void leg_after_tls (Leg *leg);

static void
on_handshake (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Leg *leg = data;
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
      else
        {
          g_set_object (&leg->peer_certificate, g_tls_connection_get_peer_certificate (leg->tls));
          leg->certificate_errors = 0;
          g_set_object (&leg->stream, G_IO_STREAM (leg->tls));
          leg->tls_active = TRUE;
          leg_after_tls (leg);
        }
    }
  leg_unref (leg);
}

/* Starts TLS on the TCP connection itself, never on a buffered stream:
 * nothing read in the clear can reach the TLS layer. */
static void
leg_start_tls (Leg *leg)
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
                                    on_handshake, leg_ref (leg));
}

/* ---- protocol ----------------------------------------------------------- */

static void
leg_send_capabilities (Leg *leg)
{
  switch (leg->protocol)
    {
    case EMAIL2_PROBE_PROTOCOL_IMAP:
      g_strlcpy (leg->tag, leg->tls_active ? "C2" : "C1", sizeof leg->tag);
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
leg_after_tls (Leg *leg)
{
  /* RFC 2595 §3.1, RFC 3207 §4.2: forget everything learnt in the clear. */
  g_byte_array_set_size (leg->rbuf, 0);
  caps_reset (leg);

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
leg_capabilities_done (Leg *leg)
{
  static const char * const starttls_commands[] = { "S1 STARTTLS\r\n", "STLS\r\n", "STARTTLS\r\n" };

  if (leg->tls_active)
    {
      leg_finish (leg, leg->kind == EMAIL2_PROBE_LEG_TLS ? EMAIL2_PROBE_SECURITY_TLS
                                                          : EMAIL2_PROBE_SECURITY_STARTTLS, NULL);
      return;
    }

  leg->starttls_offered = caps_offer_starttls (leg);
  if (leg->starttls_offered && leg->preauth)
    leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                   _("%s port %u offers STARTTLS but skipped authentication (PREAUTH): TLS can no longer start"),
                   leg->host, leg->port);
  else if (leg->starttls_offered)
    {
      g_strlcpy (leg->tag, "S1", sizeof leg->tag);
      leg_send (leg, PHASE_STARTTLS, starttls_commands[leg->protocol]);
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
leg_starttls_accepted (Leg *leg)
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
leg_starttls_refused (Leg *leg)
{
  leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                 _("%s port %u offered STARTTLS but refused it"), leg->host, leg->port);
}

/* "WORD" at @p, followed by a space or the end. */
static const char *
skip_word (const char *p,
           const char *word)
{
  gsize n = strlen (word);

  if (g_ascii_strncasecmp (p, word, n) != 0 || (p[n] != '\0' && p[n] != ' '))
    return NULL;
  return p[n] == ' ' ? p + n + 1 : p + n;
}

/* IMAP: "[CAPABILITY …]" at the start of a response text. */
static gboolean
imap_code_capability (Leg        *leg,
                      const char *text)
{
  const char *end;
  g_autofree char *list = NULL;

  if (g_ascii_strncasecmp (text, "[CAPABILITY ", 12) != 0)
    return FALSE;
  end = strchr (text, ']');
  if (end == NULL)
    return FALSE;
  list = g_strndup (text + 12, end - (text + 12));
  caps_add_imap_tokens (leg, list);
  return TRUE;
}

static void
imap_line (Leg  *leg,
           char *line)
{
  const char *rest;

  switch (leg->phase)
    {
    case PHASE_GREETING:
      if ((rest = skip_word (line, "* OK")) != NULL ||
          ((rest = skip_word (line, "* PREAUTH")) != NULL))
        {
          if (g_ascii_strncasecmp (line, "* PREAUTH", 9) == 0 && !leg->tls_active)
            {
              leg->preauth = TRUE;
              if (leg->require_tls)
                {
                  leg_fail_with (leg, EMAIL2_ERROR_INSECURE,
                                 _("%s port %u skipped authentication in the clear (PREAUTH), and TLS is required"),
                                 leg->host, leg->port);
                  return;
                }
            }
          leg->reading = FALSE;
          leg->can_logout = TRUE;
          if (imap_code_capability (leg, rest))
            leg_capabilities_done (leg);
          else
            leg_send_capabilities (leg);
        }
      else if (skip_word (line, "* BYE") != NULL)
        leg_fail_with (leg, EMAIL2_ERROR_NETWORK, _("%s port %u refused the connection (BYE)"),
                       leg->host, leg->port);
      else
        leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u did not greet as an IMAP server"),
                       leg->host, leg->port);
      break;

    case PHASE_CAPABILITIES:
    case PHASE_STARTTLS:
      if (line[0] == '*' && line[1] == ' ')
        {
          /* Untagged data other than CAPABILITY is ignored, [ALERT] and
           * referrals included. */
          if (leg->phase == PHASE_CAPABILITIES && (rest = skip_word (line + 2, "CAPABILITY")) != NULL)
            caps_add_imap_tokens (leg, rest);
          return;
        }
      if ((rest = skip_word (line, leg->tag)) == NULL)
        {
          leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent an unexpected IMAP response"),
                         leg->host, leg->port);
          return;
        }
      leg->reading = FALSE;
      if (leg->phase == PHASE_STARTTLS)
        {
          if (skip_word (rest, "OK") != NULL)
            leg_starttls_accepted (leg);
          else
            leg_starttls_refused (leg);
        }
      else if (skip_word (rest, "OK") != NULL)
        leg_capabilities_done (leg);
      else
        leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u refused the CAPABILITY command"),
                       leg->host, leg->port);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
pop3_line (Leg  *leg,
           char *line)
{
  gboolean ok = skip_word (line, "+OK") != NULL;

  switch (leg->phase)
    {
    case PHASE_GREETING:
      leg->reading = FALSE;
      if (ok)
        {
          leg->can_logout = TRUE;
          leg_send_capabilities (leg);
        }
      else if (skip_word (line, "-ERR") != NULL)
        leg_fail_with (leg, EMAIL2_ERROR_NETWORK, _("%s port %u refused the connection (-ERR)"),
                       leg->host, leg->port);
      else
        leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u did not greet as a POP3 server"),
                       leg->host, leg->port);
      break;

    case PHASE_CAPABILITIES:
      if (!leg->caps_started)
        {
          if (ok)
            leg->caps_started = TRUE;
          else if (skip_word (line, "-ERR") != NULL)
            {
              /* RFC 2449: no capability information. */
              leg->reading = FALSE;
              leg_capabilities_done (leg);
            }
          else
            leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u sent an unexpected reply to CAPA"),
                           leg->host, leg->port);
        }
      else if (strcmp (line, ".") == 0)
        {
          leg->reading = FALSE;
          leg_capabilities_done (leg);
        }
      else
        caps_add (leg, line[0] == '.' ? line + 1 : line);
      break;

    case PHASE_STARTTLS:
      leg->reading = FALSE;
      if (ok)
        leg_starttls_accepted (leg);
      else
        leg_starttls_refused (leg);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* SMTP reply line: its code, and whether more lines follow. */
static gboolean
smtp_parse (const char  *line,
            guint       *code,
            gboolean    *more,
            const char **text)
{
  if (!g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]) ||
      (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
    return FALSE;
  *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  *more = line[3] == '-';
  *text = line[3] == '\0' ? line + 3 : line + 4;
  return TRUE;
}

static void
smtp_line (Leg  *leg,
           char *line)
{
  guint code;
  gboolean more;
  const char *text;

  if (!smtp_parse (line, &code, &more, &text))
    {
      leg_fail_with (leg, EMAIL2_ERROR_PROTOCOL, _("%s port %u did not answer as an SMTP server"),
                     leg->host, leg->port);
      return;
    }

  switch (leg->phase)
    {
    case PHASE_GREETING:
      if (code != 220)
        leg_fail_with (leg, EMAIL2_ERROR_NETWORK, _("%s port %u refused the connection (%u)"),
                       leg->host, leg->port, code);
      else if (!more)
        {
          leg->reading = FALSE;
          leg->can_logout = TRUE;
          leg_send_capabilities (leg);
        }
      break;

    case PHASE_CAPABILITIES:
      if (code == 250 && leg->caps_started)
        caps_add (leg, text);
      leg->caps_started = TRUE;   /* the first line names the server */
      if (!more)
        {
          /* A server without EHLO has no extensions, hence no STARTTLS. */
          leg->reading = FALSE;
          leg_capabilities_done (leg);
        }
      break;

    case PHASE_STARTTLS:
      if (more)
        return;
      leg->reading = FALSE;
      if (code == 220)
        leg_starttls_accepted (leg);
      else
        leg_starttls_refused (leg);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
leg_handle_line (Leg  *leg,
                 char *line)
{
  switch (leg->protocol)
    {
    case EMAIL2_PROBE_PROTOCOL_IMAP:
      imap_line (leg, line);
      break;
    case EMAIL2_PROBE_PROTOCOL_POP3:
      pop3_line (leg, line);
      break;
    case EMAIL2_PROBE_PROTOCOL_SMTP:
    default:
      smtp_line (leg, line);
      break;
    }
}

/* ---- legs: start -------------------------------------------------------- */

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Leg *leg = data;
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
  leg_unref (leg);
}

static void
leg_connect (Leg *leg)
{
  g_autoptr(GSocketConnectable) address = g_network_address_new (leg->host, leg->port);

  leg_arm (leg, PHASE_CONNECT, leg->connect_ms);
  leg->client = g_socket_client_new ();
  /* Direct connections only: what is probed is the server itself. */
  g_socket_client_set_enable_proxy (leg->client, FALSE);
  leg->connect_start_us = g_get_monotonic_time ();
  g_socket_client_connect_async (leg->client, address, leg->cancellable, on_connected, leg_ref (leg));
}

static void
leg_start (Leg *leg)
{
  leg->phase = PHASE_WAIT_SLOT;
  leg->leg_deadline = add_timeout (leg->context, EMAIL2_PROBE_DEFAULT_LEG_TIMEOUT_MS, leg_deadline_cb, leg);
  if (slot_acquire (leg))
    leg_connect (leg);
}

/* The run no longer needs @leg: stop it, close politely. */
static void
leg_abandon (Leg *leg)
{
  leg->run = NULL;
  if (leg->done)
    return;
  leg->abandoned = TRUE;
  if (leg->phase == PHASE_WAIT_SLOT)
    leg_finish (leg, EMAIL2_PROBE_SECURITY_NONE, NULL);
  else
    g_cancellable_cancel (leg->cancellable);
}

static Leg *
leg_new (Email2Probe        *probe,
         Run                *run,
         Email2ProbeLegKind  kind)
{
  Leg *leg = g_new0 (Leg, 1);

  leg->ref_count = 1;
  leg->run = run;
  leg->context = g_main_context_ref (run->context);
  leg->kind = kind;
  leg->protocol = probe->protocol;
  leg->host = g_strdup (probe->host);
  leg->host_key = g_ascii_strdown (probe->host, -1);
  leg->port = probe->port != 0 ? probe->port : probe->default_ports[kind];
  leg->require_tls = probe->require_tls;
  leg->database = probe->database != NULL ? g_object_ref (probe->database) : NULL;
  leg->connect_ms = probe->connect_ms;
  leg->tls_ms = probe->tls_ms;
  leg->reply_ms = probe->reply_ms;
  leg->start_us = run->start_us;
  leg->cancellable = g_cancellable_new ();
  leg->rbuf = g_byte_array_new ();
  caps_reset (leg);

  return leg;
}

/* ---- the race ----------------------------------------------------------- */

static void
run_free (Run *run)
{
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL)
      {
        leg_abandon (run->legs[i]);
        leg_unref (run->legs[i]);
      }
  destroy_source (&run->grace);
  g_clear_object (&run->user_cancellable);
  g_main_context_unref (run->context);
  g_free (run);
}

static void
result_set_leg (Email2ProbeResult *result,
                Run               *run,
                Leg               *leg,
                gint64             now)
{
  Email2ProbeLeg *out = &result->legs[leg->kind];

  out->kind = leg->kind;
  out->port = leg->port;
  out->security = leg->done ? leg->security : EMAIL2_PROBE_SECURITY_NONE;
  out->error = leg->error != NULL ? g_error_copy (leg->error) : NULL;
  out->elapsed_us = (leg->done ? leg->end_us : now) - run->start_us;
}

/* Returns the answer: @winner's mode, or none. Abandons the other legs. */
static void
run_decide (Run *run,
            Leg *winner)
{
  gint64 now = g_get_monotonic_time ();
  Email2ProbeResult *result = g_atomic_rc_box_new0 (Email2ProbeResult);
  g_autoptr(GTask) task = g_steal_pointer (&run->task);

  g_assert (!run->returned);
  run->returned = TRUE;
  destroy_source (&run->grace);

  result->elapsed_us = now - run->start_us;
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    {
      result->legs[i].kind = i;
      if (run->legs[i] != NULL)
        result_set_leg (result, run, run->legs[i], now);
    }

  if (winner != NULL)
    {
      GPtrArray *caps = g_ptr_array_new ();

      result->security = winner->security;
      result->port = winner->port;
      for (guint i = 0; i < winner->caps->len; i++)
        g_ptr_array_add (caps, g_strdup (winner->caps->pdata[i]));
      g_ptr_array_add (caps, NULL);
      result->capabilities = (char **) g_ptr_array_free (caps, FALSE);
      result->auth_mechanisms = caps_mechanisms (winner->protocol, winner->caps);
      if (winner->security != EMAIL2_PROBE_SECURITY_PLAIN && winner->peer_certificate != NULL)
        result->certificate = g_object_ref (winner->peer_certificate);
    }
  else
    {
      result->capabilities = g_new0 (char *, 1);
      result->auth_mechanisms = g_new0 (char *, 1);
      for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
        if (run->legs[i] != NULL && run->legs[i]->certificate_errors != 0 &&
            result->certificate == NULL)
          {
            g_set_object (&result->certificate, run->legs[i]->peer_certificate);
            result->certificate_errors = run->legs[i]->certificate_errors;
          }
    }

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL)
      leg_abandon (run->legs[i]);

  if (run->user_cancellable != NULL && run->cancel_id != 0)
    {
      g_cancellable_disconnect (run->user_cancellable, run->cancel_id);
      run->cancel_id = 0;
    }

  g_task_return_pointer (task, result, (GDestroyNotify) email2_probe_result_unref);
}

static gboolean
grace_cb (gpointer data)
{
  Run *run = data;
  Leg *tls = run->legs[EMAIL2_PROBE_LEG_TLS];

  g_clear_pointer (&run->grace, g_source_unref);
  if (tls != NULL && !tls->done)
    {
      /* Told in the answer: the better leg was given up, not failed. */
      g_clear_error (&tls->error);
      tls->error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT,
                                _("Gave up waiting for %s from %s port %u after the grace period"),
                                _(phase_what (tls->phase)), tls->host, tls->port);
    }
  run_decide (run, run->legs[EMAIL2_PROBE_LEG_CLEARTEXT]);
  return G_SOURCE_REMOVE;
}

/* The grace a better leg still running gets once a worse one succeeded
 * (DESIGN §4): two round trips of the winner's connect time when the better
 * leg is connected (it is making progress), one when it has not connected
 * at all (its SYN is most likely filtered). */
static guint
run_grace_ms (Run *run,
              Leg *better,
              Leg *winner)
{
  gint64 rtt_ms = (winner->connected_us - winner->connect_start_us) / 1000;

  if (better->connected)
    return CLAMP (2 * rtt_ms, EMAIL2_PROBE_GRACE_MIN_MS, EMAIL2_PROBE_GRACE_MAX_MS);
  return CLAMP (rtt_ms, GRACE_UNCONNECTED_MIN_MS, GRACE_UNCONNECTED_MAX_MS);
}

/* Decides when the legs' states allow it. */
static void
run_evaluate (Run *run)
{
  Leg *tls = run->legs[EMAIL2_PROBE_LEG_TLS];
  Leg *clear = run->legs[EMAIL2_PROBE_LEG_CLEARTEXT];
  gboolean tls_pending = tls != NULL && !tls->done;
  gboolean clear_pending = clear != NULL && !clear->done;

  if (run->returned)
    return;

  if (tls != NULL && tls->done && tls->security == EMAIL2_PROBE_SECURITY_TLS)
    {
      run_decide (run, tls);
      return;
    }

  if (clear != NULL && clear->done && clear->security == EMAIL2_PROBE_SECURITY_PLAIN &&
      tls != NULL && tls->done && tls->certificate_errors != 0)
    {
      /* Never plain after a certificate error (DESIGN §4). */
      clear->security = EMAIL2_PROBE_SECURITY_NONE;
      clear->error = g_error_new (EMAIL2_ERROR, EMAIL2_ERROR_INSECURE,
                                  _("Plain refused: the TLS port of %s showed a certificate that is not valid"),
                                  clear->host);
    }

  if (clear != NULL && clear->done && clear->security != EMAIL2_PROBE_SECURITY_NONE)
    {
      if (!tls_pending)
        run_decide (run, clear);
      else if (run->grace == NULL)
        {
          guint ms = run_grace_ms (run, tls, clear);

          g_debug ("probe %s: %s found, grace %u ms for TLS", clear->host,
                   email2_probe_security_to_string (clear->security), ms);
          run->grace = add_timeout (run->context, ms, grace_cb, run);
        }
      return;
    }

  if (!tls_pending && !clear_pending)
    run_decide (run, NULL);
  else if (clear_pending && tls != NULL && tls->done && tls->certificate_errors != 0 &&
           tls->port == clear->port)
    {
      /* The port spoke TLS to the TLS leg: it will never greet the
       * cleartext leg, and plain is refused anyway. */
      run_decide (run, NULL);
    }
}

static gboolean
run_cancelled_cb (gpointer data)
{
  GTask *task = data;
  Run *run = g_task_get_task_data (task);

  if (!run->returned)
    {
      /* The task returns G_IO_ERROR_CANCELLED whatever is passed here. */
      g_autoptr(GTask) held = g_steal_pointer (&run->task);

      run->returned = TRUE;
      destroy_source (&run->grace);
      for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
        if (run->legs[i] != NULL)
          leg_abandon (run->legs[i]);
      if (run->cancel_id != 0)
        {
          g_cancellable_disconnect (run->user_cancellable, run->cancel_id);
          run->cancel_id = 0;
        }
      g_task_return_new_error (held, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The probe was cancelled"));
    }
  return G_SOURCE_REMOVE;
}

/* May run in any thread: only schedules the work in the run's context. */
static void
on_user_cancelled (GCancellable *cancellable,
                   gpointer      data)
{
  GTask *task = data;
  Run *run = g_task_get_task_data (task);
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, run_cancelled_cb, g_object_ref (task), g_object_unref);
  g_source_attach (source, run->context);
  g_source_unref (source);
}

/* ---- Email2Probe -------------------------------------------------------- */

static void
email2_probe_finalize (GObject *object)
{
  Email2Probe *self = EMAIL2_PROBE (object);

  g_free (self->host);
  g_clear_object (&self->database);

  G_OBJECT_CLASS (email2_probe_parent_class)->finalize (object);
}

static void
email2_probe_class_init (Email2ProbeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_probe_finalize;
}

static void
email2_probe_init (Email2Probe *self)
{
  self->connect_ms = EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS;
  self->tls_ms = EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS;
  self->reply_ms = EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS;
  self->legs_enabled[EMAIL2_PROBE_LEG_TLS] = TRUE;
  self->legs_enabled[EMAIL2_PROBE_LEG_CLEARTEXT] = TRUE;
}

/**
 * email2_probe_new:
 * @protocol: the protocol
 * @host: the server's host name or IP address: the name its certificate
 *   must hold, and the name sent as SNI
 * @port: the port, or 0 for the protocol's standard ports
 * @require_tls: whether plain is unacceptable (the EMAIL2 nodes
 *   TAGPROPS/8128000B and 812C000B)
 *
 * Makes a probe that finds the best connection mode of one server
 * (DESIGN §4). With a port, both legs use it: implicit TLS and the
 * cleartext leg. Certificates are checked against the system's trust
 * store unless a database or CA file is set.
 *
 * Returns: (transfer full): a new probe
 */
Email2Probe *
email2_probe_new (Email2ProbeProtocol  protocol,
                  const char          *host,
                  guint16              port,
                  gboolean             require_tls)
{
  static const guint16 defaults[][EMAIL2_PROBE_N_LEGS] = {
    [EMAIL2_PROBE_PROTOCOL_IMAP] = { 993, 143 },
    [EMAIL2_PROBE_PROTOCOL_POP3] = { 995, 110 },
    [EMAIL2_PROBE_PROTOCOL_SMTP] = { 465, 587 },
  };
  Email2Probe *self;

  g_return_val_if_fail ((guint) protocol < G_N_ELEMENTS (defaults), NULL);
  g_return_val_if_fail (host != NULL && *host != '\0', NULL);

  self = g_object_new (EMAIL2_TYPE_PROBE, NULL);
  self->protocol = protocol;
  self->host = g_strdup (host);
  self->port = port;
  self->require_tls = require_tls;
  self->default_ports[EMAIL2_PROBE_LEG_TLS] = defaults[protocol][0];
  self->default_ports[EMAIL2_PROBE_LEG_CLEARTEXT] = defaults[protocol][1];

  return self;
}

/**
 * email2_probe_set_tls_database:
 * @self: a probe
 * @database: (nullable): the trust anchors, or %NULL for the system's
 *
 * Sets the certificate authorities a server's certificate must chain to.
 */
void
email2_probe_set_tls_database (Email2Probe  *self,
                               GTlsDatabase *database)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (database == NULL || G_IS_TLS_DATABASE (database));

  g_set_object (&self->database, database);
}

/**
 * email2_probe_set_ca_file:
 * @self: a probe
 * @path: a PEM file of CA certificates
 * @error: return location for an error
 *
 * Trusts the CAs of @path instead of the system's.
 *
 * Returns: whether @path could be loaded
 */
gboolean
email2_probe_set_ca_file (Email2Probe  *self,
                          const char   *path,
                          GError      **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (EMAIL2_IS_PROBE (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  database = g_tls_file_database_new (path, &local);
  if (database == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("Cannot use %s as CA certificates: %s"), path, local->message);
      return FALSE;
    }
  email2_probe_set_tls_database (self, database);
  return TRUE;
}

/**
 * email2_probe_set_timeouts:
 * @self: a probe
 * @connect_ms: deadline for a TCP connection, 0 for the default
 * @tls_ms: deadline for a TLS handshake, 0 for the default
 * @reply_ms: deadline for each greeting and reply, 0 for the default
 *
 * Sets the deadline of each phase of a leg. A deadline is measured from
 * the start of its phase and is not extended by data arriving: a server
 * that drips bytes is cut off as one that is silent.
 */
void
email2_probe_set_timeouts (Email2Probe *self,
                           guint        connect_ms,
                           guint        tls_ms,
                           guint        reply_ms)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));

  self->connect_ms = connect_ms != 0 ? connect_ms : EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS;
  self->tls_ms = tls_ms != 0 ? tls_ms : EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS;
  self->reply_ms = reply_ms != 0 ? reply_ms : EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS;
}

/**
 * email2_probe_set_default_ports:
 * @self: a probe
 * @tls_port: the implicit-TLS port used when no port is given
 * @cleartext_port: the STARTTLS / plain port used when no port is given
 *
 * Replaces the protocol's standard ports (993/143, 995/110, 465/587).
 */
void
email2_probe_set_default_ports (Email2Probe *self,
                                guint16      tls_port,
                                guint16      cleartext_port)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (tls_port != 0 && cleartext_port != 0);

  self->default_ports[EMAIL2_PROBE_LEG_TLS] = tls_port;
  self->default_ports[EMAIL2_PROBE_LEG_CLEARTEXT] = cleartext_port;
}

void
email2_probe_set_legs (Email2Probe *self,
                       gboolean     tls,
                       gboolean     cleartext)
{
  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (tls || cleartext);

  self->legs_enabled[EMAIL2_PROBE_LEG_TLS] = tls;
  self->legs_enabled[EMAIL2_PROBE_LEG_CLEARTEXT] = cleartext;
}

/**
 * email2_probe_run_async:
 * @self: a probe
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the answer, in the thread-default main context
 *   of the caller
 * @user_data: data for @callback
 *
 * Probes the server: implicit TLS and a cleartext leg start together; the
 * best acceptable mode wins (DESIGN §4). Nothing blocks: every step runs
 * in the caller's main context. No credential is ever sent. Connections
 * that are no longer needed end with LOGOUT / QUIT after the answer.
 */
void
email2_probe_run_async (Email2Probe         *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Run *run;

  g_return_if_fail (EMAIL2_IS_PROBE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, email2_probe_run_async);
  if (g_task_return_error_if_cancelled (task))
    return;

  run = g_new0 (Run, 1);
  run->context = g_main_context_ref_thread_default ();
  run->start_us = g_get_monotonic_time ();
  run->task = g_object_ref (task);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (self->legs_enabled[i])
      run->legs[i] = leg_new (self, run, i);

  if (cancellable != NULL)
    {
      run->user_cancellable = g_object_ref (cancellable);
      run->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_user_cancelled), task, NULL);
    }

  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (run->legs[i] != NULL && !run->returned)
      leg_start (run->legs[i]);
}

/**
 * email2_probe_run_finish:
 * @self: a probe
 * @result: the #GAsyncResult
 * @error: return location for an error
 *
 * Returns: (transfer full): the answer, also when no mode is acceptable
 *   (then its security is %EMAIL2_PROBE_SECURITY_NONE and each leg says
 *   why); %NULL only when the probe was cancelled (%G_IO_ERROR_CANCELLED)
 */
Email2ProbeResult *
email2_probe_run_finish (Email2Probe   *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (EMAIL2_IS_PROBE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == email2_probe_run_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
