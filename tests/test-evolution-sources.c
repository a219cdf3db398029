/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * The Evolution adapter in-process, without a running registry: the
 * account <-> ESource mapping on scratch sources, and the prober with a
 * stop on an in-process ESourceRegistryServer (never run, never on a bus)
 * whose files are in a temporary directory. The registry itself is
 * tested in tests/test-evolution.c.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <libebackend/libebackend.h>

#include "email2-test.h"
#include "email2-evolution-mapping.h"
#include "email2-evolution-prober.h"
#include "email2-evolution-sources.h"
#include "email2-source-extension.h"

/* A type module for the dynamic [EMAIL2] extension, as EDS's own is. */
typedef GTypeModule TestModule;
typedef GTypeModuleClass TestModuleClass;

static GType test_module_get_type (void);
G_DEFINE_TYPE (TestModule, test_module, G_TYPE_TYPE_MODULE)

static gboolean
test_module_load (GTypeModule *module)
{
  return TRUE;
}

static void
test_module_unload (GTypeModule *module)
{
}

static void
test_module_class_init (TestModuleClass *klass)
{
  klass->load = test_module_load;
  klass->unload = test_module_unload;
}

static void
test_module_init (TestModule *self)
{
}

static Email2Account *
new_account (const char *in_server,
             const char *out_server)
{
  static const struct {
    Email2NodeId node;
    const char *value;
  } nodes[] = {
    { EMAIL2_NODE_SERVICENAME, "Contoso Mail" },
    { EMAIL2_NODE_SERVICETYPE, "IMAP4" },
    { EMAIL2_NODE_ACCOUNTTYPE, "Email" },
    { EMAIL2_NODE_AUTHNAME, "alice" },
    { EMAIL2_NODE_DOMAIN, "CONTOSO" },
    { EMAIL2_NODE_REPLYADDR, "alice@contoso.com" },
    { EMAIL2_NODE_NAME, "Alice" },
    { EMAIL2_NODE_AUTHREQUIRED, "1" },
    { EMAIL2_NODE_SYNCINGCONTENTTYPES, "2" },
    { EMAIL2_NODE_LINGER, "30" },
  };
  Email2Account *account = email2_account_new (TEST_GUID);

  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    email2_account_set (account, nodes[i].node, nodes[i].value);
  email2_account_set (account, EMAIL2_NODE_INSERVER, in_server);
  email2_account_set (account, EMAIL2_NODE_OUTSERVER, out_server);
  return account;
}

static ESource *
scratch_source (void)
{
  g_autoptr(GError) error = NULL;
  ESource *source = e_source_new (NULL, NULL, &error);

  g_assert_no_error (error);
  return source;
}

/* The three sources as Evolution's wizard links them, the most secure
 * setting until probed, the login with its domain. */
