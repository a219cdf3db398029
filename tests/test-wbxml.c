/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * WBXML payloads: every example round-trips (XML → WBXML → the engine →
 * a WBXML answer → XML gives the XML answer), and truncated, random,
 * mutated and expanding WBXML is refused without harm.
 *
 * Longer than 800 lines on purpose: the decoder, the encoder and the round
 * trips share the examples and the mutation helpers.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "email2-test.h"
/* after email2-test.h: it includes email2.h, which the private headers'
 * public ones need first */
#include "email2-payload-private.h"
#include "email2-wbxml-private.h"
#include "email2-xml-private.h"

#define SYNCML12_HEADER "\x02\xa4\x01\x6a"   /* WBXML 1.2, SyncML 1.2, UTF-8 */

/* An XML document as a canonical string: elements with their namespace
 * and attributes, text that is not only blanks; comments, prolog and the
 * blanks between elements left out. */
typedef struct {
  GString *out;
  GString *text;
} Canon;

static void
canon_flush (Canon *canon)
{
  gboolean blank = TRUE;

  for (gsize i = 0; i < canon->text->len; i++)
    blank &= g_ascii_isspace (canon->text->str[i]) != 0;
  if (!blank)
    g_string_append_printf (canon->out, "[%s]", canon->text->str);
  g_string_truncate (canon->text, 0);
}

static gboolean
canon_start (gpointer            user_data,
             const char         *name,
             const char         *ns,
             const char * const *attributes,
             GError            **error)
{
  Canon *canon = user_data;

  canon_flush (canon);
  g_string_append_printf (canon->out, "<%s {%s}", name, ns != NULL ? ns : "");
  for (guint i = 0; attributes[i] != NULL; i += 2)
    g_string_append_printf (canon->out, " %s=%s", attributes[i], attributes[i + 1]);
  g_string_append_c (canon->out, '>');
  return TRUE;
}

static void
canon_end (gpointer user_data)
{
  Canon *canon = user_data;

  canon_flush (canon);
  g_string_append (canon->out, "</>");
}

static void
canon_text (gpointer    user_data,
            const char *text,
            gsize       length)
{
  Canon *canon = user_data;

  g_string_append_len (canon->text, text, length);
}

static char *
canonical (const char *xml,
           gsize       length)
{
  static const Email2XmlHandler handler = { canon_start, canon_end, canon_text };
  Canon canon = { g_string_new (NULL), g_string_new (NULL) };
  g_autoptr(GError) error = NULL;

  email2_xml_parse (xml, length, NULL, &handler, &canon, &error);
  g_assert_no_error (error);
  g_string_free (canon.text, TRUE);

  return g_string_free (canon.out, FALSE);
}

static char *
to_wbxml (const char *xml,
          gsize       length,
          guint       version,
          gsize      *wbxml_length)
{
  g_autoptr(GError) error = NULL;
  char *wbxml = email2_wbxml_from_xml (xml, length, version, wbxml_length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (wbxml);
  g_assert_true (email2_wbxml_detect (wbxml, *wbxml_length));
  g_assert_cmpuint ((guchar) wbxml[0], ==, version);

  return wbxml;
}

static char *
to_xml (const char *wbxml,
        gsize       length,
        gsize      *xml_length)
{
  g_autoptr(GError) error = NULL;
  char *xml = email2_wbxml_to_xml (wbxml, length, NULL, NULL, xml_length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (xml);

  return xml;
}

/* Runs a payload; returns the answer in the payload's encoding. */
static char *
run_payload (Email2MemoryHost *host,
             const char       *data,
             gsize             length,
             Email2Encoding    encoding,
             gsize            *answer_length,
             gboolean         *ok)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO, &error);
  g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
  char *answer;

  g_assert_no_error (error);
  g_assert_nonnull (payload);
  g_assert_cmpint (email2_payload_get_encoding (payload), ==, encoding);

  *ok = email2_payload_process (payload, session);
  answer = email2_payload_write_response (payload, answer_length, &error);
  g_assert_no_error (error);

  return answer;
}

/* The examples a README row says must run first (see test-ctl.c). */
static GStrv
prerequisites (const char *readme,
               const char *name)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *row_start = g_strdup_printf ("| `%s` |", name);
  g_auto(GStrv) lines = g_strsplit (readme, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *cell;
      g_auto(GStrv) parts = NULL;

      if (!g_str_has_prefix (lines[i], row_start))
        continue;
      g_strchomp (lines[i]);
      lines[i][strlen (lines[i]) - 1] = '\0';
      cell = strrchr (lines[i], '|');
      parts = g_strsplit (cell, "`", -1);
      for (guint j = 1; strstr (cell, "after") != NULL && parts[j] != NULL; j += 2)
        g_strv_builder_add (builder, parts[j]);
    }

  return g_strv_builder_end (builder);
}

