/* SPDX-License-Identifier: BSD-3-Clause */
#include "xb_ini.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ini_sec {
	char name[CFG_NAME_LEN];
	unsigned int line;
};

struct ini_key {
	unsigned int sec; /* index into secs */
	char name[CFG_NAME_LEN];
	unsigned int line;
};

struct xb_ini {
	struct rte_cfgfile *cfg;
	struct ini_sec *secs;
	unsigned int nsecs, cap_secs;
	struct ini_key *keys;
	unsigned int nkeys, cap_keys;
};

static const char bom[] = "\xef\xbb\xbf";

static void
err(struct xb_errors *errs, const char *name, unsigned int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
err(struct xb_errors *errs, const char *name, unsigned int line,
    const char *fmt, ...)
{
	va_list ap;

	if (errs == NULL)
		return;
	va_start(ap, fmt);
	xb_errors_vadd(errs, name, line, fmt, ap);
	va_end(ap);
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' ||
	       *s == '\v')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\f' || e[-1] == '\v'))
		*--e = '\0';
	return s;
}

static int
find_sec(const struct xb_ini *ini, const char *name)
{
	for (unsigned int i = 0; i < ini->nsecs; i++)
		if (strcmp(ini->secs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const struct ini_key *
find_key(const struct xb_ini *ini, unsigned int sec, const char *name)
{
	for (unsigned int i = 0; i < ini->nkeys; i++)
		if (ini->keys[i].sec == sec &&
		    strcmp(ini->keys[i].name, name) == 0)
			return &ini->keys[i];
	return NULL;
}

static int
add_sec(struct xb_ini *ini, const char *name, unsigned int line)
{
	if (ini->nsecs == ini->cap_secs) {
		unsigned int cap = ini->cap_secs ? 2 * ini->cap_secs : 16;
		struct ini_sec *s = realloc(ini->secs, cap * sizeof(*s));

		if (s == NULL)
			return -ENOMEM;
		ini->secs = s;
		ini->cap_secs = cap;
	}
	if (rte_cfgfile_add_section(ini->cfg, name) < 0)
		return -ENOMEM;
	snprintf(ini->secs[ini->nsecs].name, CFG_NAME_LEN, "%s", name);
	ini->secs[ini->nsecs].line = line;
	ini->nsecs++;
	return 0;
}

static int
add_key(struct xb_ini *ini, unsigned int sec, const char *name,
	const char *value, unsigned int line)
{
	if (ini->nkeys == ini->cap_keys) {
		unsigned int cap = ini->cap_keys ? 2 * ini->cap_keys : 64;
		struct ini_key *k = realloc(ini->keys, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		ini->keys = k;
		ini->cap_keys = cap;
	}
	if (rte_cfgfile_add_entry(ini->cfg, ini->secs[sec].name, name,
				  value) < 0)
		return -ENOMEM;
	ini->keys[ini->nkeys].sec = sec;
	snprintf(ini->keys[ini->nkeys].name, CFG_NAME_LEN, "%s", name);
	ini->keys[ini->nkeys].line = line;
	ini->nkeys++;
	return 0;
}

/* "[name]": 0, or -ENOMEM; *cur becomes the section's index, or -1 when
 * the line is refused. */
static int
section_line(struct xb_ini *ini, const char *file, unsigned int line,
	     char *s, int *cur, struct xb_errors *errs)
{
	char *end = strchr(s, ']'), *name;
	int i;

	*cur = -1;
	if (end == NULL) {
		err(errs, file, line,
		    "section line without \"]\" (got \"%.80s\", expected [name])",
		    s);
		return 0;
	}
	if (*trim(end + 1) != '\0') {
		err(errs, file, line,
		    "text after \"]\" (got \"%.80s\", expected [name] alone on its line)",
		    s);
		return 0;
	}
	*end = '\0';
	name = trim(s + 1);
	if (*name == '\0') {
		err(errs, file, line,
		    "empty section name (got \"[]\", expected [name])");
		return 0;
	}
	if (strlen(name) >= CFG_NAME_LEN) {
		err(errs, file, line,
		    "section name too long (got %zu bytes, expected at most %d)",
		    strlen(name), CFG_NAME_LEN - 1);
		return 0;
	}
	i = find_sec(ini, name);
	if (i >= 0) {
		err(errs, file, line, "duplicate section [%s] (first at line %u)",
		    name, ini->secs[i].line);
		*cur = i; /* its keys still count as the section's */
		return 0;
	}
	if (add_sec(ini, name, line) < 0)
		return -ENOMEM;
	*cur = (int)ini->nsecs - 1;
	return 0;
}

/* "key = value" in section cur (-1: none, or refused). */
static int
entry_line(struct xb_ini *ini, const char *file, unsigned int line, char *s,
	   int cur, bool had_section, struct xb_errors *errs)
{
	char *eq = strchr(s, '='), *key, *value, *w;
	const struct ini_key *dup;
	const char *sec;

	if (eq == NULL) {
		err(errs, file, line,
		    "line without \"=\" (got \"%.80s\", expected key = value, [section] or a comment)",
		    s);
		return 0;
	}
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	/* "\;" is a ';' in a value (the comment was cut at the first bare
	 * one). */
	w = value;
	for (char *r = value; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] == ';')
			r++;
		*w++ = *r;
	}
	*w = '\0';
	if (*key == '\0') {
		err(errs, file, line,
		    "no key before \"=\" (got \"= %.80s\", expected key = value)",
		    value);
		return 0;
	}
	if (cur < 0) {
		if (!had_section)
			err(errs, file, line,
			    "key outside any section (got \"%.80s\", expected a [section] line first)",
			    key);
		return 0; /* else: its section line was refused, and said so */
	}
	sec = ini->secs[cur].name;
	if (strlen(key) >= CFG_NAME_LEN) {
		err(errs, file, line,
		    "[%s] key too long (got %zu bytes, expected at most %d)",
		    sec, strlen(key), CFG_NAME_LEN - 1);
		return 0;
	}
	if (*value == '\0') {
		err(errs, file, line,
		    "[%s] %s: empty value (expected key = value)", sec, key);
		return 0;
	}
	if (strlen(value) >= CFG_VALUE_LEN) {
		err(errs, file, line,
		    "[%s] %s: value too long (got %zu bytes, expected at most %d)",
		    sec, key, strlen(value), CFG_VALUE_LEN - 1);
		return 0;
	}
	dup = find_key(ini, (unsigned int)cur, key);
	if (dup != NULL) {
		err(errs, file, line, "[%s] %s: duplicate key (first at line %u)",
		    sec, key, dup->line);
		return 0;
	}
	return add_key(ini, (unsigned int)cur, key, value, line);
}

struct xb_ini *
xb_ini_parse(const char *name, const char *text, size_t len,
	     struct xb_errors *errs)
{
	struct xb_ini *ini = calloc(1, sizeof(*ini));
	unsigned int line = 0;
	size_t pos = 0;
	char *buf = NULL;
	size_t cap = 0;
	bool had_section = false;
	int cur = -1;

	if (ini == NULL)
		goto nomem;
	ini->cfg = rte_cfgfile_create(0);
	if (ini->cfg == NULL)
		goto nomem;
	if (len >= 3 && memcmp(text, bom, 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		char *s, *semi;

		line++;
		if (l + 1 > cap) {
			char *b = realloc(buf, l + 1);

			if (b == NULL)
				goto nomem;
			buf = b;
			cap = l + 1;
		}
		memcpy(buf, text + pos, l);
		buf[l] = '\0';
		pos += l + 1;
		if (strlen(buf) != l) {
			err(errs, name, line, "NUL byte in line");
			continue;
		}
		/* ';' starts a comment unless escaped ("\;"). */
		for (semi = strchr(buf, ';'); semi != NULL;
		     semi = strchr(semi + 1, ';'))
			if (semi == buf || semi[-1] != '\\') {
				*semi = '\0';
				break;
			}
		s = trim(buf);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			had_section = true;
			if (section_line(ini, name, line, s, &cur, errs) < 0)
				goto nomem;
			continue;
		}
		if (entry_line(ini, name, line, s, cur, had_section, errs) < 0)
			goto nomem;
	}
	free(buf);
	return ini;
nomem:
	free(buf);
	xb_ini_free(ini);
	errno = ENOMEM;
	return NULL;
}

struct xb_ini *
xb_ini_load(const char *path, struct xb_errors *errs)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	struct xb_ini *ini;
	int e;

	if (f == NULL) {
		e = errno;
		err(errs, path, 0, "cannot open: %s", strerror(e));
		errno = e;
		return NULL;
	}
	do {
		if (len + 4096 > cap) {
			char *t = realloc(text, cap + 65536);

			if (t == NULL) {
				free(text);
				fclose(f);
				err(errs, path, 0, "out of memory");
				errno = ENOMEM;
				return NULL;
			}
			text = t;
			cap += 65536;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		e = errno;
		free(text);
		fclose(f);
		err(errs, path, 0, "cannot read: %s", strerror(e));
		errno = e;
		return NULL;
	}
	fclose(f);
	ini = xb_ini_parse(path, text != NULL ? text : "", len, errs);
	free(text);
	if (ini == NULL)
		err(errs, path, 0, "out of memory");
	return ini;
}

struct rte_cfgfile *
xb_ini_cfgfile(const struct xb_ini *ini)
{
	return ini->cfg;
}

unsigned int
xb_ini_line(const struct xb_ini *ini, const char *section, const char *key)
{
	int s = ini != NULL ? find_sec(ini, section) : -1;
	const struct ini_key *k;

	if (s < 0)
		return 0;
	if (key == NULL)
		return ini->secs[s].line;
	k = find_key(ini, (unsigned int)s, key);
	return k != NULL ? k->line : 0;
}

void
xb_ini_free(struct xb_ini *ini)
{
	if (ini == NULL)
		return;
	if (ini->cfg != NULL)
		rte_cfgfile_close(ini->cfg);
	free(ini->secs);
	free(ini->keys);
	free(ini);
}