static void
test_configure (void)
{
  g_autoptr(Email2Account) account = new_account ("mail.contoso.com", "smtp.contoso.com:587");
  g_autoptr(ESource) source = scratch_source ();
  g_autoptr(ESource) identity = scratch_source ();
  g_autoptr(ESource) transport = scratch_source ();
  g_autofree char *uid = email2_evolution_source_uid (TEST_GUID, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *transport_uid = email2_evolution_source_uid (TEST_GUID, EMAIL2_SOURCE_TRANSPORT);
  ESourceAuthentication *auth;

  g_assert_cmpstr (uid, ==, "email2-c556e16f-56c4-4edb-9c64-d9469ee1fbe0");
  email2_evolution_mapping_configure (source, identity, transport, account);

  g_assert_cmpstr (e_source_get_display_name (source), ==, "Contoso Mail");
  g_assert_true (e_source_get_enabled (source));
  g_assert_cmpstr (e_source_backend_get_backend_name (
                     e_source_get_extension (source, E_SOURCE_EXTENSION_MAIL_ACCOUNT)), ==, "imapx");
  auth = e_source_get_extension (source, E_SOURCE_EXTENSION_AUTHENTICATION);
  g_assert_cmpstr (e_source_authentication_get_host (auth), ==, "mail.contoso.com");
  g_assert_cmpuint (e_source_authentication_get_port (auth), ==, 993);
  g_assert_cmpstr (e_source_authentication_get_user (auth), ==, "CONTOSO\\alice");
  g_assert_cmpstr (e_source_security_get_method (e_source_get_extension (source, E_SOURCE_EXTENSION_SECURITY)),
                   ==, "ssl-on-alternate-port");
  g_assert_cmpuint (e_source_refresh_get_interval_minutes (
                      e_source_get_extension (source, E_SOURCE_EXTENSION_REFRESH)), ==, 30);

  g_assert_cmpstr (e_source_mail_identity_get_address (
                     e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY)), ==,
                   "alice@contoso.com");
  g_assert_cmpstr (e_source_mail_submission_get_transport_uid (
                     e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_SUBMISSION)), ==,
                   transport_uid);

  auth = e_source_get_extension (transport, E_SOURCE_EXTENSION_AUTHENTICATION);
  g_assert_cmpuint (e_source_authentication_get_port (auth), ==, 587);
  g_assert_cmpstr (e_source_authentication_get_method (auth), ==, "PLAIN");
  g_assert_cmpstr (e_source_security_get_method (e_source_get_extension (transport, E_SOURCE_EXTENSION_SECURITY)),
                   ==, "starttls-on-standard-port");
  g_assert_true (email2_account_server_secret (account, EMAIL2_NODE_OUTSERVER) == EMAIL2_NODE_AUTHSECRET);
}

/* Get reads Evolution's own settings live, unless EMAIL2 cannot express
 * what the user set. */
static void
test_read_live (void)
{
  g_autoptr(Email2Account) account = new_account ("mail.contoso.com", "smtp.contoso.com:587");
  g_autoptr(ESource) source = scratch_source ();
  g_autoptr(ESource) identity = scratch_source ();
  g_autoptr(ESource) transport = scratch_source ();

  email2_evolution_mapping_configure (source, identity, transport, account);
  e_source_set_display_name (source, "Renamed");
  e_source_refresh_set_enabled (e_source_get_extension (source, E_SOURCE_EXTENSION_REFRESH), FALSE);
  e_source_mail_identity_set_name (e_source_get_extension (identity, E_SOURCE_EXTENSION_MAIL_IDENTITY),
                                   "A name far longer than the two hundred and fifty-five characters "
                                   "EMAIL2 allows for NAME, which Evolution would take as it is, and "
                                   "so Get keeps answering what was provisioned instead of a value "
                                   "that the management server could never have sent to the device "
                                   "in the first place, to be exact");

  email2_evolution_mapping_read_live (source, identity, account);
  g_assert_cmpstr (email2_account_get (account, EMAIL2_NODE_SERVICENAME), ==, "Renamed");
  g_assert_cmpstr (email2_account_get (account, EMAIL2_NODE_LINGER), ==, "0");
  g_assert_cmpstr (email2_account_get (account, EMAIL2_NODE_NAME), ==, "Alice");
}

static char *
read_source_file (const char *uid)
{
  g_autofree char *name = g_strconcat (uid, ".source", NULL);
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "evolution", "sources",
                                            name, NULL);
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  return text;
}

/* A stopped prober writes nothing, and lets go of its probes at once:
 * they do not keep it, or the sources, alive. */
