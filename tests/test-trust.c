/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Signed payloads: CMS SignedData made by `openssl cms -sign -nodetach`
 * under a throwaway test CA (tools/test-signing-ca), verified by
 * Email2Trust. Each refusal must hand out no content at all.
 */

#define _GNU_SOURCE
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "email2-test.h"

#define CONTENT "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncBody><Final/></SyncBody></SyncML>\n"

static char *ca_dir;           /* the test CA's files */
static char *work_dir;

static char *
in_ca (const char *name)
{
  return g_build_filename (ca_dir, name, NULL);
}

/* Signs @content as @signer (NAME.pem / NAME.key of the test CA). */
static char *
sign (const char *content,
      const char *signer,
      const char *form,
      gboolean    attached,
      gsize      *length)
{
  g_autofree char *in = g_build_filename (work_dir, "content", NULL);
  g_autofree char *out = g_build_filename (work_dir, "signed", NULL);
  g_autofree char *cert = g_strdup_printf ("%s/%s.pem", ca_dir, signer);
  g_autofree char *key = g_strdup_printf ("%s/%s.key", ca_dir, signer);
  const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-in", in, "-signer", cert,
                         "-inkey", key, "-outform", form, "-out", out,
                         attached ? "-nodetach" : NULL, NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_file_set_contents (in, content, -1, &error);
  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  return email2_test_read_file (out, length);
}

/* A trust directory holding the given anchors of the test CA, mode 0755. */
static char *
make_trust_dir (const char * const *anchors)
{
  g_autofree char *template = g_build_filename (work_dir, "trust-XXXXXX", NULL);
  char *dir = g_mkdtemp_full (g_steal_pointer (&template), 0755);

  g_assert_nonnull (dir);
  for (guint i = 0; anchors[i] != NULL; i++)
    {
      g_autofree char *from = in_ca (anchors[i]);
      g_autofree char *to = g_build_filename (dir, anchors[i], NULL);
      g_autofree char *pem = email2_test_read_file (from, NULL);
      g_autoptr(GError) error = NULL;

      g_file_set_contents (to, pem, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_chmod (to, 0644), ==, 0);
    }
  return dir;
}

static Email2Trust *
load_trust (const char * const *anchors)
{
  g_autofree char *dir = make_trust_dir (anchors);
  g_autoptr(GError) error = NULL;
  Email2Trust *trust = email2_trust_new_from_directory (dir, getuid (), &error);

  g_assert_no_error (error);
  g_assert_nonnull (trust);
  return trust;
}

static const char * const our_ca[] = { "ca.pem", NULL };
static const char * const other_ca[] = { "other-ca.pem", NULL };

/* Asserts @data is refused with a reason holding @words, and no content. */
static void
assert_refused (Email2Trust *trust,
                const char  *data,
                gsize        length,
                gboolean     required,
                const char  *words)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Signer) signer = NULL;
  char *content = (char *) "untouched";
  gsize content_length = 1;

  g_assert_false (email2_trust_unwrap (trust, data, length, required, &content, &content_length,
                                       &signer, &error));
  g_assert_error (error, EMAIL2_ERROR, error->code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, words));
  g_assert_null (content);
  g_assert_cmpuint (content_length, ==, 0);
  g_assert_null (signer);
}

