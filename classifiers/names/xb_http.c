/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP/1.x requests of a client byte stream (RFC 9112), one state machine
 * fed with contiguous in-order bytes, split anywhere.
 *
 * What a request is named by (RFC 9112 3.2.2, 3.2.3):
 *   - the authority of an absolute-form target ("GET http://host:port/p"),
 *     userinfo dropped, whatever Host says (an origin server must use it);
 *   - the authority-form target of CONNECT ("CONNECT host:443");
 *   - otherwise the Host field.
 * The name loses its port and IPv6 brackets, and is stored through
 * xb_name_store() (lower-cased, trailing dots dropped).  Bare IP hosts are
 * names too.
 *
 * Every request of the connection is examined: after a head, the body is
 * skipped by Content-Length (in one step per call) or by the chunked coding
 * (chunk-size lines parsed byte by byte, chunk data skipped in one step,
 * extensions and trailer fields bounded), then the next request starts.
 * Empty lines before a request line are skipped (RFC 9112 2.2).  A name
 * equal to the last one reported is not reported again.
 *
 * What ends the stream with XB_NAME_UNNAMED (strict servers answer these
 * with 400, lenient ones read them in ways that differ; the gateway
 * cannot tell which name a server would use):
 *   - a request without a name: no Host field and no authority in the
 *     target (HTTP/1.0 included), an empty or over-long authority, an
 *     authority with characters no host has (space, comma, quote,
 *     backslash, '<', '>', '@' in Host, '/', '?', '#' in a CONNECT target);
 *   - a Host field line twice, equal or not (RFC 9112 3.2: reject);
 *   - whitespace between a field name and its colon, obsolete line
 *     folding, a field line without a colon, a control byte or NUL in the
 *     head, a CR not followed by LF;
 *   - a request line that is not "method SP target SP HTTP/1.x" once the
 *     request is recognisably HTTP (a known method, or "HTTP/" seen);
 *     HTTP/2's prior-knowledge preface ("PRI * HTTP/2.0") included, since
 *     its names travel HPACK-coded;
 *   - Content-Length not a plain decimal, two different Content-Lengths,
 *     Transfer-Encoding beside Content-Length, a Transfer-Encoding whose
 *     final coding is not chunked or that applies chunked twice, a
 *     chunk-size that is not hex or overflows 2^60, a chunk line ended by
 *     a bare LF, chunk data not followed by CRLF, a CONNECT with content;
 *   - bytes that are not a request where a request must start, on a
 *     connection that already carried one (not after CONNECT / Upgrade);
 *   - a head (or trailer section) over XB_HTTP_HEAD_MAX bytes, a chunk
 *     line over XB_HTTP_CHUNK_LINE_MAX.
 * What gives XB_NAME_GIVE_UP: the first bytes are not an HTTP request (no
 * method token, or an unknown method whose line is not an HTTP request
 * line: SMTP, FTP, ... commands); after a CONNECT or an Upgrade request,
 * bytes that do not start a request (the tunnel, e.g. a TLS ClientHello or
 * WebSocket frames, or "PRI * HTTP/2.0" after an h2c upgrade).  A refused
 * CONNECT / Upgrade is followed by more requests, which are examined.
 *
 * Thread safety: reentrant; a stream belongs to one thread.
 */
#include "xb_http.h"

#include <stddef.h>
#include <string.h>

enum {
	ST_START = 0,     /* before a request line: empty lines skipped */
	ST_METHOD,
	ST_TARGET,        /* step: T_* */
	ST_VERSION,       /* step: bytes of "HTTP/1.1" matched */
	ST_LINE_LF,       /* a head line ended by CR; step: LF_* */
	ST_FIELD_START,
	ST_FIELD_NAME,
	ST_FIELD_OWS,     /* step: K_* from here on */
	ST_FIELD_VALUE,
	ST_BODY,          /* Content-Length bytes left in remain */
	ST_CHUNK_SIZE,
	ST_CHUNK_EXT,
	ST_CHUNK_LF,
	ST_CHUNK_DATA,
	ST_CHUNK_DATA_CR,
	ST_CHUNK_DATA_LF,
	ST_TRAILER_START,
	ST_TRAILER_LINE,
	ST_TRAILER_LF,    /* step: 1 when the empty line ends the trailers */
	/* Final states. */
	ST_UNNAMED,
	ST_NOT_HTTP,
	ST_TUNNEL,
};

