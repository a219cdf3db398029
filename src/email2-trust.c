/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * Email2Trust: signed payloads (docs/DESIGN.md §3.3). A payload may come
 * as CMS SignedData (RFC 5652) with the payload as its attached content,
 * DER or PEM, as `openssl cms -sign -nodetach` writes it. It is verified
 * with GnuTLS against the trust anchors an administrator installed in a
 * directory of root's, and its content is read only after every check
 * passed: GnuTLS hands out the embedded content whether or not the
 * signature verified.
 *
 * The checks, in order: one signer; its certificate in the payload; the
 * signature over the content, with that certificate; the certificate
 * chaining to an anchor (GnuTLS's path validation); its validity period
 * holding now; its key usage allowing signatures.
 */

#define _GNU_SOURCE
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/pkcs7.h>
#include <gnutls/x509.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "email2-error.h"
#include "email2-trust.h"
#include "email2-trusted-file-private.h"
#include "email2-xml-private.h"

/* An anchor file larger than this is no certificate bundle. */
#define MAX_ANCHOR_FILE (1024 * 1024)
#define MAX_ANCHOR_FILES 256
#define OID_DATA "1.2.840.113549.1.7.1"

struct _Email2Trust {
  GObject parent_instance;

  char *path;
  gnutls_x509_trust_list_t anchors;
  guint n_anchors;
};

G_DEFINE_FINAL_TYPE (Email2Trust, email2_trust, G_TYPE_OBJECT)

/**
 * email2_signer_free:
 * @signer: (nullable): a signer
 */
void
email2_signer_free (Email2Signer *signer)
{
  if (signer == NULL)
    return;
  g_free (signer->subject);
  g_free (signer->issuer);
  g_free (signer->serial);
  g_free (signer);
}

/* ---- telling a signed payload ---- */

static const char * const pem_labels[] = { "CMS", "PKCS7" };

/* The DER of a ContentInfo whose contentType is id-signedData, after the
 * outer SEQUENCE's tag and length. */
static const guint8 signed_data_oid[] = {
  0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02
};

static const char *
skip_blanks (const char *data,
             const char *end)
{
  while (data < end && g_ascii_isspace (*data))
    data++;
  return data;
}

/* The PEM label @data begins with (after blanks), or NULL. */
static const char *
pem_label (const char *data,
           gsize       length)
{
  const char *end = data + length;
  const char *start = skip_blanks (data, end);

  for (guint i = 0; i < G_N_ELEMENTS (pem_labels); i++)
    {
      g_autofree char *begin = g_strdup_printf ("-----BEGIN %s-----", pem_labels[i]);

      if ((gsize) (end - start) >= strlen (begin) && memcmp (start, begin, strlen (begin)) == 0)
        return pem_labels[i];
    }
  return NULL;
}

static gboolean
der_detect (const guint8 *data,
            gsize         length)
{
  gsize offset = 2;

  if (length < 2 + sizeof signed_data_oid || data[0] != 0x30)
    return FALSE;
  if (data[1] & 0x80)
    {
      guint n = data[1] & 0x7f;

      if (n == 0 || n > 4)
        return FALSE;
      offset += n;
    }
  return length >= offset + sizeof signed_data_oid &&
         memcmp (data + offset, signed_data_oid, sizeof signed_data_oid) == 0;
}

/**
 * email2_signed_detect:
 * @data: a payload as received
 * @length: its length
 *
 * Tells a signed payload (CMS SignedData, DER or PEM) from a plain one. No
 * XML document and no WBXML stream starts like either.
 *
 * Returns: whether @data is a signed payload
 */
gboolean
email2_signed_detect (const char *data,
                      gsize       length)
{
  return pem_label (data, length) != NULL || der_detect ((const guint8 *) data, length);
}

/* PEM to DER, strictly: the label's BEGIN line, base64 lines, its END
 * line, blanks around. */
static guint8 *
pem_decode (const char  *data,
            gsize        length,
            gsize       *der_length,
            GError     **error)
{
  const char *end = data + length;
  const char *label = pem_label (data, length);
  g_autofree char *begin = g_strdup_printf ("-----BEGIN %s-----", label);
  g_autofree char *finish = g_strdup_printf ("-----END %s-----", label);
  const char *body = skip_blanks (data, end) + strlen (begin);
  const char *stop = g_strstr_len (body, end - body, finish);
  g_autoptr(GString) base64 = NULL;

  if (stop == NULL || skip_blanks (stop + strlen (finish), end) != end)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The signed payload's PEM armour is not complete"));
      return NULL;
    }

  base64 = g_string_sized_new (stop - body);
  for (const char *p = body; p < stop; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '+' || *p == '/' || *p == '=')
        g_string_append_c (base64, *p);
      else if (!g_ascii_isspace (*p))
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                       _("The signed payload's PEM armour holds a character that is not base64"));
          return NULL;
        }
    }
  if (base64->len == 0 || base64->len % 4 != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The signed payload's PEM armour is not complete"));
      return NULL;
    }

  return g_base64_decode (base64->str, der_length);
}