static void
assert_verified (Email2Trust *trust,
                 const char  *data,
                 gsize        length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Signer) signer = NULL;
  g_autofree char *content = NULL;
  gsize content_length = 0;

  g_assert_true (email2_signed_detect (data, length));
  g_assert_true (email2_trust_unwrap (trust, data, length, TRUE, &content, &content_length,
                                      &signer, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (content, ==, CONTENT);
  g_assert_cmpuint (content_length, ==, strlen (CONTENT));
  g_assert_nonnull (signer);
  g_assert_nonnull (strstr (signer->subject, "CN=IT rollout"));
  g_assert_nonnull (strstr (signer->issuer, "CN=email2 payload CA"));
  g_assert_cmpstr (signer->serial, ==, "1000");
  g_assert_cmpint (signer->not_after, >, g_get_real_time () / G_USEC_PER_SEC);
  g_assert_cmpint (signer->signing_time, >, 0);
}

static void
test_der (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", TRUE, &length);

  g_assert_cmpuint (email2_trust_get_n_anchors (trust), ==, 1);
  assert_verified (trust, der, length);
}

static void
test_pem (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *pem = sign (CONTENT, "signer", "PEM", TRUE, &length);
  g_autofree char *bad = NULL;

  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CMS-----"));
  assert_verified (trust, pem, length);

  /* A PKCS7 label (older tools) is the same structure. */
  {
    g_autoptr(GString) relabelled = g_string_new (pem);

    g_string_replace (relabelled, "CMS-----", "PKCS7-----", 0);
    assert_verified (trust, relabelled->str, relabelled->len);
  }

  /* Armour damaged: no END line, a stray character. */
  bad = g_strndup (pem, length - 20);
  assert_refused (trust, bad, strlen (bad), TRUE, "PEM");
  g_free (bad);
  bad = g_strdup (pem);
  bad[30] = '*';
  assert_refused (trust, bad, length, TRUE, "base64");
}

/* One byte of the content changed after signing. */
static void
test_tampered (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", TRUE, &length);
  char *found = memmem (der, length, "SyncBody", 8);

  g_assert_nonnull (found);
  found[0] = 'X';
  assert_refused (trust, der, length, TRUE, "changed after it was signed");
}

static void
test_wrong_anchor (void)
{
  g_autoptr(Email2Trust) trust = load_trust (other_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", TRUE, &length);

  assert_refused (trust, der, length, TRUE, "not trusted");
}

/* Signed by the CA itself, which the payload carries: still only trusted
 * when it is an installed anchor. */
static void
test_self_signed (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "other-ca", "DER", TRUE, &length);

  /* (Its key usage, keyCertSign only, is the first reason found.) */
  assert_refused (trust, der, length, TRUE, "");
}

static void
test_expired (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "expired", "DER", TRUE, &length);

  assert_refused (trust, der, length, TRUE, "has expired");
}

static void
test_key_usage (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *encipher = sign (CONTENT, "encipher", "DER", TRUE, &length);
  g_autofree char *server = NULL;

  assert_refused (trust, encipher, length, TRUE, "(key usage)");
  server = sign (CONTENT, "server", "DER", TRUE, &length);
  assert_refused (trust, server, length, TRUE, "extended key usage");
}

static void
test_detached (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", FALSE, &length);

  assert_refused (trust, der, length, TRUE, "nodetach");
}

