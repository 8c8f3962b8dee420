/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Taking the keys out of an OpenSSL 3 handshake for kTLS. OpenSSL does not hand out the
 * TLS 1.3 traffic secrets through an API; it does pass them to the key-log callback (the
 * SSLKEYLOGFILE mechanism), so ktlso installs one that keeps the two application traffic
 * secrets with the SSL object, never writes them anywhere, and wipes them once derived
 * (ktlsod copies them first, for KeyUpdates, where the kernel can rekey).
 * TLS 1.2 needs only the master secret and the randoms, which OpenSSL does expose.
 */
#ifndef KTLSO_SSLKEYS_H
#define KTLSO_SSLKEYS_H

#include <stdbool.h>
#include <openssl/ssl.h>
#include "keysched.h"

/*
 * OpenSSL frees its objects without wiping them: after SSL_free, the TLS 1.3 traffic
 * secrets and write IVs it kept in the SSL (for KeyUpdate) stay in freed heap memory
 * until something reuses it. This makes every block OpenSSL frees, or moves in a realloc,
 * be wiped first. Call it before anything else uses OpenSSL (it fails once OpenSSL has
 * allocated). 0 or -EBUSY.
 */
int kso_ssl_wipe_on_free(void);

/*
 * OpenSSL's secure heap, size bytes (a power of 2): a mapping of its own, locked in memory
 * (mlock) and left out of core dumps (MADV_DONTDUMP), where OpenSSL keeps private keys
 * and ephemeral key-exchange keys, and where the captured traffic secrets go while it
 * has room (half of it is left to OpenSSL). Once, after kso_ssl_wipe_on_free and before
 * any key is loaded. 0; -EPERM: working but not locked (RLIMIT_MEMLOCK); -ENOMEM: none.
 */
int kso_ssl_secure_heap(size_t size);

/* Install the capturing key-log callback on ctx (replacing any other). 0 or -errno. */
int kso_ssl_capture(SSL_CTX *ctx);

/*
 * After the handshake of ssl (playing `role`): derive the keys of both directions, the
 * next records carrying tx_seq and rx_seq. The captured secrets are wiped.
 *
 * The sequence numbers are the caller's to know: every record OpenSSL sent or read under
 * the application keys counts. TLS 1.3 records start at 0 with the application traffic
 * keys, but a server that sends session tickets (OpenSSL's default is 2, from inside
 * SSL_accept) has used 0 and 1 already; ktlsod sends one and counts it. TLS 1.2
 * records start at 1 in both directions after a handshake (Finished was record 0).
 *
 * Errors:
 * -EOPNOTSUPP  the negotiated version or suite has no kTLS counterpart here;
 * -ENOKEY      the secrets were not captured (kso_ssl_capture not called on its SSL_CTX,
 *              or already derived once);
 * -EINVAL      the handshake is not complete.
 */
int kso_ssl_derive(SSL *ssl, enum kso_role role, uint64_t tx_seq, uint64_t rx_seq,
		   struct kso_dir_keys *tx, struct kso_dir_keys *rx);

/*
 * One direction only (tx: our writes), wiping only that direction's captured secret, so
 * that the other can be derived later (a connection whose RX stays in userspace TLS and
 * moves into kTLS when an operator asks). Errors as kso_ssl_derive; -ENOKEY also when
 * that direction was derived before.
 */
int kso_ssl_derive_one(SSL *ssl, enum kso_role role, bool tx, uint64_t seq,
		       struct kso_dir_keys *out);

/*
 * TLS 1.3: copy both application traffic secrets as captured (ours into tx, the peer's into
 * rx; *len bytes each, the suite's hash length), for KeyUpdates carried out later by kTLS
 * (kso_tls13_next_secret). Call before kso_ssl_derive*, which wipe what was captured; the
 * copies are the caller's to keep in memory that is not dumped and to wipe. 0, -ENOKEY
 * (not captured) or -EOPNOTSUPP (not TLS 1.3).
 */
int kso_ssl_copy_secrets(SSL *ssl, enum kso_role role, uint8_t tx[KSO_MAX_SECRET],
			 uint8_t rx[KSO_MAX_SECRET], size_t *len);

/* Wipe whatever was captured for ssl (a connection that stays in userspace TLS). */
void kso_ssl_forget(SSL *ssl);

/*
 * A TLS 1.3 KeyUpdate went through OpenSSL on ssl (either way): the captured secret of the
 * direction it moved is stale, and ktlsod moves no connection into kTLS after one (the
 * record counts of OpenSSL's new keys are not ours), so both are wiped now rather than at
 * the connection's end. Where a rekey-capable kernel is to follow a KeyUpdate, this is
 * the one place that decides what stays.
 */
void kso_ssl_key_updated(SSL *ssl);

#endif
