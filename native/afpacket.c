/*
 * openelb_afpacket: the smallest raw-socket binding the layer2 responder needs.
 *
 * One AF_PACKET socket per (interface, kind), filtered in the kernel (see socket.c).
 *
 * Frames are delivered to a JS callback from a uv_poll on the socket. Everything that can fail throws an Error
 * whose `code` is the errno name (EPERM, ENODEV, ...) and whose `syscall` names the failing call.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include "afpacket.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FRAMES_PER_WAKEUP 256
#define RECV_BUFFER_SIZE 65536

typedef struct {
  int fd;
  int ifindex;
  uv_poll_t poll;
  napi_env env;
  napi_ref on_frame;
  napi_async_context async_context;
  int closing;
  int refs; /* the uv handle and the JS external each hold one */
  double received;
  double dropped_outgoing;
  double dropped_truncated;
} packet_socket;

static napi_value throw_errno(napi_env env, int err, const char *syscall, const char *subject) {
  const char *name = strerrorname_np(err);
  char message[256];
  snprintf(message, sizeof message, "%s %s: %s", syscall, subject, strerror(err));
  napi_value code, msg, error, sys, num;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_create_int32(env, -err, &num);
  napi_set_named_property(env, error, "errno", num);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

#define CHECK(call)                                                                                            \
  do {                                                                                                         \
    if ((call) != napi_ok) return throw_type(env, #call " failed");                                            \
  } while (0)

/* Reads an optional string argument; returns 0 when absent (undefined/null), 1 when present, -1 on error. */
static int optional_string(napi_env env, napi_value value, char *out, size_t size) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return -1;
  if (type == napi_undefined || type == napi_null) return 0;
  size_t len;
  if (type != napi_string || napi_get_value_string_utf8(env, value, out, size, &len) != napi_ok) return -1;
  if (len == 0 || len >= size - 1) return -1;
  return 1;
}

static int read_ifname(napi_env env, napi_value value, char ifname[IF_NAMESIZE]) {
  size_t len;
  if (napi_get_value_string_utf8(env, value, ifname, IF_NAMESIZE, &len) != napi_ok) return -1;
  return (len == 0 || len >= IF_NAMESIZE - 1) ? -1 : 0;
}

/* interfaceInfo(ifname, netnsPath?) -> { index, mac: Buffer } */
static napi_value js_interface_info(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_type(env, "interfaceInfo(ifname, netnsPath?)");
  char ifname[IF_NAMESIZE], netns[4096];
  if (read_ifname(env, argv[0], ifname) < 0) return throw_type(env, "ifname must be a non-empty interface name");
  int has_ns = argc > 1 ? optional_string(env, argv[1], netns, sizeof netns) : 0;
  if (has_ns < 0) return throw_type(env, "netnsPath must be a path");
  int saved = -1;
  if (has_ns) {
    saved = enter_netns(netns);
    if (saved < 0) return throw_errno(env, -saved, "setns", netns);
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int err = fd < 0 ? errno : 0;
  unsigned index = 0;
  unsigned char mac[6];
  const char *syscall = "socket";
  if (!err) {
    index = if_nametoindex(ifname);
    if (!index) {
      err = errno;
      syscall = "if_nametoindex";
    } else {
      int rc = read_hwaddr(fd, ifname, mac);
      if (rc < 0) {
        err = -rc;
        syscall = "ioctl(SIOCGIFHWADDR)";
      }
    }
    close(fd);
  }
  leave_netns(saved);
  if (err) return throw_errno(env, err, syscall, ifname);
  napi_value result, idx, buf;
  void *data;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_uint32(env, index, &idx));
  CHECK(napi_create_buffer_copy(env, 6, mac, &data, &buf));
  CHECK(napi_set_named_property(env, result, "index", idx));
  CHECK(napi_set_named_property(env, result, "mac", buf));
  return result;
}

static void release(packet_socket *s) {
  if (--s->refs == 0) free(s);
}

static void on_poll_closed(uv_handle_t *handle) {
  packet_socket *s = (packet_socket *)handle->data;
  close(s->fd);
  s->fd = -1;
  release(s);
}

static void begin_close(packet_socket *s) {
  if (s->closing) return;
  s->closing = 1;
  uv_poll_stop(&s->poll);
  napi_delete_reference(s->env, s->on_frame);
  napi_async_destroy(s->env, s->async_context);
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  packet_socket *s = (packet_socket *)handle->data;
  if (status < 0 || s->closing) return;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* One buffer per thread: each worker thread has its own event loop calling in here. */
  static _Thread_local unsigned char buf[RECV_BUFFER_SIZE];
  for (int i = 0; i < MAX_FRAMES_PER_WAKEUP && !s->closing; i++) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(s->fd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
    if (n < 0) break; /* EAGAIN: drained; anything else: the next wakeup tries again */
    /* The BPF program already drops these; this is the second line of defence. */
    if (from.sll_pkttype == PACKET_OUTGOING) {
      s->dropped_outgoing++;
      continue;
    }
    if ((size_t)n > sizeof buf) {
      s->dropped_truncated++;
      continue;
    }
    s->received++;
    napi_value cb, recv, arg;
    void *data;
    /* napi_make_callback converts the receiver with ToObject, so it must not be undefined. */
    if (napi_get_reference_value(env, s->on_frame, &cb) != napi_ok || napi_get_global(env, &recv) != napi_ok ||
        napi_create_buffer_copy(env, (size_t)n, buf, &data, &arg) != napi_ok)
      break;
    if (napi_make_callback(env, s->async_context, recv, cb, 1, &arg, NULL) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value exception;
        napi_get_and_clear_last_exception(env, &exception);
        napi_fatal_exception(env, exception); /* surfaces as 'uncaughtException', like any callback */
      }
      break;
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_external_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  packet_socket *s = (packet_socket *)data;
  begin_close(s); /* close on GC when JS forgot to call close() */
  release(s);
}

/* open(ifname, kind: 'arp' | 'ndp', onFrame(frame: Buffer), netnsPath?) -> handle */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_type(env, "open(ifname, kind, onFrame, netnsPath?)");
  char ifname[IF_NAMESIZE], kind[8], netns[4096];
  size_t len;
  if (read_ifname(env, argv[0], ifname) < 0) return throw_type(env, "ifname must be a non-empty interface name");
  if (napi_get_value_string_utf8(env, argv[1], kind, sizeof kind, &len) != napi_ok ||
      (strcmp(kind, "arp") != 0 && strcmp(kind, "ndp") != 0))
    return throw_type(env, "kind must be 'arp' or 'ndp'");
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[2], &type));
  if (type != napi_function) return throw_type(env, "onFrame must be a function");
  int has_ns = argc > 3 ? optional_string(env, argv[3], netns, sizeof netns) : 0;
  if (has_ns < 0) return throw_type(env, "netnsPath must be a path");

  int saved = -1;
  if (has_ns) {
    saved = enter_netns(netns);
    if (saved < 0) return throw_errno(env, -saved, "setns", netns);
  }
  int ifindex = 0;
  const char *syscall = "";
  int fd = open_packet_socket(ifname, strcmp(kind, "ndp") == 0, &ifindex, &syscall);
  leave_netns(saved);
  if (fd < 0) return throw_errno(env, -fd, syscall, ifname);

  packet_socket *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, ENOMEM, "calloc", ifname);
  }
  s->fd = fd;
  s->ifindex = ifindex;
  s->env = env;
  s->refs = 2;
  napi_value resource, resource_name, external;
  uv_loop_t *loop;
  if (napi_create_reference(env, argv[2], 1, &s->on_frame) != napi_ok || napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "openelb:afpacket", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, resource, resource_name, &s->async_context) != napi_ok ||
      napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    return throw_type(env, "could not set up the socket's event loop handle");
  }
  s->poll.data = s;
  uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (napi_create_external(env, s, on_external_finalized, NULL, &external) != napi_ok) {
    s->refs = 1;
    begin_close(s);
    return throw_type(env, "could not create the socket handle");
  }
  return external;
}

