/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_common.h>

#include "nfg/values.h"
#include "payload.h"

#define MAX_PAYLOAD (1u << 30)

static int
read_file(struct nfg_instance *inst, const char *param, const char *path, struct payload *p)
{
	/* Opened without blocking, so a FIFO is refused below instead of
	 * waiting forever for a writer; a regular file reads the same. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	struct stat st = { 0 };

	if (fd >= 0 && !f) {
		int err = errno; /* for the message below, past close() */
		close(fd);
		errno = err;
	}

	if (!f)
		return nfg_error(inst, param, "cannot open \"%s\": %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_PAYLOAD) {
		fclose(f);
		return nfg_error(inst, param, "\"%s\" is %s; expected a regular file of at most 1 GB",
				 path, S_ISDIR(st.st_mode) ? "a directory"
				 : S_ISREG(st.st_mode)	   ? "larger than 1 GB"
							   : "not a regular file");
	}
	size_t n = (size_t)st.st_size;
	p->bytes = malloc(n + 1);
	if (!p->bytes || fread(p->bytes, 1, n, f) != n) {
		int err = ferror(f) ? errno : 0;
		fclose(f);
		return nfg_error(inst, param, "cannot read \"%s\"%s%s", path, err ? ": " : "",
				 err ? strerror(err) : "");
	}
	/* A file that says it is smaller than it reads (procfs and sysfs files
	 * report 0) would be served cut: refused, not guessed at. */
	if (fgetc(f) != EOF) {
		fclose(f);
		free(p->bytes);
		p->bytes = NULL;
		return nfg_error(inst, param, "\"%s\" holds more than its size says (a /proc or "
				 "/sys file?); copy it to a regular file", path);
	}
	fclose(f);
	p->len = (uint32_t)n;
	return 0;
}

static void
cut_counter(struct payload *p)
{
	size_t mlen = strlen(PAYLOAD_COUNTER);

	p->counter_at = -1;
	for (uint32_t i = 0; i + mlen <= p->len; i++) {
		if (memcmp(p->bytes + i, PAYLOAD_COUNTER, mlen) == 0) {
			memmove(p->bytes + i, p->bytes + i + mlen, p->len - i - mlen);
			p->len -= (uint32_t)mlen;
			p->counter_at = (int32_t)i;
			return;
		}
	}
}

int
payload_from_params(struct nfg_instance *inst, const char *name, const char *fallback,
		    struct payload *p)
{
	char hex[64], file[64], size[64];
	const char *text = nfg_param_string(inst, name);

