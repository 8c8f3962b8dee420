// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lockhold: keep a registered socket's lock held from userspace, for as long as asked.
 * A helper, not a test: tests/vm/sock_lock.sh runs it.
 *
 * It makes a loopback TCP pair, registers the server end with ktlso.ko, has the client
 * send one byte, and lets a thread recv() that byte into a page registered with
 * userfaultfd. tcp_recvmsg() copies to the page under lock_sock(); the copy faults and
 * waits for this program to resolve the fault, so the socket stays owned by a user for
 * that long. Any user who may register a socket (and use userfaultfd, or a FUSE file as
 * the buffer) can do this; the module must not sleep on such a socket's lock. It prints
 *
 *	holding <socket cookie>
 *
 * once the thread waits in the fault, then after -t SECONDS (default 20), or on SIGTERM,
 * resolves the fault, prints "released" and exits 0; 1 with a message on stderr.
 *
 *	lockhold [-t SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "nl.h"
#include "ktls.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lockhold: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

struct reader {
	int fd;
	char *page;
	ssize_t got;
	int err;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->got = recv(r->fd, r->page, 1, 0);
	r->err = r->got < 0 ? errno : 0;
	return NULL;
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	struct reader r = { 0 };
	struct uffd_msg msg;
	struct kso_nl *nl;
	struct pollfd pfd;
	pthread_t th;
	long page_size = sysconf(_SC_PAGESIZE);
	int seconds = 20, fds[2], uffd, opt, err;
	uint64_t id = 0;
	socklen_t len = sizeof(id);
	time_t end;

	while ((opt = getopt(argc, argv, "t:h")) != -1) {
		switch (opt) {
		case 't':
			seconds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: lockhold [-t SECONDS]\n");
			return opt == 'h' ? 0 : 1;
		}
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);

	err = kso_tcp_pair(fds);
	if (err)
		die("a loopback TCP pair: %s", strerror(-err));
	if (getsockopt(fds[0], SOL_SOCKET, SO_COOKIE, &id, &len) < 0)
		die("getsockopt(SO_COOKIE): %s", strerror(errno));
	err = kso_nl_open(&nl);
	if (err)
		die("the ktlso family: %s", kso_nl_strerror(err));
	err = kso_nl_sock_register(nl, &(struct kso_sock_reg){ .fd = fds[0] });
	if (err)
		die("KTLSO_CMD_SOCK_REGISTER: %s", kso_nl_strerror(err));

	uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		die("userfaultfd: %s", strerror(errno));
	if (ioctl(uffd, UFFDIO_API, &api) < 0)
		die("UFFDIO_API: %s", strerror(errno));
	r.page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r.page == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	reg.range.start = (unsigned long)r.page;
	reg.range.len = (unsigned long)page_size;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0)
		die("UFFDIO_REGISTER: %s", strerror(errno));

	if (write(fds[1], "x", 1) != 1)
		die("write: %s", strerror(errno));
	r.fd = fds[0];
	err = pthread_create(&th, NULL, reader_main, &r);
	if (err)
		die("pthread_create: %s", strerror(err));

	/* The fault arrives from inside tcp_recvmsg(), the socket lock held. */
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1)
		die("recv() did not fault on the page within 10 s");
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) || msg.event != UFFD_EVENT_PAGEFAULT)
		die("read(userfaultfd): not a page fault");
	printf("holding %llu\n", (unsigned long long)id);
	fflush(stdout);

	end = time(NULL) + seconds;
	while (!got_term && time(NULL) < end)
		usleep(100 * 1000);

	zero.range.start = (unsigned long)r.page;
	zero.range.len = (unsigned long)page_size;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zero) < 0)
		die("UFFDIO_ZEROPAGE: %s", strerror(errno));
	pthread_join(th, NULL);
	if (r.got != 1)
		die("recv: %s", r.got < 0 ? strerror(r.err) : "no byte");
	printf("released\n");
	fflush(stdout);
	/* a module that was reloaded meanwhile has forgotten it: no unregister */
	kso_nl_close(nl);
	close(fds[0]);
	close(fds[1]);
	return 0;
}