static void
test_unsigned (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  g_autoptr(Email2Trust) none = NULL;
  g_autofree char *missing = g_build_filename (work_dir, "no-such-dir", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  gsize content_length = 0, length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", TRUE, &length);

  g_assert_false (email2_signed_detect (CONTENT, strlen (CONTENT)));

  /* Anchors installed and a signature required: refused. */
  assert_refused (trust, CONTENT, strlen (CONTENT), TRUE, "not signed");

  /* Not required (a user payload, by default): passes as it is. */
  g_assert_true (email2_trust_unwrap (trust, CONTENT, strlen (CONTENT), FALSE, &content,
                                      &content_length, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (content);

  /* No anchors: unsigned passes, signed cannot be checked and is refused. */
  none = email2_trust_new_from_directory (missing, getuid (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (email2_trust_get_n_anchors (none), ==, 0);
  g_assert_true (email2_trust_unwrap (none, CONTENT, strlen (CONTENT), TRUE, &content,
                                      &content_length, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (content);
  assert_refused (none, der, length, TRUE, "no trust anchor");
}

/* Garbage that looks signed: every prefix of a real signature, and a few
 * flipped bytes, are refused without a crash. */
static void
test_garbage (void)
{
  g_autoptr(Email2Trust) trust = load_trust (our_ca);
  gsize length = 0;
  g_autofree char *der = sign (CONTENT, "signer", "DER", TRUE, &length);

  for (gsize cut = 13; cut < length; cut += 97)
    if (email2_signed_detect (der, cut))
      assert_refused (trust, der, cut, TRUE, "");
  for (gsize at = 0; at < length; at += 211)
    {
      g_autofree char *copy = g_memdup2 (der, length);
      g_autoptr(GError) error = NULL;
      g_autofree char *content = NULL;
      gsize content_length = 0;

      copy[at] ^= 0x55;
      if (email2_trust_unwrap (trust, copy, length, TRUE, &content, &content_length, NULL,
                               &error))
        g_assert_cmpstr (content, ==, CONTENT);     /* an unsigned field, not covered */
    }
}

static void
test_directory_rules (void)
{
  g_autofree char *dir = make_trust_dir (our_ca);
  g_autofree char *file = g_build_filename (dir, "ca.pem", NULL);
  g_autofree char *link = g_build_filename (dir, "link.pem", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.pem", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Trust) trust = NULL;

  /* Another owner: nothing is trusted. */
  trust = email2_trust_new_from_directory (dir, getuid () + 1, &error);
  g_assert_null (trust);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED);
  g_clear_error (&error);

  /* The directory or a file writable by the group. */
  g_assert_cmpint (g_chmod (dir, 0775), ==, 0);
  trust = email2_trust_new_from_directory (dir, getuid (), &error);
  g_assert_null (trust);
  g_assert_nonnull (strstr (error->message, "written by others"));
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (file, 0664), ==, 0);
  trust = email2_trust_new_from_directory (dir, getuid (), &error);
  g_assert_null (trust);
  g_clear_error (&error);
  g_assert_cmpint (g_chmod (file, 0644), ==, 0);

  /* A symbolic link among the anchors. */
  g_assert_cmpint (symlink (file, link), ==, 0);
  trust = email2_trust_new_from_directory (dir, getuid (), &error);
  g_assert_null (trust);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_clear_error (&error);
  g_unlink (link);

  /* A file that holds no certificate. */
  g_file_set_contents (junk, "not a certificate\n", -1, &error);
  g_assert_no_error (error);
  g_chmod (junk, 0644);
  trust = email2_trust_new_from_directory (dir, getuid (), &error);
  g_assert_null (trust);
  g_assert_nonnull (strstr (error->message, "no usable PEM certificate"));
  g_clear_error (&error);
  g_unlink (junk);

  trust = email2_trust_new_from_directory (dir, getuid (), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (email2_trust_get_n_anchors (trust), ==, 1);
}

/* Runs email2ctl with @args; its output in @out and @err. */
static int
run_ctl (const char * const *args,
         const char         *input,
         char              **out,
         char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) g_getenv ("EMAIL2CTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

#define CP_PAYLOAD \
  "<wap-provisioningdoc version=\"1.1\"><characteristic type=\"EMAIL2\">" \
  "<characteristic type=\"{C556E16F-56C4-4EDB-9C64-D9469EE1FBE0}\">" \
  "<parm name=\"SERVICENAME\" value=\"Corp\"/><parm name=\"SERVICETYPE\" value=\"IMAP4\"/>" \
  "<parm name=\"INSERVER\" value=\"mail.example.com\"/>" \
  "<parm name=\"OUTSERVER\" value=\"smtp.example.com\"/>" \
  "<parm name=\"AUTHNAME\" value=\"${USER}\"/><parm name=\"REPLYADDR\" value=\"${EMAIL}\"/>" \
  "<parm name=\"SYNCINGCONTENTTYPES\" value=\"2\"/><parm name=\"ACCOUNTTYPE\" value=\"Email\"/>" \
  "</characteristic></characteristic></wap-provisioningdoc>\n"

/* email2ctl validate: shows the signer, refuses what does not verify,
 * and with --as-user requires a signature once anchors are installed. */
static void
test_ctl_validate (void)
{
  g_autofree char *trust = make_trust_dir (our_ca);
  g_autofree char *wrong = make_trust_dir (other_ca);
  g_autofree char *policy = g_build_filename (work_dir, "email2.conf", NULL);
  g_autofree char *signed_path = g_build_filename (work_dir, "signed.p7", NULL);
  g_autofree char *plain_path = g_build_filename (work_dir, "plain.xml", NULL);
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  g_autofree char *pem = sign (CP_PAYLOAD, "signer", "PEM", TRUE, &length);
  const char *user = g_get_user_name ();
  char *out = NULL, *err = NULL;

  g_file_set_contents (signed_path, pem, length, &error);
  g_assert_no_error (error);
  g_file_set_contents (plain_path, CP_PAYLOAD, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (policy, "[Rollout]\nEmailPattern=${USER}@example.com\n", -1, &error);
  g_assert_no_error (error);
  g_chmod (policy, 0644);

  {
    const char *args[] = { "validate", "--as-user", user, "--trust-dir", trust, "--policy",
                           policy, signed_path, NULL };
    g_autofree char *address = g_strdup_printf ("REPLYADDR=%s@example.com", user);
    g_autofree char *authname = g_strdup_printf ("AUTHNAME=%s\n", user);

    g_assert_cmpint (run_ctl (args, NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (err, "Signed by: O=email2 tests,CN=IT rollout"));
    g_assert_nonnull (strstr (err, "serial 1000"));
    g_assert_nonnull (strstr (err, address));
    g_assert_nonnull (strstr (err, authname));
    g_assert_nonnull (strstr (out, "<wap-provisioningdoc"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "validate", "--json", "--as-user", user, "--trust-dir", trust,
                           "--policy", policy, signed_path, NULL };

    g_assert_cmpint (run_ctl (args, NULL, &out, &err), ==, 0);
    {
      g_autoptr(JsonObject) answer = email2_test_parse_json (out, "validate");
      JsonObject *signer = json_object_get_object_member (answer, "signer");

      g_assert_nonnull (signer);
      g_assert_cmpstr (json_object_get_string_member (signer, "subject"), ==,
                       "O=email2 tests,CN=IT rollout");
      g_assert_cmpstr (json_object_get_string_member (signer, "serial"), ==, "1000");
    }
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* Unsigned, as a system payload, with anchors installed: refused. */
  {
    const char *args[] = { "validate", "--as-user", user, "--trust-dir", trust, "--policy",
                           policy, plain_path, NULL };

    g_assert_cmpint (run_ctl (args, NULL, &out, &err), ==, 2);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, "not signed"));
    email2_test_assert_one_line (err);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* The wrong anchor: refused, nothing printed on stdout. */
  {
    const char *args[] = { "validate", "--trust-dir", wrong, signed_path, NULL };

    g_assert_cmpint (run_ctl (args, NULL, &out, &err), ==, 2);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, "not trusted"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* A group-writable policy file is not the administrator's. */
  g_chmod (policy, 0664);
  {
    const char *args[] = { "validate", "--as-user", user, "--trust-dir", trust, "--policy",
                           policy, signed_path, NULL };

    g_assert_cmpint (run_ctl (args, NULL, &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "may be written by others than its owner"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *script = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0, result;

  g_test_init (&argc, &argv, NULL);

  work_dir = g_dir_make_tmp ("email2-trust-XXXXXX", &error);
  g_assert_no_error (error);
  ca_dir = g_build_filename (work_dir, "ca", NULL);
  script = g_build_filename (g_getenv ("EMAIL2_SOURCE_ROOT"), "tools", "test-signing-ca", NULL);
  {
    const char *ca_argv[] = { script, ca_dir, NULL };

    g_spawn_sync (NULL, (char **) ca_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  g_test_add_func ("/trust/der", test_der);
  g_test_add_func ("/trust/pem", test_pem);
  g_test_add_func ("/trust/tampered", test_tampered);
  g_test_add_func ("/trust/wrong-anchor", test_wrong_anchor);
  g_test_add_func ("/trust/self-signed", test_self_signed);
  g_test_add_func ("/trust/expired", test_expired);
  g_test_add_func ("/trust/key-usage", test_key_usage);
  g_test_add_func ("/trust/detached", test_detached);
  g_test_add_func ("/trust/unsigned", test_unsigned);
  g_test_add_func ("/trust/garbage", test_garbage);
  g_test_add_func ("/trust/directory", test_directory_rules);
  g_test_add_func ("/trust/ctl-validate", test_ctl_validate);

  result = g_test_run ();

  email2_test_remove_tree (work_dir);
  g_free (work_dir);
  g_free (ca_dir);
  return result;
}