/* ---- anchors ---- */

static gboolean
add_anchor_file (Email2Trust  *self,
                 int           dirfd,
                 const char   *name,
                 uid_t         owner,
                 GError      **error)
{
  g_autofree char *shown = g_build_filename (self->path, name, NULL);
  g_autofree char *text = NULL;
  gnutls_x509_crt_t *certs = NULL;
  unsigned int n_certs = 0;
  gnutls_datum_t datum;
  struct stat st;
  gssize n;
  int fd, ret;

  fd = email2_open_trusted (dirfd, name, shown, FALSE, owner, &st, error);
  if (fd < 0)
    return FALSE;
  if (st.st_size > MAX_ANCHOR_FILE)
    {
      close (fd);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("%s is larger than %d bytes"), shown, MAX_ANCHOR_FILE);
      return FALSE;
    }

  text = g_malloc (st.st_size + 1);
  n = read (fd, text, st.st_size + 1);
  close (fd);
  if (n < 0 || n > st.st_size)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("%s cannot be read"), shown);
      return FALSE;
    }

  datum.data = (unsigned char *) text;
  datum.size = n;
  ret = gnutls_x509_crt_list_import2 (&certs, &n_certs, &datum, GNUTLS_X509_FMT_PEM,
                                      0);
  if (ret < 0 || n_certs == 0)
    {
      g_debug ("%s: %s", shown, gnutls_strerror (ret));
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("%s holds no usable PEM certificate"), shown);
      return FALSE;
    }

  /* The list takes the certificates. */
  ret = gnutls_x509_trust_list_add_cas (self->anchors, certs, n_certs, 0);
  gnutls_free (certs);
  if (ret < 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("%s cannot be used as a trust anchor"), shown);
      return FALSE;
    }
  self->n_anchors += ret;

  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * email2_trust_new_from_directory:
 * @path: the directory of trust anchors, normally %EMAIL2_TRUST_DIR
 * @owner: who must own it and its files (root, for the system)
 * @error: return location for a #GError
 *
 * Loads every certificate of every `*.pem` file in @path. The directory
 * and the files must belong to @owner and be writable by no one else,
 * and no file may be a symbolic link; otherwise nothing is trusted and
 * the caller refuses what needs the anchors. A directory that does not
 * exist holds no anchors.
 *
 * Returns: (transfer full) (nullable): the anchors, or %NULL when the
 *   directory or one of its files cannot be trusted
 */
