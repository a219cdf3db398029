/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The server probe (DESIGN §4) against a real Dovecot on loopback
 * (tools/dovecot-test-server) and against scripted hostile servers for the
 * STARTTLS attack classes of research/probing.md §4.1. Every address is on
 * 127.0.0.0/8; names resolve through a resolver of the test's own.
 *
 * Longer than 800 lines on purpose: Dovecot and the scripted hostile
 * servers are started once for all cases, and the attack classes are rows
 * of tables.
 */

#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "email2-test.h"
#include "email2-account-probe-private.h"
#include "email2-probe-private.h"

/* Deadlines the tests give the probe: short, so that a test of a silent
 * server takes about a second. */
#define TEST_TIMEOUT_MS 1000

static const char *const protocols[] = { "imap", "pop3", "smtp" };
/* Port offsets of tools/dovecot-test-server: implicit TLS, cleartext. */
static const guint offsets[][2] = { { 993, 143 }, { 995, 110 }, { 465, 587 } };

/* EMAIL2_TEST_TIME_SCALE stretches every deadline and time limit, for runs
 * under valgrind. */
static guint time_scale = 1;

static char *dovecot_dir;
static guint dovecot_base;
static char *dovecot_failure;

static char *
ca_file (void)
{
  return g_build_filename (dovecot_dir, "certs", "ca.pem", NULL);
}

static char *
cert_file (const char *name,
           const char *ext)
{
  g_autofree char *file = g_strdup_printf ("%s.%s", name, ext);

  return g_build_filename (dovecot_dir, "certs", file, NULL);
}

static char *
script_path (void)
{
  const char *root = g_getenv ("EMAIL2_SOURCE_ROOT");

  g_assert_nonnull (root);
  return g_build_filename (root, "tools", "dovecot-test-server", NULL);
}

static void
dovecot_stop (void)
{
  g_autofree char *script = NULL;
  const char *argv[4];

  if (dovecot_dir == NULL)
    return;
  script = script_path ();
  argv[0] = script;
  argv[1] = "stop";
  argv[2] = dovecot_dir;
  argv[3] = NULL;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL);
  email2_test_remove_tree (dovecot_dir);
  g_clear_pointer (&dovecot_dir, g_free);
}

/* Starts Dovecot on a random base port; a few tries in case another test
 * run holds the ports. A failure is kept and makes every test that needs
 * Dovecot fail (never skip). */
static void
dovecot_start (void)
{
  g_autofree char *script = script_path ();
  g_autoptr(GString) failures = g_string_new (NULL);

  for (guint attempt = 0; attempt < 4; attempt++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("email2-dovecot-XXXXXX", &error);
      g_autofree char *base = NULL;
      g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
      g_autofree char *err = NULL;
      const char *argv[6];
      int status = 0;

      g_assert_no_error (error);
      g_chmod (dir, 0755);
      dovecot_base = 20000 + g_random_int_range (0, 400) * 100;
      base = g_strdup_printf ("%u", dovecot_base);
      argv[0] = script;
      argv[1] = "start";
      argv[2] = dir;
      argv[3] = base;
      argv[4] = pid;
      argv[5] = NULL;
      if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err,
                        &status, &error) &&
          g_spawn_check_wait_status (status, NULL))
        {
          dovecot_dir = g_steal_pointer (&dir);
          return;
        }
      g_string_append_printf (failures, "base %u: %s; ", dovecot_base,
                              error != NULL ? error->message : err);
      email2_test_remove_tree (dir);
    }
  dovecot_failure = g_string_free (g_steal_pointer (&failures), FALSE);
}

static void
assert_dovecot (void)
{
  if (dovecot_failure != NULL)
    g_error ("Dovecot could not run, so the probe cannot be tested "
             "(tools/install-deps installs it): %s", dovecot_failure);
  g_assert_nonnull (dovecot_dir);
}

/* ---- a resolver of the test's own: no DNS, only these names ------------ */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver {
  GResolver parent_instance;
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_lookup (const char               *name,
                      GResolverNameLookupFlags  flags,
                      GError                  **error)
{
  static const char * const names[][2] = {
    { "sni.email2.test", "127.0.0.2" },
    { "wrong.email2.test", "127.0.0.2" },
    { "nossl.email2.test", "127.0.0.3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i][0]) == 0)
      {
        if (flags & G_RESOLVER_NAME_LOOKUP_FLAGS_IPV6_ONLY)
          break;
        return g_list_append (NULL, g_inet_address_new_from_string (names[i][1]));
      }
  g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "%s: not a test name", name);
  return NULL;
}

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *name,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return test_resolver_lookup (name, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT, error);
}

static void
test_resolver_lookup_by_name_with_flags_async (GResolver                *resolver,
                                               const char               *name,
                                               GResolverNameLookupFlags  flags,
                                               GCancellable             *cancellable,
                                               GAsyncReadyCallback       callback,
                                               gpointer                  user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses = test_resolver_lookup (name, flags, &error);

  if (addresses == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *name,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  test_resolver_lookup_by_name_with_flags_async (resolver, name, G_RESOLVER_NAME_LOOKUP_FLAGS_DEFAULT,
                                                 cancellable, callback, user_data);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
  resolver_class->lookup_by_name_with_flags_async = test_resolver_lookup_by_name_with_flags_async;
  resolver_class->lookup_by_name_with_flags_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

/* ---- running a probe ---------------------------------------------------- */

typedef struct {
  gboolean done;
  Email2ProbeResult *result;
  GError *error;
} Wait;

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *wait = data;

  wait->result = email2_probe_run_finish (EMAIL2_PROBE (source), result, &wait->error);
  wait->done = TRUE;
  g_main_context_wakeup (NULL);
}

/* Iterates the main context for @ms (closes of abandoned legs finish). */
static void
spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
}

static Email2ProbeResult *
run_probe (Email2Probe *probe)
{
  Wait wait = { FALSE, NULL, NULL };

  email2_probe_run_async (probe, NULL, on_done, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.result);
  return wait.result;
}

static Email2Probe *
new_probe (const char *protocol,
           const char *host,
           guint16     port,
           gboolean    require_tls)
{
  Email2ProbeProtocol proto;
  Email2Probe *probe;
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = ca_file ();

  g_assert_true (email2_probe_protocol_from_string (protocol, &proto));
  probe = email2_probe_new (proto, host, port, require_tls);
  g_assert_true (email2_probe_set_ca_file (probe, ca, &error));
  g_assert_no_error (error);
  email2_probe_set_timeouts (probe, TEST_TIMEOUT_MS * time_scale, TEST_TIMEOUT_MS * time_scale,
                             TEST_TIMEOUT_MS * time_scale);
  return probe;
}

static gboolean
strv_has (char * const *strv,
          const char   *word)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (g_ascii_strcasecmp (strv[i], word) == 0)
      return TRUE;
  return FALSE;
}

/* Every piece of text in @result, for checks that server text never shows. */
static char *
result_text (const Email2ProbeResult *result)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; result->capabilities[i] != NULL; i++)
    g_string_append_printf (out, "%s\n", result->capabilities[i]);
  for (guint i = 0; result->auth_mechanisms[i] != NULL; i++)
    g_string_append_printf (out, "%s\n", result->auth_mechanisms[i]);
  for (guint i = 0; i < EMAIL2_PROBE_N_LEGS; i++)
    if (result->legs[i].error != NULL)
      g_string_append_printf (out, "%s\n", result->legs[i].error->message);
  return g_string_free (out, FALSE);
}

/* ---- Dovecot: the matrix ------------------------------------------------ */

typedef enum {
  PORT_NONE,            /* default ports (injected: Dovecot's) */
  PORT_IMPLICIT,        /* the implicit-TLS port given */
  PORT_CLEARTEXT,       /* the STARTTLS / plain port given */
} PortChoice;

typedef struct {
  guint protocol;
  guint personality;    /* 2: TLS optional, 3: no TLS, 4: TLS required */
  PortChoice port;
  gboolean require_tls;
} MatrixCase;

static Email2ProbeSecurity
matrix_expected (const MatrixCase *c)
{
  if (c->personality == 3)
    /* No TLS anywhere: plain on a cleartext port, when allowed. */
    return c->require_tls || c->port == PORT_IMPLICIT ? EMAIL2_PROBE_SECURITY_NONE
                                                     : EMAIL2_PROBE_SECURITY_PLAIN;
  return c->port == PORT_CLEARTEXT ? EMAIL2_PROBE_SECURITY_STARTTLS : EMAIL2_PROBE_SECURITY_TLS;
}

