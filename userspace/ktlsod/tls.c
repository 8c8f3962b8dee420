// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The server's TLS contexts: versions and AEAD suites kTLS can carry, key capture, ALPN,
 * session resumption, and the certificates, chosen per connection.
 *
 * One generation of certificates (start, then each SIGHUP) is a "dispatch" SSL_CTX that
 * every connection starts with, and one SSL_CTX per group of certificate sets that serve
 * the same names. The dispatch context has no certificate: its ClientHello callback reads
 * the client's SNI and moves the connection to its group's context (exact name, then the
 * one-label wildcard, then the default) before OpenSSL looks at sessions or certificates.
 * A group holds one certificate per key type, so an ECDSA and an RSA certificate for the
 * same names sit side by side and OpenSSL picks the one the client can verify (TLS 1.3
 * signature algorithms, TLS 1.2 cipher suites). The generation hangs off the dispatch
 * context (ex_data): connections in progress keep it alive through their references.
 */
#include "ktlsod.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>

#include "certs.h"
#include "sslkeys.h"

/*
 * Forward-secret AEAD suites only, all of which kTLS takes (see ktlsoctl probe). TLS 1.2's
 * are Mozilla's "intermediate" list without its DHE-RSA ones (ECDHE with AES-GCM or
 * ChaCha20-Poly1305): finite-field DH costs the daemon far more CPU per handshake
 * (docs/hardening.md, section 5).
 */
static const char tls13_suites[] =
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
static const char tls12_suites[] =
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

struct tls_set {
	char name[64];
	struct kso_cert cert;
	char **names;			/* what it serves: lowercase, sorted */
	size_t nnames;
	int group;
};

struct tls_sni {
	const char *name;		/* points into a set's names */
	int group;
};

struct tls_gen {
	struct tls_set *sets;
	size_t nsets;
	SSL_CTX **groups;
	size_t ngroups;
	struct tls_sni *sni;		/* sorted by name */
	size_t nsni;
	int def;			/* the default set's group */
};

static int gen_index = -1;
static pthread_once_t gen_once = PTHREAD_ONCE_INIT;

static void gen_free(struct tls_gen *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nsets; i++) {
		kso_cert_free(&g->sets[i].cert);
		for (size_t j = 0; j < g->sets[i].nnames; j++)
			free(g->sets[i].names[j]);
		free(g->sets[i].names);
	}
	for (size_t i = 0; i < g->ngroups; i++)
		SSL_CTX_free(g->groups[i]);
	free(g->sets);
	free(g->groups);
	free(g->sni);
	free(g);
}

static void gen_ex_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			void *argp)
{
	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	gen_free(ptr);
}

static void gen_once_init(void)
{
	gen_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, gen_ex_free);
}

static struct tls_gen *gen_of(SSL_CTX *ctx)
{
	return ctx && gen_index >= 0 ? SSL_CTX_get_ex_data(ctx, gen_index) : NULL;
}

/* ------------------------------------------------------------ per connection */

static int sni_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tls_sni *)a)->name, ((const struct tls_sni *)b)->name);
}

static int gen_lookup(const struct tls_gen *g, const char *host)
{
	struct tls_sni key = { .name = host }, *hit;
	char wild[KSO_CERT_NAME_MAX + 2];

	hit = bsearch(&key, g->sni, g->nsni, sizeof(*g->sni), sni_cmp);
	if (!hit && !kso_cert_wildcard_of(host, wild, sizeof(wild))) {
		key.name = wild;
		hit = bsearch(&key, g->sni, g->nsni, sizeof(*g->sni), sni_cmp);
	}
	return hit ? hit->group : g->def;
}

