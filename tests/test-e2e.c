/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * End to end: a private Dovecot on loopback (tools/dovecot-test-server,
 * a test CA made now) whose user alice has a known message; the account is
 * provisioned with `email2ctl apply` into the registry of a throwaway
 * session (tools/with-session); then Evolution's own mail library, Camel,
 * opens the provisioned account by its source UID, with the password from
 * the keyring, logs into IMAP and POP3 and reads that message, and sends a
 * message through the provisioned SMTP transport to a real SMTP server on
 * loopback (an SMTP sink behind Dovecot's submission relay), which
 * receives it.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <camel/camel.h>
#include <libedataserver/libedataserver.h>

#include "email2-test.h"

#define SERVER_ADDRESS "127.0.0.2"
#define IMAP_GUID "{E2E00001-0000-4000-8000-000000000001}"
#define IMAP_URI "./Vendor/MSFT/EMAIL2/%7BE2E00001-0000-4000-8000-000000000001%7D"
#define IMAP_UID "email2-e2e00001-0000-4000-8000-000000000001"
#define POP_GUID "{E2E00002-0000-4000-8000-000000000002}"
#define POP_URI "./Vendor/MSFT/EMAIL2/%7BE2E00002-0000-4000-8000-000000000002%7D"
#define POP_UID "email2-e2e00002-0000-4000-8000-000000000002"

static char *server_dir;
static guint base_port;
static char *known_subject;
static ESourceRegistry *registry;

/* ---- an SMTP server on loopback: the relay's destination ---- */

typedef struct {
  GSocket *listener;
  guint16 port;
  GMutex lock;
  GString *received;     /* every DATA, one after the other */
  GThread *thread;
} Sink;

static Sink sink;

static gboolean
sink_read_line (GDataInputStream  *in,
                char             **line)
{
  gsize length;

  *line = g_data_input_stream_read_line (in, &length, NULL, NULL);
  if (*line != NULL && length > 0 && (*line)[length - 1] == '\r')
    (*line)[length - 1] = '\0';
  return *line != NULL;
}

static void
sink_say (GOutputStream *out,
          const char    *reply)
{
  g_output_stream_write_all (out, reply, strlen (reply), NULL, NULL, NULL);
}

static gpointer
sink_run (gpointer data)
{
  for (;;)
    {
      g_autoptr(GSocket) socket = g_socket_accept (sink.listener, NULL, NULL);
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GDataInputStream) in = NULL;
      GOutputStream *out;
      char *line = NULL;

      if (socket == NULL)
        return NULL;
      connection = g_socket_connection_factory_create_connection (socket);
      in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
      g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
      out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

      sink_say (out, "220 sink.email2.test ESMTP\r\n");
      while (sink_read_line (in, &line))
        {
          if (g_ascii_strncasecmp (line, "EHLO", 4) == 0)
            sink_say (out, "250-sink.email2.test\r\n250 8BITMIME\r\n");
          else if (g_ascii_strncasecmp (line, "DATA", 4) == 0)
            {
              sink_say (out, "354 go ahead\r\n");
              g_mutex_lock (&sink.lock);
              while (g_free (line), sink_read_line (in, &line) && strcmp (line, ".") != 0)
                g_string_append_printf (sink.received, "%s\n", line);
              g_string_append (sink.received, "\n.\n");
              g_mutex_unlock (&sink.lock);
              sink_say (out, "250 queued\r\n");
            }
          else if (g_ascii_strncasecmp (line, "QUIT", 4) == 0)
            {
              sink_say (out, "221 bye\r\n");
              g_free (line);
              break;
            }
          else
            sink_say (out, "250 ok\r\n");
          g_clear_pointer (&line, g_free);
        }
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
}

static void
sink_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  sink.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (sink.listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (sink.listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sink.listener, &error);
  g_assert_no_error (error);
  sink.port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  sink.received = g_string_new (NULL);
  g_mutex_init (&sink.lock);
  sink.thread = g_thread_new ("smtp-sink", sink_run, NULL);
}

/* ---- Dovecot ---- */

static void
dovecot (const char *command)
{
  g_autofree char *script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools",
                                              "dovecot-test-server", NULL);
  g_autofree char *base = g_strdup_printf ("%u", base_port);
  g_autofree char *relay = g_strdup_printf ("%u", sink.port);
  g_autofree char *err = NULL;
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "EMAIL2_DOVECOT_RELAY_PORT", relay, TRUE);
  g_autofree char *watched = g_strdup_printf ("%d", (int) getpid ());
  /* With our PID, the server also stops if this test dies on the way. */
  const char *argv[] = { script, command, server_dir, base, watched, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (strcmp (command, "stop") == 0)
    argv[3] = NULL;
  g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("tools/dovecot-test-server %s failed: %s", command, err);
}

