/*
 * testscan.c -- test builds only: an explicit read-any-byte primitive.
 *
 * The sandbox's threat model assumes a tool can read every byte of its own
 * process (CPython offers more ways to do that than anyone can list).  The
 * test binary makes that assumption literal: the child keeps /proc/self/mem,
 * /proc/self/maps and /proc/self/pagemap open from before seccomp, and the
 * builtin sbx_test_scan(needles) searches every readable, present page of
 * the process for each needle.  Needles come hex-encoded and are decoded
 * here into the scanner's own buffer (which the scan skips): decoding them
 * in Python would leave plain copies in interpreter scratch space that the
 * scan would then report.  The memory-scan tests then prove that
 * nothing of another call, of the server's environment or of the
 * supervisor is there to find.  Never compiled into the production binary.
 */
#ifdef SBX_TESTING
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sbx.h"

#define SCAN_CHUNK	(1u << 20)
#define MAPS_MAX	(4u << 20)

static int	mem_fd = -1, maps_fd = -1, pagemap_fd = -1;

/*
 * In the child, after its fds are set up and before seccomp.  A process
 * that is not dumpable has its /proc files owned by root, so the child is
 * made dumpable for the three opens only.
 */
void
sbx_testscan_open(void)
{
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	mem_fd = open("/proc/self/mem", O_RDONLY);
	maps_fd = open("/proc/self/maps", O_RDONLY);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Bytes read at off (fewer at an unreadable page), or -1. */
static ssize_t
scan_read_at(int fd, uint64_t off, void *p, size_t n)
{
	ssize_t	k;
	size_t	got = 0;

	if (lseek(fd, (off_t)off, SEEK_SET) == (off_t)-1)
		return (-1);
	while (got < n) {
		k = read(fd, (char *)p + got, n - got);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	return ((ssize_t)got);
}

static char *
scan_read_maps(void)
{
	char	*buf;
	size_t	 n = 0;
	ssize_t	 k;

	if ((buf = malloc(MAPS_MAX)) == NULL)
		return (NULL);
	if (lseek(maps_fd, 0, SEEK_SET) == (off_t)-1) {
		free(buf);
		return (NULL);
	}
	while (n < MAPS_MAX - 1 && (k = read(maps_fd, buf + n,
	    MAPS_MAX - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	return (buf);
}

/* Is the page at addr present or swapped (so reading it reads data)? */
static int
scan_page_present(uint64_t addr, long pg)
{
	uint64_t	e;

	if (pagemap_fd == -1)
		return (1);
	if (scan_read_at(pagemap_fd, addr / (uint64_t)pg * 8, &e, 8) != 8)
		return (0);
	return ((e >> 62) & 3) != 0;
}

struct needle {
	const char	*p;
	size_t		 n;
};

static int
scan_unhex(const char *h, size_t n, char *out)
{
	size_t	i;
	int	v, k;

	for (i = 0; i < n / 2; i++) {
		for (v = 0, k = 0; k < 2; k++) {
			char c = h[2 * i + (size_t)k];
			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= c - '0';
			else if (c >= 'a' && c <= 'f')
				v |= c - 'a' + 10;
			else
				return (-1);
		}
		out[i] = (char)v;
	}
	return (0);
}

static void
scan_search(PyObject *out, const struct needle *nd, size_t nn, const char *buf,
    size_t len, uint64_t base, const char *name, uintptr_t skip_lo,
    uintptr_t skip_hi)
{
	const char	*at, *from;
	uint64_t	 addr;
	PyObject	*hit;
	size_t		 i;

	for (i = 0; i < nn; i++) {
		from = buf;
		while (from + nd[i].n <= buf + len && (at = memmem(from,
		    (size_t)(buf + len - from), nd[i].p, nd[i].n)) != NULL) {
			addr = base + (uint64_t)(at - buf);
			from = at + 1;
			/* The scanner's own needles and buffer are no finding. */
			if (addr >= skip_lo && addr < skip_hi)
				continue;
			hit = Py_BuildValue("(nKs)", (Py_ssize_t)i,
			    (unsigned long long)addr, name);
			if (hit != NULL) {
				PyList_Append(out, hit);
				Py_DECREF(hit);
			}
		}
	}
}

/* sbx_test_scan([hex, ...]) -> [(needle index, address, mapping), ...] */
PyObject *
sbx_testscan(PyObject *self, PyObject *arg)
{
	struct needle	 nd[32];
	PyObject	*seq, *out, *item;
	char		*maps, *line, *save = NULL, *buf, *keys;
	const char	*hex;
	Py_ssize_t	 hlen;
	size_t		 room, used = 0;
	uint64_t	 lo, hi, a, run;
	size_t		 nn, i, maxn = 1, keep;
	ssize_t		 got;
	long		 pg = sysconf(_SC_PAGESIZE);
	char		 perms[8], name[256];

	(void)self;
	if (mem_fd == -1 || maps_fd == -1) {
		PyErr_SetString(PyExc_RuntimeError, "scan fds not open");
		return (NULL);
	}
	if ((seq = PySequence_Fast(arg, "needles must be a list")) == NULL)
		return (NULL);
	nn = (size_t)PySequence_Fast_GET_SIZE(seq);
	if (nn > 32)
		nn = 32;
	/* One allocation: the decoded needles, then the read buffer. */
	room = 32 * 512;
	if ((buf = malloc(room + SCAN_CHUNK + 512)) == NULL) {
		Py_DECREF(seq);
		return (PyErr_NoMemory());
	}
	keys = buf;
	for (i = 0; i < nn; i++) {
		item = PySequence_Fast_GET_ITEM(seq, i);
		hex = PyUnicode_Check(item) ? PyUnicode_AsUTF8AndSize(item,
		    &hlen) : NULL;
		if (hex == NULL || hlen < 16 || hlen % 2 || hlen > 1024 ||
		    scan_unhex(hex, (size_t)hlen, keys + used) == -1) {
			free(buf);
			Py_DECREF(seq);
			PyErr_SetString(PyExc_TypeError, "needles must be hex "
			    "strings of 8 to 512 bytes");
			return (NULL);
		}
		nd[i].p = keys + used;
		nd[i].n = (size_t)hlen / 2;
		used += nd[i].n;
		if (nd[i].n > maxn)
			maxn = nd[i].n;
	}
	buf = keys + room;
	out = PyList_New(0);
	maps = scan_read_maps();
	if (out == NULL || maps == NULL) {
		free(maps);
		free(keys);
		Py_XDECREF(out);
		Py_DECREF(seq);
		return (PyErr_NoMemory());
	}
	for (line = strtok_r(maps, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		name[0] = '\0';
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %255s",
		    &lo, &hi, perms, name) < 3 || perms[0] != 'r')
			continue;
		if (strcmp(name, "[vvar]") == 0 ||
		    strcmp(name, "[vsyscall]") == 0)
			continue;
#ifdef SBX_ASAN
		/*
		 * ASan's shadow (x86-64: 0x7fff8000 - 0x10007fff8000) holds one
		 * poison byte per 8 bytes of memory, never data, and spans
		 * terabytes of reserve: it is not walked.
		 */
		if (lo >= 0x7fff8000ULL && hi <= 0x10007fff8000ULL)
			continue;
#endif
		/* Runs of present pages, read in chunks with an overlap. */
		for (a = lo; a < hi;) {
			if (!scan_page_present(a, pg)) {
				a += (uint64_t)pg;
				continue;
			}
			for (run = a; run < hi && run - a < SCAN_CHUNK &&
			    scan_page_present(run, pg); run += (uint64_t)pg)
				;
			if ((got = scan_read_at(mem_fd, a, buf,
			    (size_t)(run - a))) > 0)
				scan_search(out, nd, nn, buf, (size_t)got, a,
				    name[0] ? name : "[anon]", (uintptr_t)keys,
				    (uintptr_t)buf + SCAN_CHUNK + 512);
			keep = maxn - 1;
			/* Re-read the tail so a needle across the cut is seen. */
			a = run < hi && run - a > keep + (uint64_t)pg ?
			    run - (uint64_t)pg : run;
		}
	}
	explicit_bzero(keys, room + SCAN_CHUNK + 512);
	free(keys);
	free(maps);
	Py_DECREF(seq);
	return (out);
}
#endif