Email2Trust *
email2_trust_new_from_directory (const char  *path,
                                 uid_t        owner,
                                 GError     **error)
{
  g_autoptr(Email2Trust) self = g_object_new (EMAIL2_TYPE_TRUST, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  struct dirent *entry;
  DIR *dir;
  int fd;

  self->path = g_strdup (path);
  fd = email2_open_trusted (AT_FDCWD, path, path, TRUE, owner, NULL, &local_error);
  if (fd < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return g_steal_pointer (&self);
  if (fd < 0)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  dir = fdopendir (dup (fd));
  while (dir != NULL && (entry = readdir (dir)) != NULL)
    if (entry->d_name[0] != '.' && g_str_has_suffix (entry->d_name, ".pem"))
      g_ptr_array_add (names, g_strdup (entry->d_name));
  if (dir != NULL)
    closedir (dir);
  g_ptr_array_sort (names, compare_names);

  if (names->len > MAX_ANCHOR_FILES)
    {
      close (fd);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT, _("%s holds more than %d files"), path,
                   MAX_ANCHOR_FILES);
      return NULL;
    }
  for (guint i = 0; i < names->len; i++)
    if (!add_anchor_file (self, fd, names->pdata[i], owner, error))
      {
        close (fd);
        return NULL;
      }
  close (fd);

  return g_steal_pointer (&self);
}

/**
 * email2_trust_get_n_anchors:
 * @self: trust anchors
 *
 * Returns: how many certificates are trusted; 0 when none is installed
 */
guint
email2_trust_get_n_anchors (Email2Trust *self)
{
  g_return_val_if_fail (EMAIL2_IS_TRUST (self), 0);

  return self->n_anchors;
}

/**
 * email2_trust_get_path:
 * @self: trust anchors
 *
 * Returns: the directory they were loaded from
 */
const char *
email2_trust_get_path (Email2Trust *self)
{
  g_return_val_if_fail (EMAIL2_IS_TRUST (self), NULL);

  return self->path;
}

/* ---- verifying ---- */

static char *
datum_to_string (gnutls_datum_t *datum)
{
  char *text = g_strndup ((const char *) datum->data, datum->size);

  gnutls_free (datum->data);
  datum->data = NULL;
  return text;
}

static Email2Signer *
describe_signer (gnutls_x509_crt_t  crt,
                 time_t             signing_time)
{
  Email2Signer *signer = g_new0 (Email2Signer, 1);
  gnutls_datum_t dn = { NULL, 0 };
  guint8 serial[64];
  size_t serial_size = sizeof serial;

  if (gnutls_x509_crt_get_dn3 (crt, &dn, 0) >= 0)
    signer->subject = datum_to_string (&dn);
  if (gnutls_x509_crt_get_issuer_dn3 (crt, &dn, 0) >= 0)
    signer->issuer = datum_to_string (&dn);
  if (gnutls_x509_crt_get_serial (crt, serial, &serial_size) >= 0)
    {
      GString *hex = g_string_new (NULL);

      for (gsize i = 0; i < serial_size; i++)
        g_string_append_printf (hex, "%02X", serial[i]);
      signer->serial = g_string_free (hex, FALSE);
    }
  signer->not_before = gnutls_x509_crt_get_activation_time (crt);
  signer->not_after = gnutls_x509_crt_get_expiration_time (crt);
  signer->signing_time = signing_time == (time_t) -1 ? -1 : signing_time;
  if (signer->subject == NULL)
    signer->subject = g_strdup ("");
  if (signer->issuer == NULL)
    signer->issuer = g_strdup ("");
  if (signer->serial == NULL)
    signer->serial = g_strdup ("");

  return signer;
}

/* The certificate in the payload that signature @info names, by issuer
 * and serial number. */
static gnutls_x509_crt_t
find_signer_certificate (gnutls_pkcs7_t                  pkcs7,
                         gnutls_pkcs7_signature_info_st *info)
{
  int count = gnutls_pkcs7_get_crt_count (pkcs7);

  for (int i = 0; i < count; i++)
    {
      gnutls_datum_t raw = { NULL, 0 }, issuer = { NULL, 0 };
      gnutls_x509_crt_t crt = NULL;
      guint8 serial[64];
      size_t serial_size = sizeof serial;
      gboolean match;

      if (gnutls_pkcs7_get_crt_raw2 (pkcs7, i, &raw) < 0)
        continue;
      if (gnutls_x509_crt_init (&crt) < 0 ||
          gnutls_x509_crt_import (crt, &raw, GNUTLS_X509_FMT_DER) < 0 ||
          gnutls_x509_crt_get_raw_issuer_dn (crt, &issuer) < 0 ||
          gnutls_x509_crt_get_serial (crt, serial, &serial_size) < 0)
        {
          gnutls_free (raw.data);
          gnutls_free (issuer.data);
          if (crt != NULL)
            gnutls_x509_crt_deinit (crt);
          continue;
        }
      match = issuer.size == info->issuer_dn.size && serial_size == info->signer_serial.size &&
              memcmp (issuer.data, info->issuer_dn.data, issuer.size) == 0 &&
              memcmp (serial, info->signer_serial.data, serial_size) == 0;
      gnutls_free (raw.data);
      gnutls_free (issuer.data);
      if (match)
        return crt;
      gnutls_x509_crt_deinit (crt);
    }

  return NULL;
}

/* Extended key usages a payload signer may have, when it names any. */
static const char * const signer_purposes[] = {
  GNUTLS_KP_EMAIL_PROTECTION,
  GNUTLS_KP_CODE_SIGNING,
  GNUTLS_KP_ANY,
};

static gboolean
check_usage (gnutls_x509_crt_t   crt,
             GError            **error)
{
  unsigned int usage = 0, critical = 0;
  gboolean has_purpose = FALSE, allowed = FALSE;
  int ret = gnutls_x509_crt_get_key_usage (crt, &usage, &critical);

  if (ret >= 0 && !(usage & (GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_NON_REPUDIATION)))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer's certificate may not be used for signatures (key usage)"));
      return FALSE;
    }

  for (unsigned int i = 0;; i++)
    {
      char oid[128];
      size_t oid_size = sizeof oid;

      ret = gnutls_x509_crt_get_key_purpose_oid (crt, i, oid, &oid_size, NULL);
      if (ret < 0)
        break;
      has_purpose = TRUE;
      for (guint j = 0; j < G_N_ELEMENTS (signer_purposes); j++)
        allowed |= strcmp (oid, signer_purposes[j]) == 0;
    }
  if (has_purpose && !allowed)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer's certificate is not meant for signing documents "
                     "(extended key usage: neither e-mail protection nor code signing)"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_validity (gnutls_x509_crt_t   crt,
                GError            **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (now < gnutls_x509_crt_get_activation_time (crt))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer's certificate is not valid yet"));
      return FALSE;
    }
  if (now > gnutls_x509_crt_get_expiration_time (crt))
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer's certificate has expired"));
      return FALSE;
    }
  return TRUE;
}

