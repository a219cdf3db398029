/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Service on a private bus with the memory host: the calls of
 * io.github.email2.Provisioning1, its errors as EMAIL2_ERROR, the order
 * of calls and jobs, and stopping. The bus is email2_test_bus_up()'s, not
 * GTestDBus's, so that a fatal warning in the worker fails the test at
 * once (email2-test.c says why).
 */

#define _GNU_SOURCE /* memfd_create */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "email2-test.h"
#include "email2-dbus-generated.h"
#include "email2-secure-private.h"
#include "email2-xml-private.h"

typedef struct {
  Email2TestBus *bus;
  GDBusConnection *server_connection;
  GDBusConnection *client_connection;
  Email2MemoryHost *host;
  Email2Session *session;
  Email2Service *service;
  Email2DbusProvisioning1 *proxy;
  guint applied;
} Fixture;

static void
on_applied (Email2Service *service,
            Fixture       *fixture)
{
  fixture->applied++;
}

static GDBusConnection *
connect_bus (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection =
    g_dbus_connection_new_for_address_sync (email2_test_bus_get_address (fixture->bus),
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);

  g_assert_no_error (error);
  return connection;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->bus = email2_test_bus_up ();
  fixture->server_connection = connect_bus (fixture);
  fixture->client_connection = connect_bus (fixture);

  fixture->host = email2_memory_host_new ();
  fixture->session = email2_session_new (EMAIL2_HOST (fixture->host));
  fixture->service = email2_service_new (fixture->session);
  g_signal_connect (fixture->service, "applied", G_CALLBACK (on_applied), fixture);
  email2_service_export (fixture->service, fixture->server_connection, EMAIL2_DBUS_OBJECT_PATH,
                         &error);
  g_assert_no_error (error);

  fixture->proxy = email2_dbus_provisioning1_proxy_new_sync (
    fixture->client_connection,
    G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
    g_dbus_connection_get_unique_name (fixture->server_connection), EMAIL2_DBUS_OBJECT_PATH,
    NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  email2_service_stop (fixture->service);
  g_clear_object (&fixture->proxy);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->host);
  g_dbus_connection_close_sync (fixture->client_connection, NULL, NULL);
  g_dbus_connection_close_sync (fixture->server_connection, NULL, NULL);
  g_clear_object (&fixture->client_connection);
  g_clear_object (&fixture->server_connection);
  email2_test_bus_down (fixture->bus);
}

/* The service's handlers run on this thread's main context: a call is
 * made asynchronously and the context iterated until its answer. */
static GVariant *
call (Fixture     *fixture,
      const char  *method,
      GVariant    *parameters,
      GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_proxy_call (G_DBUS_PROXY (fixture->proxy), method, parameters, G_DBUS_CALL_FLAGS_NONE,
                     -1, NULL, email2_test_async_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_proxy_call_finish (G_DBUS_PROXY (fixture->proxy), result, error);
}

/* Apply with @fd (not taken) as the payload, or with no file descriptor
 * at all when @fd is -1. */
static GVariant *
call_apply (Fixture     *fixture,
            int          fd,
            GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GUnixFDList) fds = fd >= 0 ? g_unix_fd_list_new () : NULL;

  if (fds != NULL)
    g_assert_cmpint (g_unix_fd_list_append (fds, fd, NULL), ==, 0);
  g_dbus_proxy_call_with_unix_fd_list (G_DBUS_PROXY (fixture->proxy), "Apply",
                                       g_variant_new ("(h)", 0), G_DBUS_CALL_FLAGS_NONE, -1, fds,
                                       NULL, email2_test_async_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_dbus_proxy_call_with_unix_fd_list_finish (G_DBUS_PROXY (fixture->proxy), NULL, result,
                                                     error);
}

/* @length bytes of @payload in a memfd, rewound. */
static int
memfd_with (const char *payload,
            gsize       length)
{
  int fd = memfd_create ("test-payload", MFD_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, payload, length), ==, (gssize) length);
  g_assert_cmpint (lseek (fd, 0, SEEK_SET), ==, 0);
  return fd;
}

static GVariant *
apply_text (Fixture     *fixture,
            const char  *payload,
            GError     **error)
{
  int fd = memfd_with (payload, strlen (payload));
  GVariant *reply = call_apply (fixture, fd, error);

  close (fd);
  return reply;
}

static char *
create_payload (void)
{
  g_autofree char *body = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *atomic = g_strdup_printf ("<Atomic><CmdID>1</CmdID>%s</Atomic>", body);

  return email2_test_message (atomic);
}