static Email2MemoryHost *
prepared_host (const char         *dir,
               const char * const *names)
{
  Email2MemoryHost *host = email2_memory_host_new ();

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      gsize length = 0, answer_length = 0;
      g_autofree char *xml = email2_test_read_file (path, &length);
      gboolean ok = FALSE;
      g_autofree char *answer = run_payload (host, xml, length, EMAIL2_ENCODING_XML,
                                             &answer_length, &ok);

      g_assert_true (ok);
    }

  return host;
}

/* XML → WBXML → engine → WBXML → XML gives what XML → engine gave. */
static void
test_examples (void)
{
  const char *root = g_getenv ("EMAIL2_SOURCE_ROOT");
  g_autofree char *dir_path = NULL;
  g_autofree char *readme_path = NULL;
  g_autofree char *readme = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint syncml = 0, cp = 0;

  g_assert_nonnull (root);
  dir_path = g_build_filename (root, "data", "examples", NULL);
  readme_path = g_build_filename (dir_path, "README.md", NULL);
  readme = email2_test_read_file (readme_path, NULL);
  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_auto(GStrv) before = NULL;
      g_autoptr(Email2MemoryHost) xml_host = NULL;
      g_autoptr(Email2MemoryHost) wbxml_host = NULL;
      g_autofree char *path = NULL;
      g_autofree char *xml = NULL;
      g_autofree char *wbxml = NULL;
      g_autofree char *xml_answer = NULL;
      g_autofree char *wbxml_answer = NULL;
      g_autofree char *answer_back = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *got = NULL;
      g_autofree char *xml_state = NULL;
      g_autofree char *wbxml_state = NULL;
      gsize length = 0, wbxml_length = 0, xml_answer_length = 0;
      gsize wbxml_answer_length = 0, back_length = 0;
      gboolean xml_ok = FALSE, wbxml_ok = FALSE;
      gboolean is_cp = g_str_has_prefix (name, "cp-");

      if (!g_str_has_suffix (name, ".xml"))
        continue;
      g_test_message ("example %s", name);
      before = prerequisites (readme, name);
      path = g_build_filename (dir_path, name, NULL);
      xml = email2_test_read_file (path, &length);

      xml_host = prepared_host (dir_path, (const char * const *) before);
      xml_answer = run_payload (xml_host, xml, length, EMAIL2_ENCODING_XML, &xml_answer_length, &xml_ok);

      wbxml = to_wbxml (xml, length, 0x02, &wbxml_length);
      g_assert_cmpuint (wbxml_length, <, length);
      /* the public identifier: SyncML 1.2 or PROV 1.0 */
      g_assert_cmpmem (wbxml + 1, is_cp ? 1 : 2, is_cp ? "\x0b" : "\xa4\x01", is_cp ? 1 : 2);

      wbxml_host = prepared_host (dir_path, (const char * const *) before);
      wbxml_answer = run_payload (wbxml_host, wbxml, wbxml_length, EMAIL2_ENCODING_WBXML,
                                  &wbxml_answer_length, &wbxml_ok);
      g_assert_cmpint (wbxml_ok, ==, xml_ok);
      g_assert_cmpmem (wbxml_answer, is_cp ? 2 : 3, is_cp ? "\x02\x0b" : "\x02\xa4\x01",
                       is_cp ? 2 : 3);

      answer_back = to_xml (wbxml_answer, wbxml_answer_length, &back_length);
      expected = canonical (xml_answer, xml_answer_length);
      got = canonical (answer_back, back_length);
      g_assert_cmpstr (got, ==, expected);

      xml_state = email2_memory_host_to_data (xml_host);
      wbxml_state = email2_memory_host_to_data (wbxml_host);
      g_assert_cmpstr (wbxml_state, ==, xml_state);

      if (is_cp)
        cp++;
      else
        syncml++;
    }

  g_assert_cmpuint (syncml, >=, 6);
  g_assert_cmpuint (cp, >=, 4);
}

/* The answer keeps the request's SyncML version and WBXML version; values
 * with blanks and markup characters come back exactly. */
static void
test_versions_and_values (void)
{
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
  g_autofree char *body = g_strconcat (
    "<Atomic><CmdID>1</CmdID>", create,
    "<Replace><CmdID>20</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target>"
    "<Data>  Alice &amp; &lt;Co&gt;  </Data></Item></Replace></Atomic>"
    "<Get><CmdID>21</CmdID><Item><Target><LocURI>" TEST_ACCOUNT "/NAME</LocURI></Target></Item></Get>",
    NULL);
  g_autofree char *message12 = email2_test_message (body);
  g_auto(GStrv) parts = g_strsplit (message12, "SYNCML:SYNCML1.2", -1);
  g_autofree char *message11 = g_strjoinv ("SYNCML:SYNCML1.1", parts);
  g_autofree char *wbxml = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *back = NULL;
  gsize length = 0, answer_length = 0, back_length = 0;
  gboolean ok = FALSE;

  wbxml = to_wbxml (message11, strlen (message11), 0x03, &length);
  g_assert_cmpmem (wbxml, 3, "\x03\x9f\x53", 3);
  answer = run_payload (host, wbxml, length, EMAIL2_ENCODING_WBXML, &answer_length, &ok);
  g_assert_true (ok);
  g_assert_cmpmem (answer, 3, "\x03\x9f\x53", 3);

  back = to_xml (answer, answer_length, &back_length);
  g_assert_nonnull (strstr (back, "<SyncML xmlns=\"SYNCML:SYNCML1.1\">"));
  g_assert_nonnull (strstr (back, "  Alice &amp; &lt;Co&gt;  "));
  g_assert_null (strstr (back, "s3cret"));
}