/* Verifies @der; the content only when every check passed. */
static char *
verify (Email2Trust   *self,
        const guint8  *der,
        gsize          der_length,
        gsize         *content_length,
        Email2Signer **signer_out,
        GError       **error)
{
  gnutls_pkcs7_t pkcs7 = NULL;
  gnutls_pkcs7_signature_info_st info;
  gnutls_x509_crt_t signer = NULL;
  gnutls_datum_t datum = { (unsigned char *) der, der_length };
  gnutls_datum_t content = { NULL, 0 };
  gboolean have_info = FALSE;
  char *result = NULL;
  const char *oid;
  int ret;

  memset (&info, 0, sizeof info);

  if (gnutls_pkcs7_init (&pkcs7) < 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED, _("Out of memory"));
      return NULL;
    }

  if ((ret = gnutls_pkcs7_import (pkcs7, &datum, GNUTLS_X509_FMT_DER)) < 0)
    {
      g_debug ("gnutls_pkcs7_import: %s", gnutls_strerror (ret));
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The payload is no readable CMS SignedData structure"));
      goto out;
    }

  oid = gnutls_pkcs7_get_embedded_data_oid (pkcs7);
  if (oid == NULL || strcmp (oid, OID_DATA) != 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The signed payload does not carry its content (sign it with -nodetach)"));
      goto out;
    }

  if (gnutls_pkcs7_get_signature_count (pkcs7) != 1)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("A signed payload must have exactly one signer"));
      goto out;
    }
  if ((ret = gnutls_pkcs7_get_signature_info (pkcs7, 0, &info)) < 0)
    {
      g_debug ("gnutls_pkcs7_get_signature_info: %s", gnutls_strerror (ret));
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The payload's signature cannot be read"));
      goto out;
    }
  have_info = TRUE;

  signer = find_signer_certificate (pkcs7, &info);
  if (signer == NULL)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer's certificate is not in the payload"));
      goto out;
    }

  /* The certificate's own rules first, then the signature with the
   * signer's key, so that a changed content is told apart from an
   * untrusted signer, then the path to an anchor. */
  if (!check_validity (signer, error) || !check_usage (signer, error))
    goto out;
  if ((ret = gnutls_pkcs7_verify_direct (pkcs7, signer, 0, NULL, 0)) < 0)
    {
      g_debug ("gnutls_pkcs7_verify_direct: %s", gnutls_strerror (ret));
      if (ret == GNUTLS_E_NO_EMBEDDED_DATA)
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                     _("The signed payload does not carry its content (sign it with -nodetach)"));
      else
        g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                     _("The signature does not match the content: the payload was changed "
                       "after it was signed"));
      goto out;
    }
  if ((ret = gnutls_pkcs7_verify (pkcs7, self->anchors, NULL, 0, 0, NULL, 0)) < 0)
    {
      g_debug ("gnutls_pkcs7_verify: %s", gnutls_strerror (ret));
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The signer is not trusted: its certificate is not issued under a trust "
                     "anchor in %s, or is not valid"), self->path);
      goto out;
    }
  /* Verified: only now is the content read. */
  if ((ret = gnutls_pkcs7_get_embedded_data (pkcs7, 0, &content)) < 0)
    {
      g_debug ("gnutls_pkcs7_get_embedded_data: %s", gnutls_strerror (ret));
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_INVALID_INPUT,
                   _("The signed payload's content cannot be read"));
      goto out;
    }
  result = g_malloc (content.size + 1);
  memcpy (result, content.data, content.size);
  result[content.size] = '\0';
  *content_length = content.size;
  explicit_bzero (content.data, content.size);
  gnutls_free (content.data);

  if (signer_out != NULL)
    *signer_out = describe_signer (signer, info.signing_time);