static packet_socket *get_open_socket(napi_env env, napi_value value) {
  packet_socket *s;
  if (napi_get_value_external(env, value, (void **)&s) != napi_ok) {
    throw_type(env, "not a socket handle");
    return NULL;
  }
  if (s->closing) {
    throw_errno(env, EBADF, "use", "closed socket");
    return NULL;
  }
  return s;
}

/* send(handle, frame: Buffer) -> bytes sent. The frame is a whole Ethernet frame; its EtherType is used as the
 * packet protocol so ARP and IPv6 frames both leave correctly from either socket. */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type(env, "send(handle, frame)");
  packet_socket *s = get_open_socket(env, argv[0]);
  if (!s) return NULL;
  unsigned char *data;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], (void **)&data, &len) != napi_ok) return throw_type(env, "frame must be a Buffer");
  if (len < 14) return throw_type(env, "frame is shorter than an Ethernet header");
  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_ifindex = s->ifindex;
  to.sll_protocol = (unsigned short)(data[12] | (data[13] << 8)); /* already network order */
  to.sll_halen = 6;
  memcpy(to.sll_addr, data, 6);
  ssize_t n = sendto(s->fd, data, len, 0, (struct sockaddr *)&to, sizeof to);
  if (n < 0) return throw_errno(env, errno, "sendto", "frame");
  napi_value result;
  CHECK(napi_create_int64(env, n, &result));
  return result;
}