/* One message of a known Subject in alice's Maildir, owned as Dovecot's
 * mail user (the owner of the server's directory). */
static void
seed_mailbox (void)
{
  g_autofree char *maildir = g_build_filename (server_dir, "home", "alice", "Maildir", NULL);
  g_autofree char *message = g_strdup_printf (
    "From: Carol <carol@email2.test>\r\nTo: alice@email2.test\r\nSubject: %s\r\n"
    "Date: Wed, 25 Nov 2026 12:00:00 +0000\r\nMessage-ID: <e2e@email2.test>\r\n\r\n"
    "Provisioned by email2, read by Camel.\r\n", known_subject);
  const char *subdirs[] = { "cur", "new", "tmp" };
  g_autofree char *file = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf owner;

  g_assert_cmpint (g_stat (server_dir, &owner), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir = g_build_filename (maildir, subdirs[i], NULL);
      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
    }
  file = g_build_filename (maildir, "new", "1764072000.e2e.email2", NULL);
  g_file_set_contents (file, message, -1, &error);
  g_assert_no_error (error);

  /* Everything under home/alice belongs to the mail user. */
  {
    g_autofree char *home = g_build_filename (server_dir, "home", "alice", NULL);
    const char *argv[] = { "chown", "-R", NULL, home, NULL };
    g_autofree char *who = g_strdup_printf ("%u:%u", owner.st_uid, owner.st_gid);
    int status = 0;

    argv[2] = who;
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  }
}

/* ---- provisioning ---- */

/* One Atomic of a Replace per @values row to the leaves of @account_uri,
 * through `email2ctl apply`; it must succeed. */
static void
apply_values (const char        *account_uri,
              const char * const (*values)[2],
              guint              n_values)
{
  g_autoptr(GString) body = g_string_new ("<Atomic><CmdID>1</CmdID>");
  g_autofree char *message = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "e2e.xml", NULL);
  g_autofree char *out_text = NULL, *err_text = NULL;
  g_autoptr(GError) error = NULL;
  const char *argv[] = { g_getenv ("EMAIL2CTL"), "apply", path, NULL };
  int status = 0;

  for (guint i = 0; i < n_values; i++)
    {
      g_autofree char *uri = g_strconcat (account_uri, "/", values[i][0], NULL);
      g_autofree char *id = g_strdup_printf ("%u", i + 2);
      g_autofree char *command = email2_test_item_cmd ("Replace", id, uri, NULL, values[i][1]);

      g_string_append (body, command);
    }
  g_string_append (body, "</Atomic>");
  message = email2_test_message (body->str);
  g_file_set_contents (path, message, -1, &error);
  g_assert_no_error (error);

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out_text, &err_text, &status, &error);
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("email2ctl apply failed: %s%s", out_text, err_text);
  g_unlink (path);
}

static void
provision_servers (const char *account_uri,
                   const char *service_type,
                   const char *in,
                   const char *out,
                   const char *in_ssl,
                   const char *out_ssl)
{
  const char * const values[][2] = {
    { "SERVICETYPE", service_type }, { "INSERVER", in }, { "OUTSERVER", out },
    { "SERVICENAME", "E2E" }, { "ACCOUNTTYPE", "Email" }, { "AUTHNAME", "alice" },
    { "AUTHSECRET", "secret" }, { "AUTHREQUIRED", "1" }, { "REPLYADDR", "alice@email2.test" },
    { "NAME", "Alice" }, { "SYNCINGCONTENTTYPES", "2" }, { "TAGPROPS/8128000B", in_ssl },
    { "TAGPROPS/812C000B", out_ssl },
  };

  apply_values (account_uri, values, G_N_ELEMENTS (values));
}

static char *
server (const char *address,
        guint       port)
{
  return g_strdup_printf ("%s:%u", address, base_port + port);
}

static void
provision (const char *account_uri,
           const char *service_type,
           guint       in_port)
{
  g_autofree char *in = server (SERVER_ADDRESS, in_port);
  g_autofree char *out = server (SERVER_ADDRESS, 587);

  provision_servers (account_uri, service_type, in, out, "1", "1");
}