/* Runs before OpenSSL reads the extensions: sessions and certificates are then the group's. */
static int on_client_hello(SSL *ssl, int *alert, void *arg)
{
	const struct tls_gen *g = arg;
	const unsigned char *p;
	char host[KSO_CERT_NAME_MAX];
	size_t len;
	int gi = g->def;

	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) &&
	    !kso_cert_sni_parse(p, len, host, sizeof(host)))
		gi = gen_lookup(g, host);
	if (!SSL_set_SSL_CTX(ssl, g->groups[gi])) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/*
 * HTTP/1.1, else HTTP/1.0 (curl --http1.0 offers only that; the request line says 1.0 and
 * http.c serves it so: no keep-alive unless asked). A client that offers ALPN with
 * neither gets no_application_protocol.
 */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1\x08http/1.0";

	(void)ssl, (void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

/* ------------------------------------------------------------ building a generation */

/* Everything but the certificate: the same on every context a connection may use. */
static SSL_CTX *ctx_new(const struct config *cfg, struct kso_cert_findings *f)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		kso_cert_add(f, KSO_CERT_ERROR, "SSL_CTX_new: %s",
			     ERR_reason_error_string(ERR_get_error()));
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, cfg->tls_min);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (!SSL_CTX_set_ciphersuites(ctx, tls13_suites) ||
	    !SSL_CTX_set_cipher_list(ctx, tls12_suites) ||
	    tls_set_groups(ctx, cfg->groups)) {
		kso_cert_add(f, KSO_CERT_ERROR, "cipher or group configuration: %s",
			     ERR_reason_error_string(ERR_get_error()));
		goto fail;
	}
	/*
	 * Resumption: TLS 1.2 by session ID (the session cache) or ticket, TLS 1.3 by one
	 * ticket per handshake. Tickets are OpenSSL's stateless kind: the session travels
	 * encrypted under the daemon's current ticket key (tickets.c: rotated, the previous
	 * one accepted for one more period), so an idle offloaded
	 * connection keeps nothing in the daemon (stateful TLS 1.3 tickets cost a cached
	 * session each: 1338 bytes of RSS per idle connection against 286, measured with
	 * tests/e2e/memory.sh). The ticket is a record the server sends under the
	 * application key right after the handshake; the worker counts it, and kTLS's TX
	 * record sequence starts after it (handshake.c, hs_on_poll). No 0-RTT: early data can
	 * be replayed.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
					 SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_num_tickets(ctx, 1);
	/* userspace TLS: an idle connection gives back OpenSSL's 2 x 16 KiB record buffers */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_max_early_data(ctx, 0);
	SSL_CTX_set_recv_max_early_data(ctx, 0);
	SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
	if (kso_ssl_capture(ctx)) {
		kso_cert_add(f, KSO_CERT_ERROR, "cannot set up key capture");
		goto fail;
	}
	if (tickets_use(ctx)) {
		kso_cert_add(f, KSO_CERT_ERROR, "cannot set up the session-ticket keys");
		goto fail;
	}
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names a set serves: "a, *.b" as configured, else the certificate's DNS names. */
static int set_names(struct tls_set *s, const char *list)
{
	char *copy, *tok, *save = NULL;
	size_t cap;

	if (!list) {
		s->names = calloc(s->cert.nsans + 1, sizeof(*s->names));
		if (!s->names)
			return -ENOMEM;
		for (size_t i = 0; i < s->cert.nsans; i++)
			if ((s->names[s->nnames] = strdup(s->cert.sans[i])))
				s->nnames++;
	} else {
		cap = strlen(list) / 2 + 2;
		copy = strdup(list);
		s->names = calloc(cap, sizeof(*s->names));
		if (!copy || !s->names) {
			free(copy);
			return -ENOMEM;
		}
		for (tok = strtok_r(copy, ", \t", &save); tok && s->nnames < cap;
		     tok = strtok_r(NULL, ", \t", &save)) {
			for (char *p = tok; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
			if ((s->names[s->nnames] = strdup(tok)))
				s->nnames++;
		}
		free(copy);
	}
	qsort(s->names, s->nnames, sizeof(*s->names), cmp_str);
	return 0;
}

static bool same_names(const struct tls_set *a, const struct tls_set *b)
{
	if (a->nnames != b->nnames)
		return false;
	for (size_t i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], b->names[i]))
			return false;
	return true;
}

