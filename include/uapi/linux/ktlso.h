/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Documentation
 * =============
 *
 * The enums and macros below are the interface between the ktlso kernel
 * module, the ktlso daemon and the ktlso tools. They are carried over generic
 * netlink, family KTLSO_GENL_NAME, version KTLSO_GENL_VERSION. The family is
 * present in every network namespace; what a command sees and changes is the
 * state of the namespace of the netlink socket it was sent on.
 *
 * Every command is sent as NLM_F_REQUEST, optionally with NLM_F_ACK, and its
 * genlmsghdr.reserved field must be zero. Attributes are validated strictly
 * against one policy for the whole family: an attribute with an unknown type
 * number, or of the wrong type or length, makes the request fail with -EINVAL
 * and the extended ack names it; a known attribute that a command does not
 * take is ignored. A command the module does not know fails with -EOPNOTSUPP;
 * userspace may take that to mean the module is older than itself.
 *
 * KTLSO_CMD_GET_VERSION
 * ---------------------
 *
 * May be called by anyone, as NLM_F_REQUEST without NLM_F_DUMP. It takes no
 * attributes. The kernel replies with one message containing:
 *
 *    KTLSO_A_VERSION_STRING: NLA_NUL_STRING, maxlen KTLSO_VERSION_STRING_MAX
 *                            (including the NUL), the module's version, as
 *                            MODULE_VERSION reports it, e.g. "0.1.0"
 *    KTLSO_A_PROTO_VERSION: NLA_U32, the netlink protocol version the module
 *                           speaks, KTLSO_GENL_VERSION at the time it was
 *                           built
 *
 * Userspace should compare KTLSO_A_PROTO_VERSION with its own
 * KTLSO_GENL_VERSION before relying on commands beyond this one.
 *
 * Growth
 * ------
 *
 * Commands and attributes are only ever appended before the __KTLSO_*_MAX
 * sentinels; existing values are never renumbered or given another meaning.
 * Commands that change state will require CAP_NET_ADMIN in the user namespace
 * owning the network namespace, and fail with -EPERM without it.
 */

#ifndef _UAPI_LINUX_KTLSO_H
#define _UAPI_LINUX_KTLSO_H

#define KTLSO_GENL_NAME "ktlso"
#define KTLSO_GENL_VERSION 1

#define KTLSO_VERSION_STRING_MAX 32

enum ktlso_cmd {
	KTLSO_CMD_UNSPEC,
	KTLSO_CMD_GET_VERSION,
	__KTLSO_CMD_MAX
};

#define KTLSO_CMD_MAX (__KTLSO_CMD_MAX - 1)

enum ktlso_attr {
	KTLSO_A_UNSPEC,
	KTLSO_A_VERSION_STRING,
	KTLSO_A_PROTO_VERSION,
	__KTLSO_A_MAX
};

#define KTLSO_A_MAX (__KTLSO_A_MAX - 1)

#endif /* _UAPI_LINUX_KTLSO_H */