/* ---- Camel, as Evolution uses it ---- */

typedef struct {
  CamelSession parent_instance;
} E2eSession;

typedef struct {
  CamelSessionClass parent_class;
} E2eSessionClass;

static GType e2e_session_get_type (void);

G_DEFINE_TYPE (E2eSession, e2e_session, CAMEL_TYPE_SESSION)

/* One attempt with the password already set; a rejection is an error. */
static gboolean
e2e_session_authenticate_sync (CamelSession  *session,
                               CamelService  *service,
                               const char    *mechanism,
                               GCancellable  *cancellable,
                               GError       **error)
{
  CamelAuthenticationResult result =
    camel_service_authenticate_sync (service, mechanism, cancellable, error);

  if (result == CAMEL_AUTHENTICATION_ACCEPTED)
    return TRUE;
  if (error != NULL && *error == NULL)
    g_set_error (error, CAMEL_SERVICE_ERROR, CAMEL_SERVICE_ERROR_CANT_AUTHENTICATE,
                 "authentication rejected");
  return FALSE;
}

/* The test CA is the process's trust root: GIO validates the server; a
 * certificate it cannot validate is never accepted. */
static CamelCertTrust
e2e_session_trust_prompt (CamelSession        *session,
                          CamelService        *service,
                          GTlsCertificate     *certificate,
                          GTlsCertificateFlags errors)
{
  return CAMEL_CERT_TRUST_NEVER;
}

static void
e2e_session_class_init (E2eSessionClass *klass)
{
  CAMEL_SESSION_CLASS (klass)->authenticate_sync = e2e_session_authenticate_sync;
  CAMEL_SESSION_CLASS (klass)->trust_prompt = e2e_session_trust_prompt;
}

static void
e2e_session_init (E2eSession *self)
{
}

static CamelSession *
new_session (void)
{
  g_autofree char *data = g_build_filename (g_get_user_data_dir (), "e2e-mail", NULL);
  g_autofree char *cache = g_build_filename (g_get_user_cache_dir (), "e2e-mail", NULL);

  return g_object_new (e2e_session_get_type (), "user-data-dir", data,
                       "user-cache-dir", cache, "online", TRUE, NULL);
}

/* The provisioned source, its Camel service configured from it, and the
 * password Evolution would find in the keyring. */
static CamelService *
service_for (CamelSession     *session,
             const char       *uid,
             const char       *extension,
             CamelProviderType type)
{
  g_autoptr(ESource) source = e_source_registry_ref_source (registry, uid);
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  const char *protocol;
  CamelService *service;

  g_assert_nonnull (source);
  g_assert_true (e_source_has_extension (source, extension));
  protocol = e_source_backend_get_backend_name (e_source_get_extension (source, extension));

  service = camel_session_add_service (session, uid, protocol, type, &error);
  g_assert_no_error (error);
  camel_service_set_display_name (service, e_source_get_display_name (source));
  e_source_camel_configure_service (source, service);

  e_source_lookup_password_sync (source, NULL, &password, &error);
  g_assert_no_error (error);
  g_assert_nonnull (password);
  camel_service_set_password (service, password);

  return service;
}

/* Camel's own socket timeout is 90 s: the test bounds every step. */
static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static GCancellable *
deadline_cancellable (guint seconds)
{
  GCancellable *cancellable = g_cancellable_new ();
  GSource *timer = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (timer, cancel_now, g_object_ref (cancellable), g_object_unref);
  g_source_attach (timer, NULL);
  g_source_unref (timer);
  return cancellable;
}

static void
assert_known_message (CamelFolder  *folder,
                      GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *uids;
  gboolean found = FALSE;

  camel_folder_refresh_info_sync (folder, cancellable, &error);
  g_assert_no_error (error);

  uids = camel_folder_get_uids (folder);
  g_assert_cmpuint (uids->len, >=, 1);
  for (guint i = 0; i < uids->len && !found; i++)
    {
      g_autoptr(CamelMimeMessage) message =
        camel_folder_get_message_sync (folder, uids->pdata[i], cancellable, &error);

      g_assert_no_error (error);
      found = g_strcmp0 (camel_mime_message_get_subject (message), known_subject) == 0;
    }
  camel_folder_free_uids (folder, uids);
  g_assert_true (found);
}

