/*
 * The packet socket itself: kernel-side filtering so the process never sees a node's ordinary traffic.
 *   kind "arp": protocol ETH_P_ARP, and a classic BPF program that drops outgoing frames;
 *   kind "ndp": protocol ETH_P_IPV6, and a classic BPF program that passes only incoming ICMPv6 Neighbor
 *               Solicitations and Advertisements (next header 58 right after the fixed IPv6 header, ICMPv6
 *               type 135 or 136).
 * The socket is created with protocol 0 (receives nothing), the filter is attached, and only then is it bound
 * to the protocol and interface, so no unfiltered frame can be queued in between.
 */
#define _GNU_SOURCE
#include "afpacket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int attach_filter(int fd, int kind_ndp) {
  /* Offsets are from the start of the Ethernet header (SOCK_RAW). */
  struct sock_filter arp[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
  };
  struct sock_filter ndp[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 5, 0),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 6), /* IPv6 next header */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 40), /* ICMPv6 type */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 2, 0),
      /* Advertisements too: a host answering the speaker's probe (src/layer2/conflict.ts). */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffff),
  };
  struct sock_fprog prog;
  if (kind_ndp) {
    prog.len = sizeof ndp / sizeof ndp[0];
    prog.filter = ndp;
  } else {
    prog.len = sizeof arp / sizeof arp[0];
    prog.filter = arp;
  }
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0 ? -errno : 0;
}

/* Opens and binds the socket in the current namespace; returns the fd or -errno, and names the failing call. */
int open_packet_socket(const char *ifname, int kind_ndp, int *ifindex, const char **syscall) {
  *syscall = "if_nametoindex";
  unsigned index = if_nametoindex(ifname);
  if (!index) return -errno;
  *ifindex = (int)index;
  *syscall = "socket(AF_PACKET)";
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  /* Best effort: room for ~100 ms of a 10k/s request flood while the JS thread is busy (GC, API work). The
   * kernel caps it at net.core.rmem_max; the default buffer (~200 KiB) dropped frames in the lab benchmark. */
  int rcvbuf = 4 << 20;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  *syscall = "setsockopt(SO_ATTACH_FILTER)";
  int rc = attach_filter(fd, kind_ndp);
  if (rc == 0) {
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(kind_ndp ? ETH_P_IPV6 : ETH_P_ARP);
    sll.sll_ifindex = (int)index;
    *syscall = "bind(AF_PACKET)";
    rc = bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0 ? -errno : 0;
  }
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}
