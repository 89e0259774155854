// The filter files `pc-switcher init` writes beside the config for user_data
// (ext/init_files.h): rsync filter rules, first match wins, patterns without
// a leading '/' match at any depth (in every user's home under /home).
#pragma once

#include <pcswitcher/ext/init_files.h>

namespace user_data {

inline constexpr const char* kHomeFilter = R"(# pc-switcher user_data: rsync filter rules for /home (first match wins).
# Written by `pc-switcher init`; edit freely. Rules for one directory go in a
# .pcswitcher-filter file inside it. pc-switcher's own state is always left out.

# Secrets that belong to this machine
- .ssh/id_*
- .ssh/known_hosts
- .ssh/known_hosts.old
- .ssh/authorized_keys
- .config/tailscale/

# Caches: rebuilt on the other machine, except the package caches worth keeping
- .nv/
- .config/Code/Cache/
- .config/Code/CachedData/
- .config/Code/GPUCache/
- .config/Code/Code Cache/
- .config/Code/CachedExtensionVSIXs/
+ .cache/pip/***
+ .cache/uv/***
- .cache/*
)";

inline constexpr const char* kRootFilter = R"(# pc-switcher user_data: rsync filter rules for /root (first match wins).
# Written by `pc-switcher init`; edit freely.

- .ssh/id_*
- .ssh/known_hosts
- .ssh/known_hosts.old
- .ssh/authorized_keys
- .config/tailscale/
)";

inline constexpr pcs_init_file kInitFiles[] = {
    {"home.filter", kHomeFilter, "rsync filter rules user_data applies to /home"},
    {"root.filter", kRootFilter, "rsync filter rules user_data applies to /root"},
};

}  // namespace user_data
