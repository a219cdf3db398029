/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The email2 authors
 *
 * delay-proxy: a TCP relay on loopback that adds latency, for the probe
 * benchmark (tc netem is not available; research/probing.md §6.6).
 *
 *   delay-proxy DELAY_MS LISTEN_ADDR:PORT=TARGET_ADDR:PORT... [filter:ADDR:PORT...]
 *
 * Each byte is delivered DELAY_MS after it arrived, in both directions
 * (arrival-based: back-to-back chunks are not delayed cumulatively). A new
 * connection waits DELAY_MS before and after its upstream connect, so that
 * the first exchange costs one round trip like a TCP handshake. A
 * "filter:" entry is a port that drops every SYN: a listener whose accept
 * queue is kept full. Prints "ready" once listening; runs until killed.
 */

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

static gint64 delay_us;

typedef struct _Pair Pair;

typedef struct {
  GBytes *data;                 /* NULL: end of stream */
  gint64 due_us;
} Chunk;

typedef struct {
  Pair *pair;
  GInputStream *in;
  GOutputStream *out;
  GSocket *out_socket;
  GQueue chunks;
  gboolean writing;
  gboolean done;
  GSource *timer;
  guint8 buffer[16384];
} Dir;

struct _Pair {
  int refs;
  GSocketConnection *client;
  GSocketConnection *upstream;
  GSocketConnectable *target;
  Dir up;                       /* client → upstream */
  Dir down;                     /* upstream → client */
  gboolean ready;
  gboolean closed;
};

static void dir_kick (Dir *dir);

static Pair *
pair_ref (Pair *pair)
{
  pair->refs++;
  return pair;
}

static void
chunk_free (Chunk *chunk)
{
  if (chunk->data != NULL)
    g_bytes_unref (chunk->data);
  g_free (chunk);
}

static void
dir_clear (Dir *dir)
{
  g_queue_clear_full (&dir->chunks, (GDestroyNotify) chunk_free);
  if (dir->timer != NULL)
    {
      g_source_destroy (dir->timer);
      g_source_unref (dir->timer);
      dir->timer = NULL;
    }
}

static void
pair_unref (Pair *pair)
{
  if (--pair->refs > 0)
    return;
  dir_clear (&pair->up);
  dir_clear (&pair->down);
  g_clear_object (&pair->client);
  g_clear_object (&pair->upstream);
  g_clear_object (&pair->target);
  g_free (pair);
}

static void
pair_close (Pair *pair)
{
  if (pair->closed)
    return;
  pair->closed = TRUE;
  dir_clear (&pair->up);
  dir_clear (&pair->down);
  g_io_stream_close (G_IO_STREAM (pair->client), NULL, NULL);
  if (pair->upstream != NULL)
    g_io_stream_close (G_IO_STREAM (pair->upstream), NULL, NULL);
}

static gboolean
dir_timer_cb (gpointer data)
{
  Dir *dir = data;

  g_source_unref (dir->timer);
  dir->timer = NULL;
  dir_kick (dir);
  return G_SOURCE_REMOVE;
}

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Dir *dir = data;
  Pair *pair = dir->pair;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    pair_close (pair);
  dir->writing = FALSE;
  if (!pair->closed)
    dir_kick (dir);
  pair_unref (pair);
}

/* Delivers the chunks that are due, in order. */
static void
dir_kick (Dir *dir)
{
  Pair *pair = dir->pair;

  while (!pair->closed && !dir->writing && pair->ready && !g_queue_is_empty (&dir->chunks))
    {
      Chunk *chunk = g_queue_peek_head (&dir->chunks);
      gint64 now = g_get_monotonic_time ();

      if (chunk->due_us > now)
        {
          if (dir->timer == NULL)
            {
              dir->timer = g_timeout_source_new (MAX (1, (chunk->due_us - now + 999) / 1000));
              g_source_set_callback (dir->timer, dir_timer_cb, dir, NULL);
              g_source_attach (dir->timer, NULL);
            }
          return;
        }
      g_queue_pop_head (&dir->chunks);
      if (chunk->data == NULL)
        {
          dir->done = TRUE;
          g_socket_shutdown (dir->out_socket, FALSE, TRUE, NULL);
          if (pair->up.done && pair->down.done)
            pair_close (pair);
        }
      else
        {
          gsize size;
          const void *bytes = g_bytes_get_data (chunk->data, &size);

          dir->writing = TRUE;
          /* The chunk stays alive in the callback's reference to it. */
          g_output_stream_write_all_async (dir->out, bytes, size, G_PRIORITY_DEFAULT, NULL,
                                           on_written, dir);
          pair_ref (pair);
          g_object_set_data_full (G_OBJECT (dir->out), "chunk", g_bytes_ref (chunk->data),
                                  (GDestroyNotify) g_bytes_unref);
        }
      chunk_free (chunk);
    }
}

static void dir_read (Dir *dir);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Dir *dir = data;
  Pair *pair = dir->pair;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (!pair->closed)
    {
      Chunk *chunk = g_new0 (Chunk, 1);

      chunk->due_us = g_get_monotonic_time () + delay_us;
      if (n > 0)
        chunk->data = g_bytes_new (dir->buffer, n);
      g_queue_push_tail (&dir->chunks, chunk);
      dir_kick (dir);
      if (n > 0)
        dir_read (dir);
    }
  pair_unref (pair);
}

