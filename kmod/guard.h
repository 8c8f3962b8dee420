/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KTLSO_GUARD_H
#define _KTLSO_GUARD_H

struct ktlso_net;
struct ktlso_sock;
struct work_struct;

void ktlso_guard_rearm(struct ktlso_sock *ks);

void ktlso_guard_scan(struct work_struct *work);
void ktlso_guard_kick(struct ktlso_net *kn);
void ktlso_guard_stop_all(void);
int ktlso_guard_init(void);
void ktlso_guard_uninit(void);

#endif /* _KTLSO_GUARD_H */
