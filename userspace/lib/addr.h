/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "ADDR:PORT": the one syntax for a TCP endpoint, taken by ktlsod (--listen, [listen])
 * and ktlsoctl (policy add, policy del), and the form every address is printed in.
 *
 *	1.2.3.4:PORT	that IPv4 address (0.0.0.0 is the IPv4 wildcard)
 *	[v6]:PORT	that IPv6 address, always in brackets ([::1]:443; [::] the IPv6
 *			wildcard); "::1:443" is refused, it reads two ways
 *	*:PORT		any address of either family: both wildcards
 *	PORT, :PORT	the same as *:PORT
 *
 * PORT is decimal, 1 to 65535. Addresses only: no host names, no DNS lookups, no scope
 * ids. What "both wildcards" becomes is the caller's: ktlsod listens on one dual-stack
 * socket ([::] with IPV6_V6ONLY off, which sees IPv4 clients as ::ffff:a.b.c.d);
 * ktlsoctl sets a policy on each of 0.0.0.0:PORT and [::]:PORT.
 */
#ifndef KTLSO_ADDR_H
#define KTLSO_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* The longest address kso_addr_format() writes, with its NUL: "[v6]:65535". */
#define KSO_ADDR_STRLEN 64

/*
 * Parse s into out[]: *n = 1 for one address, 2 for "*" (out[0] 0.0.0.0:PORT, out[1]
 * [::]:PORT). 0 or -EINVAL, and then *why says what is wrong in a phrase for an operator
 * ("the port must be a number from 1 to 65535").
 */
int kso_addr_parse(const char *s, struct sockaddr_storage out[2], int *n, const char **why);

/* The length bind() and connect() take for ss: that of its family, 0 if neither. */
socklen_t kso_addr_len(const struct sockaddr_storage *ss);

/* "10.0.0.1:443", "[::1]:443", "-" for no address; kso_addr_parse() takes it back. */
const char *kso_addr_format(const struct sockaddr_storage *ss, char *buf, size_t len);

#endif