static void
test_matrix (gconstpointer data)
{
  const MatrixCase *c = data;
  g_autofree char *host = g_strdup_printf ("127.0.0.%u", c->personality);
  guint16 tls_port, clear_port, port;
  g_autoptr(Email2Probe) probe = NULL;
  g_autoptr(Email2ProbeResult) result = NULL;
  Email2ProbeSecurity expected = matrix_expected (c);

  assert_dovecot ();
  tls_port = dovecot_base + offsets[c->protocol][0];
  clear_port = dovecot_base + offsets[c->protocol][1];
  port = c->port == PORT_IMPLICIT ? tls_port : c->port == PORT_CLEARTEXT ? clear_port : 0;

  probe = new_probe (protocols[c->protocol], host, port, c->require_tls);
  email2_probe_set_default_ports (probe, tls_port, clear_port);
  result = run_probe (probe);

  g_test_message ("%s %s port %u%s: %s", protocols[c->protocol], host, port,
                  c->require_tls ? " require-tls" : "",
                  email2_probe_security_to_string (result->security));
  g_assert_cmpint (result->security, ==, expected);
  if (expected == EMAIL2_PROBE_SECURITY_NONE)
    {
      g_assert_cmpuint (result->port, ==, 0);
      g_assert_null (result->capabilities[0]);
      return;
    }

  g_assert_cmpuint (result->port, ==, expected == EMAIL2_PROBE_SECURITY_TLS ? tls_port : clear_port);
  g_assert_nonnull (result->capabilities[0]);
  /* Dovecot offers PLAIN and LOGIN over TLS; in the clear only on the
   * no-TLS personality (disable_plaintext_auth = no). */
  g_assert_true (strv_has (result->auth_mechanisms, "PLAIN"));
  g_assert_true (strv_has (result->auth_mechanisms, "LOGIN"));
  if (expected == EMAIL2_PROBE_SECURITY_PLAIN)
    g_assert_null (result->certificate);
  else
    {
      g_assert_nonnull (result->certificate);
      g_assert_cmpuint (result->certificate_errors, ==, 0);
      /* Capabilities taken after TLS: no STARTTLS, no LOGINDISABLED. */
      g_assert_false (strv_has (result->capabilities, "STARTTLS"));
      g_assert_false (strv_has (result->capabilities, "STLS"));
      g_assert_false (strv_has (result->capabilities, "LOGINDISABLED"));
    }
  g_assert_cmpint (result->elapsed_us, <, 3 * G_USEC_PER_SEC * time_scale);
}

/* SNI is sent: Dovecot shows the certificate for sni.email2.test only to a
 * client that names it (tools/dovecot-test-server). */
static void
test_sni (void)
{
  g_autoptr(Email2Probe) probe = NULL;
  g_autoptr(Email2ProbeResult) result = NULL;
  g_autofree char *subject = NULL;

  assert_dovecot ();
  probe = new_probe ("imap", "sni.email2.test", dovecot_base + 993, TRUE);
  result = run_probe (probe);
  g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_TLS);
  subject = g_tls_certificate_get_subject_name (result->certificate);
  g_assert_cmpstr (subject, ==, "CN=sni.email2.test");
}

/* A name the certificate does not hold: TLS fails, and there is no plain. */
static void
test_dovecot_wrong_name (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    {
      g_autoptr(Email2Probe) probe = NULL;
      g_autoptr(Email2ProbeResult) result = NULL;

      assert_dovecot ();
      probe = new_probe (protocols[p], "wrong.email2.test", 0, FALSE);
      email2_probe_set_default_ports (probe, dovecot_base + offsets[p][0], dovecot_base + offsets[p][1]);
      result = run_probe (probe);
      g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_NONE);
      g_assert_true (result->certificate_errors & G_TLS_CERTIFICATE_BAD_IDENTITY);
      g_assert_error (result->legs[EMAIL2_PROBE_LEG_TLS].error, EMAIL2_ERROR, EMAIL2_ERROR_TLS);
    }
}

/* Without the test CA the system store does not know Dovecot's issuer. */
static void
test_dovecot_untrusted (void)
{
  g_autoptr(Email2Probe) probe = NULL;
  g_autoptr(Email2ProbeResult) result = NULL;

  assert_dovecot ();
  probe = email2_probe_new (EMAIL2_PROBE_PROTOCOL_IMAP, "127.0.0.2", 0, FALSE);
  email2_probe_set_timeouts (probe, TEST_TIMEOUT_MS * time_scale, TEST_TIMEOUT_MS * time_scale,
                             TEST_TIMEOUT_MS * time_scale);
  email2_probe_set_default_ports (probe, dovecot_base + 993, dovecot_base + 143);
  result = run_probe (probe);
  g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_NONE);
  g_assert_true (result->certificate_errors & G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_error (result->legs[EMAIL2_PROBE_LEG_TLS].error, EMAIL2_ERROR, EMAIL2_ERROR_TLS);
  g_assert_error (result->legs[EMAIL2_PROBE_LEG_CLEARTEXT].error, EMAIL2_ERROR, EMAIL2_ERROR_TLS);
}

/* ---- scripted servers --------------------------------------------------- */

typedef enum {
  BEHAVE_SCRIPT,        /* speak the protocol, as the flags say */
  BEHAVE_SILENT,        /* accept, never speak */
  BEHAVE_DRIP,          /* accept, one byte a second, never a full line */
  BEHAVE_FILTERED,      /* SYNs dropped: a full accept queue */
  BEHAVE_RESET,         /* accept and close at once */
  BEHAVE_CLOSED,        /* no server: port 1, connection refused */
} Behaviour;

typedef enum {
  HOSTILE_IMPLICIT = 1 << 0,      /* TLS from the first byte */
  HOSTILE_HIDE_STARTTLS = 1 << 1,
  HOSTILE_REFUSE_STARTTLS = 1 << 2,
  HOSTILE_INJECT = 1 << 3,        /* extra responses in the STARTTLS reply's write */
  HOSTILE_INJECT_LATE = 1 << 4,   /* ... in a second write, 100 ms later */
  HOSTILE_PREAUTH = 1 << 5,
  HOSTILE_TAMPER = 1 << 6,        /* untagged data and false capabilities before TLS */
  HOSTILE_ALERT = 1 << 7,         /* [ALERT] / server text everywhere */
} HostileFlags;

#define EVIL "evil.example"

typedef struct {
  Email2ProbeProtocol protocol;
  Behaviour behaviour;
  HostileFlags flags;
  GTlsCertificate *certificate;

  GSocket *listener;
  GSocket *filler;               /* the connection that fills the queue */
  guint16 port;
  GCancellable *cancellable;
  GThread *thread;
  GMutex lock;
  GPtrArray *threads;
  GPtrArray *received;           /* every line a client sent */
  gint active;
  gint max_active;
  gint accepted;
  guint settle_ms;               /* wait before counting a new connection */
  guint delay_ms;                /* wait before answering anything */
} Hostile;

typedef struct {
  Hostile *server;
  GSocketConnection *conn;
} HostileConn;

static void
hostile_record (Hostile    *server,
                const char *line)
{
  g_mutex_lock (&server->lock);
  g_ptr_array_add (server->received, g_strdup (line));
  g_mutex_unlock (&server->lock);
}

static gboolean
hostile_write (GIOStream  *stream,
               const char *text,
               Hostile    *server)
{
  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), text, strlen (text),
                                    NULL, server->cancellable, NULL);
}

static GIOStream *
hostile_tls (Hostile   *server,
             GIOStream *base)
{
  g_autoptr(GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (base, server->certificate, &error);

  g_assert_no_error (error);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), server->cancellable, &error))
    {
      g_debug ("hostile: handshake: %s", error->message);
      g_object_unref (tls);
      return NULL;
    }
  return tls;
}

static const char *
hostile_greeting (Hostile *server)
{
  switch (server->protocol)
    {
    case EMAIL2_PROBE_PROTOCOL_IMAP:
      if (server->flags & HOSTILE_PREAUTH)
        return "* PREAUTH [ALERT] " EVIL " logged you in\r\n";
      if (server->flags & HOSTILE_ALERT)
        return "* OK [ALERT] Your account is locked, visit " EVIL "\r\n";
      return "* OK hostile ready\r\n";
    case EMAIL2_PROBE_PROTOCOL_POP3:
      return server->flags & HOSTILE_ALERT ? "+OK [SYS/PERM] visit " EVIL "\r\n" : "+OK hostile\r\n";
    case EMAIL2_PROBE_PROTOCOL_SMTP:
    default:
      return server->flags & HOSTILE_ALERT ? "220-visit " EVIL " now\r\n220 hostile ESMTP\r\n"
                                           : "220 hostile ESMTP\r\n";
    }
}