/* Load and check each set; the default (--cert) first. */
static int load_sets(struct tls_gen *g, const struct config *cfg, struct kso_cert_findings *f)
{
	size_t n = (size_t)cfg->nsets + (cfg->cert ? 1 : 0);
	int err = 0;

	g->sets = calloc(n, sizeof(*g->sets));
	if (!g->sets)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cert_set_cfg *cs = cfg->cert ? (i ? &cfg->sets[i - 1] : NULL) :
							    &cfg->sets[i];
		struct tls_set *s = &g->sets[g->nsets];
		struct kso_cert_opts o = {
			.trust = cfg->trust,
			.incomplete_warn = cfg->incomplete_warn,
			.expiry_warn_days = cfg->expiry_warn_days,
		};

		snprintf(s->name, sizeof(s->name), "%s", cs ? cs->name : "default");
		if (kso_cert_load(&s->cert, cs ? cs->cert : cfg->cert, cs ? cs->key : cfg->key,
				  f)) {
			err = -EINVAL;
			continue;
		}
		g->nsets++;
		if (set_names(s, cs ? cs->names : NULL))
			return -ENOMEM;
		if (cs && cs->names) {
			o.names = (const char *const *)s->names;
			o.nnames = s->nnames;
		}
		kso_cert_check(&s->cert, &o, f);
		if (!s->nnames && cs && !cs->names)
			kso_cert_add(f, KSO_CERT_ERROR, "[cert %s] serves no names: its certificate "
				     "'%s' has no DNS names; give it 'names =' (or make it the "
				     "default with --cert)", s->name, s->cert.subject);
	}
	return err;
}

/* Sets serving the same names share a context: one certificate per key type. */
static int build_groups(struct tls_gen *g, const struct config *cfg,
			struct kso_cert_findings *f)
{
	char sid[16];

	g->groups = calloc(g->nsets, sizeof(*g->groups));
	g->sni = calloc(1, sizeof(*g->sni));
	if (!g->groups || !g->sni)
		return -ENOMEM;
	for (size_t i = 0; i < g->nsets; i++) {
		struct tls_set *s = &g->sets[i];

		s->group = -1;
		for (size_t j = 0; j < i && s->group < 0; j++)
			if (same_names(s, &g->sets[j]))
				s->group = g->sets[j].group;
		for (size_t j = 0; j < i; j++) {
			if (g->sets[j].group == s->group && s->group >= 0 &&
			    g->sets[j].cert.key_id == s->cert.key_id) {
				kso_cert_add(f, KSO_CERT_ERROR, "[cert %s] and [cert %s] both hold "
					     "%s certificates for the same names: a name is served "
					     "by one certificate per key type (one ECDSA, one RSA); "
					     "remove one", g->sets[j].name, s->name,
					     s->cert.key_type);
				return -EINVAL;
			}
		}
		if (s->group < 0) {
			SSL_CTX *ctx = ctx_new(cfg, f);

			if (!ctx)
				return -EINVAL;
			/* sessions resume only with the certificates they were made with */
			snprintf(sid, sizeof(sid), "ktlsod:%zu", g->ngroups);
			SSL_CTX_set_session_id_context(ctx, (const unsigned char *)sid,
						       (unsigned)strlen(sid));
			s->group = (int)g->ngroups;
			g->groups[g->ngroups++] = ctx;
		}
		if (SSL_CTX_use_cert_and_key(g->groups[s->group], s->cert.leaf, s->cert.key,
					     s->cert.chain, 1) != 1) {
			kso_cert_add(f, KSO_CERT_ERROR, "OpenSSL refused the certificate of [cert "
				     "%s] (%s): %s", s->name, s->cert.cert_path,
				     ERR_reason_error_string(ERR_get_error()));
			ERR_clear_error();
			return -EINVAL;
		}
	}
	g->def = g->sets[0].group;
	return 0;
}

static int build_sni(struct tls_gen *g, struct kso_cert_findings *f)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nsets; i++)
		n += g->sets[i].nnames;
	free(g->sni);
	g->sni = calloc(n + 1, sizeof(*g->sni));
	if (!g->sni)
		return -ENOMEM;
	for (size_t i = 0; i < g->nsets; i++) {
		const struct tls_set *s = &g->sets[i];

		for (size_t j = 0; j < s->nnames; j++) {
			struct tls_sni *dup = NULL;

			for (size_t k = 0; k < g->nsni && !dup; k++)
				if (!strcmp(g->sni[k].name, s->names[j]))
					dup = &g->sni[k];
			if (dup && dup->group == s->group)
				continue;
			if (dup) {
				const char *other = "?";

				for (size_t k = 0; k < i; k++) {
					if (g->sets[k].group == dup->group) {
						other = g->sets[k].name;
						break;
					}
				}
				kso_cert_add(f, KSO_CERT_ERROR, "the name '%s' is served by both "
					     "[cert %s] and [cert %s], which serve different lists "
					     "of names: give both the same 'names =' (to serve ECDSA "
					     "and RSA side by side), or take it out of one",
					     s->names[j], other, s->name);
				return -EINVAL;
			}
			g->sni[g->nsni++] = (struct tls_sni){ s->names[j], s->group };
		}
	}
	qsort(g->sni, g->nsni, sizeof(*g->sni), sni_cmp);
	return 0;
}

