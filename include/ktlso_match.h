/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Which listener policy applies to a socket, written once for the module
 * (kmod/policy.c) and the daemon (userspace/lib/nl_match.c, on its copy of
 * the policies). Pure C over struct sockaddr_in and sockaddr_in6: include it
 * after the kernel's or the C library's definitions of those, of bool and of
 * memcmp().
 *
 * A socket takes the policy of its local address and port: an exact match,
 * else the wildcard address of its family on that port. The family is the
 * socket's own: an IPv4 connection accepted on an IPv6 wildcard listener is
 * an AF_INET6 socket with a v4-mapped local address (::ffff:a.b.c.d), so it
 * matches AF_INET6 policies, [::ffff:a.b.c.d]:port then [::]:port, and never
 * an AF_INET one - which is also how the daemon looks its listeners up.
 * Scope ids, flow labels and padding do not tell listeners apart.
 */
#ifndef _KTLSO_MATCH_H
#define _KTLSO_MATCH_H

/* Same family (AF_INET or AF_INET6), address and port. */
static inline bool ktlso_sockaddr_same(const struct sockaddr *a,
				       const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr,
			       sizeof(a6->sin6_addr));
	return false;
}

/* pol is the wildcard address (0.0.0.0 or ::) of local's family and port. */
static inline bool ktlso_sockaddr_wildcard_of(const struct sockaddr *pol,
					      const struct sockaddr *local)
{
	const struct sockaddr_in *p4 = (const void *)pol;
	const struct sockaddr_in *l4 = (const void *)local;
	const struct sockaddr_in6 *p6 = (const void *)pol;
	const struct sockaddr_in6 *l6 = (const void *)local;
	unsigned int i;

	if (pol->sa_family != local->sa_family)
		return false;
	if (pol->sa_family == AF_INET)
		return p4->sin_port == l4->sin_port && !p4->sin_addr.s_addr;
	if (pol->sa_family != AF_INET6 || p6->sin6_port != l6->sin6_port)
		return false;
	for (i = 0; i < sizeof(p6->sin6_addr.s6_addr); i++)
		if (p6->sin6_addr.s6_addr[i])
			return false;
	return true;
}

enum ktlso_match_rank {
	KTLSO_MATCH_NONE,
	KTLSO_MATCH_WILDCARD,
	KTLSO_MATCH_EXACT,
};

/* How well a policy for address pol fits a socket of local address local. */
static inline enum ktlso_match_rank
ktlso_match_rank(const struct sockaddr *pol, const struct sockaddr *local)
{
	if (ktlso_sockaddr_same(pol, local))
		return KTLSO_MATCH_EXACT;
	if (ktlso_sockaddr_wildcard_of(pol, local))
		return KTLSO_MATCH_WILDCARD;
	return KTLSO_MATCH_NONE;
}

/*
 * A search over the policies, whatever holds them: start zeroed, offer each
 * policy (its address, and the caller's object), then best is the policy
 * that applies, NULL if none.
 */
struct ktlso_match {
	const void *best;
	enum ktlso_match_rank rank;
};

/* Returns true once the search may stop: an exact match was found. */
static inline bool ktlso_match_offer(struct ktlso_match *m,
				     const struct sockaddr *pol_addr,
				     const void *pol,
				     const struct sockaddr *local)
{
	enum ktlso_match_rank rank = ktlso_match_rank(pol_addr, local);

	if (rank > m->rank) {
		m->rank = rank;
		m->best = pol;
	}
	return m->rank == KTLSO_MATCH_EXACT;
}

#endif /* _KTLSO_MATCH_H */