static napi_value membership(napi_env env, napi_callback_info info, int option, const char *name) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type(env, "membership(handle, mac)");
  packet_socket *s = get_open_socket(env, argv[0]);
  if (!s) return NULL;
  unsigned char *mac;
  size_t len;
  if (napi_get_buffer_info(env, argv[1], (void **)&mac, &len) != napi_ok || len != 6)
    return throw_type(env, "mac must be a 6-byte Buffer");
  struct packet_mreq req;
  memset(&req, 0, sizeof req);
  req.mr_ifindex = s->ifindex;
  req.mr_type = PACKET_MR_MULTICAST;
  req.mr_alen = 6;
  memcpy(req.mr_address, mac, 6);
  if (setsockopt(s->fd, SOL_PACKET, option, &req, sizeof req) < 0) return throw_errno(env, errno, name, "multicast");
  return NULL;
}

/* addMembership(handle, mac) / dropMembership(handle, mac): the kernel refcounts them per socket (a surplus
 * drop is a no-op) and drops them all when the socket closes. */
static napi_value js_add_membership(napi_env env, napi_callback_info info) {
  return membership(env, info, PACKET_ADD_MEMBERSHIP, "setsockopt(PACKET_ADD_MEMBERSHIP)");
}

static napi_value js_drop_membership(napi_env env, napi_callback_info info) {
  return membership(env, info, PACKET_DROP_MEMBERSHIP, "setsockopt(PACKET_DROP_MEMBERSHIP)");
}

/* stats(handle) -> { received, droppedOutgoing, droppedTruncated } */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, v;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  packet_socket *s;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&s) != napi_ok) return throw_type(env, "stats(handle)");
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_double(env, s->received, &v));
  CHECK(napi_set_named_property(env, result, "received", v));
  CHECK(napi_create_double(env, s->dropped_outgoing, &v));
  CHECK(napi_set_named_property(env, result, "droppedOutgoing", v));
  CHECK(napi_create_double(env, s->dropped_truncated, &v));
  CHECK(napi_set_named_property(env, result, "droppedTruncated", v));
  return result;
}

/* close(handle): idempotent; stops polling at once, the fd is closed when libuv releases the handle. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  packet_socket *s;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&s) != napi_ok) return throw_type(env, "close(handle)");
  begin_close(s);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"interfaceInfo", NULL, js_interface_info, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"addMembership", NULL, js_add_membership, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dropMembership", NULL, js_drop_membership, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
