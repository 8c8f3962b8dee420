/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_GENL_H
#define _KTLSO_GENL_H

/* Reported by MODULE_VERSION and by KTLSO_CMD_GET_VERSION. */
#define KTLSO_MODULE_VERSION "0.1.0"

int ktlso_genl_init(void);
void ktlso_genl_uninit(void);

#endif /* _KTLSO_GENL_H */