/* Parts of a request target. */
enum { T_FIRST = 0, T_SCHEME, T_SLASH1, T_SLASH2, T_AUTH, T_SKIP };

/* What a head line's LF ends. */
enum { LF_FIELD = 0, LF_HEAD };

/* Field kinds whose values matter. */
enum { K_OTHER = 0, K_HOST, K_HOST_IGNORED, K_LENGTH, K_CODING };

/* Request facts (req_flags). */
#define RF_HTTP 0x0001         /* recognisably HTTP: errors are UNNAMED */
#define RF_ABS 0x0002          /* authority from the target */
#define RF_CONNECT 0x0004
#define RF_HOST 0x0008         /* a Host field seen */
#define RF_LENGTH 0x0010       /* a Content-Length seen */
#define RF_CODING 0x0020       /* a Transfer-Encoding seen */
#define RF_CHUNKED 0x0040      /* chunked among the codings */
#define RF_CHUNKED_LAST 0x0080 /* chunked is the final coding so far */
#define RF_UPGRADE 0x0100
#define RF_PRI 0x0200          /* method PRI (HTTP/2 preface) */

/* Connection facts (flags). */
#define SF_TUNNEL_OK 0x01 /* last request was CONNECT / Upgrade */
#define SF_TUNNELED 0x02

#define METHOD_MAX 20
#define SCHEME_MAX 16
#define CHUNK_SIZE_LIMIT (1ull << 60)
#define LENGTH_LIMIT 1000000000000000000ull /* 10^18 */

/* Method bytes as servers accept them (RFC 9110 allows any tchar; real
 * servers take upper-case letters, '-' and '_'). */
static inline int
is_method_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

/* RFC 9110 5.6.2 tchar, the bytes of a field name or a coding: a table,
 * since field names are read byte by byte. */