/* Apply, List, Get (a secret answers ********), Delete. */
static void
test_calls (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *payload = create_payload ();
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree const char **guids = NULL;
  const char *format = NULL, *value = NULL;
  const char *bytes;
  gsize length = 0;
  guint outcome = 99, status = 0;

  reply = apply_text (fixture, payload, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(@ayu)", &response, &outcome);
  g_assert_cmpuint (outcome, ==, 0);
  bytes = g_variant_get_fixed_array (response, &length, 1);
  text = g_strndup (bytes, length);
  g_assert_nonnull (strstr (text, "<SyncML"));
  g_assert_null (strstr (text, "s3cret"));
  while (fixture->applied == 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, "List", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(^a&s)", &guids);
  g_assert_cmpuint (g_strv_length ((char **) guids), ==, 1);
  g_assert_cmpstr (guids[0], ==, TEST_GUID);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, "Get", g_variant_new ("(s)", TEST_ACCOUNT "/AUTHSECRET"), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u&s&s)", &status, &format, &value);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (format, ==, "chr");
  g_assert_cmpstr (value, ==, "********");
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, "Delete", g_variant_new ("(s)", TEST_GUID), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &status);
  g_assert_cmpuint (status, ==, 200);
  g_clear_pointer (&reply, g_variant_unref);

  reply = call (fixture, "Get", g_variant_new ("(s)", TEST_ACCOUNT), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u&s&s)", &status, &format, &value);
  g_assert_cmpuint (status, ==, 404);
}

/* Failures cross the bus as EMAIL2_ERROR, with their codes. */
static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = apply_text (fixture, "not a payload", &error);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
  g_assert_true (g_dbus_error_is_remote_error (error));
  g_clear_error (&error);

  reply = call (fixture, "Delete", g_variant_new ("(s)", "C556E16F"), &error);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_BAD_REQUEST);
}

/* The payload only as a regular file: no file descriptor, a handle out of
 * range, a pipe nobody writes (it would stall the worker), the payload as
 * bytes in the message (the old form) are refused; a payload larger than
 * the limit is read up to one byte more and refused; a memfd's current
 * offset is where reading starts. */
static void
test_fd (Fixture       *fixture,
         gconstpointer  data)
{
  g_autofree char *payload = create_payload ();
  g_autofree char *large = g_malloc (EMAIL2_XML_DEFAULT_MAX_SIZE + 4096);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  int pipe_fds[2];
  int fd;

  reply = call_apply (fixture, -1, &error);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_cmpint (pipe (pipe_fds), ==, 0);
  reply = call_apply (fixture, pipe_fds[0], &error);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  close (pipe_fds[0]);
  close (pipe_fds[1]);

  reply = call (fixture, "Apply",
                g_variant_new ("(@ay)", g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, payload,
                                                                  strlen (payload), 1)),
                &error);
  g_assert_null (reply);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
  g_clear_error (&error);

  memset (large, ' ', EMAIL2_XML_DEFAULT_MAX_SIZE + 4096);
  memcpy (large, payload, strlen (payload));
  fd = memfd_with (large, EMAIL2_XML_DEFAULT_MAX_SIZE + 4096);
  reply = call_apply (fixture, fd, &error);
  close (fd);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT);
  g_clear_error (&error);
  g_assert_cmpuint (fixture->applied, ==, 0);

  /* Read from the current offset: what is before it is not the payload. */
  fd = memfd_create ("offset", MFD_CLOEXEC);
  g_assert_cmpint (write (fd, "garbage", 7), ==, 7);
  g_assert_cmpint (write (fd, payload, strlen (payload)), ==, (gssize) strlen (payload));
  g_assert_cmpint (lseek (fd, 7, SEEK_SET), ==, 7);
  reply = call_apply (fixture, fd, &error);
  close (fd);
  g_assert_no_error (error);
  g_assert_nonnull (reply);
}

typedef struct {
  GMutex mutex;
  GString *order;
  gint started;                /* atomic */
  gint release;                /* atomic */
} Order;

static void
slow_job (gpointer data)
{
  Order *order = data;

  g_atomic_int_set (&order->started, TRUE);
  while (!g_atomic_int_get (&order->release))
    g_usleep (1000);
  g_mutex_lock (&order->mutex);
  g_string_append (order->order, "job;");
  g_mutex_unlock (&order->mutex);
}

static void
list_done (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  Order *order = data;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (object), result, NULL);

  g_mutex_lock (&order->mutex);
  g_string_append (order->order, reply != NULL ? "list;" : "list-failed;");
  g_mutex_unlock (&order->mutex);
}

/* A call queued behind a job waits for it: one worker, arrival order. */
static void
test_order (Fixture       *fixture,
            gconstpointer  data)
{
  Order order = { .order = g_string_new (NULL) };
  gint64 until;

  g_mutex_init (&order.mutex);
  email2_service_queue (fixture->service, "Slow", slow_job, &order, NULL);
  g_dbus_proxy_call (G_DBUS_PROXY (fixture->proxy), "List", NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                     list_done, &order);

  /* The List call has reached the service and waits. */
  until = g_get_monotonic_time () + G_USEC_PER_SEC / 5;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpstr (order.order->str, ==, "");

  g_atomic_int_set (&order.release, TRUE);
  while (strcmp (order.order->str, "job;list;") != 0)
    g_main_context_iteration (NULL, TRUE);

  g_string_free (order.order, TRUE);
  g_mutex_clear (&order.mutex);
}