SSL_CTX *tls_load(const struct config *cfg, struct kso_cert_findings *f)
{
	struct tls_gen *g = calloc(1, sizeof(*g));
	SSL_CTX *ctx = NULL;
	int err;

	pthread_once(&gen_once, gen_once_init);
	if (!g || gen_index < 0) {
		kso_cert_add(f, KSO_CERT_ERROR, "%s", strerror(ENOMEM));
		free(g);
		return NULL;
	}
	err = load_sets(g, cfg, f);
	if (err || kso_cert_errors(f))
		goto fail;
	err = build_groups(g, cfg, f);
	if (!err)
		err = build_sni(g, f);
	if (err)
		goto fail;
	ctx = ctx_new(cfg, f);
	if (!ctx)
		goto fail;
	if (!SSL_CTX_set_ex_data(ctx, gen_index, g)) {
		kso_cert_add(f, KSO_CERT_ERROR, "%s", strerror(ENOMEM));
		goto fail;
	}
	SSL_CTX_set_client_hello_cb(ctx, on_client_hello, g);
	return ctx;
fail:
	if (err == -ENOMEM)
		kso_cert_add(f, KSO_CERT_ERROR, "%s", strerror(ENOMEM));
	else if (!kso_cert_errors(f))
		kso_cert_add(f, KSO_CERT_ERROR, "the certificates could not be set up");
	SSL_CTX_free(ctx);
	gen_free(g);
	return NULL;
}

/* ------------------------------------------------------------ for the main thread */

void tls_expiry_check(SSL_CTX *ctx, const struct config *cfg, struct kso_cert_findings *f)
{
	const struct tls_gen *g = gen_of(ctx);
	time_t now = time(NULL);
	char t[40];

	for (size_t i = 0; g && i < g->nsets; i++) {
		const struct kso_cert *c = &g->sets[i].cert;
		long days = kso_cert_days_left(c->not_after, now);

		if (c->not_after < now)
			kso_cert_add(f, KSO_CERT_ERROR, "[cert %s] '%s' in %s expired on %s and is "
				     "still served: renew it, then send SIGHUP", g->sets[i].name,
				     c->subject, c->cert_path, kso_cert_time_str(c->not_after, t,
										  sizeof(t)));
		else if (cfg->expiry_warn_days && days < (long)cfg->expiry_warn_days)
			kso_cert_add(f, KSO_CERT_WARNING, "[cert %s] '%s' in %s expires on %s, in "
				     "%ld days: renew it, then send SIGHUP", g->sets[i].name,
				     c->subject, c->cert_path,
				     kso_cert_time_str(c->not_after, t, sizeof(t)), days);
	}
}

int tls_publish(SSL_CTX *ctx, const char *dir)
{
	const struct tls_gen *g = gen_of(ctx);
	struct kso_cert_state *v;
	int err;

	if (!g)
		return -EINVAL;
	v = calloc(g->nsets + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->nsets; i++) {
		const struct tls_set *s = &g->sets[i];
		size_t k = 0;

		snprintf(v[i].set, sizeof(v[i].set), "%s", s->name);
		snprintf(v[i].file, sizeof(v[i].file), "%s", s->cert.cert_path);
		snprintf(v[i].subject, sizeof(v[i].subject), "%s", s->cert.subject);
		snprintf(v[i].issuer, sizeof(v[i].issuer), "%s", s->cert.issuer);
		snprintf(v[i].key_type, sizeof(v[i].key_type), "%s", s->cert.key_type);
		v[i].not_before = s->cert.not_before;
		v[i].not_after = s->cert.not_after;
		for (size_t j = 0; j < s->nnames && k < sizeof(v[i].names); j++)
			k += (size_t)snprintf(v[i].names + k, sizeof(v[i].names) - k, "%s%s",
					      j ? "," : "", s->names[j]);
	}
	err = kso_cert_state_write(dir, v, g->nsets);
	free(v);
	return err;
}
