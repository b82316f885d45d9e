/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Parsing of the value types a graph file uses (addresses, prefixes, MACs,
 * port ranges, hex bytes). The checker uses them to validate parameters and
 * the operators use them again to read the validated values.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../model/model.h"

int
nfg_parse_ipv4(const char *s, uint32_t *addr_be)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*addr_be = a.s_addr;
	return 0;
}

const char *
nfg_ip_unfit(int family, const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET) {
		if (a[0] == 0)
			return "the unspecified address"; /* 0/8: "this network" (RFC 1122) */
		if (a[0] == 127)
			return "a loopback address";
		if (a[0] >= 224 && a[0] < 240)
			return "a multicast address";
		if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
			return "the broadcast address";
		return a[0] >= 240 ? "a reserved address" : NULL;
	}
	if (a[0] == 0xff)
		return "a multicast address";
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return a[15] ? "a loopback address" : "the unspecified address";
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return "an IPv4-mapped address";
	return NULL;
}

int
nfg_parse_ip_range(const char *s, int *family, uint8_t first[16], uint32_t *count)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	uint8_t b[16];
	int fb;

	if (!s)
		return -1;
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);
	if (n >= sizeof(lo) || (dash && strlen(dash + 1) >= sizeof(hi)))
		return -1;
	memcpy(lo, s, n);
	lo[n] = '\0';
	snprintf(hi, sizeof(hi), "%s", dash ? dash + 1 : lo);
	if (nfg_parse_ip(lo, family, first) < 0 || nfg_parse_ip(hi, &fb, b) < 0 || fb != *family)
		return -1;
	/* The 32 bits that vary: IPv4's address, IPv6's last word. */
	unsigned word = *family == AF_INET ? 0 : 12;
	if (word && memcmp(first, b, word) != 0)
		return -1;
	uint32_t a32, b32;
	memcpy(&a32, first + word, 4);
	memcpy(&b32, b + word, 4);
	if (ntohl(b32) < ntohl(a32))
		return -1;
	*count = ntohl(b32) - ntohl(a32) + 1;
	return 0;
}

int
nfg_parse_ipv4_range(const char *s, uint32_t *first, uint32_t *count)
{
	uint8_t a[16];
	int family;

	if (nfg_parse_ip_range(s, &family, a, count) < 0 || family != AF_INET)
		return -1;
	memcpy(first, a, 4);
	*first = ntohl(*first);
	return 0;
}

int
nfg_parse_ip(const char *s, int *family, uint8_t addr[16])
{
	if (!s)
		return -1;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -1;
}

int
nfg_parse_prefix(const char *s, int *family, uint8_t addr[16], unsigned *plen)
{
	char buf[64];
	const char *slash;
	char *end;

	if (!s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(s, '/');
	if (slash)
		buf[slash - s] = '\0';
	if (nfg_parse_ip(buf, family, addr) < 0)
		return -1;
	unsigned max = *family == AF_INET ? 32 : 128;
	if (!slash) {
		*plen = max;
		return 0;
	}
	errno = 0;
	long v = strtol(slash + 1, &end, 10);
	if (errno || *end || end == slash + 1 || v < 0 || v > (long)max)
		return -1;
	*plen = (unsigned)v;
	return 0;
}

int
nfg_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	unsigned b[6];
	char tail;

	if (!s || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
			 &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)b[i];
	return 0;
}

static int
parse_port_number(const char *s, char **end, uint16_t *out)
{
	errno = 0;
	long v = strtol(s, end, 10);
	if (errno || *end == s || v < 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int
nfg_parse_portrange(json_t *v, uint16_t *lo, uint16_t *hi)
{
	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);
		if (n < 0 || n > 65535)
			return -1;
		*lo = *hi = (uint16_t)n;
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	char *end;
	if (parse_port_number(s, &end, lo) < 0)
		return -1;
	if (*end == '\0') {
		*hi = *lo;
		return 0;
	}
	if (*end != '-' || parse_port_number(end + 1, &end, hi) < 0 || *end || *hi < *lo)
		return -1;
	return 0;
}

long
nfg_parse_hex(const char *s, uint8_t **out)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	uint8_t *buf = malloc(cap);
	int half = -1;

	if (!buf)
		return -1;
	for (; *s; s++) {
		if (isspace((unsigned char)*s) || *s == ':')
			continue;
		if (!isxdigit((unsigned char)*s)) {
			free(buf);
			return -1;
		}
		int nib = isdigit((unsigned char)*s) ? *s - '0' : (tolower(*s) - 'a' + 10);
		if (half < 0) {
			half = nib;
		} else {
			buf[n++] = (uint8_t)(half << 4 | nib);
			half = -1;
		}
	}
	if (half >= 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	return (long)n;
}