static void
count_job (gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

/* Draining: the call in progress ends, queued jobs do not run, queued and
 * later calls are answered with an error. */
static void
test_drain (Fixture       *fixture,
            gconstpointer  data)
{
  Order order = { .order = g_string_new (NULL) };
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint ran = 0;

  g_mutex_init (&order.mutex);
  email2_service_queue (fixture->service, "Slow", slow_job, &order, NULL);
  email2_service_queue (fixture->service, "Count", count_job, &ran, NULL);

  /* The slow job holds the worker: the drain times out. */
  while (!g_atomic_int_get (&order.started))
    g_usleep (1000);
  g_assert_false (email2_service_drain (fixture->service, 50));
  g_atomic_int_set (&order.release, TRUE);
  g_assert_true (email2_service_drain (fixture->service, 5000));
  g_assert_cmpstr (order.order->str, ==, "job;");
  g_assert_cmpint (g_atomic_int_get (&ran), ==, 0);

  reply = call (fixture, "List", NULL, &error);
  g_assert_null (reply);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_HOST);

  g_string_free (order.order, TRUE);
  g_mutex_clear (&order.mutex);
}

#if defined(__x86_64__)
/* Whether zmm16–zmm31, the registers glibc's EVEX string functions use
 * and nothing else here touches, are all zero. */
static gboolean
high_registers_zero (void)
{
  guint8 dump[16 * 64] __attribute__ ((aligned (64)));

  __asm__ __volatile__ ("vmovdqu64 %%zmm16, 0(%0)\n\tvmovdqu64 %%zmm17, 64(%0)\n\t"
                        "vmovdqu64 %%zmm18, 128(%0)\n\tvmovdqu64 %%zmm19, 192(%0)\n\t"
                        "vmovdqu64 %%zmm20, 256(%0)\n\tvmovdqu64 %%zmm21, 320(%0)\n\t"
                        "vmovdqu64 %%zmm22, 384(%0)\n\tvmovdqu64 %%zmm23, 448(%0)\n\t"
                        "vmovdqu64 %%zmm24, 512(%0)\n\tvmovdqu64 %%zmm25, 576(%0)\n\t"
                        "vmovdqu64 %%zmm26, 640(%0)\n\tvmovdqu64 %%zmm27, 704(%0)\n\t"
                        "vmovdqu64 %%zmm28, 768(%0)\n\tvmovdqu64 %%zmm29, 832(%0)\n\t"
                        "vmovdqu64 %%zmm30, 896(%0)\n\tvmovdqu64 %%zmm31, 960(%0)"
                        : : "r" (dump) : "memory");
  for (gsize i = 0; i < sizeof dump; i++)
    if (dump[i] != 0)
      return FALSE;
  return TRUE;
}
#endif

/* DESIGN §5.2: the worker's vector registers are cleared after each call;
 * glibc left a payload's 64 bytes in zmm16 of the idle worker. */
static void
test_registers (void)
{
#if defined(__x86_64__)
  char text[512];
  volatile gsize length;
  gboolean used;

  if (!__builtin_cpu_supports ("avx512f"))
    {
      g_test_skip ("no AVX-512 (or under valgrind): zmm16–zmm31 do not exist");
      return;
    }

  memset (text, 'p', sizeof text - 1);
  text[sizeof text - 1] = '\0';
  length = strlen (text);
  g_assert_cmpuint (length, ==, sizeof text - 1);
  used = !high_registers_zero ();
  if (!used)
    g_test_message ("the C library left zmm16–zmm31 clear here: only the wipe is checked");

  email2_secure_wipe_registers ();
  g_assert_true (high_registers_zero ());
#else
  g_test_skip ("the registers are checked on x86-64 only");
#endif
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/service/calls", Fixture, NULL, fixture_set_up, test_calls, fixture_tear_down);
  g_test_add ("/service/errors", Fixture, NULL, fixture_set_up, test_errors, fixture_tear_down);
  g_test_add ("/service/fd", Fixture, NULL, fixture_set_up, test_fd, fixture_tear_down);
  g_test_add ("/service/order", Fixture, NULL, fixture_set_up, test_order, fixture_tear_down);
  g_test_add ("/service/drain", Fixture, NULL, fixture_set_up, test_drain, fixture_tear_down);
  g_test_add_func ("/service/registers-wiped", test_registers);

  return g_test_run ();
}
