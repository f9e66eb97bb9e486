{
  "targets": [
    {
      "target_name": "openelb_afpacket",
      "sources": ["afpacket.c", "socket.c", "netns.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
