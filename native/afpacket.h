/* Internal interface between the N-API layer (afpacket.c) and the plain socket code. */
#ifndef OPENELB_AFPACKET_H
#define OPENELB_AFPACKET_H

/* Switches this thread into the network namespace at `path`; returns an fd for the old one, or -errno. */
int enter_netns(const char *path);
/* Returns to the namespace saved by enter_netns (no-op for a negative fd). */
void leave_netns(int saved);
/* Reads the hardware address of `ifname` through any socket `fd`; 0 or -errno. */
int read_hwaddr(int fd, const char *ifname, unsigned char mac[6]);
/* Opens, filters and binds a packet socket ("arp" when kind_ndp is 0, else "ndp"); the fd or -errno, with
 * the failing call in *syscall and the interface index in *ifindex. */
int open_packet_socket(const char *ifname, int kind_ndp, int *ifindex, const char **syscall);

#endif