/* The answer to one client line; *upgrade set when TLS starts after it. */
static char *
hostile_answer (Hostile    *server,
                const char *line,
                gboolean    tls,
                gboolean   *upgrade,
                gboolean   *quit)
{
  HostileFlags f = server->flags;
  gboolean offer = !(f & HOSTILE_HIDE_STARTTLS) && !tls;
  gboolean tamper = (f & HOSTILE_TAMPER) && !tls;

  *upgrade = FALSE;
  *quit = FALSE;

  switch (server->protocol)
    {
    case EMAIL2_PROBE_PROTOCOL_IMAP:
      {
        g_auto(GStrv) words = g_strsplit (line, " ", 3);
        const char *tag = words[0] != NULL ? words[0] : "*";
        const char *cmd = words[0] != NULL && words[1] != NULL ? words[1] : "";

        if (g_ascii_strcasecmp (cmd, "CAPABILITY") == 0)
          return g_strdup_printf ("%s* CAPABILITY IMAP4rev1 AUTH=PLAIN%s%s%s\r\n%s OK done\r\n",
                                  tamper ? "* 3 EXISTS\r\n* OK [ALERT] " EVIL "\r\n" : "",
                                  offer ? " STARTTLS" : "", tamper ? " X-INJECTED AUTH=INJECTED" : "",
                                  tls ? " AUTH=LOGIN X-AFTER-TLS" : "", tag);
        if (g_ascii_strcasecmp (cmd, "STARTTLS") == 0 && !tls)
          {
            if (f & HOSTILE_REFUSE_STARTTLS)
              return g_strdup_printf ("%s NO [ALERT] " EVIL " says no\r\n", tag);
            *upgrade = TRUE;
            if (f & HOSTILE_INJECT)
              return g_strdup_printf ("%s OK begin\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN X-INJECTED\r\nC2 OK done\r\n", tag);
            return g_strdup_printf ("%s OK [ALERT] " EVIL " begin\r\n", tag);
          }
        if (g_ascii_strcasecmp (cmd, "LOGOUT") == 0)
          {
            *quit = TRUE;
            return g_strdup_printf ("* BYE\r\n%s OK bye\r\n", tag);
          }
        return g_strdup_printf ("%s BAD what\r\n", tag);
      }

    case EMAIL2_PROBE_PROTOCOL_POP3:
      if (g_ascii_strcasecmp (line, "CAPA") == 0)
        return g_strdup_printf ("+OK\r\nUSER\r\nSASL PLAIN%s\r\n%s%s.\r\n", tls ? " LOGIN" : "",
                                offer ? "STLS\r\n" : "",
                                tamper ? "X-INJECTED\r\n" : tls ? "X-AFTER-TLS\r\n" : "");
      if (g_ascii_strcasecmp (line, "STLS") == 0 && !tls)
        {
          if (f & HOSTILE_REFUSE_STARTTLS)
            return g_strdup ("-ERR " EVIL " says no\r\n");
          *upgrade = TRUE;
          if (f & HOSTILE_INJECT)
            return g_strdup ("+OK begin\r\n+OK\r\nX-INJECTED\r\n.\r\n");
          return g_strdup ("+OK begin\r\n");
        }
      if (g_ascii_strcasecmp (line, "QUIT") == 0)
        {
          *quit = TRUE;
          return g_strdup ("+OK bye\r\n");
        }
      return g_strdup ("-ERR what\r\n");

    case EMAIL2_PROBE_PROTOCOL_SMTP:
    default:
      if (g_ascii_strncasecmp (line, "EHLO ", 5) == 0)
        return g_strdup_printf ("250-hostile\r\n250-AUTH PLAIN%s\r\n%s%s250 SIZE 1000\r\n",
                                tls ? " LOGIN" : "", offer ? "250-STARTTLS\r\n" : "",
                                tamper ? "250-X-INJECTED\r\n" : tls ? "250-X-AFTER-TLS\r\n" : "");
      if (g_ascii_strcasecmp (line, "STARTTLS") == 0 && !tls)
        {
          if (f & HOSTILE_REFUSE_STARTTLS)
            return g_strdup ("454 4.7.0 " EVIL " says no\r\n");
          *upgrade = TRUE;
          if (f & HOSTILE_INJECT)
            return g_strdup ("220 go\r\n250-hostile\r\n250 X-INJECTED\r\n");
          return g_strdup ("220 go\r\n");
        }
      if (g_ascii_strcasecmp (line, "QUIT") == 0)
        {
          *quit = TRUE;
          return g_strdup ("221 bye\r\n");
        }
      return g_strdup ("502 what\r\n");
    }
}

/* A line reader that leaves the stream open when it goes. */
static GDataInputStream *
hostile_reader (GIOStream *stream)
{
  GDataInputStream *in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));

  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  return in;
}

static void
hostile_script (Hostile   *server,
                GIOStream *base)
{
  g_autoptr(GIOStream) stream = g_object_ref (base);
  g_autoptr(GDataInputStream) in = NULL;
  gboolean tls = FALSE;

  if (server->flags & HOSTILE_IMPLICIT)
    {
      g_clear_object (&stream);
      stream = hostile_tls (server, base);
      if (stream == NULL)
        return;
      tls = TRUE;
    }

  if (!hostile_write (stream, hostile_greeting (server), server))
    return;
  in = hostile_reader (stream);

  for (guint n = 0; n < 20; n++)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, server->cancellable, NULL);
      g_autofree char *answer = NULL;
      gboolean upgrade, quit;

      if (line == NULL)
        return;
      hostile_record (server, line);
      answer = hostile_answer (server, line, tls, &upgrade, &quit);
      if (!hostile_write (stream, answer, server))
        return;
      if (quit)
        return;
      if (upgrade)
        {
          GIOStream *upgraded;

          if (server->flags & HOSTILE_INJECT_LATE)
            {
              g_usleep (100000);
              hostile_write (stream, server->protocol == EMAIL2_PROBE_PROTOCOL_IMAP
                                       ? "* CAPABILITY IMAP4rev1 X-INJECTED\r\n" : "+OK X-INJECTED\r\n",
                             server);
            }
          g_clear_object (&in);
          upgraded = hostile_tls (server, base);
          if (upgraded == NULL)
            return;
          g_clear_object (&stream);
          stream = upgraded;
          tls = TRUE;
          in = hostile_reader (stream);
        }
    }
}

static gpointer
hostile_conn_thread (gpointer data)
{
  HostileConn *hc = data;
  Hostile *server = hc->server;
  GSocket *socket = g_socket_connection_get_socket (hc->conn);
  int now, max;

  /* A connection the client has just closed needs a moment to be seen
   * closed here: the count is taken after it. */
  if (server->settle_ms > 0)
    g_usleep (server->settle_ms * 1000);
  now = g_atomic_int_add (&server->active, 1) + 1;
  while ((max = g_atomic_int_get (&server->max_active)) < now &&
         !g_atomic_int_compare_and_exchange (&server->max_active, max, now))
    ;
  g_socket_set_timeout (socket, 5 * time_scale);

  /* A slow server: the client's bytes (a ClientHello) wait unread. */
  for (guint waited = 0; waited < server->delay_ms && !g_cancellable_is_cancelled (server->cancellable);
       waited += 10)
    g_usleep (10000);

  switch (server->behaviour)
    {
    case BEHAVE_SCRIPT:
      hostile_script (server, G_IO_STREAM (hc->conn));
      break;
    case BEHAVE_SILENT:
      {
        char byte;

        /* Until the client closes, the server stops, or 5 s pass. */
        while (g_socket_receive (socket, &byte, 1, server->cancellable, NULL) > 0)
          ;
      }
      break;
    case BEHAVE_DRIP:
      for (guint i = 0; i < 10 && !g_cancellable_is_cancelled (server->cancellable); i++)
        {
          if (g_socket_send (socket, "*", 1, server->cancellable, NULL) != 1)
            break;
          if (g_socket_condition_timed_wait (socket, G_IO_IN, G_USEC_PER_SEC, server->cancellable, NULL))
            {
              char buffer[256];

              if (g_socket_receive (socket, buffer, sizeof buffer, server->cancellable, NULL) <= 0)
                break;
            }
        }
      break;
    case BEHAVE_RESET:
    case BEHAVE_FILTERED:
    default:
      break;
    }

  g_io_stream_close (G_IO_STREAM (hc->conn), NULL, NULL);
  g_object_unref (hc->conn);
  g_free (hc);
  g_atomic_int_add (&server->active, -1);
  return NULL;
}