static void
test_imap (void)
{
  g_autoptr(CamelSession) session = new_session ();
  g_autoptr(GCancellable) cancellable = deadline_cancellable (60);
  g_autoptr(CamelService) store = service_for (session, IMAP_UID, E_SOURCE_EXTENSION_MAIL_ACCOUNT,
                                               CAMEL_PROVIDER_STORE);
  g_autoptr(CamelFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (CAMEL_IS_OFFLINE_STORE (store));
  camel_offline_store_set_online_sync (CAMEL_OFFLINE_STORE (store), TRUE, cancellable, &error);
  g_assert_no_error (error);
  inbox = camel_store_get_folder_sync (CAMEL_STORE (store), "INBOX", 0, cancellable, &error);
  g_assert_no_error (error);
  assert_known_message (inbox, cancellable);
  camel_service_disconnect_sync (store, TRUE, cancellable, NULL);
}

static void
test_pop3 (void)
{
  g_autoptr(CamelSession) session = new_session ();
  g_autoptr(GCancellable) cancellable = deadline_cancellable (60);
  g_autoptr(CamelService) store = service_for (session, POP_UID, E_SOURCE_EXTENSION_MAIL_ACCOUNT,
                                               CAMEL_PROVIDER_STORE);
  g_autoptr(CamelFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;

  camel_service_connect_sync (store, cancellable, &error);
  g_assert_no_error (error);
  inbox = camel_store_get_inbox_folder_sync (CAMEL_STORE (store), cancellable, &error);
  g_assert_no_error (error);
  assert_known_message (inbox, cancellable);
  camel_service_disconnect_sync (store, TRUE, cancellable, NULL);
}

static void
test_smtp (void)
{
  g_autoptr(CamelSession) session = new_session ();
  g_autoptr(GCancellable) cancellable = deadline_cancellable (60);
  g_autoptr(CamelService) transport = service_for (session, IMAP_UID "-transport",
                                                   E_SOURCE_EXTENSION_MAIL_TRANSPORT,
                                                   CAMEL_PROVIDER_TRANSPORT);
  g_autoptr(CamelMimeMessage) message = camel_mime_message_new ();
  g_autoptr(CamelInternetAddress) from = camel_internet_address_new ();
  g_autoptr(CamelInternetAddress) to = camel_internet_address_new ();
  g_autofree char *subject = g_strdup_printf ("sent through %s", known_subject);
  g_autoptr(GError) error = NULL;
  gboolean saved = FALSE;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  gboolean received = FALSE;

  camel_internet_address_add (from, "Alice", "alice@email2.test");
  camel_internet_address_add (to, "Bob", "bob@email2.test");
  camel_mime_message_set_from (message, from);
  camel_mime_message_set_recipients (message, CAMEL_RECIPIENT_TYPE_TO, to);
  camel_mime_message_set_subject (message, subject);
  camel_mime_message_set_date (message, CAMEL_MESSAGE_DATE_CURRENT, 0);
  camel_mime_part_set_content (CAMEL_MIME_PART (message), "hello\n", 6, "text/plain");

  camel_service_connect_sync (transport, cancellable, &error);
  g_assert_no_error (error);
  camel_transport_send_to_sync (CAMEL_TRANSPORT (transport), message, CAMEL_ADDRESS (from),
                                CAMEL_ADDRESS (to), &saved, cancellable, &error);
  g_assert_no_error (error);
  camel_service_disconnect_sync (transport, TRUE, cancellable, NULL);

  /* Dovecot relays it to the sink; "with ESMTPSA": the sender authenticated. */
  while (!received && g_get_monotonic_time () < deadline)
    {
      g_mutex_lock (&sink.lock);
      received = strstr (sink.received->str, subject) != NULL;
      if (received)
        g_assert_nonnull (strstr (sink.received->str, "ESMTPSA"));
      g_mutex_unlock (&sink.lock);
      if (!received)
        g_usleep (50000);
    }
  g_assert_true (received);
}


/* ---- the probe decides each account's TLS mode ---- */

static GPid registry_child;
static char *registry_log;

typedef struct {
  const char *name;
  const char *address;
  guint in_port;          /* added to the base port */
  guint out_port;
  const char *in_ssl;     /* TAGPROPS/8128000B */
  const char *out_ssl;    /* TAGPROPS/812C000B */
  const char *in_method;  /* [Security] Method expected */
  const char *out_method;
  gboolean decided;       /* both servers have an acceptable mode */
} ProbeCase;

static const ProbeCase probe_cases[] = {
  /* TLS optional: implicit TLS on the implicit port, STARTTLS elsewhere */
  { "tls-optional", "127.0.0.2", 993, 587, "0", "0",
    "ssl-on-alternate-port", "starttls-on-standard-port", TRUE },
  { "tls-optional-starttls", "127.0.0.2", 143, 465, "1", "1",
    "starttls-on-standard-port", "ssl-on-alternate-port", TRUE },
  /* no TLS at all: plain only where the payload allows it */
  { "no-tls", "127.0.0.3", 143, 587, "0", "0", "none", "none", TRUE },
  { "no-tls-but-required", "127.0.0.3", 143, 587, "1", "1",
    "starttls-on-standard-port", "starttls-on-standard-port", FALSE },
  /* TLS required by the server */
  { "tls-required", "127.0.0.4", 110, 587, "0", "0",
    "starttls-on-standard-port", "starttls-on-standard-port", TRUE },
};

static GKeyFile *
key_file (const char *uid)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *name = g_strconcat (uid, ".source", NULL);
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "evolution", "sources", name, NULL);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_steal_pointer (&file);
}

