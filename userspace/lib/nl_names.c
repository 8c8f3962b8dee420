// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names for output: of the contract's enums, of TLS ciphers (and their
 * parsers), and the sentence an operator can act on for an error.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/ktlso.h>
#include <linux/tls.h>

#include "nl.h"

const char *kso_conf_name(uint8_t conf)
{
	switch (conf) {
	case KTLSO_CONF_NONE:
		return "user";
	case KTLSO_CONF_SW:
		return "sw";
	case KTLSO_CONF_HW:
		return "hw";
	default:
		return "unknown";
	}
}

static const char *const kso_mode_names[__KTLSO_MODE_MAX] = {
	[KTLSO_MODE_OFF] = "off",
	[KTLSO_MODE_TX] = "tx",
	[KTLSO_MODE_RX] = "rx",
	[KTLSO_MODE_TXRX] = "txrx",
};

const char *kso_mode_name(uint8_t mode)
{
	return mode < __KTLSO_MODE_MAX ? kso_mode_names[mode] : "unknown";
}

int kso_mode_parse(const char *s)
{
	for (int i = 0; i < __KTLSO_MODE_MAX; i++)
		if (!strcasecmp(s, kso_mode_names[i]))
			return i;
	return -EINVAL;
}

const char *kso_event_name(uint8_t cmd)
{
	switch (cmd) {
	case KTLSO_CMD_EV_OFFLOADED:
		return "offloaded";
	case KTLSO_CMD_EV_CLOSED:
		return "closed";
	case KTLSO_CMD_EV_KEY_LIMIT:
		return "key-limit";
	case KTLSO_CMD_EV_OFFLOAD_REQUEST:
		return "offload-request";
	case KTLSO_CMD_EV_FALLBACK:
		return "fallback";
	case KTLSO_CMD_EV_POLICY_ADD:
		return "policy-add";
	case KTLSO_CMD_EV_POLICY_DEL:
		return "policy-del";
	default:
		return "unknown";
	}
}

/* TLS_CIPHER_* of <linux/tls.h> (51..61); "aes-128-gcm" is the policy's spelling. */
static const struct {
	uint16_t type;
	const char *name, *policy_name;
} kso_tls_ciphers[] = {
	{ TLS_CIPHER_AES_GCM_128, "AES_128_GCM", "aes-128-gcm" },
	{ TLS_CIPHER_AES_GCM_256, "AES_256_GCM", "aes-256-gcm" },
	{ TLS_CIPHER_CHACHA20_POLY1305, "CHACHA20_POLY1305", "chacha20-poly1305" },
	{ TLS_CIPHER_AES_CCM_128, "AES_128_CCM", "aes-128-ccm" },
#ifdef TLS_CIPHER_SM4_GCM
	{ TLS_CIPHER_SM4_GCM, "SM4_GCM", "sm4-gcm" },
	{ TLS_CIPHER_SM4_CCM, "SM4_CCM", "sm4-ccm" },
#endif
#ifdef TLS_CIPHER_ARIA_GCM_128
	{ TLS_CIPHER_ARIA_GCM_128, "ARIA_128_GCM", "aria-128-gcm" },
	{ TLS_CIPHER_ARIA_GCM_256, "ARIA_256_GCM", "aria-256-gcm" },
#endif
};

#define KSO_N_TLS_CIPHERS (sizeof(kso_tls_ciphers) / sizeof(kso_tls_ciphers[0]))

const char *kso_tls_cipher_name(uint16_t tls_cipher)
{
	if (!tls_cipher)
		return "unknown";
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (kso_tls_ciphers[i].type == tls_cipher)
			return kso_tls_ciphers[i].name;
	return "unknown";
}

const char *kso_tls_cipher_policy_name(uint16_t tls_cipher)
{
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (kso_tls_ciphers[i].type == tls_cipher)
			return kso_tls_ciphers[i].policy_name;
	return NULL;
}

int kso_tls_cipher_parse(const char *s)
{
	for (size_t i = 0; i < KSO_N_TLS_CIPHERS; i++)
		if (!strcasecmp(s, kso_tls_ciphers[i].policy_name) ||
		    !strcasecmp(s, kso_tls_ciphers[i].name))
			return kso_tls_ciphers[i].type;
	return -EINVAL;
}

const char *kso_nl_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case ENOENT:
		if (access("/proc/modules", F_OK))
			return "the ktlso module is not loaded, and this kernel cannot load "
			       "modules (it was built without CONFIG_MODULES)";
		return "the ktlso module is not loaded "
		       "(load it with 'modprobe ktlso' or 'insmod ktlso.ko')";
	case EPERM:
	case EACCES:
		return "permission denied: this needs CAP_NET_ADMIN in the initial user namespace "
		       "(run it as root, outside any user namespace)";
	case EOPNOTSUPP:
		return "the loaded ktlso module is too old for this command "
		       "(load the ktlso.ko that came with this tool)";
	case EPROTO:
		return "the ktlso module sent a reply this tool does not understand "
		       "(the module and the tools do not match)";
	case ENOBUFS:
		return "events were lost: the kernel dropped them while the socket's "
		       "buffer was full";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
