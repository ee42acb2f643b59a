/* httplib-response-private.h: how a connection makes and drives a response */
#pragma once

#include "httplib-response.h"
#include "httplib-connection.h"
#include "httplib-parser-private.h"

G_BEGIN_DECLS

/* method is a GRefString, which the response shares. */
HttplibResponse *httplib_response_new    (HttplibConnection *connection,
                                          char              *method,
                                          gboolean           strict,
                                          int                debug_level);
/* get_response() returns it: from now on its state changes are announced
 * (notify::state, state-changed). Returns response. */
HttplibResponse *httplib_response_hand_out (HttplibResponse *response);
/* Reads the status line and headers, skipping interim 1xx responses;
 * final_head, when given, is a head read early and is taken over. */
gboolean         httplib_response_begin  (HttplibResponse   *response,
                                          HttplibHeadParser *final_head,
                                          GCancellable      *cancellable,
                                          GError           **error);
/* Reads heads up to the final one (see httplib_response_begin()). Without
 * blocking it may fail with G_IO_ERROR_WOULD_BLOCK: call it again once the
 * input is readable (or the buffer was filled); nothing is lost. */
gboolean         httplib_response_begin_step (HttplibResponse *response,
                                              gboolean         blocking,
                                              GCancellable    *cancellable,
                                              GError         **error);
/* After begin failed: TRUE when not one byte of a response had arrived. */
gboolean         httplib_response_got_nothing (HttplibResponse *response);
/* One read of body bytes: > 0, 0 at the end, -1 on error; without
 * blocking G_IO_ERROR_WOULD_BLOCK as above. */
gssize           httplib_response_read_body  (HttplibResponse *response,
                                              void            *dest,
                                              gsize            count,
                                              gboolean         blocking,
                                              GCancellable    *cancellable,
                                              GError         **error);

/* Expect: 100-continue, before the body is sent: reads interim heads up
 * to a 100 (TRUE, *final_head NULL: send the body) or up to a final head
 * (TRUE, *final_head set: skip the body and pass it to begin()). Without
 * blocking it may fail with G_IO_ERROR_WOULD_BLOCK and be called again
 * with the same wait; clear the wait when done. */
typedef struct {
  HttplibHeadParser *parser;   /* the head being read, or NULL between heads */
  guint              interim;
} HttplibContinueWait;

gboolean         httplib_response_await_continue (HttplibContinueWait *wait,
                                                  HttplibConnection   *connection,
                                                  gboolean             strict,
                                                  int                  debug_level,
                                                  gboolean             blocking,
                                                  HttplibHeadParser  **final_head,
                                                  GCancellable        *cancellable,
                                                  GError             **error);
void             httplib_continue_wait_clear     (HttplibContinueWait *wait);

/* For the async reads and the input stream: one read at a time. */
gboolean         httplib_response_check_not_reading (HttplibResponse  *response,
                                                     GError          **error);
void             httplib_response_set_reading    (HttplibResponse *response,
                                                  gboolean         reading);
/* NULL once detached. */
HttplibConnection *httplib_response_get_connection (HttplibResponse *response);
/* A read would return at once: bytes are buffered, or the body is over. */
gboolean         httplib_response_has_buffered_body (HttplibResponse *response);
/* What httplib_response_get_partial() returns after an IncompleteRead. */
void             httplib_response_keep_partial   (HttplibResponse *response,
                                                  GBytes          *partial);
/* The bytes the running read gathered, for IncompleteRead's message. */
void             httplib_response_set_gathered   (HttplibResponse *response,
                                                  gsize            gathered);

/* The connection closed under the response. */
void             httplib_response_detach (HttplibResponse   *response);

G_END_DECLS