/* How long the registry's log is now: a later verdict is looked for after it. */
static gsize
log_length (void)
{
  g_autofree char *log = NULL;
  gsize length = 0;

  return g_file_get_contents (registry_log, &log, &length, NULL) ? length : 0;
}

/* The probe runs in the registry after the answer: waits for its verdict
 * in the account ([EMAIL2] Probed), or in the log after @log_from when
 * none was found; returns whether both servers were decided. */
static gboolean
wait_verdict (const char *uid,
              gsize       log_from)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  g_autofree char *guid = g_ascii_strup (uid + strlen ("email2-"), -1);
  /* The log names the account by its GUID (src/email2-account-probe.c). */
  g_autofree char *needle = g_strdup_printf ("Account {%s} probed", guid);

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GKeyFile) account = key_file (uid);
      g_autofree char *log = NULL;
      gsize length = 0;

      gboolean logged = g_file_get_contents (registry_log, &log, &length, NULL) &&
                        length > log_from && strstr (log + log_from, needle) != NULL;

      /* Decided: the file says so first, the log line follows; waiting
       * for it too keeps it out of the next call's part of the log. */
      if (account != NULL && g_key_file_get_boolean (account, "EMAIL2", "Probed", NULL))
        {
          if (logged)
            return TRUE;
        }
      else if (logged)
        return FALSE;
      g_usleep (50000);
    }
  g_error ("no verdict of the probe for %s in 60 s", uid);
}

static void
test_probe (gconstpointer data)
{
  const ProbeCase *c = data;
  g_autofree char *guid_part = g_strdup_printf ("E2E1%04X-0000-4000-8000-00000000%04X",
                                                (guint) (c - probe_cases), (guint) (c - probe_cases));
  g_autofree char *uri = g_strdup_printf ("./Vendor/MSFT/EMAIL2/%%7B%s%%7D", guid_part);
  g_autofree char *lower = g_ascii_strdown (guid_part, -1);
  g_autofree char *uid = g_strconcat ("email2-", lower, NULL);
  g_autofree char *transport_uid = g_strconcat (uid, "-transport", NULL);
  g_autofree char *in = server (c->address, c->in_port);
  g_autofree char *out = server (c->address, c->out_port);
  g_autoptr(GKeyFile) account = NULL, transport = NULL;
  g_autofree char *in_method = NULL, *out_method = NULL, *port = NULL, *mechanism = NULL;
  gboolean probed = FALSE;

  provision_servers (uri, strcmp (c->name, "tls-required") == 0 ? "POP3" : "IMAP4",
                     in, out, c->in_ssl, c->out_ssl);
  probed = wait_verdict (uid, 0);
  g_assert_cmpint (probed, ==, c->decided);
  if (!c->decided)
    {
      /* Neither server has an acceptable mode: the log names each one's
       * as none. */
      g_autofree char *log = NULL;
      g_autofree char *line = g_strdup_printf ("probed: incoming %s none, outgoing %s none", in, out);

      g_assert_true (g_file_get_contents (registry_log, &log, NULL, NULL));
      g_assert_nonnull (strstr (log, line));
    }

  g_clear_pointer (&account, g_key_file_unref);
  account = key_file (uid);
  transport = key_file (transport_uid);
  in_method = g_key_file_get_string (account, "Security", "Method", NULL);
  out_method = g_key_file_get_string (transport, "Security", "Method", NULL);
  g_assert_cmpstr (in_method, ==, c->in_method);
  g_assert_cmpstr (out_method, ==, c->out_method);
  /* The payload gave the ports: they stay. */
  port = g_key_file_get_string (account, "Authentication", "Port", NULL);
  g_assert_cmpuint (g_ascii_strtoull (port, NULL, 10), ==, base_port + c->in_port);
  /* AUTHREQUIRED 1: a mechanism the server offers (Dovecot: PLAIN, LOGIN). */
  mechanism = g_key_file_get_string (transport, "Authentication", "Method", NULL);
  g_assert_cmpstr (mechanism, ==, "PLAIN");
}