/* A WBXML payload whose checks fail: the reason it must give. */
typedef struct {
  const char *name;
  const char *bytes;
  gsize length;
  int code;
  const char *reason;
} BadCase;

#define BAD(name, bytes, code, reason) { name, bytes, sizeof bytes - 1, code, reason }

static const BadCase bad_documents[] = {
  BAD ("version-1.0", "\x00\x01\x6d\x01", EMAIL2_ERROR_INVALID_INPUT, "version 1.0"),
  BAD ("unknown-public-id", "\x02\x01\x6a\x00\x45\x01", EMAIL2_ERROR_INVALID_INPUT, "public identifier"),
  BAD ("literal-public-id", "\x02\x00\x00\x6a\x04-//X\x00\x45\x01", EMAIL2_ERROR_INVALID_INPUT, "public identifier"),
  BAD ("utf-16", "\x02\xa4\x01\x87\x77\x00\x6d\x01", EMAIL2_ERROR_INVALID_INPUT, "character set"),
  BAD ("string-table-too-long", "\x02\xa4\x01\x6a\x7f\x00", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("no-body", SYNCML12_HEADER "\x00", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("unclosed", SYNCML12_HEADER "\x00\x6d\x6c", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("trailing-data", SYNCML12_HEADER "\x00\x6d\x01\x2d", EMAIL2_ERROR_INVALID_INPUT, "after its root"),
  BAD ("two-roots", SYNCML12_HEADER "\x00\x2d\x2d", EMAIL2_ERROR_INVALID_INPUT, "after its root"),
  BAD ("text-outside-root", SYNCML12_HEADER "\x00\x03x\x00\x2d", EMAIL2_ERROR_INVALID_INPUT, "token 0x03"),
  BAD ("string-index-out-of-table", SYNCML12_HEADER "\x02x\x00\x6d\x83\x05\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("string-without-nul", SYNCML12_HEADER "\x02xy\x6d\x83\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("inline-without-nul", SYNCML12_HEADER "\x00\x6d\x03xyz", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("opaque-too-long", SYNCML12_HEADER "\x00\x6d\xc3\x7f\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("mb-overflow", SYNCML12_HEADER "\x00\x6d\x83\xff\xff\xff\xff\xff\x7f\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("end-without-start", SYNCML12_HEADER "\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  BAD ("ext-token", SYNCML12_HEADER "\x00\x6d\xc0\x01", EMAIL2_ERROR_INVALID_INPUT, "token 0xC0"),
  BAD ("processing-instruction", SYNCML12_HEADER "\x00\x6d\x43\x05\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "token 0x43"),
  BAD ("attribute-ext", SYNCML12_HEADER "\x00\xed\x80\x00\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "token 0x80"),
  BAD ("reserved-tag", SYNCML12_HEADER "\x00\x6d\x44\x05\x01", EMAIL2_ERROR_INVALID_INPUT, "truncated"),
  /* string-table names become markup only when they are plain names */
  BAD ("tag-name-injection", SYNCML12_HEADER "\x08x a=\"b\"\x00\x6d\x04\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "element with characters"),
  BAD ("attribute-name-injection", "\x03\x0b\x6a\x05" "a><b\x00\xc5\x04\x00\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "attribute with characters"),
  BAD ("unknown-tag-token", SYNCML12_HEADER "\x00\x6d\x3f\x01", EMAIL2_ERROR_INVALID_INPUT, "token 0x3F"),
  BAD ("unknown-code-page", SYNCML12_HEADER "\x00\x00\x05\x2d", EMAIL2_ERROR_INVALID_INPUT, "token 0x00"),
  BAD ("syncml-attribute-token", SYNCML12_HEADER "\x00\xad\x05\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "token 0x05"),
  /* what the XML reader refuses, the decoder refuses alike */
  BAD ("duplicate-attribute", "\x03\x0b\x6a\x00\xc5\x46\x46\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("xmlns-attribute", "\x03\x0b\x6a\x06xmlns\x00\xc5\x04\x00\x03x\x00\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("text-not-utf8", SYNCML12_HEADER "\x00\x6d\x03\xff\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("text-overlong-utf8", SYNCML12_HEADER "\x00\x6d\x03\xc0\xbc\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("text-surrogate", SYNCML12_HEADER "\x00\x6d\x03\xed\xa0\x80\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("text-control-character", SYNCML12_HEADER "\x00\x6d\x03\x01\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("text-fffe", SYNCML12_HEADER "\x00\x6d\x03\xef\xbf\xbe\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("entity-nul", SYNCML12_HEADER "\x00\x6d\x02\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("entity-surrogate", SYNCML12_HEADER "\x00\x6d\x02\x83\xb0\x00\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("opaque-not-utf8", SYNCML12_HEADER "\x00\x6d\xc3\x01\xfe\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("attribute-value-not-utf8", "\x03\x0b\x6a\x00\xc5\x45\x03\xc3\x28\x00\x01\x01", EMAIL2_ERROR_INVALID_INPUT, "malformed"),
  BAD ("empty-element-too-deep",
       SYNCML12_HEADER "\x00" "\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d"
       "\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d\x6d" "\x12"
       "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
       "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
       EMAIL2_ERROR_LIMIT, "deeper than 32"),
};

static void
assert_refused (const char *data,
                gsize       length,
                int         code,
                const char *reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO, &error);

  g_assert_null (payload);
  g_assert_nonnull (error);
  g_assert_true (error->domain == EMAIL2_ERROR);
  if (code >= 0)
    g_assert_cmpint (error->code, ==, code);
  if (reason != NULL && strstr (error->message, reason) == NULL)
    g_error ("“%s” does not say “%s”", error->message, reason);
}

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;

  assert_refused (c->bytes, c->length, c->code, c->reason);
}

/* String table references expand: a WBXML "billion laughs". */
static void
test_string_bomb (void)
{
  GString *bytes = g_string_new_len (SYNCML12_HEADER, 4);
  gsize table = 64 * 1024;

  /* string table: one 64 KiB string */
  g_string_append_c (bytes, (char) (0x80 | ((table + 1) >> 14)));
  g_string_append_c (bytes, (char) (0x80 | (((table + 1) >> 7) & 0x7f)));
  g_string_append_c (bytes, (char) ((table + 1) & 0x7f));
  for (gsize i = 0; i < table; i++)
    g_string_append_c (bytes, 'A');
  g_string_append_c (bytes, '\0');
  /* <SyncML> then 100000 references to it: 6.5 GB of XML */
  g_string_append_c (bytes, 0x6d);
  for (guint i = 0; i < 100000; i++)
    g_string_append_len (bytes, "\x83\x00", 2);
  g_string_append_c (bytes, 0x01);

  assert_refused (bytes->str, bytes->len, EMAIL2_ERROR_LIMIT, "as XML");
  g_string_free (bytes, TRUE);
}

/* The decoder counts text as it is; written out as XML, a quote takes six
 * bytes: email2_wbxml_to_xml() stops at the XML bound all the same, and
 * makes nothing larger. */
static void
test_escaped_bomb (void)
{
  GString *bytes = g_string_new_len (SYNCML12_HEADER, 4);
  gsize table = 8000;
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = NULL;
  gsize xml_length = 0;
  char *xml;

  g_string_append_c (bytes, (char) (0x80 | ((table + 1) >> 7)));
  g_string_append_c (bytes, (char) ((table + 1) & 0x7f));
  for (gsize i = 0; i < table; i++)
    g_string_append_c (bytes, '"');
  g_string_append_c (bytes, '\0');
  /* <SyncML><SyncHdr/><SyncBody/> and 500 references: 4 MB as text,
   * 24 MB as XML */
  g_string_append_len (bytes, "\x6d\x2c\x2b", 3);
  for (guint i = 0; i < 500; i++)
    g_string_append_len (bytes, "\x83\x00", 2);
  g_string_append_c (bytes, 0x01);

  payload = email2_payload_parse (bytes->str, bytes->len, EMAIL2_FORMAT_AUTO, &error);
  g_assert_no_error (error);
  g_assert_nonnull (payload);

  xml = email2_wbxml_to_xml (bytes->str, bytes->len, NULL, NULL, &xml_length, &error);
  g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT);
  g_assert_null (xml);
  g_string_free (bytes, TRUE);
}

static void
test_deep_and_many (void)
{
  GString *deep = g_string_new_len (SYNCML12_HEADER "\x00", 5);
  GString *many = g_string_new_len (SYNCML12_HEADER "\x00\x6d", 6);
  GString *huge = g_string_new_len (SYNCML12_HEADER "\x00\x6d\xc3", 7);

  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, 0x6d);
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, 0x01);
  assert_refused (deep->str, deep->len, EMAIL2_ERROR_LIMIT, "deeper");

  /* one more element than the XML reader's bound */
  for (guint i = 0; i < 1000001; i++)
    g_string_append_c (many, 0x2d);
  g_string_append_c (many, 0x01);
  assert_refused (many->str, many->len, EMAIL2_ERROR_LIMIT, NULL);

  /* larger than the WBXML bound, refused before anything is read */
  g_string_append_len (huge, "\x82\x80\x80\x00", 4);
  g_string_set_size (huge, EMAIL2_WBXML_MAX_SIZE + 1);
  assert_refused (huge->str, huge->len, EMAIL2_ERROR_LIMIT, "larger");

  g_string_free (deep, TRUE);
  g_string_free (many, TRUE);
  g_string_free (huge, TRUE);
}

/* EMAIL2_TEST_TIME_SCALE stretches the time limits, for runs under
 * valgrind (as in test-probe.c). */
static gint64
time_limit_us (gint64 us)
{
  const char *scale = g_getenv ("EMAIL2_TEST_TIME_SCALE");

  return us * (scale != NULL && atoi (scale) > 0 ? atoi (scale) : 1);
}

/* Issue 10: many attributes on one element were quadratic (libwbxml2 and
 * libxml2 compare each with every earlier one): a 131 KB document took
 * 64 s. It is refused at the 33rd attribute now. */
static void
test_many_attributes (void)
{
  GString *bytes = g_string_new_len ("\x03\x0b\x6a\x00\xc5", 5);
  gint64 start;

  for (guint i = 0; i < 131072; i++)
    g_string_append_c (bytes, 0x46);      /* version="1.0" */
  g_string_append_len (bytes, "\x01\x01", 2);

  start = g_get_monotonic_time ();
  assert_refused (bytes->str, bytes->len, EMAIL2_ERROR_LIMIT, "more than 32 attributes");
  g_assert_cmpint (g_get_monotonic_time () - start, <, time_limit_us (50000));
  g_string_free (bytes, TRUE);
}

/* Issue 10: libwbxml2's tree walked every sibling to add one (80,000
 * siblings took 22 s). The decoder is linear: 400,000 siblings, then the
 * element bound is what refuses 1,000,001 of them; both quickly. */
static void
test_many_siblings (void)
{
  GString *bytes = g_string_new_len (SYNCML12_HEADER "\x00\x6d\x6c", 7);  /* <SyncML><SyncHdr> */
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  gsize xml_length = 0;
  gint64 start;

  for (guint i = 0; i < 400000; i++)
    g_string_append_c (bytes, 0x12);      /* <Final/> */
  g_string_append_len (bytes, "\x01\x01", 2);

  start = g_get_monotonic_time ();
  xml = email2_wbxml_to_xml (bytes->str, bytes->len, NULL, NULL, &xml_length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (xml_length, ==, strlen ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr>") +
                    400000 * strlen ("<Final/>") + strlen ("</SyncHdr></SyncML>"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, time_limit_us (2 * G_USEC_PER_SEC));
  g_string_free (bytes, TRUE);
}

/* XML: one start tag with 100,000 attributes is refused before libxml2
 * reads it (its duplicate check is quadratic); 32 are read. */
static void
test_xml_attributes (void)
{
  GString *xml = g_string_new ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"");
  GString *ok = g_string_new ("<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><x");
  g_autoptr(GError) error = NULL;
  gint64 start;

  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (xml, " a%u='>'", i);
  g_string_append (xml, "/>");
  start = g_get_monotonic_time ();
  assert_refused (xml->str, xml->len, EMAIL2_ERROR_LIMIT, "more than 32 attributes");
  g_assert_cmpint (g_get_monotonic_time () - start, <, time_limit_us (50000));

  /* 31 attributes and the namespace make 32, the bound; comments, CDATA
   * and quoted '>' or '=' do not count */
  for (guint i = 0; i < 31; i++)
    g_string_append_printf (ok, " a%u=\"=>\"", i);
  g_string_append (ok, "/><!-- a=b c=d --><![CDATA[ <y a=b> ]]></SyncHdr></SyncML>");
  {
    static const Email2XmlHandler handler = { canon_start, canon_end, canon_text };
    Canon canon = { g_string_new (NULL), g_string_new (NULL) };

    g_assert_true (email2_xml_parse (ok->str, ok->len, NULL, &handler, &canon, &error));
    g_assert_no_error (error);
    g_string_free (canon.out, TRUE);
    g_string_free (canon.text, TRUE);
  }
  g_string_free (xml, TRUE);
  g_string_free (ok, TRUE);
}

/* A DOCTYPE inside WBXML cannot be: the XML made of it has none, and the
 * hardened reader still reads it. Entities stay text. */
static void
test_no_entities (void)
{
  static const char cp[] =
    "<wap-provisioningdoc><characteristic type=\"EMAIL2\">"
    "<characteristic type=\"" TEST_GUID "\"><parm name=\"NAME\" value=\"&amp;xxe;\"/>"
    "</characteristic></characteristic></wap-provisioningdoc>";
  g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
  g_autofree char *wbxml = NULL;
  g_autofree char *xml = NULL;
  gsize length = 0, xml_length = 0;

  wbxml = to_wbxml (cp, sizeof cp - 1, 0x02, &length);
  xml = to_xml (wbxml, length, &xml_length);
  g_assert_null (strstr (xml, "DOCTYPE"));
  g_assert_null (strstr (xml, "<?xml"));
  g_assert_nonnull (strstr (xml, "value=\"&amp;xxe;\""));
}

/* The decoder hands the readers the same events the XML reader gives,
 * with no XML in between: namespaces from the code pages, attribute values
 * put together from their tokens, exactly (a tab and a line break stay,
 * where XML would make them spaces), character entities as UTF-8. */
static char *
events_of (const char *data,
           gsize       length)
{
  static const Email2XmlHandler handler = { canon_start, canon_end, canon_text };
  Canon canon = { g_string_new (NULL), g_string_new (NULL) };
  g_autoptr(GError) error = NULL;

  g_assert_true (email2_wbxml_parse (data, length, NULL, &handler, &canon, &error));
  g_assert_no_error (error);
  g_string_free (canon.text, TRUE);

  return g_string_free (canon.out, FALSE);
}

static void
test_events (void)
{
  static const char cp[] =
    "\x03\x0b\x6a\x00"                     /* WBXML 1.3, PROV 1.0, UTF-8, no string table */
    "\xc5"                                   /* <wap-provisioningdoc */
    "\x45\x03" "1.\x00" "\x02\x31" "\x01"    /*   version="1." "1"> */
    "\x86"                                   /* <characteristic */
    "\x50\x03" "a\tb\nc\x00" "\x01"           /*   type="a<TAB>b<LF>c"/> */
    "\x01";                                  /* </wap-provisioningdoc> */
  static const char syncml[] =
    SYNCML12_HEADER "\x00"
    "\x6d\x6c\x5a"                           /* <SyncML><SyncHdr><Meta> */
    "\x00\x01\x47\x03" "chr\x00" "\x01"       /* MetInf: <Format>chr</Format> */
    "\x00\x00\x01"                           /* SyncML: </Meta> */
    "\x12\x01\x01";                          /* <Final/></SyncHdr></SyncML> */
  g_autofree char *cp_events = events_of (cp, sizeof cp - 1);
  g_autofree char *syncml_events = events_of (syncml, sizeof syncml - 1);

  g_assert_cmpstr (cp_events, ==,
                   "<wap-provisioningdoc {} version=1.1><characteristic {} type=a\tb\nc></></>");
  g_assert_cmpstr (syncml_events, ==,
                   "<SyncML {SYNCML:SYNCML1.2}><SyncHdr {SYNCML:SYNCML1.2}><Meta {SYNCML:SYNCML1.2}>"
                   "<Format {syncml:metinf}>[chr]</></><Final {SYNCML:SYNCML1.2}></></></>");
}

static const char *
example_path (const char *name)
{
  static char path[4096];

  g_snprintf (path, sizeof path, "%s/data/examples/%s", g_getenv ("EMAIL2_SOURCE_ROOT"), name);
  return path;
}

static char *
example_wbxml (const char *name,
               gsize      *length)
{
  gsize xml_length = 0;
  g_autofree char *xml = email2_test_read_file (example_path (name), &xml_length);

  return to_wbxml (xml, xml_length, 0x02, length);
}

/* Whatever a decoded document is, the engine and the writers cope. */
static void
try_payload (const char *data,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO, &error);
  g_autoptr(Email2MemoryHost) host = NULL;
  g_autoptr(Email2Session) session = NULL;
  g_autofree char *answer = NULL;
  gsize answer_length = 0;

  if (payload == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == EMAIL2_ERROR);
      return;
    }

  host = email2_memory_host_new ();
  session = email2_session_new (EMAIL2_HOST (host));
  email2_payload_process (payload, session);
  answer = email2_payload_write_response (payload, &answer_length, &error);
  g_assert_true (answer != NULL || error != NULL);
}

static void
test_truncated (void)
{
  static const char * const names[] = { "create-imap-account.xml", "cp-create-imap-account.xml",
                                        "query-account.xml" };

  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      gsize length = 0;
      g_autofree char *wbxml = example_wbxml (names[n], &length);

      for (gsize i = 0; i < length; i++)
        {
          g_autofree char *prefix = g_memdup2 (wbxml, i);

          assert_refused (prefix, i, -1, NULL);
        }
    }
}

static void
test_random (void)
{
  static const char * const names[] = { "create-two-accounts.xml", "cp-query.xml",
                                        "cp-create-imap-account.xml", "edit-account.xml" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20260501);
  guint accepted = 0;

  /* random bytes after a WBXML version byte, some after a valid header */
  for (guint i = 0; i < 3000; i++)
    {
      gsize length = g_rand_int_range (rand, 2, 600);
      g_autofree guint8 *bytes = g_malloc (length);

      for (gsize j = 0; j < length; j++)
        bytes[j] = g_rand_int_range (rand, 0, 256);
      bytes[0] = g_rand_int_range (rand, 1, 4);
      if (i % 2 == 0 && length > 5)
        memcpy (bytes + 1, i % 4 == 0 ? "\xa4\x01\x6a\x00" : "\x0b\x6a\x00\x00", 4);
      try_payload ((const char *) bytes, length);
    }

  /* valid documents with a few bytes changed, inserted or removed */
  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      gsize length = 0;
      g_autofree char *wbxml = example_wbxml (names[n], &length);

      for (guint i = 0; i < 1500; i++)
        {
          g_autoptr(GByteArray) bytes = g_byte_array_new ();
          guint changes = g_rand_int_range (rand, 1, 5);

          g_byte_array_append (bytes, (const guint8 *) wbxml, length);
          for (guint c = 0; c < changes; c++)
            {
              guint at = g_rand_int_range (rand, 1, bytes->len);
              guint8 value = g_rand_int_range (rand, 0, 256);

              switch (g_rand_int_range (rand, 0, 3))
                {
                case 0: bytes->data[at] = value; break;
                case 1:
                  g_byte_array_set_size (bytes, bytes->len + 1);
                  memmove (bytes->data + at + 1, bytes->data + at, bytes->len - at - 1);
                  bytes->data[at] = value;
                  break;
                default: if (bytes->len > 8) g_byte_array_remove_index (bytes, at); break;
                }
            }
          {
            g_autoptr(GError) error = NULL;
            g_autoptr(Email2Payload) payload = email2_payload_parse ((const char *) bytes->data,
                                                                    bytes->len,
                                                                    EMAIL2_FORMAT_AUTO, &error);
            accepted += payload != NULL;
          }
          try_payload ((const char *) bytes->data, bytes->len);
        }
    }

  g_test_message ("%u mutated documents were still usable", accepted);
}

/* email2ctl answers WBXML with WBXML. */
static void
test_ctl (void)
{
  const char *ctl = g_getenv ("EMAIL2CTL");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("email2-wbxml-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *wbxml = NULL;
  g_autofree char *back = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  const char *answer;
  gsize length = 0, answer_length = 0, back_length = 0;

  g_assert_no_error (error);
  g_assert_nonnull (ctl);
  wbxml = example_wbxml ("cp-create-imap-account.xml", &length);
  path = g_build_filename (dir, "payload.wbxml", NULL);
  g_file_set_contents (path, wbxml, length, &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "HOME", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  process = g_subprocess_launcher_spawn (launcher, &error, ctl, "validate", path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_cmpuint (g_bytes_get_size (err), ==, 0);

  answer = g_bytes_get_data (out, &answer_length);
  g_assert_cmpmem (answer, 2, "\x02\x0b", 2);
  back = to_xml (answer, answer_length, &back_length);
  g_assert_nonnull (strstr (back, "<parm name=\"AUTHSECRET\" value=\"********\"/>"));
  for (gsize i = 0; i + 19 <= answer_length; i++)
    g_assert_false (memcmp (answer + i, "example-cp-password", 19) == 0);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_detect (void)
{
  g_assert_true (email2_wbxml_detect ("\x02\xa4\x01\x6a", 4));
  g_assert_true (email2_wbxml_detect ("\x03\x0b", 2));
  g_assert_true (email2_wbxml_detect ("\x00\x0b", 2));
  g_assert_false (email2_wbxml_detect ("<SyncML/>", 9));
  g_assert_false (email2_wbxml_detect ("\xef\xbb\xbf<a/>", 7));
  g_assert_false (email2_wbxml_detect ("\xff\xfe<\x00", 4));
  g_assert_false (email2_wbxml_detect ("\x00<\x00S", 4));
  g_assert_false (email2_wbxml_detect ("\x02", 1));
  g_assert_true (email2_wbxml_is_available ());
}

/* A CP root with @n attributes named a0, a1, … from the string table,
 * and, when @again, a last one named as the first, from another offset. */
static GBytes *
cp_with_attributes (guint    n,
                    gboolean again)
{
  g_autoptr(GString) table = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new_len ("\x03\x0b\x6a", 3);
  g_autoptr(GArray) offsets = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n + (again ? 1 : 0); i++)
    {
      guint offset = table->len;

      g_array_append_val (offsets, offset);
      g_string_append_printf (table, "a%u", i < n ? i : 0);
      g_string_append_c (table, '\0');
    }
  g_assert_cmpuint (table->len, <, 128);
  g_string_append_c (out, (char) table->len);
  g_string_append_len (out, table->str, table->len);
  g_string_append_c (out, (char) 0xC5);
  for (guint i = 0; i < offsets->len; i++)
    {
      g_assert_cmpuint (g_array_index (offsets, guint, i), <, 128);
      g_string_append_c (out, 0x04);
      g_string_append_c (out, (char) g_array_index (offsets, guint, i));
      g_string_append_len (out, "\x03v\x00", 3);
    }
  g_string_append_len (out, "\x01\x01", 2);

  return g_bytes_new (out->str, out->len);
}

/* The duplicate check finds a name given twice among many, from other
 * offsets of the string table, and lets different names be. */
static void
test_duplicate_attributes (void)
{
  for (guint n = 1; n <= 30; n++)
    {
      g_autoptr(GBytes) good = cp_with_attributes (n, FALSE);
      g_autoptr(GBytes) twice = cp_with_attributes (n, TRUE);
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2Payload) payload = NULL;

      payload = email2_payload_parse (g_bytes_get_data (good, NULL), g_bytes_get_size (good),
                                      EMAIL2_FORMAT_AUTO, &error);
      g_assert_no_error (error);
      g_assert_nonnull (payload);
      g_clear_pointer (&payload, email2_payload_free);

      payload = email2_payload_parse (g_bytes_get_data (twice, NULL), g_bytes_get_size (twice),
                                      EMAIL2_FORMAT_AUTO, &error);
      g_assert_null (payload);
      g_assert_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT);
    }
}

/* The answer to @data, run twice on @host, written directly as WBXML is
 * byte for byte the XML answer encoded as WBXML. Returns how many answers
 * were compared. */
static guint
compare_answers (Email2MemoryHost *host,
                 const char       *data,
                 gsize             length)
{
  guint compared = 0;

  for (guint run = 0; run < 2; run++)
    {
      g_autoptr(Email2Session) session = email2_session_new (EMAIL2_HOST (host));
      g_autoptr(GError) error = NULL;
      g_autoptr(Email2Payload) payload = email2_payload_parse (data, length, EMAIL2_FORMAT_AUTO,
                                                               &error);
      g_autofree char *xml = NULL;
      g_autofree char *direct = NULL;
      g_autofree char *encoded = NULL;
      gsize xml_length = 0, direct_length = 0, encoded_length = 0;

      if (payload == NULL)
        return compared;
      email2_payload_process (payload, session);

      xml = email2_payload_write_answer (payload, EMAIL2_ENCODING_XML, &xml_length, &error);
      g_assert_no_error (error);
      direct = email2_payload_write_answer (payload, EMAIL2_ENCODING_WBXML, &direct_length, &error);
      g_assert_no_error (error);
      encoded = email2_wbxml_from_xml (xml, xml_length,
                                       email2_wbxml_detect (data, length) ? (guchar) data[0] : 0x02,
                                       &encoded_length, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (direct, direct_length, encoded, encoded_length);
      compared++;
    }

  return compared;
}

/* Every example and real-world payload, as XML and as WBXML 1.1 and 1.3,
 * answered directly in WBXML, gives what encoding its XML answer gives. */
static void
test_direct_answers (void)
{
  const char *root = g_getenv ("EMAIL2_SOURCE_ROOT");
  const char * const dirs[] = { "data/examples", "tests/data/realworld" };
  guint compared = 0;

  g_assert_nonnull (root);
  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autofree char *dir_path = g_build_filename (root, dirs[d], NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (dir_path, 0, &error);
      /* one host for a whole directory: later payloads meet what earlier
       * ones made, and so many kinds of status */
      g_autoptr(Email2MemoryHost) host = email2_memory_host_new ();
      g_autofree char *create = email2_test_create_account (TEST_ACCOUNT, "2", "IMAP4");
      g_autoptr(GPtrArray) created = email2_test_run (host, create, NULL);
      const char *name;

      g_assert_no_error (error);

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (dir_path, name, NULL);
          g_autofree char *xml = NULL;
          gsize length = 0;

          if (!g_str_has_suffix (name, ".xml"))
            continue;
          g_test_message ("%s/%s", dirs[d], name);
          xml = email2_test_read_file (path, &length);
          compared += compare_answers (host, xml, length);

          for (guint version = 0x01; version <= 0x03; version += 2)
            {
              g_autoptr(GError) encode_error = NULL;
              gsize wbxml_length = 0;
              g_autofree char *wbxml = email2_wbxml_from_xml (xml, length, version, &wbxml_length,
                                                              &encode_error);

              if (wbxml != NULL)
                compared += compare_answers (host, wbxml, wbxml_length);
            }
        }
    }

  g_test_message ("%u answers compared", compared);
  g_assert_cmpuint (compared, >=, 100);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wbxml/detect", test_detect);
  g_test_add_func ("/wbxml/examples", test_examples);
  g_test_add_func ("/wbxml/versions-and-values", test_versions_and_values);
  for (guint i = 0; i < G_N_ELEMENTS (bad_documents); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wbxml/bad/%s", bad_documents[i].name);

      g_test_add_data_func (path, &bad_documents[i], test_bad);
    }
  g_test_add_func ("/wbxml/string-bomb", test_string_bomb);
  g_test_add_func ("/wbxml/escaped-bomb", test_escaped_bomb);
  g_test_add_func ("/wbxml/deep-and-many", test_deep_and_many);
  g_test_add_func ("/wbxml/no-entities", test_no_entities);
  g_test_add_func ("/wbxml/events", test_events);
  g_test_add_func ("/wbxml/many-attributes", test_many_attributes);
  g_test_add_func ("/wbxml/many-siblings", test_many_siblings);
  g_test_add_func ("/wbxml/xml-attributes", test_xml_attributes);
  g_test_add_func ("/wbxml/truncated", test_truncated);
  g_test_add_func ("/wbxml/random", test_random);
  g_test_add_func ("/wbxml/ctl", test_ctl);
  g_test_add_func ("/wbxml/direct-answers", test_direct_answers);
  g_test_add_func ("/wbxml/duplicate-attributes", test_duplicate_attributes);

  return g_test_run ();
}