static gpointer
hostile_accept_thread (gpointer data)
{
  Hostile *server = data;

  for (;;)
    {
      g_autoptr(GSocket) socket = g_socket_accept (server->listener, server->cancellable, NULL);
      HostileConn *hc;

      if (socket == NULL)
        return NULL;
      g_atomic_int_inc (&server->accepted);
      hc = g_new0 (HostileConn, 1);
      hc->server = server;
      hc->conn = g_socket_connection_factory_create_connection (socket);
      g_mutex_lock (&server->lock);
      g_ptr_array_add (server->threads, g_thread_new ("hostile-conn", hostile_conn_thread, hc));
      g_mutex_unlock (&server->lock);
    }
}

/* A server on @host (an address the test certificates name) at an
 * ephemeral port. */
static Hostile *
hostile_new_at (const char          *host,
                Email2ProbeProtocol  protocol,
                Behaviour            behaviour,
                HostileFlags         flags,
                const char          *cert_name)
{
  Hostile *server = g_new0 (Hostile, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  server->protocol = protocol;
  server->behaviour = behaviour;
  server->flags = flags;
  server->cancellable = g_cancellable_new ();
  server->threads = g_ptr_array_new ();
  server->received = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&server->lock);
  if (cert_name != NULL)
    {
      g_autofree char *cert = cert_file (cert_name, "pem");
      g_autofree char *key = cert_file (cert_name, "key");

      server->certificate = g_tls_certificate_new_from_files (cert, key, &error);
      g_assert_no_error (error);
    }

  server->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (server->listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (server->listener, behaviour == BEHAVE_FILTERED ? 0 : 16);
  g_socket_listen (server->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (server->listener, &error);
  g_assert_no_error (error);
  server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  if (behaviour == BEHAVE_FILTERED)
    {
      /* One connection fills the queue of a listener that never accepts:
       * Linux then drops every further SYN, like a filtering firewall. */
      server->filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      g_socket_connect (server->filler, bound, NULL, &error);
      g_assert_no_error (error);
    }
  else
    server->thread = g_thread_new ("hostile-accept", hostile_accept_thread, server);

  return server;
}

static Hostile *
hostile_new (Email2ProbeProtocol  protocol,
             Behaviour            behaviour,
             HostileFlags         flags,
             const char          *cert_name)
{
  return hostile_new_at ("127.0.0.2", protocol, behaviour, flags, cert_name);
}

static void
hostile_free (Hostile *server)
{
  g_cancellable_cancel (server->cancellable);
  if (server->thread != NULL)
    g_thread_join (server->thread);
  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->threads->len; i++)
    g_thread_join (server->threads->pdata[i]);
  g_mutex_unlock (&server->lock);
  g_ptr_array_unref (server->threads);
  g_ptr_array_unref (server->received);
  g_clear_object (&server->filler);
  g_socket_close (server->listener, NULL);
  g_object_unref (server->listener);
  g_clear_object (&server->certificate);
  g_object_unref (server->cancellable);
  g_mutex_clear (&server->lock);
  g_free (server);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Hostile, hostile_free)

/* No client line may carry or start a login (DESIGN §4: never credentials
 * while probing). */
static void
assert_no_credentials (Hostile *server)
{
  static const char * const allowed[] = {
    "CAPABILITY", "STARTTLS", "LOGOUT", "CAPA", "STLS", "QUIT", "EHLO",
  };

  g_mutex_lock (&server->lock);
  for (guint i = 0; i < server->received->len; i++)
    {
      const char *line = server->received->pdata[i];
      g_auto(GStrv) words = g_strsplit (line, " ", 3);
      const char *cmd = server->protocol == EMAIL2_PROBE_PROTOCOL_IMAP && words[0] != NULL
        ? words[1] : words[0];
      gboolean ok = FALSE;

      for (guint j = 0; cmd != NULL && j < G_N_ELEMENTS (allowed); j++)
        ok |= g_ascii_strcasecmp (cmd, allowed[j]) == 0;
      if (!ok)
        g_error ("the probe sent “%s”", line);
      g_assert_null (strstr (line, "secret"));
    }
  g_mutex_unlock (&server->lock);
}

/* A silent listener to stand for "a port that never answers". */
static Email2ProbeResult *
run_hostile (Hostile  *tls_port,
             Hostile  *clear_port,
             gboolean  require_tls)
{
  Email2ProbeProtocol protocol = clear_port != NULL ? clear_port->protocol : tls_port->protocol;
  g_autoptr(Email2Probe) probe = new_probe (protocols[protocol], "127.0.0.2", 0, require_tls);
  Email2ProbeResult *result;

  /* A closed port: one that was bound a moment ago and closed (the
   * ephemeral range is not reused at once). */
  email2_probe_set_default_ports (probe, tls_port != NULL ? tls_port->port : 1,
                                  clear_port != NULL ? clear_port->port : 1);
  result = run_probe (probe);
  if (tls_port != NULL)
    assert_no_credentials (tls_port);
  if (clear_port != NULL)
    assert_no_credentials (clear_port);
  return result;
}

typedef struct {
  const char *name;
  HostileFlags flags;
  const char *tls_cert;          /* NULL: the TLS port is closed */
  const char *starttls_cert;
  gboolean tls_implicit_works;
  Email2ProbeSecurity expect_optional;   /* TLS not required */
  Email2ProbeSecurity expect_required;   /* TLS required */
  int error_code;                         /* cleartext leg's, -1: none */
} AttackCase;

static const AttackCase attacks[] = {
  /* Stripping: without STARTTLS the cleartext leg is plain, allowed only
   * when TLS is not required. */
  { "starttls-hidden", HOSTILE_HIDE_STARTTLS, NULL, "server", FALSE,
    EMAIL2_PROBE_SECURITY_PLAIN, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_INSECURE },
  /* Offered then refused: never plain, even when plain is allowed. */
  { "starttls-refused", HOSTILE_REFUSE_STARTTLS | HOSTILE_ALERT, NULL, "server", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_INSECURE },
  { "injection", HOSTILE_INJECT, NULL, "server", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_INSECURE },
  { "injection-late", HOSTILE_INJECT_LATE, NULL, "server", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_TLS },
  /* Tampering and [ALERT] before TLS: ignored, capabilities from after. */
  { "tamper", HOSTILE_TAMPER | HOSTILE_ALERT, NULL, "server", FALSE,
    EMAIL2_PROBE_SECURITY_STARTTLS, EMAIL2_PROBE_SECURITY_STARTTLS, -1 },
  { "alert", HOSTILE_ALERT, "server", "server", TRUE,
    EMAIL2_PROBE_SECURITY_TLS, EMAIL2_PROBE_SECURITY_TLS, -1 },
  /* Certificates: for another host, self-signed; on the TLS port with a
   * cleartext port without STARTTLS (plain refused after a certificate
   * error), and on STARTTLS. */
  { "tls-wrong-host", HOSTILE_HIDE_STARTTLS, "wrong", "server", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_INSECURE },
  { "tls-self-signed", HOSTILE_HIDE_STARTTLS, "self", "server", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_INSECURE },
  { "starttls-wrong-host", 0, NULL, "wrong", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_TLS },
  { "starttls-self-signed", 0, NULL, "self", FALSE,
    EMAIL2_PROBE_SECURITY_NONE, EMAIL2_PROBE_SECURITY_NONE, EMAIL2_ERROR_TLS },
  /* A bad certificate on implicit TLS, a good one on STARTTLS: STARTTLS. */
  { "tls-self-signed-starttls-good", 0, "self", "server", FALSE,
    EMAIL2_PROBE_SECURITY_STARTTLS, EMAIL2_PROBE_SECURITY_STARTTLS, -1 },
};

static void
check_attack (const AttackCase    *a,
              Email2ProbeProtocol  protocol,
              gboolean             require_tls)
{
  g_autoptr(Hostile) tls_port = NULL;
  g_autoptr(Hostile) clear_port = NULL;
  g_autoptr(Email2ProbeResult) result = NULL;
  g_autofree char *text = NULL;
  Email2ProbeSecurity expected = require_tls ? a->expect_required : a->expect_optional;
  const GError *clear_error;

  if (a->tls_cert != NULL)
    tls_port = hostile_new (protocol, BEHAVE_SCRIPT, a->flags | HOSTILE_IMPLICIT, a->tls_cert);
  clear_port = hostile_new (protocol, BEHAVE_SCRIPT, a->flags, a->starttls_cert);
  result = run_hostile (tls_port, clear_port, require_tls);

  g_test_message ("%s %s%s: %s", a->name, protocols[protocol], require_tls ? " require-tls" : "",
                  email2_probe_security_to_string (result->security));
  g_assert_cmpint (result->security, ==, expected);

  /* Server text never reaches the answer; nor do pre-TLS capabilities. */
  text = result_text (result);
  g_assert_null (strstr (text, EVIL));
  g_assert_null (strstr (text, "INJECTED"));

  if (expected == EMAIL2_PROBE_SECURITY_STARTTLS || expected == EMAIL2_PROBE_SECURITY_TLS)
    {
      g_assert_true (strv_has (result->capabilities, "X-AFTER-TLS"));
      g_assert_true (strv_has (result->auth_mechanisms, "LOGIN"));
      g_assert_cmpuint (result->certificate_errors, ==, 0);
    }

  clear_error = result->legs[EMAIL2_PROBE_LEG_CLEARTEXT].error;
  if (expected == EMAIL2_PROBE_SECURITY_NONE && a->error_code >= 0)
    g_assert_error (clear_error, EMAIL2_ERROR, a->error_code);
}

static void
test_attack (gconstpointer data)
{
  const AttackCase *a = data;

  assert_dovecot ();        /* the certificates come from its test CA */
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    {
      check_attack (a, p, FALSE);
      check_attack (a, p, TRUE);
    }
}

/* PREAUTH in the clear: refused when TLS is required or STARTTLS is
 * offered (it can no longer start); plain otherwise. */
static void
test_preauth (void)
{
  static const struct {
    HostileFlags flags;
    gboolean require_tls;
    Email2ProbeSecurity expected;
  } cases[] = {
    { HOSTILE_PREAUTH, FALSE, EMAIL2_PROBE_SECURITY_NONE },
    { HOSTILE_PREAUTH, TRUE, EMAIL2_PROBE_SECURITY_NONE },
    { HOSTILE_PREAUTH | HOSTILE_HIDE_STARTTLS, TRUE, EMAIL2_PROBE_SECURITY_NONE },
    { HOSTILE_PREAUTH | HOSTILE_HIDE_STARTTLS, FALSE, EMAIL2_PROBE_SECURITY_PLAIN },
  };

  assert_dovecot ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Hostile) clear_port = hostile_new (EMAIL2_PROBE_PROTOCOL_IMAP, BEHAVE_SCRIPT,
                                                   cases[i].flags, "server");
      g_autoptr(Email2ProbeResult) result = run_hostile (NULL, clear_port, cases[i].require_tls);
      g_autofree char *text = result_text (result);

      g_assert_cmpint (result->security, ==, cases[i].expected);
      g_assert_null (strstr (text, EVIL));
      if (cases[i].expected == EMAIL2_PROBE_SECURITY_NONE)
        g_assert_error (result->legs[EMAIL2_PROBE_LEG_CLEARTEXT].error, EMAIL2_ERROR, EMAIL2_ERROR_INSECURE);
    }
}