static const uint8_t tchar_table[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1,
	['*'] = 1, ['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1,
	['`'] = 1, ['|'] = 1, ['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
	['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static inline int
is_tchar(uint8_t c)
{
	return tchar_table[c];
}

/* Bytes allowed inside a field value or a target besides the delimiters
 * the states look for: VCHAR, obs-text and HTAB; never CTL or NUL. */
static inline int
is_value_byte(uint8_t c)
{
	return c >= 0x20 ? c != 0x7f : c == '\t';
}

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* tok equals the literal w (a macro: the length and compare are
 * constants the compiler folds). */
#define tok_is(s, w)                                                      \
	((s)->tok_len == sizeof(w) - 1 && memcmp((s)->tok, w, sizeof(w) - 1) == 0)

/* Methods that make a request line HTTP before its version is seen. */
static int
known_method(const struct xb_http_stream *s)
{
	switch (s->tok_len) {
	case 3:
		return tok_is(s, "GET") || tok_is(s, "PUT") || tok_is(s, "PRI");
	case 4:
		return tok_is(s, "HEAD") || tok_is(s, "POST") ||
		       tok_is(s, "COPY") || tok_is(s, "MOVE") ||
		       tok_is(s, "LOCK");
	case 5:
		return tok_is(s, "TRACE") || tok_is(s, "PATCH") ||
		       tok_is(s, "MKCOL");
	case 6:
		return tok_is(s, "DELETE") || tok_is(s, "UNLOCK") ||
		       tok_is(s, "SEARCH") || tok_is(s, "REPORT");
	case 7:
		return tok_is(s, "CONNECT") || tok_is(s, "OPTIONS");
	case 8:
		return tok_is(s, "PROPFIND");
	case 9:
		return tok_is(s, "PROPPATCH");
	case 10:
		return tok_is(s, "MKCALENDAR");
	default:
		return 0;
	}
}

/* A byte no host name or address has (RFC 3986 reg-name / IP-literal
 * plus the bytes names carry in practice: '_', UTF-8). */
static int
bad_host_byte(uint8_t c)
{
	return c <= 0x20 || c == 0x7f || c == ',' || c == '"' || c == '\\' ||
	       c == '<' || c == '>' || c == '@' || c == '/' || c == '?' ||
	       c == '#' || c == '{' || c == '}' || c == '|' || c == '^' ||
	       c == '`';
}

/* The name of an authority (host[:port], [v6]:port): FOUND or GIVE_UP. */
static int
authority_name(const uint8_t *v, uint32_t n, struct xb_name *out)
{
	for (uint32_t i = 0; i < n; i++)
		if (bad_host_byte(v[i]))
			return XB_NAME_GIVE_UP;
	if (n && v[0] == '[') { /* IP-literal */
		const uint8_t *rb = memchr(v, ']', n);

		if (rb == NULL)
			return XB_NAME_GIVE_UP;
		uint32_t after = n - (uint32_t)(rb - v) - 1;

		if (after != 0 && rb[1] != ':')
			return XB_NAME_GIVE_UP;
		return xb_name_store(out, v + 1, (uint32_t)(rb - v - 1),
				     XB_NAME_SRC_HTTP);
	}
	/* One colon: host:port.  Several: an unbracketed IPv6, kept whole. */
	const uint8_t *c = memchr(v, ':', n);

	if (c != NULL && memchr(c + 1, ':', n - (uint32_t)(c - v) - 1) == NULL)
		n = (uint32_t)(c - v);
	return xb_name_store(out, v, n, XB_NAME_SRC_HTTP);
}

void
xb_http_stream_init(struct xb_http_stream *s)
{
	memset(s, 0, offsetof(struct xb_http_stream, auth));
	s->last.len = 0;
	s->last.str[0] = '\0';
}

bool
xb_http_stream_tunneled(const struct xb_http_stream *s)
{
	return (s->flags & SF_TUNNELED) != 0;
}

uint32_t
xb_http_stream_requests(const struct xb_http_stream *s)
{
	return s->requests;
}

/* The stream cannot be followed from here: which final state. */
static int
fail(struct xb_http_stream *s)
{
	if (s->req_flags & RF_HTTP)
		s->state = ST_UNNAMED;
	else if (s->requests == 0)
		s->state = ST_NOT_HTTP;
	else if (s->flags & SF_TUNNEL_OK)
		s->state = ST_TUNNEL;
	else
		s->state = ST_UNNAMED;
	if (s->state == ST_TUNNEL)
		s->flags |= SF_TUNNELED;
	return s->state == ST_UNNAMED ? XB_NAME_UNNAMED : XB_NAME_GIVE_UP;
}

static int
unnamed(struct xb_http_stream *s)
{
	s->state = ST_UNNAMED;
	return XB_NAME_UNNAMED;
}

/* Ready for the next request (after a body, or a head without one). */
static void
next_request(struct xb_http_stream *s)
{
	s->state = ST_START;
	s->count = 0;
}

/* A transfer coding ended (comma, parameters, whitespace or line end). */
static int
coding_done(struct xb_http_stream *s)
{
	if (s->tok_len == 0)
		return 0;
	if (tok_is(s, "chunked")) {
		if (s->req_flags & RF_CHUNKED)
			return -1; /* RFC 9112 6.1: at most once */
		s->req_flags |= RF_CHUNKED | RF_CHUNKED_LAST;
	} else {
		s->req_flags &= (uint16_t)~RF_CHUNKED_LAST;
	}
	s->tok_len = 0;
	return 0;
}

/* The field line ended: act on its value.  0 or -1 (UNNAMED). */
static int
field_done(struct xb_http_stream *s)
{
	switch (s->step) {
	case K_HOST:
		while (s->auth_len && (s->auth[s->auth_len - 1] == ' ' ||
				       s->auth[s->auth_len - 1] == '\t'))
			s->auth_len--;
		return s->auth_len ? 0 : -1;
	case K_LENGTH:
		if (s->vstep == 0)
			return -1; /* empty */
		if ((s->req_flags & RF_LENGTH) && s->length != s->num)
			return -1;
		s->req_flags |= RF_LENGTH;
		s->length = s->num;
		return 0;
	case K_CODING:
		s->req_flags |= RF_CODING;
		return s->vstep == 0 ? coding_done(s) : 0;
	default:
		return 0;
	}
}

/* The head ended.  FOUND (name differs from the last), MORE or UNNAMED. */
static int
head_done(struct xb_http_stream *s, struct xb_name *out)
{
	uint16_t f = s->req_flags;
	struct xb_name name;

	if ((f & RF_CODING) && ((f & RF_LENGTH) || !(f & RF_CHUNKED_LAST)))
		return unnamed(s);
	if ((f & RF_CONNECT) && ((f & RF_CODING) || s->length != 0))
		return unnamed(s);
	if (!(f & (RF_ABS | RF_HOST)) ||
	    authority_name(s->auth, s->auth_len, &name) != XB_NAME_FOUND)
		return unnamed(s);
	s->requests++;
	s->flags = (uint8_t)((s->flags & ~SF_TUNNEL_OK) |
			     (f & (RF_CONNECT | RF_UPGRADE) ? SF_TUNNEL_OK : 0));
	if (f & RF_CODING) {
		s->state = ST_CHUNK_SIZE;
		s->num = 0;
		s->vstep = 0;
		s->count = 0;
	} else if (s->length != 0) {
		s->state = ST_BODY;
		s->remain = s->length;
	} else {
		next_request(s);
	}
	if (name.len == s->last.len &&
	    memcmp(name.str, s->last.str, name.len) == 0)
		return XB_NAME_MORE;
	s->last = name;
	*out = name;
	return XB_NAME_FOUND;
}

/* A field name ended at its colon: which kind, and is it allowed. */
static int
field_kind(struct xb_http_stream *s)
{
	if (tok_is(s, "host")) {
		if (s->req_flags & RF_HOST)
			return -1;
		s->req_flags |= RF_HOST;
		if (s->req_flags & RF_ABS)
			return K_HOST_IGNORED;
		s->auth_len = 0;
		return K_HOST;
	}
	if (tok_is(s, "content-length"))
		return K_LENGTH;
	if (tok_is(s, "transfer-encoding"))
		return K_CODING;
	if (tok_is(s, "upgrade"))
		s->req_flags |= RF_UPGRADE;
	return K_OTHER;
}

/* One byte of a field value (not CR / LF).  0 or -1. */
static int
value_byte(struct xb_http_stream *s, uint8_t c)
{
	if (!is_value_byte(c))
		return -1;
	switch (s->step) {
	case K_HOST:
		if (s->auth_len >= XB_HTTP_AUTHORITY_MAX)
			return -1;
		s->auth[s->auth_len++] = c;
		return 0;
	case K_LENGTH:
		/* 1*DIGIT, then optional trailing whitespace only. */
		if (c >= '0' && c <= '9' && s->vstep < 2) {
			s->num = s->num * 10 + (uint64_t)(c - '0');
			s->vstep = 1;
			return s->num < LENGTH_LIMIT ? 0 : -1;
		}
		if ((c == ' ' || c == '\t') && s->vstep != 0) {
			s->vstep = 2;
			return 0;
		}
		return -1;
	case K_CODING:
		/* vstep 0: in or before a coding; 1: in its parameters. */
		if (c == ',') {
			if (s->vstep == 0 && coding_done(s) < 0)
				return -1;
			s->vstep = 0;
			return 0;
		}
		if (s->vstep == 1)
			return 0;
		if (c == ' ' || c == '\t')
			return coding_done(s);
		if (c == ';') {
			s->vstep = 1;
			return coding_done(s);
		}
		if (!is_tchar(c))
			return -1;
		if (s->tok_len < sizeof(s->tok))
			s->tok[s->tok_len++] = (char)lower(c);
		return 0;
	default:
		return 0;
	}
}

/* Length of the run of target bytes (VCHAR, obs-text) at p. */
static uint32_t
target_run(const uint8_t *p, uint32_t n)
{
	uint32_t k = 0;

	while (k < n && p[k] > ' ' && p[k] != 0x7f)
		k++;
	return k;
}

/* Length of the run of field-value bytes other than CR / LF at p. */
static uint32_t
value_run(const uint8_t *p, uint32_t n)
{
	uint32_t k = 0;

	while (k < n && is_value_byte(p[k]))
		k++;
	return k;
}

/* One byte of the request target. */
static int
target_byte(struct xb_http_stream *s, uint8_t c)
{
	switch (s->step) {
	case T_FIRST:
		if (s->req_flags & RF_CONNECT) {
			s->step = T_AUTH;
			return target_byte(s, c);
		}
		if (c == '/' || c == '*') {
			s->step = T_SKIP;
			return 0;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return -1;
		s->step = T_SCHEME;
		return target_byte(s, c);
	case T_SCHEME:
		if (c == ':' && s->tok_len > 0) {
			s->step = T_SLASH1;
			return 0;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '-' ||
		      c == '.') ||
		    s->tok_len >= SCHEME_MAX)
			return -1;
		s->tok[s->tok_len++] = (char)lower(c);
		return 0;
	case T_SLASH1:
	case T_SLASH2:
		if (c != '/')
			return -1;
		if (s->step++ == T_SLASH2) {
			s->req_flags |= RF_ABS; /* s->step is T_AUTH now */
			s->auth_len = 0;
		}
		return 0;
	case T_AUTH:
		if (c <= ' ' || c == 0x7f)
			return -1;
		if (c == '/' || c == '?' || c == '#') {
			if (s->req_flags & RF_CONNECT)
				return -1;
			s->step = T_SKIP;
			return 0;
		}
		if (c == '@' && !(s->req_flags & RF_CONNECT)) {
			s->auth_len = 0; /* userinfo: not the host */
			return 0;
		}
		if (s->auth_len >= XB_HTTP_AUTHORITY_MAX)
			return -1;
		s->auth[s->auth_len++] = c;
		return 0;
	default: /* T_SKIP: a CTL or NUL in the path or query */
		return -1;
	}
}

int
xb_http_stream_feed(struct xb_http_stream *s, const uint8_t *p, uint32_t n,
		    struct xb_name *out, uint32_t *used)
{
	uint32_t i = 0, k;
	int rc = XB_NAME_MORE;

	*used = 0;
	switch (s->state) {
	case ST_UNNAMED:
		return XB_NAME_UNNAMED;
	case ST_NOT_HTTP:
	case ST_TUNNEL:
		return XB_NAME_GIVE_UP;
	default:
		break;
	}
	while (i < n && rc == XB_NAME_MORE) {
		uint8_t c = p[i];

		/* Every head byte counts against the head limit; bodies and
		 * chunk lines are bounded in their own states. */
		if (s->state < ST_BODY && ++s->count > XB_HTTP_HEAD_MAX) {
			rc = unnamed(s);
			break;
		}
		switch (s->state) {
		case ST_START:
			if (c == '\r' || c == '\n') {
				i++;
				break;
			}
			if (!is_method_char(c)) {
				s->req_flags = 0;
				rc = fail(s);
				break;
			}
			s->req_flags = 0;
			s->auth_len = 0;
			s->length = 0;
			s->tok_len = 0;
			s->state = ST_METHOD;
			s->count--; /* this byte is counted again */
			break;
		case ST_METHOD:
			if (is_method_char(c) && s->tok_len < METHOD_MAX) {
				s->tok[s->tok_len++] = (char)c;
				i++;
				break;
			}
			if (c != ' ' || s->tok_len == 0) {
				rc = fail(s);
				break;
			}
			if (known_method(s))
				s->req_flags |= RF_HTTP;
			if (tok_is(s, "CONNECT"))
				s->req_flags |= RF_CONNECT | RF_ABS;
			else if (tok_is(s, "PRI"))
				s->req_flags |= RF_PRI;
			s->state = ST_TARGET;
			s->step = T_FIRST;
			s->tok_len = 0;
			i++;
			break;
		case ST_TARGET:
			if (s->step == T_SKIP) {
				/* Path and query name nothing: one loop. */
				k = target_run(p + i, n - i);
				if (k > 0) {
					s->count += k - 1;
					i += k;
					break;
				}
			}
			if (c == ' ' && s->step >= T_AUTH) {
				if ((s->req_flags & RF_CONNECT) &&
				    s->auth_len == 0) {
					rc = fail(s);
					break;
				}
				s->state = ST_VERSION;
				s->step = 0;
				i++;
				break;
			}
			if (target_byte(s, c) < 0) {
				rc = fail(s);
				break;
			}
			i++;
			break;
		case ST_VERSION: {
			static const char v[] = "HTTP/1.";

			if (s->step < 7) {
				/* A PRI request line may say 2.0. */
				char want = s->step == 5 && (s->req_flags & RF_PRI) &&
							    c == '2'
						    ? '2'
						    : v[s->step];

				if (c != (uint8_t)want) {
					rc = fail(s);
					break;
				}
				if (++s->step == 5)
					s->req_flags |= RF_HTTP;
				if (want == '2') {
					/* HTTP/2 preface: the protocol after an
					 * h2c upgrade, else h2 by prior
					 * knowledge (names HPACK-coded). */
					if (s->flags & SF_TUNNEL_OK) {
						s->state = ST_TUNNEL;
						s->flags |= SF_TUNNELED;
						rc = XB_NAME_GIVE_UP;
					} else {
						rc = unnamed(s);
					}
					break;
				}
				i++;
				break;
			}
			if (s->step == 7) {
				if (c < '0' || c > '9') {
					rc = fail(s);
					break;
				}
				s->step = 8;
				i++;
				break;
			}
			/* After the version: the line ends. */
			if (c == '\r') {
				s->state = ST_LINE_LF;
				s->step = LF_FIELD;
			} else if (c == '\n') {
				s->state = ST_FIELD_START;
			} else {
				rc = fail(s);
				break;
			}
			i++;
			break;
		}
		case ST_LINE_LF:
			if (c != '\n') {
				rc = unnamed(s);
				break;
			}
			i++;
			if (s->step == LF_HEAD)
				rc = head_done(s, out);
			else
				s->state = ST_FIELD_START;
			break;
		case ST_FIELD_START:
			if (c == '\r') {
				s->state = ST_LINE_LF;
				s->step = LF_HEAD;
				i++;
				break;
			}
			if (c == '\n') {
				i++;
				rc = head_done(s, out);
				break;
			}
			/* Folding (SP / HTAB), an empty name, a CTL: refused
			 * by RFC 9112 5.1 / 5.2. */
			if (!is_tchar(c)) {
				rc = unnamed(s);
				break;
			}
			s->tok_len = 0;
			s->state = ST_FIELD_NAME;
			s->count--; /* counted again */
			break;
		case ST_FIELD_NAME:
			if (is_tchar(c)) {
				/* The run of name bytes in one loop.  Long
				 * names are no name of interest: counted, not
				 * stored. */
				for (k = 0; i + k < n && is_tchar(p[i + k]); k++)
					if (s->tok_len < sizeof(s->tok))
						s->tok[s->tok_len++] =
							(char)lower(p[i + k]);
				s->count += k - 1;
				i += k;
				break;
			}
			if (c != ':') {
				/* Whitespace before the colon (a classic
				 * smuggling trick), no colon, a CTL. */
				rc = unnamed(s);
				break;
			}
			{
				int kind = field_kind(s);

				if (kind < 0) {
					rc = unnamed(s);
					break;
				}
				s->step = (uint8_t)kind;
			}
			s->tok_len = 0;
			s->num = 0;
			s->vstep = 0;
			s->state = ST_FIELD_OWS;
			i++;
			break;
		case ST_FIELD_OWS:
			if (c == ' ' || c == '\t') {
				i++;
				break;
			}
			s->state = ST_FIELD_VALUE;
			s->count--; /* counted again */
			break;
		case ST_FIELD_VALUE:
			if (s->step == K_OTHER || s->step == K_HOST_IGNORED) {
				k = value_run(p + i, n - i);
				if (k > 0) {
					s->count += k - 1;
					i += k;
					break;
				}
			}
			if (c == '\r' || c == '\n') {
				if (field_done(s) < 0) {
					rc = unnamed(s);
					break;
				}
				if (c == '\r') {
					s->state = ST_LINE_LF;
					s->step = LF_FIELD;
				} else {
					s->state = ST_FIELD_START;
				}
				i++;
				break;
			}
			if (value_byte(s, c) < 0) {
				rc = unnamed(s);
				break;
			}
			i++;
			break;
		case ST_BODY:
			k = n - i;
			if (k >= s->remain) {
				i += (uint32_t)s->remain;
				s->remain = 0;
				next_request(s);
			} else {
				i = n;
				s->remain -= k;
			}
			break;
		case ST_CHUNK_SIZE:
		case ST_CHUNK_EXT:
			if (++s->count > XB_HTTP_CHUNK_LINE_MAX) {
				rc = unnamed(s);
				break;
			}
			/* vstep: 0 no digit yet, 1 digits or extensions,
			 * 2 whitespace before a ';' (RFC 9112 7.1.1 BWS). */
			if (c == '\r' && s->vstep) {
				s->state = ST_CHUNK_LF;
			} else if (s->state == ST_CHUNK_EXT) {
				/* Extensions name nothing; but no CTL, no bare
				 * LF, nothing but ';' after the whitespace
				 * (servers read those differently). */
				if (s->vstep == 2 && c == ';')
					s->vstep = 1;
				else if (s->vstep == 2 ? c != ' ' && c != '\t'
						      : !is_value_byte(c)) {
					rc = unnamed(s);
					break;
				}
			} else if ((c == ';' || c == ' ' || c == '\t') &&
				   s->vstep) {
				s->state = ST_CHUNK_EXT;
				s->vstep = c == ';' ? 1 : 2;
			} else {
				int d = c >= '0' && c <= '9'   ? c - '0'
					: c >= 'a' && c <= 'f' ? c - 'a' + 10
					: c >= 'A' && c <= 'F' ? c - 'A' + 10
							       : -1;

				if (d < 0 || s->num >= CHUNK_SIZE_LIMIT >> 4) {
					rc = unnamed(s);
					break;
				}
				s->num = s->num << 4 | (uint64_t)d;
				s->vstep = 1;
			}
			i++;
			break;
		case ST_CHUNK_LF:
			if (c != '\n') {
				rc = unnamed(s);
				break;
			}
			i++;
			s->count = 0;
			if (s->num == 0) {
				s->state = ST_TRAILER_START;
			} else {
				s->state = ST_CHUNK_DATA;
				s->remain = s->num;
			}
			break;
		case ST_CHUNK_DATA:
			k = n - i;
			if (k >= s->remain) {
				i += (uint32_t)s->remain;
				s->remain = 0;
				s->state = ST_CHUNK_DATA_CR;
			} else {
				i = n;
				s->remain -= k;
			}
			break;
		case ST_CHUNK_DATA_CR:
		case ST_CHUNK_DATA_LF:
			if (c != (s->state == ST_CHUNK_DATA_CR ? '\r' : '\n')) {
				rc = unnamed(s);
				break;
			}
			i++;
			if (s->state == ST_CHUNK_DATA_CR) {
				s->state = ST_CHUNK_DATA_LF;
			} else {
				s->state = ST_CHUNK_SIZE;
				s->num = 0;
				s->vstep = 0;
				s->count = 0;
			}
			break;
		case ST_TRAILER_START:
		case ST_TRAILER_LINE:
			if (++s->count > XB_HTTP_HEAD_MAX) {
				rc = unnamed(s);
				break;
			}
			if (c == '\r') {
				s->step = s->state == ST_TRAILER_START;
				s->state = ST_TRAILER_LF;
			} else if (s->state == ST_TRAILER_START
					   ? !is_tchar(c)
					   : !is_value_byte(c)) {
				/* Folding, bare LF, CTL. */
				rc = unnamed(s);
				break;
			} else {
				s->state = ST_TRAILER_LINE;
			}
			i++;
			break;
		case ST_TRAILER_LF:
			if (c != '\n') {
				rc = unnamed(s);
				break;
			}
			i++;
			if (s->step)
				next_request(s);
			else
				s->state = ST_TRAILER_START;
			break;
		default:
			rc = unnamed(s);
			break;
		}
	}
	*used = i;
	return rc;
}

int
xb_http_host(const uint8_t *buf, uint32_t len, struct xb_name *out)
{
	struct xb_http_stream s;
	uint32_t used;

	xb_http_stream_init(&s);
	return xb_http_stream_feed(&s, buf, len, out, &used);
}
