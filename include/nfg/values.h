/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Parsing the value types of graph files. Parameters were already checked
 * against their declared type, so in setup() these calls cannot fail for a
 * declared parameter; they are here so operators read values the way the
 * checker read them.
 */
#ifndef NFG_VALUES_H
#define NFG_VALUES_H

#include <stdint.h>

#include <jansson.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

int nfg_parse_ipv4(const char *s, uint32_t *addr_be);
/* "a.b.c.d" or "a.b.c.d-a.b.c.e" (ascending): the first address in host
 * order and how many. */
int nfg_parse_ipv4_range(const char *s, uint32_t *first, uint32_t *count);
/* The same for either family: "ADDR" or "ADDR-ADDR" of one family, ascending;
 * an IPv6 range varies in its last 32 bits only (the first 96 are equal).
 * first: the first address, network order (4 or 16 bytes). */
int nfg_parse_ip_range(const char *s, int *family, uint8_t first[16], uint32_t *count);
/* family is AF_INET or AF_INET6; addr holds 4 or 16 bytes, network order. */
int nfg_parse_ip(const char *s, int *family, uint8_t addr[16]);
int nfg_parse_prefix(const char *s, int *family, uint8_t addr[16], unsigned *plen);
/* Why addr (network order, of family AF_INET or AF_INET6) cannot be a
 * host's — a port's own, a peer to connect to: "the unspecified address",
 * "a loopback address", "a multicast address", "the broadcast address",
 * "a reserved address" (IPv4 240/4), "an IPv4-mapped address"; NULL for a
 * unicast address. */
const char *nfg_ip_unfit(int family, const uint8_t *addr);
int nfg_parse_mac(const char *s, struct rte_ether_addr *mac);
/* 80, "80" or "1000-2000". */
int nfg_parse_portrange(json_t *v, uint16_t *lo, uint16_t *hi);
/* Hex bytes ("0a 0b:0c") into a malloc'ed buffer; returns the length or -1. */
long nfg_parse_hex(const char *s, uint8_t **out);

#ifdef __cplusplus
}
#endif
#endif