/* ---- a server moved without its password (DESIGN §5.3) ---- */

typedef struct {
  const char *name;
  const char *from;        /* INSERVER address at creation (IMAP on 993 or 143) */
  guint from_port;
  const char *to;          /* and after the move */
  guint to_port;
  gboolean new_secret;     /* AUTHSECRET in the moving Atomic */
  const char *method;      /* INSERVER's [Security] Method after the probe */
  gboolean decided;
  gboolean carried;        /* [EMAIL2] PasswordCarriedTo=INSERVER */
} MoveCase;

static const MoveCase move_cases[] = {
  /* To a plain-only server: TLS stays required, the probe finds none, the
   * password is kept and never sent in clear. */
  { "plain-only", "127.0.0.2", 993, "127.0.0.3", 143, FALSE,
    "starttls-on-standard-port", FALSE, TRUE },
  /* The same move with the password: the normal rules, plain allowed. */
  { "plain-only-new-secret", "127.0.0.2", 993, "127.0.0.3", 143, TRUE, "none", TRUE, FALSE },
  /* From a plain-only server to one with TLS: kept, and used over TLS. */
  { "tls", "127.0.0.3", 143, "127.0.0.2", 993, FALSE, "ssl-on-alternate-port", TRUE, TRUE },
};

/* What `email2ctl list --json` says of the account's incoming server. */
static void
assert_listed_carried (const char *guid_part,
                       gboolean    carried)
{
  g_autofree char *guid = g_strdup_printf ("{%s}", guid_part);
  g_auto(Email2TestRun) run = { 0, };
  g_autoptr(JsonObject) answer = NULL;
  JsonArray *accounts;
  gboolean found = FALSE;

  email2_test_ctl (&run, "list", "--json");
  g_assert_cmpint (run.status, ==, 0);
  answer = email2_test_parse_json (run.out, "list");
  accounts = json_object_get_array_member (answer, "accounts");
  for (guint i = 0; i < json_array_get_length (accounts); i++)
    {
      JsonObject *entry = json_array_get_object_element (accounts, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "guid"), guid) != 0)
        continue;
      g_assert_cmpint (json_object_get_boolean_member (entry, "in_password_carried"), ==, carried);
      g_assert_false (json_object_get_boolean_member (entry, "out_password_carried"));
      found = TRUE;
    }
  g_assert_true (found);
}