/* ---- deadlines ---------------------------------------------------------- */

typedef struct {
  const char *name;
  Behaviour tls;                 /* the TLS port */
  Behaviour clear;               /* the cleartext port; SCRIPT = Dovecot */
  guint personality;
  gboolean require_tls;
  Email2ProbeSecurity expected;
  guint max_ms;
} DeadlineCase;

static const DeadlineCase deadline_cases[] = {
  /* The TLS port fails; STARTTLS (or plain) follows within the grace. */
  { "tls-closed", BEHAVE_CLOSED, BEHAVE_SCRIPT, 2, TRUE, EMAIL2_PROBE_SECURITY_STARTTLS, 500 },
  { "tls-reset", BEHAVE_RESET, BEHAVE_SCRIPT, 2, TRUE, EMAIL2_PROBE_SECURITY_STARTTLS, 500 },
  { "tls-silent", BEHAVE_SILENT, BEHAVE_SCRIPT, 2, TRUE, EMAIL2_PROBE_SECURITY_STARTTLS,
    EMAIL2_PROBE_GRACE_MAX_MS + 500 },
  { "tls-drip", BEHAVE_DRIP, BEHAVE_SCRIPT, 2, TRUE, EMAIL2_PROBE_SECURITY_STARTTLS,
    EMAIL2_PROBE_GRACE_MAX_MS + 500 },
  { "tls-filtered", BEHAVE_FILTERED, BEHAVE_SCRIPT, 2, TRUE, EMAIL2_PROBE_SECURITY_STARTTLS, 750 },
  /* Plain only once the TLS leg reached its deadline (1 s a phase here). */
  { "tls-filtered-plain", BEHAVE_FILTERED, BEHAVE_SCRIPT, 3, FALSE, EMAIL2_PROBE_SECURITY_PLAIN,
    TEST_TIMEOUT_MS + 500 },
  { "tls-silent-plain", BEHAVE_SILENT, BEHAVE_SCRIPT, 3, FALSE, EMAIL2_PROBE_SECURITY_PLAIN,
    TEST_TIMEOUT_MS + 500 },
  /* The cleartext port fails; TLS wins at once. */
  { "clear-silent", BEHAVE_SCRIPT, BEHAVE_SILENT, 2, FALSE, EMAIL2_PROBE_SECURITY_TLS, 500 },
  { "clear-closed-plain-refused", BEHAVE_CLOSED, BEHAVE_CLOSED, 3, FALSE, EMAIL2_PROBE_SECURITY_NONE, 500 },
  { "clear-drip", BEHAVE_SCRIPT, BEHAVE_DRIP, 2, FALSE, EMAIL2_PROBE_SECURITY_TLS, 500 },
  /* Both fail: within the deadlines (1 s each phase here). */
  { "both-silent", BEHAVE_SILENT, BEHAVE_SILENT, 2, FALSE, EMAIL2_PROBE_SECURITY_NONE,
    TEST_TIMEOUT_MS + 700 },
  { "clear-drip-tls-closed", BEHAVE_CLOSED, BEHAVE_DRIP, 2, FALSE, EMAIL2_PROBE_SECURITY_NONE,
    TEST_TIMEOUT_MS + 700 },
  { "both-filtered", BEHAVE_FILTERED, BEHAVE_FILTERED, 2, FALSE, EMAIL2_PROBE_SECURITY_NONE,
    TEST_TIMEOUT_MS + 700 },
};

static void
test_deadline (gconstpointer data)
{
  const DeadlineCase *d = data;

  assert_dovecot ();
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    {
      g_autofree char *host = g_strdup_printf ("127.0.0.%u", d->personality);
      g_autoptr(Hostile) tls_port = NULL;
      g_autoptr(Hostile) clear_port = NULL;
      g_autoptr(Email2Probe) probe = NULL;
      g_autoptr(Email2ProbeResult) result = NULL;
      guint16 tls = dovecot_base + offsets[p][0];
      guint16 clear = dovecot_base + offsets[p][1];

      if (d->tls == BEHAVE_CLOSED)
        tls = 1;
      else if (d->tls != BEHAVE_SCRIPT)
        {
          tls_port = hostile_new_at (host, p, d->tls, 0, NULL);
          tls = tls_port->port;
        }
      if (d->clear == BEHAVE_CLOSED)
        clear = 1;
      else if (d->clear != BEHAVE_SCRIPT)
        {
          clear_port = hostile_new_at (host, p, d->clear, 0, NULL);
          clear = clear_port->port;
        }

      probe = new_probe (protocols[p], host, 0, d->require_tls);
      email2_probe_set_default_ports (probe, tls, clear);
      result = run_probe (probe);

      g_test_message ("%s %s: %s in %" G_GINT64_FORMAT " ms", d->name, protocols[p],
                      email2_probe_security_to_string (result->security), result->elapsed_us / 1000);
      g_assert_cmpint (result->security, ==, d->expected);
      g_assert_cmpint (result->elapsed_us / 1000, <=, d->max_ms * time_scale);
      if (d->expected == EMAIL2_PROBE_SECURITY_NONE && d->clear != BEHAVE_SCRIPT &&
          d->clear != BEHAVE_CLOSED)
        g_assert_error (result->legs[EMAIL2_PROBE_LEG_CLEARTEXT].error, EMAIL2_ERROR,
                        EMAIL2_ERROR_TIMED_OUT);
    }
}

