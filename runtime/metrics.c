/* SPDX-License-Identifier: BSD-3-Clause
 *
 * --metrics ADDR:PORT: the run's counters for Prometheus, over HTTP/1.0 on a
 * plain socket. The socket is bound before anything starts (a bad address
 * or a taken port is one message and exit status 1, not a half-started
 * run), on the address given only: nothing listens on every interface
 * unless the user writes 0.0.0.0. A DPDK control thread serves it — never
 * a worker — one short connection at a time: each scrape takes a reading of
 * the counters the workers keep anyway, under the same kind of lock as
 * telemetry (workers never take it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "../model/errors.h"
#include "observe.h"

#define REQUEST_MAX 4096
#define CLIENT_TIMEOUT_S 2 /* a slow client holds the endpoint this long at most */
#define POLL_MS 100        /* how soon the thread notices the run ended */

static int listen_fd = -1;
static char listen_text[128];
static pthread_t thread;
static bool thread_running;
static volatile bool stopping;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nfg_graph *published;

int
nfg_metrics_parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len,
		       char *err, size_t errlen)
{
	char host[64];
	const char *port_text;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') { /* [IPv6]:PORT */
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host)) {
			snprintf(err, errlen, "expected [IPV6]:PORT");
			return -1;
		}
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port_text = close + 2;
	} else {
		const char *colon = strrchr(text, ':');
		if (!colon || colon == text || (size_t)(colon - text) >= sizeof(host) ||
		    memchr(text, ':', (size_t)(colon - text))) {
			snprintf(err, errlen, "expected ADDRESS:PORT, like 127.0.0.1:9100 or [::1]:9100");
			return -1;
		}
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port_text = colon + 1;
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(port_text, &end, 10);
	if (!*port_text || *end || errno || port < 1 || port > 65535 || port_text[0] == '+' ||
	    port_text[0] == '-' || port_text[0] == ' ') {
		snprintf(err, errlen, "expected a port 1-65535 after the address");
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (text[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
	} else if (text[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
	} else {
		snprintf(err, errlen, "\"%s\" is not an IPv4 address, [IPv6] address or localhost",
			 nfg_esc(host));
		return -1;
	}
	return 0;
}

int
nfg_metrics_listen(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[160];
	int one = 1;

	if (nfg_metrics_parse_addr(addr, &ss, &len, err, sizeof(err)) < 0) {
		fprintf(stderr, "nfg: --metrics %s: %s\n", nfg_esc(addr), err);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* SO_REUSEADDR lets a new run bind while an old scrape's connection is in
	 * TIME_WAIT; it never lets two listeners share a port on Linux. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0) {
		fprintf(stderr, "nfg: --metrics %s: cannot listen: %s\n", nfg_esc(addr),
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	listen_fd = fd;
	snprintf(listen_text, sizeof(listen_text), "%s", addr);
	return 0;
}

static void
send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

static void
respond(int fd, const char *status, const char *type, const char *body, size_t len, bool head)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, type, len);

	send_all(fd, hdr, (size_t)n);
	if (!head)
		send_all(fd, body, len);
}

/* The scrape: a reading now, formatted. */
static void
serve_metrics(int fd, bool head)
{
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);

	if (!f) {
		respond(fd, "500 Internal Server Error", "text/plain", "", 0, head);
		return;
	}
	pthread_mutex_lock(&lock);
	if (published) {
		struct nfg_reading *r = nfg_reading_take(published);
		nfg_prometheus_write(f, published, r);
		nfg_reading_free(published, r);
	}
	pthread_mutex_unlock(&lock);
	fclose(f);
	respond(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, len, head);
	free(body);
}

static void
serve(int fd)
{
	char req[REQUEST_MAX + 1];
	size_t n = 0;
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* The request line and headers; the body, if any, is not read. */
	while (n < REQUEST_MAX) {
		ssize_t k = recv(fd, req + n, REQUEST_MAX - n, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	req[n] = '\0';
	bool head = strncmp(req, "HEAD ", 5) == 0;
	const char *path = head ? req + 5 : strncmp(req, "GET ", 4) == 0 ? req + 4 : NULL;
	static const char index_page[] = "nfg: the counters are at /metrics\n";
	if (!path) {
		respond(fd, "405 Method Not Allowed", "text/plain", "GET or HEAD\n", 12, false);
		return;
	}
	size_t plen = strcspn(path, " ?\r\n");
	if (plen == 8 && strncmp(path, "/metrics", 8) == 0)
		serve_metrics(fd, head);
	else if (plen == 1 && path[0] == '/')
		respond(fd, "200 OK", "text/plain", index_page, sizeof(index_page) - 1, head);
	else
		respond(fd, "404 Not Found", "text/plain", "try /metrics\n", 13, head);
}

static void *
server_main(void *arg)
{
	(void)arg;
	while (!stopping) {
		struct pollfd p = { .fd = listen_fd, .events = POLLIN };
		if (poll(&p, 1, POLL_MS) <= 0)
			continue;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

int
nfg_metrics_publish(struct nfg_graph *g)
{
	if (listen_fd < 0)
		return 0;
	pthread_mutex_lock(&lock);
	published = g;
	pthread_mutex_unlock(&lock);
	stopping = false;
	/* A control thread: EAL pins it off the workers' cores. */
	int rc = rte_ctrl_thread_create(&thread, "nfg-metrics", NULL, server_main, NULL);
	if (rc != 0) {
		nfg_log_err("--metrics: cannot start its thread: %s", strerror(rc));
		return -1;
	}
	thread_running = true;
	nfg_log("metrics: http://%s/metrics", nfg_esc(listen_text));
	return 0;
}

void
nfg_metrics_unpublish(void)
{
	pthread_mutex_lock(&lock);
	published = NULL;
	pthread_mutex_unlock(&lock);
	if (thread_running) {
		stopping = true;
		pthread_join(thread, NULL);
		thread_running = false;
	}
}

void
nfg_metrics_close(void)
{
	nfg_metrics_unpublish();
	if (listen_fd >= 0)
		close(listen_fd);
	listen_fd = -1;
}
