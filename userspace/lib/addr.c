// SPDX-License-Identifier: GPL-2.0-or-later
/* "ADDR:PORT" parsed and printed: the syntax is described in addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

/* Decimal digits only (no sign, no spaces), 1 to 65535; leading zeros are fine. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -EINVAL;
	}
	if (!v)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

int kso_addr_parse(const char *s, struct sockaddr_storage out[2], int *n, const char **why)
{
	struct sockaddr_in *s4 = (void *)&out[0];
	struct sockaddr_in6 *s6;
	char host[INET6_ADDRSTRLEN];
	const char *host_s, *port_s;
	bool bracket = s[0] == '[';
	uint16_t port;
	size_t hl;

	memset(out, 0, 2 * sizeof(*out));
	*n = 0;
	if (bracket) {
		const char *close = strchr(s, ']');

		*why = "an IPv6 address in brackets needs its closing ']'";
		if (!close)
			return -EINVAL;
		*why = "missing ':PORT' after the address (e.g. [::]:443)";
		if (close[1] != ':')
			return -EINVAL;
		host_s = s + 1;
		hl = (size_t)(close - host_s);
		port_s = close + 2;
	} else if ((port_s = strrchr(s, ':'))) {
		*why = "IPv6 addresses go in brackets (e.g. [::1]:443)";
		if (strchr(s, ':') != port_s)
			return -EINVAL;
		host_s = s;
		hl = (size_t)(port_s - s);
		port_s++;
	} else {
		/* A port alone: any address. */
		*why = "missing ':PORT' (e.g. 0.0.0.0:443, [::]:443 or *:443)";
		if (!all_digits(s))
			return -EINVAL;
		host_s = s;
		hl = 0;
		port_s = s;
	}
	*why = "the port must be a number from 1 to 65535";
	if (parse_port(port_s, &port))
		return -EINVAL;
	*why = "the address is too long";
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, host_s, hl);
	host[hl] = '\0';

	if (!bracket && (!hl || !strcmp(host, "*"))) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s6 = (void *)&out[1];
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*n = 2;
		return 0;
	}
	if (bracket) {
		s6 = (void *)&out[0];
		*why = "not an IPv6 address";
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	} else {
		*why = "not an IPv4 address (IPv6 goes in brackets, [::1]:443; * is any)";
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	}
	*n = 1;
	return 0;
}

socklen_t kso_addr_len(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return sizeof(struct sockaddr_in);
	if (ss->ss_family == AF_INET6)
		return sizeof(struct sockaddr_in6);
	return 0;
}

const char *kso_addr_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	const struct sockaddr_in6 *s6 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}
