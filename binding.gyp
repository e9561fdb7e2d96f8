{
  "targets": [
    {
      "target_name": "vroot_hostfs",
      "sources": ["native/hostfs.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}