out:
  if (have_info)
    gnutls_pkcs7_signature_info_deinit (&info);
  if (signer != NULL)
    gnutls_x509_crt_deinit (signer);
  gnutls_pkcs7_deinit (pkcs7);
  return result;
}

/**
 * email2_trust_unwrap:
 * @self: trust anchors
 * @data: a payload as received
 * @length: its length
 * @required: whether an unsigned payload is refused when anchors are
 *   installed
 * @content: (out) (transfer full) (nullable): the signed content, to be
 *   overwritten and freed; %NULL when @data is not signed (use @data)
 * @content_length: (out): its length
 * @signer: (out) (optional) (transfer full) (nullable): who signed it
 * @error: return location for a #GError
 *
 * Opens a payload that may be signed. A signed payload is verified
 * against the anchors, and its content handed out only when it verified;
 * one signed when no anchor is installed is refused (it cannot be
 * checked). An unsigned payload passes unless @required and anchors are
 * installed.
 *
 * Returns: whether the payload may be used
 */
gboolean
email2_trust_unwrap (Email2Trust   *self,
                     const char    *data,
                     gsize          length,
                     gboolean       required,
                     char         **content,
                     gsize         *content_length,
                     Email2Signer **signer,
                     GError       **error)
{
  g_autofree guint8 *decoded = NULL;
  const guint8 *der = (const guint8 *) data;
  gsize der_length = length;

  g_return_val_if_fail (EMAIL2_IS_TRUST (self), FALSE);

  *content = NULL;
  *content_length = 0;
  if (signer != NULL)
    *signer = NULL;

  if (!email2_signed_detect (data, length))
    {
      if (required && self->n_anchors > 0)
        {
          g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                       _("The payload is not signed, and trust anchors are installed in %s"),
                       self->path);
          return FALSE;
        }
      return TRUE;
    }

  if (self->n_anchors == 0)
    {
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_FAILED,
                   _("The payload is signed, but no trust anchor is installed in %s to check it"),
                   self->path);
      return FALSE;
    }

  if (pem_label (data, length) != NULL)
    {
      decoded = pem_decode (data, length, &der_length, error);
      if (decoded == NULL)
        return FALSE;
      der = decoded;
    }

  *content = verify (self, der, der_length, content_length, signer, error);
  if (decoded != NULL)
    explicit_bzero (decoded, der_length);

  if (*content != NULL && *content_length > EMAIL2_XML_DEFAULT_MAX_SIZE)
    {
      explicit_bzero (*content, *content_length);
      g_clear_pointer (content, g_free);
      g_clear_pointer (signer, email2_signer_free);
      g_set_error (error, EMAIL2_ERROR, EMAIL2_ERROR_LIMIT,
                   _("The signed content is larger than %d bytes"), EMAIL2_XML_DEFAULT_MAX_SIZE);
    }

  return *content != NULL;
}

static void
email2_trust_finalize (GObject *object)
{
  Email2Trust *self = EMAIL2_TRUST (object);

  gnutls_x509_trust_list_deinit (self->anchors, 1);
  g_free (self->path);

  G_OBJECT_CLASS (email2_trust_parent_class)->finalize (object);
}

static void
email2_trust_class_init (Email2TrustClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = email2_trust_finalize;
}

static void
email2_trust_init (Email2Trust *self)
{
  gnutls_x509_trust_list_init (&self->anchors, 0);
}