static void
dir_read (Dir *dir)
{
  g_input_stream_read_async (dir->in, dir->buffer, sizeof dir->buffer, G_PRIORITY_DEFAULT, NULL,
                             on_read, dir);
  pair_ref (dir->pair);
}

static gboolean
ready_cb (gpointer data)
{
  Pair *pair = data;

  if (!pair->closed)
    {
      pair->ready = TRUE;
      dir_read (&pair->down);
      dir_kick (&pair->up);
    }
  return G_SOURCE_REMOVE;
}

static void
on_upstream (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Pair *pair = data;
  GSocketConnection *conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);

  g_object_unref (source);
  if (conn == NULL || pair->closed)
    {
      g_clear_object (&conn);
      pair_close (pair);
      pair_unref (pair);
      return;
    }
  pair->upstream = conn;
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  pair->up.out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  pair->up.out_socket = g_socket_connection_get_socket (conn);
  pair->down.in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_timeout_add_full (G_PRIORITY_DEFAULT, delay_us / 1000, ready_cb, pair, (GDestroyNotify) pair_unref);
}

static gboolean
connect_cb (gpointer data)
{
  Pair *pair = data;
  GSocketClient *client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_async (client, pair->target, NULL, on_upstream, pair_ref (pair));
  return G_SOURCE_REMOVE;
}

static gboolean
on_incoming (GSocketService     *service,
             GSocketConnection  *connection,
             GObject            *source_object,
             gpointer            data)
{
  Pair *pair = g_new0 (Pair, 1);

  pair->refs = 1;
  pair->client = g_object_ref (connection);
  pair->target = g_object_ref (G_SOCKET_CONNECTABLE (data));
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  pair->up.pair = pair;
  pair->down.pair = pair;
  pair->up.in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  pair->down.out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  pair->down.out_socket = g_socket_connection_get_socket (connection);
  dir_read (&pair->up);
  g_timeout_add_full (G_PRIORITY_DEFAULT, delay_us / 1000, connect_cb, pair, (GDestroyNotify) pair_unref);
  return TRUE;
}

static GSocketAddress *
parse_address (const char *text)
{
  GSocketConnectable *connectable = g_network_address_parse (text, 0, NULL);
  GSocketAddressEnumerator *enumerator;
  GSocketAddress *address;

  if (connectable == NULL)
    return NULL;
  enumerator = g_socket_connectable_enumerate (connectable);
  address = g_socket_address_enumerator_next (enumerator, NULL, NULL);
  g_object_unref (enumerator);
  g_object_unref (connectable);
  return address;
}

int
main (int    argc,
      char **argv)
{
  GMainLoop *loop;
  GPtrArray *keep = g_ptr_array_new_with_free_func (g_object_unref);

  if (argc < 3)
    {
      fprintf (stderr, "usage: delay-proxy DELAY_MS LISTEN:PORT=TARGET:PORT... [filter:ADDR:PORT...]\n");
      return 2;
    }
  delay_us = g_ascii_strtoll (argv[1], NULL, 10) * 1000;

  for (int i = 2; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;

      if (g_str_has_prefix (argv[i], "filter:"))
        {
          g_autoptr(GSocketAddress) address = parse_address (argv[i] + 7);
          GSocket *listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
          GSocket *filler;

          if (address == NULL || listener == NULL ||
              !g_socket_bind (listener, address, TRUE, &error))
            {
              fprintf (stderr, "delay-proxy: %s: %s\n", argv[i], error ? error->message : "bad address");
              return 1;
            }
          g_socket_set_listen_backlog (listener, 0);
          if (!g_socket_listen (listener, &error))
            {
              fprintf (stderr, "delay-proxy: %s: %s\n", argv[i], error->message);
              return 1;
            }
          filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
          if (!g_socket_connect (filler, address, NULL, &error))
            {
              fprintf (stderr, "delay-proxy: %s: %s\n", argv[i], error->message);
              return 1;
            }
          g_ptr_array_add (keep, listener);
          g_ptr_array_add (keep, filler);
        }
      else
        {
          g_auto(GStrv) parts = g_strsplit (argv[i], "=", 2);
          g_autoptr(GSocketAddress) address = NULL;
          GSocketService *service;
          GSocketConnectable *target;

          if (parts[0] == NULL || parts[1] == NULL || (address = parse_address (parts[0])) == NULL ||
              (target = g_network_address_parse (parts[1], 0, NULL)) == NULL)
            {
              fprintf (stderr, "delay-proxy: %s: not LISTEN:PORT=TARGET:PORT\n", argv[i]);
              return 2;
            }
          service = g_socket_service_new ();
          if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, NULL, NULL, &error))
            {
              fprintf (stderr, "delay-proxy: %s: %s\n", argv[i], error->message);
              return 1;
            }
          g_signal_connect_data (service, "incoming", G_CALLBACK (on_incoming), target,
                                 (GClosureNotify) (void (*) (void)) g_object_unref, 0);
          g_socket_service_start (service);
          g_ptr_array_add (keep, service);
        }
    }

  printf ("ready\n");
  fflush (stdout);
  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  return 0;
}