	snprintf(hex, sizeof(hex), "%s_hex", name);
	snprintf(file, sizeof(file), "%s_file", name);
	snprintf(size, sizeof(size), "%s_size", name);
	json_t *jhex = nfg_param(inst, hex), *jfile = nfg_param(inst, file),
	       *jsize = nfg_param(inst, size);
	int given = !!text + !!jhex + !!jfile + !!jsize;
	memset(p, 0, sizeof(*p));
	p->counter_at = -1;
	if (given > 1) {
		/* Say which were given: a shipped graph's default may be one of them. */
		char both[256];
		snprintf(both, sizeof(both), "%s%s%s%s", text ? ", " : "", text ? name : "",
			 jhex ? ", " : "", jhex ? hex : "");
		snprintf(both + strlen(both), sizeof(both) - strlen(both), "%s%s%s%s",
			 jfile ? ", " : "", jfile ? file : "", jsize ? ", " : "", jsize ? size : "");
		return nfg_error(inst, name, "given together: %s; give only one of %s, %s, %s or %s "
				 "(set the others to null, e.g. --set nodes.NODE.%s=null)",
				 both + 2, name, hex, file, size, name);
	}
	/* Files and hex are bytes taken as they are: only text has "{conn}". */
	if (jfile)
		return read_file(inst, file, json_string_value(jfile), p);
	if (jhex) {
		long n = nfg_parse_hex(json_string_value(jhex), &p->bytes);
		if (n < 0)
			return nfg_error(inst, hex, "expected hex bytes");
		p->len = (uint32_t)n;
		return 0;
	}
	if (jsize) {
		json_int_t n = json_integer_value(jsize);
		if (n < 0 || (uint64_t)n > MAX_PAYLOAD)
			return nfg_error(inst, size, "expected 0 to %u bytes", MAX_PAYLOAD);
		p->len = (uint32_t)n;
		p->bytes = malloc(p->len + 1);
		/* Printable and position-dependent, so a misplaced byte shows. */
		for (uint32_t i = 0; p->bytes && i < p->len; i++)
			p->bytes[i] = (uint8_t)('a' + (i % 26));
		return p->bytes ? 0 : -1;
	}
	/* "\r\n" typed on a command line arrives as backslashes and letters: a
	 * --set value that is not JSON is taken as it is. Such a text with no
	 * real line break is that mistake, not a message anyone sends. */
	if (text && (strstr(text, "\\r") || strstr(text, "\\n")) && !strpbrk(text, "\r\n"))
		return nfg_error(inst, name, "has \\r or \\n as a backslash and a letter, and no line "
				 "break: on the command line, give it as a JSON string, e.g. "
				 "--set 'nodes.NODE.%s=\"GET / HTTP/1.1\\r\\nHost: nfg\\r\\n\\r\\n\"' "
				 "(or use %s for bytes as they are)", name, hex);
	const char *t = text ? text : fallback;
	p->len = (uint32_t)strlen(t);
	p->bytes = (uint8_t *)strdup(t);
	if (!p->bytes)
		return -1;
	cut_counter(p);
	return 0;
}

int
payload_wrap_http(struct payload *p, bool close)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nServer: nfg\r\nContent-Type: application/octet-stream\r\n"
			 "Content-Length: %u\r\n%s\r\n", p->len, close ? "Connection: close\r\n" : "");
	/* Grown in place and the body moved up, not copied into a new buffer:
	 * for a response of a GB from a file, realloc remaps its pages (glibc:
	 * mremap) where a copy would hold two GB for a moment. */
	uint8_t *b = realloc(p->bytes, (size_t)n + p->len + 1);

	if (!b)
		return -1;
	memmove(b + n, b, p->len);
	memcpy(b, head, (size_t)n);
	p->bytes = b;
	p->len += (uint32_t)n;
	if (p->counter_at >= 0)
		p->counter_at += n;
	return 0;
}

void
payload_free(struct payload *p)
{
	free(p->bytes);
	p->bytes = NULL;
}

/* Decimal digits of id, most significant first; the count. (Per segment, so
 * not snprintf.) */
static uint32_t
digits(uint32_t id, char out[12])
{
	char tmp[12];
	uint32_t n = 0;

	do {
		tmp[n++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	for (uint32_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

uint32_t
payload_length(const struct payload *p, uint32_t conn_id)
{
	char d[12];

	return p->len + (p->counter_at >= 0 ? digits(conn_id, d) : 0);
}

void
payload_fill(const struct payload *p, uint32_t conn_id, uint32_t off, uint8_t *dst, uint32_t n)
{
	if (p->counter_at < 0) {
		memcpy(dst, p->bytes + off, n);
		return;
	}
	/* Three pieces: before the counter, its digits, after it; each copied
	 * whole (a request is short, but this runs for every one sent). */
	char d[12];
	uint32_t nd = digits(conn_id, d), at = (uint32_t)p->counter_at, end = off + n;
	if (off < at) {
		uint32_t k = RTE_MIN(end, at) - off;
		memcpy(dst, p->bytes + off, k);
		dst += k;
		off += k;
	}
	if (off < end && off < at + nd) {
		uint32_t k = RTE_MIN(end, at + nd) - off;
		memcpy(dst, d + (off - at), k);
		dst += k;
		off += k;
	}
	if (off < end)
		memcpy(dst, p->bytes + (off - nd), end - off);
}