/* ---- plain never while TLS may answer (issue 10) ------------------------ */

/* A probe with the default deadlines (10 s a phase), as email2ctl and the
 * registry use them. */
static Email2Probe *
new_probe_default_deadlines (Email2ProbeProtocol protocol,
                             gboolean            require_tls)
{
  g_autoptr(Email2Probe) probe = new_probe (protocols[protocol], "127.0.0.2", 0, require_tls);

  email2_probe_set_timeouts (probe, EMAIL2_PROBE_DEFAULT_CONNECT_TIMEOUT_MS * time_scale,
                             EMAIL2_PROBE_DEFAULT_TLS_TIMEOUT_MS * time_scale,
                             EMAIL2_PROBE_DEFAULT_REPLY_TIMEOUT_MS * time_scale);
  email2_probe_set_plain_wait (probe, EMAIL2_PROBE_PLAIN_WAIT_MS * time_scale);
  return g_steal_pointer (&probe);
}

/* The implicit-TLS port answers after 150, 600, 1200, 3000 ms beside a
 * plain port that answers at once: TLS, every time. (Before, 600 ms and
 * more gave plain.) */
static void
test_slow_tls (void)
{
  static const guint delays[] = { 150, 600, 1200, 3000 };

  assert_dovecot ();        /* the certificates come from its test CA */
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
      {
        g_autoptr(Hostile) tls_port = hostile_new (p, BEHAVE_SCRIPT, HOSTILE_IMPLICIT, "server");
        g_autoptr(Hostile) clear_port = hostile_new (p, BEHAVE_SCRIPT, HOSTILE_HIDE_STARTTLS, NULL);
        g_autoptr(Email2Probe) probe = new_probe_default_deadlines (p, FALSE);
        g_autoptr(Email2ProbeResult) result = NULL;

        tls_port->delay_ms = delays[i];
        email2_probe_set_default_ports (probe, tls_port->port, clear_port->port);
        result = run_probe (probe);
        g_test_message ("%s, TLS after %u ms: %s in %" G_GINT64_FORMAT " ms", protocols[p], delays[i],
                        email2_probe_security_to_string (result->security), result->elapsed_us / 1000);
        g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_TLS);
        g_assert_cmpint (result->elapsed_us / 1000, >=, delays[i]);
      }
}

/* A TLS port that accepts and never answers beside plain: plain, but only
 * after EMAIL2_PROBE_PLAIN_WAIT_MS; never with TLS required. */
static void
test_silent_tls_plain (void)
{
  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    for (guint required = 0; required < 2; required++)
      {
        g_autoptr(Hostile) tls_port = hostile_new (p, BEHAVE_SILENT, 0, NULL);
        g_autoptr(Hostile) clear_port = hostile_new (p, BEHAVE_SCRIPT, HOSTILE_HIDE_STARTTLS, NULL);
        g_autoptr(Email2Probe) probe = new_probe_default_deadlines (p, required);
        g_autoptr(Email2ProbeResult) result = NULL;
        gint64 ms;

        email2_probe_set_default_ports (probe, tls_port->port, clear_port->port);
        result = run_probe (probe);
        ms = result->elapsed_us / 1000;
        g_test_message ("%s%s, silent TLS port: %s in %" G_GINT64_FORMAT " ms", protocols[p],
                        required ? " require-tls" : "",
                        email2_probe_security_to_string (result->security), ms);
        if (required)
          {
            g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_NONE);
            g_assert_error (result->legs[EMAIL2_PROBE_LEG_CLEARTEXT].error, EMAIL2_ERROR,
                            EMAIL2_ERROR_INSECURE);
            continue;
          }
        g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_PLAIN);
        g_assert_cmpint (ms, >=, EMAIL2_PROBE_PLAIN_WAIT_MS * time_scale);
        g_assert_cmpint (ms, <, (EMAIL2_PROBE_PLAIN_WAIT_MS + 1000) * time_scale);
        g_assert_error (result->legs[EMAIL2_PROBE_LEG_TLS].error, EMAIL2_ERROR, EMAIL2_ERROR_TIMED_OUT);
      }
}

/* An implicit-TLS server that speaks only TLS 1.0 or 1.1 (openssl
 * s_server on loopback with the test CA's certificate): refused, with or
 * without TLS required, and plain is not taken after it. */
static void
test_old_tls (void)
{
  static const char * const versions[] = { "-tls1", "-tls1_1" };

  assert_dovecot ();
  for (guint v = 0; v < G_N_ELEMENTS (versions); v++)
    {
      g_autofree char *cert = cert_file ("server", "pem");
      g_autofree char *key = cert_file ("server", "key");
      g_autoptr(GSocket) probe_socket = NULL;
      g_autoptr(GSocketAddress) any = NULL;
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.2");
      g_autoptr(GSubprocess) server = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GDataInputStream) out = NULL;
      g_autoptr(Email2Probe) probe = NULL;
      g_autoptr(Email2ProbeResult) result = NULL;
      g_autofree char *accept = NULL;
      g_autofree char *line = NULL;
      const GError *tls_error;
      guint16 port;

      /* A free port: bound, read, closed (the ephemeral range is not
       * reused at once). */
      probe_socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                   G_SOCKET_PROTOCOL_TCP, &error);
      g_assert_no_error (error);
      any = g_inet_socket_address_new (loopback, 0);
      g_socket_bind (probe_socket, any, FALSE, &error);
      g_assert_no_error (error);
      bound = g_socket_get_local_address (probe_socket, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      g_socket_close (probe_socket, NULL);

      accept = g_strdup_printf ("127.0.0.2:%u", port);
      server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                 "openssl", "s_server", "-accept", accept, "-cert", cert, "-key", key,
                                 versions[v], "-cipher", "DEFAULT:@SECLEVEL=0", NULL);
      g_assert_no_error (error);
      out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
      /* s_server says ACCEPT once it listens. */
      while ((line = g_data_input_stream_read_line (out, NULL, NULL, NULL)) != NULL &&
             strstr (line, "ACCEPT") == NULL)
        g_clear_pointer (&line, g_free);
      g_assert_nonnull (line);

      for (guint required = 0; required < 2; required++)
        {
          g_clear_object (&probe);
          g_clear_pointer (&result, email2_probe_result_unref);
          probe = new_probe ("imap", "127.0.0.2", 0, required);
          email2_probe_set_default_ports (probe, port, 1);
          result = run_probe (probe);
          tls_error = result->legs[EMAIL2_PROBE_LEG_TLS].error;
          g_test_message ("%s%s: %s (%s)", versions[v], required ? " require-tls" : "",
                          email2_probe_security_to_string (result->security),
                          tls_error != NULL ? tls_error->message : "no error");
          g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_NONE);
          g_assert_error (tls_error, EMAIL2_ERROR, EMAIL2_ERROR_TLS);
        }

      g_subprocess_force_exit (server);
      g_subprocess_wait (server, NULL, NULL);
    }
}

/* ---- cancellation and the connection cap -------------------------------- */

static void
test_cancel (void)
{
  g_autoptr(Hostile) server = NULL;
  g_autoptr(Email2Probe) probe = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Wait wait = { FALSE, NULL, NULL };
  gint64 start;

  assert_dovecot ();
  server = hostile_new (EMAIL2_PROBE_PROTOCOL_IMAP, BEHAVE_SILENT, 0, NULL);
  probe = new_probe ("imap", "127.0.0.2", server->port, FALSE);
  email2_probe_run_async (probe, cancellable, on_done, &wait);
  spin (100);
  g_assert_false (wait.done);
  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 200 * 1000 * time_scale);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (wait.result);
  g_clear_error (&wait.error);
  spin (50);
}

/* ---- both servers of an account (src/email2-account-probe.c) ------------ */

typedef struct {
  gboolean done;
  Email2AccountProbe *found;
  GError *error;
} AccountWait;

static void
on_account_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  AccountWait *wait = data;

  wait->found = email2_account_probe_finish (result, &wait->error);
  wait->done = TRUE;
}

