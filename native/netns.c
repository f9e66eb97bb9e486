/* Network namespace switching and interface lookups, independent of N-API. */
#define _GNU_SOURCE
#include "afpacket.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Switches this thread into the network namespace at `path`; returns an fd for the old one, or -errno. */
int enter_netns(const char *path) {
  int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) return -errno;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int e = errno;
    close(saved);
    return -e;
  }
  int rc = setns(target, CLONE_NEWNET);
  int e = errno;
  close(target);
  if (rc < 0) {
    close(saved);
    return -e;
  }
  return saved;
}

void leave_netns(int saved) {
  if (saved < 0) return;
  /* Going back can only fail if the original namespace vanished, which it cannot while we hold its fd. */
  if (setns(saved, CLONE_NEWNET) < 0) abort();
  close(saved);
}

int read_hwaddr(int fd, const char *ifname, unsigned char mac[6]) {
  struct ifreq req;
  memset(&req, 0, sizeof req);
  memcpy(req.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1)); /* validated shorter than IF_NAMESIZE */
  if (ioctl(fd, SIOCGIFHWADDR, &req) < 0) return -errno;
  memcpy(mac, req.ifr_hwaddr.sa_data, 6);
  return 0;
}