static void
test_host_move (gconstpointer data)
{
  const MoveCase *c = data;
  guint index = (guint) (c - move_cases);
  g_autofree char *guid_part = g_strdup_printf ("E2E2%04X-0000-4000-8000-00000000%04X", index, index);
  g_autofree char *uri = g_strdup_printf ("./Vendor/MSFT/EMAIL2/%%7B%s%%7D", guid_part);
  g_autofree char *lower = g_ascii_strdown (guid_part, -1);
  g_autofree char *uid = g_strconcat ("email2-", lower, NULL);
  g_autofree char *from = server (c->from, c->from_port);
  g_autofree char *to = server (c->to, c->to_port);
  g_autofree char *out = server (SERVER_ADDRESS, 587);
  const char * const move[][2] = { { "INSERVER", to }, { "AUTHSECRET", "secret" } };
  g_autoptr(GKeyFile) account = NULL;
  g_autofree char *method = NULL;
  g_auto(GStrv) carried = NULL;
  g_autoptr(CamelSession) session = new_session ();
  g_autoptr(GCancellable) cancellable = deadline_cancellable (60);
  g_autoptr(CamelService) store = NULL;
  g_autoptr(CamelFolder) inbox = NULL;
  g_autoptr(GError) error = NULL;
  gsize log_from;

  provision_servers (uri, "IMAP4", from, out, "0", "0");
  g_assert_true (wait_verdict (uid, 0));

  log_from = log_length ();
  apply_values (uri, move, c->new_secret ? 2 : 1);
  g_assert_cmpint (wait_verdict (uid, log_from), ==, c->decided);

  account = key_file (uid);
  method = g_key_file_get_string (account, "Security", "Method", NULL);
  g_assert_cmpstr (method, ==, c->method);
  carried = g_key_file_get_string_list (account, "EMAIL2", "PasswordCarriedTo", NULL, NULL);
  g_assert_cmpint (carried != NULL && g_strv_contains ((const char * const *) carried, "INSERVER"),
                   ==, c->carried);
  assert_listed_carried (guid_part, c->carried);

  /* Evolution's mail library with the account as written and the
   * keyring's password (service_for() asserts it is there: kept). */
  store = service_for (session, uid, E_SOURCE_EXTENSION_MAIL_ACCOUNT, CAMEL_PROVIDER_STORE);
  if (camel_offline_store_set_online_sync (CAMEL_OFFLINE_STORE (store), TRUE, cancellable, &error))
    inbox = camel_store_get_folder_sync (CAMEL_STORE (store), "INBOX", 0, cancellable, &error);
  if (c->decided)
    {
      g_assert_no_error (error);
      assert_known_message (inbox, cancellable);
    }
  else
    {
      /* STARTTLS required and not offered: Camel stops before any login. */
      g_assert_nonnull (error);
      g_test_message ("Camel on the plain-only server: %s", error->message);
      g_assert_null (inbox);
    }
  camel_service_disconnect_sync (store, TRUE, cancellable, NULL);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = NULL;
  g_autoptr(GTlsDatabase) trust = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  /* Only ever inside tools/with-session: never the real user's session. */
  g_assert_nonnull (g_getenv ("EMAIL2_SESSION_DIR"));
  g_assert_true (g_str_has_prefix (g_get_user_config_dir (), g_getenv ("EMAIL2_SESSION_DIR")));

  /* Dovecot runs as an unprivileged user: its directory must be reachable
   * for it, which the session's private tree is not. */
  server_dir = g_dir_make_tmp ("email2-dovecot-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (server_dir, 0755), ==, 0);
  base_port = 20000 + (guint) (getpid () % 2000) * 8;
  known_subject = g_strdup_printf ("email2 end-to-end %08x", g_random_int ());

  sink_start ();
  dovecot ("start");
  seed_mailbox ();

  ca = g_build_filename (server_dir, "certs", "ca.pem", NULL);
  trust = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);
  g_tls_backend_set_default_database (g_tls_backend_get_default (), trust);

  /* The registry's probe trusts the test CA as Evolution trusts a CA an
   * enterprise installs: a registry of the test's own, told where it is. */
  {
    const char *env[] = { "EMAIL2_PROBE_CA_FILE", NULL, NULL };

    env[1] = ca;
    registry_log = g_build_filename (g_getenv ("EMAIL2_SESSION_DIR"), "e2e-registry.log", NULL);
    email2_test_registry_stop (&registry_child);
    email2_test_registry_start (env, registry_log, &registry_child);
  }

  provision (IMAP_URI, "IMAP4", 143);
  provision (POP_URI, "POP3", 110);

  registry = e_source_registry_new_sync (NULL, &error);
  g_assert_no_error (error);
  {
    g_autofree char *data = g_build_filename (g_get_user_data_dir (), "e2e-mail", NULL);
    camel_init (data, FALSE);
  }
  camel_provider_init ();

  g_test_add_func ("/e2e/imap", test_imap);
  g_test_add_func ("/e2e/pop3", test_pop3);
  g_test_add_func ("/e2e/smtp", test_smtp);
  for (guint i = 0; i < G_N_ELEMENTS (probe_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/e2e/probe/%s", probe_cases[i].name);
      g_test_add_data_func (name, &probe_cases[i], test_probe);
    }
  for (guint i = 0; i < G_N_ELEMENTS (move_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/e2e/host-move/%s", move_cases[i].name);
      g_test_add_data_func (name, &move_cases[i], test_host_move);
    }

  status = g_test_run ();

  email2_test_registry_stop (&registry_child);
  dovecot ("stop");
  g_socket_close (sink.listener, NULL);
  email2_test_remove_tree (server_dir);
  return status;
}