static Email2AccountProbe *
probe_account (const Email2Account  *account,
               GCancellable         *cancellable,
               GError              **error)
{
  g_autofree char *ca = ca_file ();
  AccountWait wait = { FALSE, };

  email2_account_probe_async (account, ca, cancellable, on_account_done, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.found;
}

static Email2Account *
account_at (guint16 in_port,
            guint16 out_port)
{
  Email2Account *account = email2_account_new ("{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}");
  g_autofree char *in = g_strdup_printf ("127.0.0.2:%u", in_port);
  g_autofree char *out = g_strdup_printf ("127.0.0.2:%u", out_port);

  email2_account_set (account, EMAIL2_NODE_SERVICETYPE, "IMAP4");
  email2_account_set (account, EMAIL2_NODE_INSERVER, in);
  email2_account_set (account, EMAIL2_NODE_OUTSERVER, out);
  email2_account_set (account, EMAIL2_NODE_AUTHREQUIRED, "1");
  return account;
}

/* IMAP on implicit TLS and SMTP with STARTTLS: decided, each server's
 * mode, SMTP's mechanism from what it offers after TLS; an edit of a
 * server or of its TLS requirement makes the result stale. */
static void
test_account (void)
{
  g_autoptr(Hostile) imap = NULL;
  g_autoptr(Hostile) smtp = NULL;
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(Email2Account) edited = NULL;
  g_autoptr(Email2AccountProbe) found = NULL;
  g_autoptr(GError) error = NULL;

  assert_dovecot ();        /* the certificates come from its test CA */
  imap = hostile_new (EMAIL2_PROBE_PROTOCOL_IMAP, BEHAVE_SCRIPT, HOSTILE_IMPLICIT, "server");
  smtp = hostile_new (EMAIL2_PROBE_PROTOCOL_SMTP, BEHAVE_SCRIPT, 0, "server");
  account = account_at (imap->port, smtp->port);

  found = probe_account (account, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (email2_account_probe_is_decided (found));
  g_assert_cmpint (email2_account_probe_get_result (found, EMAIL2_NODE_INSERVER)->security, ==,
                   EMAIL2_PROBE_SECURITY_TLS);
  g_assert_cmpint (email2_account_probe_get_result (found, EMAIL2_NODE_OUTSERVER)->security, ==,
                   EMAIL2_PROBE_SECURITY_STARTTLS);
  g_assert_cmpstr (email2_account_probe_get_server (found, EMAIL2_NODE_OUTSERVER), ==,
                   email2_account_get (account, EMAIL2_NODE_OUTSERVER));
  /* AUTH PLAIN LOGIN after TLS: PLAIN comes first of Evolution's. */
  g_assert_cmpstr (email2_account_probe_get_smtp_mechanism (found, account), ==, "PLAIN");
  g_assert_true (email2_account_probe_matches (found, account));

  edited = email2_account_copy (account);
  email2_account_set (edited, EMAIL2_NODE_AUTHREQUIRED, "0");
  g_assert_null (email2_account_probe_get_smtp_mechanism (found, edited));
  g_assert_true (email2_account_probe_matches (found, edited));
  email2_account_set (edited, EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL, "1");
  g_assert_false (email2_account_probe_matches (found, edited));
  email2_account_free (g_steal_pointer (&edited));
  edited = email2_account_copy (account);
  email2_account_set (edited, EMAIL2_NODE_INSERVER, "127.0.0.2:1");
  g_assert_false (email2_account_probe_matches (found, edited));
}

/* One server refuses every connection: not decided, and that server has
 * no mode; an account naming no server that parses is an error. */
static void
test_account_undecided (void)
{
  g_autoptr(Hostile) smtp = NULL;
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(Email2AccountProbe) found = NULL;
  g_autoptr(GError) error = NULL;

  assert_dovecot ();
  smtp = hostile_new (EMAIL2_PROBE_PROTOCOL_SMTP, BEHAVE_SCRIPT, 0, "server");
  account = account_at (1, smtp->port);

  found = probe_account (account, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (email2_account_probe_is_decided (found));
  g_assert_null (email2_account_probe_get_result (found, EMAIL2_NODE_INSERVER));
  g_assert_nonnull (email2_account_probe_get_result (found, EMAIL2_NODE_OUTSERVER));

  email2_account_set (account, EMAIL2_NODE_INSERVER, "[::1");
  email2_account_set (account, EMAIL2_NODE_OUTSERVER, "");
  g_assert_null (probe_account (account, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* Servers that never answer hold the probe until it is cancelled; then it
 * ends at once with the cancellation and nothing found. */
static void
test_account_cancel (void)
{
  g_autoptr(Hostile) imap = NULL;
  g_autoptr(Hostile) smtp = NULL;
  g_autoptr(Email2Account) account = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *ca = ca_file ();
  AccountWait wait = { FALSE, };
  gint64 start;

  assert_dovecot ();
  imap = hostile_new (EMAIL2_PROBE_PROTOCOL_IMAP, BEHAVE_SILENT, 0, NULL);
  smtp = hostile_new (EMAIL2_PROBE_PROTOCOL_SMTP, BEHAVE_SILENT, 0, NULL);
  account = account_at (imap->port, smtp->port);

  email2_account_probe_async (account, ca, cancellable, on_account_done, &wait);
  spin (100);
  g_assert_false (wait.done);
  start = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 200 * 1000 * time_scale);
  g_assert_error (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (wait.found);
  g_clear_error (&wait.error);
  spin (50);
}

static void
test_connection_cap (void)
{
  g_autoptr(Hostile) server = NULL;
  Wait waits[3] = { { 0 } };
  Email2Probe *probes[3];

  assert_dovecot ();
  server = hostile_new (EMAIL2_PROBE_PROTOCOL_SMTP, BEHAVE_SILENT, 0, NULL);
  server->settle_ms = 50;
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      probes[i] = new_probe ("smtp", "127.0.0.2", server->port, FALSE);
      email2_probe_set_timeouts (probes[i], 300, 300, 300);
      email2_probe_run_async (probes[i], NULL, on_done, &waits[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (probes); i++)
    {
      while (!waits[i].done)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (waits[i].result->security, ==, EMAIL2_PROBE_SECURITY_NONE);
      email2_probe_result_unref (waits[i].result);
      g_object_unref (probes[i]);
    }
  spin (100);
  /* Six legs, at most four connections at once; all six ran. */
  g_assert_cmpint (g_atomic_int_get (&server->max_active), <=, EMAIL2_PROBE_MAX_CONNECTIONS_PER_HOST);
  g_assert_cmpint (g_atomic_int_get (&server->max_active), >=, 2);
  g_assert_cmpint (g_atomic_int_get (&server->accepted), ==, 6);
}

/* Losers are closed politely: Dovecot's log shows no error, and the
 * cleartext leg's LOGOUT reached a scripted server. */
static void
test_polite_close (void)
{
  g_autoptr(Hostile) tls_port = NULL;
  g_autoptr(Hostile) clear_port = NULL;
  g_autoptr(Email2ProbeResult) result = NULL;
  gboolean said_bye = FALSE;

  assert_dovecot ();
  tls_port = hostile_new (EMAIL2_PROBE_PROTOCOL_POP3, BEHAVE_SCRIPT, HOSTILE_IMPLICIT, "server");
  clear_port = hostile_new (EMAIL2_PROBE_PROTOCOL_POP3, BEHAVE_SCRIPT, HOSTILE_HIDE_STARTTLS, "server");
  result = run_hostile (tls_port, clear_port, FALSE);
  g_assert_cmpint (result->security, ==, EMAIL2_PROBE_SECURITY_TLS);
  spin (300);
  g_mutex_lock (&tls_port->lock);
  for (guint i = 0; i < tls_port->received->len; i++)
    said_bye |= strcmp (tls_port->received->pdata[i], "QUIT") == 0;
  g_mutex_unlock (&tls_port->lock);
  g_assert_true (said_bye);
}

/* ---- email2ctl probe ---------------------------------------------------- */

static char *
run_ctl (const char * const *args,
         int                *exit_status)
{
  const char *ctl = g_getenv ("EMAIL2CTL");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_nonnull (ctl);
  g_ptr_array_add (argv, (char *) ctl);
  g_ptr_array_add (argv, (char *) "probe");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  *exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  if (*exit_status == 2)
    email2_test_assert_one_line (strchr (err, '\n') != NULL ? g_strndup (err, strchr (err, '\n') - err + 1) : err);
  return out;
}

static void
test_ctl (void)
{
  g_autofree char *ca = NULL;
  g_autofree char *tls = NULL;
  g_autofree char *clear = NULL;
  g_autofree char *pop_clear = NULL;
  int status;

  assert_dovecot ();
  ca = ca_file ();
  tls = g_strdup_printf ("127.0.0.2:%u", dovecot_base + 993);
  clear = g_strdup_printf ("127.0.0.3:%u", dovecot_base + 143);
  pop_clear = g_strdup_printf ("127.0.0.2:%u", dovecot_base + 110);

  {
    const char *args[] = { tls, "--protocol", "imap", "--ca-file", ca, "--json", NULL };
    g_autofree char *out = run_ctl (args, &status);

    g_autoptr(JsonObject) answer = NULL;
    static const char * const keys[] = {
      "version", "command", "protocol", "host", "security", "port", "capabilities",
      "auth_mechanisms", "certificate", "elapsed_ms", "errors", "legs", NULL
    };
    JsonArray *capabilities, *mechanisms;

    g_assert_cmpint (status, ==, 0);
    answer = email2_test_parse_json (out, "probe");
    email2_test_assert_json_keys (answer, keys);
    g_assert_cmpstr (json_object_get_string_member (answer, "security"), ==, "tls");
    g_assert_cmpint (json_object_get_int_member (answer, "port"), ==, dovecot_base + 993);
    capabilities = json_object_get_array_member (answer, "capabilities");
    g_assert_cmpstr (json_array_get_string_element (capabilities, 0), ==, "IMAP4rev1");
    mechanisms = json_object_get_array_member (answer, "auth_mechanisms");
    g_assert_cmpuint (json_array_get_length (mechanisms), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (mechanisms, 0), ==, "PLAIN");
    g_assert_cmpstr (json_array_get_string_element (mechanisms, 1), ==, "LOGIN");
    g_assert_true (json_object_get_boolean_member (json_object_get_object_member (answer, "certificate"),
                                                   "valid"));
    g_assert_cmpint (json_object_get_int_member (answer, "elapsed_ms"), >=, 0);
    g_assert_nonnull (json_object_get_object_member (answer, "errors"));
  }
  {
    const char *args[] = { pop_clear, "--protocol", "POP3", "--ca-file", ca, "--require-tls", NULL };
    g_autofree char *out = run_ctl (args, &status);

    g_assert_cmpint (status, ==, 0);
    g_assert_true (g_str_has_prefix (out, "pop3 127.0.0.2: STARTTLS on port"));
  }
  {
    const char *args[] = { clear, "--protocol", "imap", "--require-tls", "--json", "--timeout", "2", NULL };
    g_autofree char *out = run_ctl (args, &status);

    g_autoptr(JsonObject) answer = NULL;

    g_assert_cmpint (status, ==, 1);
    answer = email2_test_parse_json (out, "probe");
    g_assert_true (json_object_get_null_member (answer, "security"));
    g_assert_true (json_object_get_null_member (answer, "port"));
    g_assert_nonnull (strstr (out, "does not offer STARTTLS"));
  }
  {
    /* The system store does not know the test CA. */
    const char *args[] = { tls, "--protocol", "smtp", "--json", "--timeout", "1", NULL };
    g_autofree char *out = run_ctl (args, &status);

    g_assert_cmpint (status, ==, 1);
  }
  {
    /* Standard ports on 127.0.0.3: nothing listens there. */
    const char *args[] = { "127.0.0.3", "--protocol", "smtp", "--timeout", "1", NULL };
    g_autofree char *out = run_ctl (args, &status);

    g_assert_cmpint (status, ==, 1);
    g_assert_nonnull (strstr (out, "no acceptable connection mode"));
  }

  {
    static const char * const usage[][6] = {
      { "127.0.0.2", NULL },
      { "127.0.0.2", "--protocol", "imap4", NULL },
      { "--protocol", "imap", NULL },
      { "127.0.0.2:0", "--protocol", "imap", NULL },
      { "127.0.0.2:99999", "--protocol", "imap", NULL },
      { "[::1", "--protocol", "imap", NULL },
      { "127.0.0.2", "--protocol", "imap", "--ca-file", "/nonexistent/ca.pem", NULL },
      { "a", "b", "--protocol", "imap", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (usage); i++)
      {
        g_autofree char *out = run_ctl ((const char * const *) usage[i], &status);

        g_assert_cmpint (status, ==, 2);
      }
  }
}

static void
test_strings (void)
{
  Email2ProbeProtocol protocol;
  g_autofree char *flags = email2_probe_describe_certificate_errors (G_TLS_CERTIFICATE_UNKNOWN_CA |
                                                                     G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_autofree char *none = email2_probe_describe_certificate_errors (0);

  g_assert_cmpstr (flags, ==, "unknown-ca,bad-identity");
  g_assert_cmpstr (none, ==, "");
  g_assert_true (email2_probe_protocol_from_string ("SMTP", &protocol));
  g_assert_cmpint (protocol, ==, EMAIL2_PROBE_PROTOCOL_SMTP);
  g_assert_false (email2_probe_protocol_from_string ("imaps", &protocol));
  g_assert_cmpstr (email2_probe_security_to_string (EMAIL2_PROBE_SECURITY_STARTTLS), ==, "starttls");
  g_assert_null (email2_probe_security_to_string (EMAIL2_PROBE_SECURITY_NONE));
}

int
main (int    argc,
      char **argv)
{
  static const char * const port_names[] = { "default", "implicit", "cleartext" };
  g_autoptr(GResolver) resolver = NULL;
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("EMAIL2_TEST_TIME_SCALE") != NULL)
    time_scale = CLAMP (atoi (g_getenv ("EMAIL2_TEST_TIME_SCALE")), 1, 100);
  /* A closed write end must not kill the test. */
  signal (SIGPIPE, SIG_IGN);

  resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_resolver_set_default (resolver);

  for (guint p = 0; p < G_N_ELEMENTS (protocols); p++)
    for (guint personality = 2; personality <= 4; personality++)
      for (guint port = PORT_NONE; port <= PORT_CLEARTEXT; port++)
        for (guint req = 0; req <= 1; req++)
          {
            MatrixCase *c = g_new0 (MatrixCase, 1);
            g_autofree char *path = NULL;

            c->protocol = p;
            c->personality = personality;
            c->port = port;
            c->require_tls = req;
            path = g_strdup_printf ("/probe/dovecot/%s/%s/port-%s/%s", protocols[p],
                                    personality == 2 ? "tls-optional" : personality == 3 ? "no-tls" : "tls-required",
                                    port_names[port], req ? "require-tls" : "tls-optional");
            g_ptr_array_add (cases, c);
            g_test_add_data_func (path, c, test_matrix);
          }
  g_test_add_func ("/probe/dovecot/sni", test_sni);
  g_test_add_func ("/probe/dovecot/wrong-name", test_dovecot_wrong_name);
  g_test_add_func ("/probe/dovecot/untrusted", test_dovecot_untrusted);

  for (guint i = 0; i < G_N_ELEMENTS (attacks); i++)
    {
      g_autofree char *path = g_strdup_printf ("/probe/attack/%s", attacks[i].name);

      g_test_add_data_func (path, &attacks[i], test_attack);
    }
  g_test_add_func ("/probe/attack/preauth", test_preauth);

  for (guint i = 0; i < G_N_ELEMENTS (deadline_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/probe/deadline/%s", deadline_cases[i].name);

      g_test_add_data_func (path, &deadline_cases[i], test_deadline);
    }
  g_test_add_func ("/probe/slow-tls", test_slow_tls);
  g_test_add_func ("/probe/silent-tls-plain", test_silent_tls_plain);
  g_test_add_func ("/probe/old-tls", test_old_tls);
  g_test_add_func ("/probe/cancel", test_cancel);
  g_test_add_func ("/probe/account", test_account);
  g_test_add_func ("/probe/account-undecided", test_account_undecided);
  g_test_add_func ("/probe/account-cancel", test_account_cancel);
  g_test_add_func ("/probe/connection-cap", test_connection_cap);
  g_test_add_func ("/probe/polite-close", test_polite_close);
  g_test_add_func ("/probe/ctl", test_ctl);
  g_test_add_func ("/probe/strings", test_strings);

  dovecot_start ();
  status = g_test_run ();
  dovecot_stop ();
  g_free (dovecot_failure);

  return status;
}