static void
test_prober_stop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EDBusServer) server = e_source_registry_server_new ();
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(Email2Account) account = NULL;
  g_autofree char *where = NULL;
  g_autofree char *uid = email2_evolution_source_uid (TEST_GUID, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *transport_uid = email2_evolution_source_uid (TEST_GUID, EMAIL2_SOURCE_TRANSPORT);
  g_autofree char *account_before = NULL, *transport_before = NULL;
  g_autofree char *account_after = NULL, *transport_after = NULL;
  Email2EvolutionProber *prober;
  gint64 deadline;

  /* A server that takes connections and never says a word. */
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_socket_bind (listener, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  where = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  account = new_account (where, where);
  email2_evolution_sources_write (E_SOURCE_REGISTRY_SERVER (server), account, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  account_before = read_source_file (uid);
  transport_before = read_source_file (transport_uid);
  g_assert_nonnull (account_before);
  g_assert_nonnull (strstr (account_before, "Probed=false"));

  prober = email2_evolution_prober_new (E_SOURCE_REGISTRY_SERVER (server));
  g_object_add_weak_pointer (G_OBJECT (prober), (gpointer *) &prober);
  email2_evolution_prober_probe_pending (prober);

  /* Probing: a connection waits at the silent server. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!g_socket_condition_check (listener, G_IO_IN))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  email2_evolution_prober_stop (prober);
  g_object_unref (prober);
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (prober != NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  /* Nothing written: the provisional settings and Probed=false stay. */
  account_after = read_source_file (uid);
  transport_after = read_source_file (transport_uid);
  g_assert_cmpstr (account_after, ==, account_before);
  g_assert_cmpstr (transport_after, ==, transport_before);
}

static void
rename_source (ESource  *source,
               gpointer  user_data)
{
  e_source_set_display_name (source, user_data);
}

/* Runs email2's edit of @uid, or EDS's own write of @live when @live is
 * set, with files limited to 64 bytes: a disk that fills up. */
static ESource *
edit_on_full_disk (EDBusServer  *server,
                   const char   *uid,
                   ESource      *live,
                   GError      **error)
{
  struct rlimit saved, limit;
  ESource *edited = NULL;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = 64;
  signal (SIGXFSZ, SIG_IGN);   /* the write fails with EFBIG instead */
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  if (live != NULL)
    {
      e_source_set_display_name (live, "Renamed by EDS");
      if (e_source_write_sync (live, NULL, error))
        edited = g_object_ref (live);
    }
  else
    edited = email2_evolution_source_edit (E_SOURCE_REGISTRY_SERVER (server), uid, rename_source,
                                           (gpointer) "Renamed", error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, SIG_DFL);
  return edited;
}

/* A source changed when the disk is full (the prober's and the
 * collection's writes): the file stays whole and the registry's source as
 * it was; with room again, both take the change. EDS's own
 * e_source_write_sync(), which they used, leaves a short file. */
static void
test_edit_full_disk (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EDBusServer) server = e_source_registry_server_new ();
  g_autoptr(Email2Account) account = new_account ("mail.contoso.com", "smtp.contoso.com:587");
  g_autofree char *uid = email2_evolution_source_uid (TEST_GUID, EMAIL2_SOURCE_ACCOUNT);
  g_autofree char *before = NULL, *after = NULL, *renamed = NULL, *by_eds = NULL;
  g_autoptr(ESource) live = NULL;
  g_autoptr(ESource) edited = NULL;

  email2_evolution_sources_write (E_SOURCE_REGISTRY_SERVER (server), account, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  before = read_source_file (uid);
  g_assert_cmpuint (strlen (before), >, 64);
  live = e_source_registry_server_ref_source (E_SOURCE_REGISTRY_SERVER (server), uid);
  g_assert_nonnull (live);

  edited = edit_on_full_disk (server, uid, NULL, &error);
  g_assert_null (edited);
  g_assert_nonnull (error);
  g_clear_error (&error);
  after = read_source_file (uid);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpstr (e_source_get_display_name (live), ==, "Contoso Mail");

  edited = email2_evolution_source_edit (E_SOURCE_REGISTRY_SERVER (server), uid, rename_source,
                                         (gpointer) "Renamed", &error);
  g_assert_no_error (error);
  g_assert_true (edited == live);
  g_assert_cmpstr (e_source_get_display_name (live), ==, "Renamed");
  renamed = read_source_file (uid);
  g_assert_nonnull (strstr (renamed, "DisplayName=Renamed\n"));

  /* What the prober's and the collection's writes did before. */
  g_clear_object (&edited);
  edited = edit_on_full_disk (server, uid, live, &error);
  g_assert_null (edited);
  g_clear_error (&error);
  by_eds = read_source_file (uid);
  g_test_message ("EDS's write on a full disk left %zu of %zu bytes",
                  by_eds != NULL ? strlen (by_eds) : 0, strlen (renamed));
  g_assert_true (by_eds == NULL || strlen (by_eds) < strlen (renamed));
}

/* An account source that email2 0.1.0 wrote (tests/data/legacy/): read
 * exactly, and written in the current format by the first write. */
static void
test_legacy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EDBusServer) server = e_source_registry_server_new ();
  const char *uid = "email2-7a1e9c44-3b2d-4f10-8e5a-6c0d9b2f4e11";
  g_autofree char *name = g_strconcat (uid, ".source", NULL);
  g_autofree char *from = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tests", "data",
                                            "legacy", name, NULL);
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "evolution", "sources", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL, *written = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(ESource) live = NULL, edited = NULL;
  g_autoptr(Email2Account) before = NULL, after = NULL;
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_auto(GStrv) keys = NULL;

  g_file_get_contents (from, &text, NULL, &error);
  g_assert_no_error (error);
  g_mkdir_with_parents (dir, 0700);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  live = e_server_side_source_new (E_SOURCE_REGISTRY_SERVER (server), file, &error);
  g_assert_no_error (error);
  e_source_registry_server_add_source (E_SOURCE_REGISTRY_SERVER (server), live);

  before = email2_source_extension_to_account (e_source_get_extension (live, EMAIL2_SOURCE_EXTENSION_NAME));
  g_assert_nonnull (before);
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_SERVICENAME), ==,
                   "Contoso; Mail = \\ Büro ☃ \\; x");
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_AUTHNAME), ==, "a;l=i\\ce");
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_NAME), ==, "");
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_SMTPALTDOMAIN), ==, "");
  g_assert_cmpstr (email2_account_get (before, EMAIL2_NODE_TAGPROPS_OUTSERVER_SSL), ==, "1");
  g_assert_true (email2_account_has (before, EMAIL2_NODE_AUTHSECRET));
  g_assert_null (email2_account_get (before, EMAIL2_NODE_AUTHSECRET));
  g_assert_false (email2_account_has (before, EMAIL2_NODE_CONTACTSSERVER));

  edited = email2_evolution_source_edit (E_SOURCE_REGISTRY_SERVER (server), uid, rename_source,
                                         (gpointer) "Renamed", &error);
  g_assert_no_error (error);
  /* Nothing writes after email2: not EDS for the scratch copy. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  written = read_source_file (uid);
  g_assert_null (strstr (written, "\nNodes="));
  g_assert_nonnull (strstr (written, "\nValues="));
  g_key_file_load_from_data (key_file, written, -1, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  keys = g_key_file_get_keys (key_file, EMAIL2_SOURCE_EXTENSION_NAME, NULL, NULL);
  g_assert_cmpuint (g_strv_length (keys), ==, 4);
  after = email2_source_extension_to_account (e_source_get_extension (edited, EMAIL2_SOURCE_EXTENSION_NAME));
  g_assert_true (email2_account_equal (before, after));
  g_unlink (path);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("email2-evolution-XXXXXX", &error);
  GTypeModule *module;         /* lives as long as the process, as type modules do */
  int status;

  /* Never the real user's files: every XDG directory in a temporary one,
   * before anything reads them. */
  g_assert_no_error (error);
  g_setenv ("HOME", root, TRUE);
  g_setenv ("XDG_CONFIG_HOME", root, TRUE);
  g_setenv ("XDG_DATA_HOME", root, TRUE);
  g_setenv ("XDG_CACHE_HOME", root, TRUE);
  g_setenv ("XDG_STATE_HOME", root, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  g_test_init (&argc, &argv, NULL);

  module = g_object_new (test_module_get_type (), NULL);
  g_assert_true (g_type_module_use (module));
  email2_source_extension_type_register (module);
  e_source_camel_register_types ();

  /* First: it runs the main context, which the others leave idles on. */
  g_test_add_func ("/evolution-sources/legacy", test_legacy);
  g_test_add_func ("/evolution-sources/configure", test_configure);
  g_test_add_func ("/evolution-sources/read-live", test_read_live);
  g_test_add_func ("/evolution-sources/prober-stop", test_prober_stop);
  g_test_add_func ("/evolution-sources/edit-full-disk", test_edit_full_disk);

  status = g_test_run ();
  email2_test_remove_tree (root);
  return status;
}
