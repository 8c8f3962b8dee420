// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ktlsoctl probe: what the running kernel's TLS can take, found by trying it on loopback
 * connections (userspace/lib/ktls.c), and whether the ktlso module answers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include <linux/ktlso.h>

#include "ctl.h"
#include "ktls.h"
#include "nl.h"

static void print_human(const struct kso_ktls_caps *c, const char *kernel, const char *module,
			int module_err)
{
	printf("kernel: %s\n", kernel);
	printf("tls ulp: %s\n", c->ulp ? kso_ktls_strerror(KSO_STEP_ULP, c->ulp) : "available");
	if (!c->ulp) {
		printf("ciphers (tx and rx):\n");
		for (int v = 0; v < 2; v++) {
			for (int i = 0; i < KSO_CIPHER_COUNT; i++) {
				int err = c->cipher[v][i];

				printf("  %s %-18s %s\n", v ? "TLSv1.3" : "TLSv1.2",
				       kso_cipher_info(i)->name,
				       err ? kso_ktls_strerror(KSO_STEP_TX, err) : "yes");
			}
		}
		printf("rekey (tls 1.3 keyupdate): %s\n",
		       c->rekey ? kso_ktls_strerror(KSO_STEP_TX, c->rekey) : "yes");
		printf("rx expect no pad: %s\n",
		       c->rx_no_pad ? kso_ktls_strerror(KSO_STEP_NO_PAD, c->rx_no_pad) : "yes");
		/* software kTLS accepts the option and copies anyway */
		printf("tx zerocopy sendfile: %s\n",
		       c->tx_zc_ro
			   ? kso_ktls_strerror(KSO_STEP_ZC_RO, c->tx_zc_ro)
			   : "accepted (TLS_TX_ZEROCOPY_RO), has an effect only with NIC offload");
	}
	printf("tls_stat: %s\n", c->tls_stat ? "/proc/net/tls_stat" : "absent");
	printf("module: %s\n", module_err ? kso_nl_strerror(module_err) : module);
}

static void probe_json_str(const char *key, const char *val, bool comma)
{
	printf("\"%s\":\"", key);
	for (const char *p = val; *p; p++) {
		if (*p == '"' || *p == '\\')
			putchar('\\');
		putchar(*p);
	}
	printf("\"%s", comma ? "," : "");
}

static void print_json(const struct kso_ktls_caps *c, const char *kernel, const char *module,
		       int module_err)
{
	putchar('{');
	probe_json_str("kernel", kernel, true);
	printf("\"ulp\":%s,", c->ulp ? "false" : "true");
	if (c->ulp)
		probe_json_str("ulp_error", kso_ktls_strerror(KSO_STEP_ULP, c->ulp), true);
	printf("\"ciphers\":[");
	for (int v = 0; v < 2; v++) {
		for (int i = 0; i < KSO_CIPHER_COUNT; i++) {
			printf("%s{\"version\":\"%s\",\"cipher\":\"%s\",\"supported\":%s}",
			       v || i ? "," : "", v ? "TLSv1.3" : "TLSv1.2",
			       kso_cipher_info(i)->name, c->cipher[v][i] ? "false" : "true");
		}
	}
	printf("],\"rekey\":%s,\"rx_expect_no_pad\":%s,\"tx_zerocopy_ro\":%s,\"tls_stat\":%s,",
	       c->rekey ? "false" : "true", c->rx_no_pad ? "false" : "true",
	       c->tx_zc_ro ? "false" : "true", c->tls_stat ? "true" : "false");
	if (module_err)
		printf("\"module\":null");
	else
		probe_json_str("module", module, false);
	printf("}\n");
}

int ctl_probe(int argc, char **argv)
{
	char module[KTLSO_VERSION_STRING_MAX + 32] = "";
	char ver[KTLSO_VERSION_STRING_MAX];
	struct kso_ktls_caps caps;
	struct utsname u;
	struct kso_nl *nl;
	bool json = false;
	uint32_t proto = 0;
	int err, module_err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
		} else {
			fprintf(stderr, "%s: probe: unexpected argument '%s'\n", CTL_PROG, argv[i]);
			fprintf(stderr, "Usage: %s probe [-j]\n", CTL_PROG);
			return CTL_EXIT_USAGE;
		}
	}
	err = kso_ktls_probe(&caps);
	if (err) {
		fprintf(stderr, "%s: probe: cannot make a loopback TCP connection: %s\n", CTL_PROG,
			strerror(-err));
		return CTL_EXIT_ERROR;
	}
	module_err = kso_nl_open(&nl);
	if (!module_err) {
		module_err = kso_nl_get_version(nl, ver, sizeof(ver), &proto);
		kso_nl_close(nl);
	}
	if (!module_err)
		snprintf(module, sizeof(module), "%s (netlink protocol %u)", ver, proto);
	uname(&u);
	if (json)
		print_json(&caps, u.release, module, module_err);
	else
		print_human(&caps, u.release, module, module_err);
	/* Scripts may test the status: kTLS is usable here or it is not. */
	return caps.ulp ? CTL_EXIT_ERROR : CTL_EXIT_OK;
}
