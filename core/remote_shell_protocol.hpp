// The wire format between `pc-switcher remote-shell` (the program a local
// tool such as rsync runs as its remote shell) and the session that owns the
// SSH connection (RemoteShellServer), over a Unix socket:
//
//   bridge → server: u32 length, the remote command line (as ssh would send
//                    it: the words after the host joined by spaces); then the
//                    command's stdin as raw bytes; shutdown(SHUT_WR) = EOF.
//   server → bridge: frames of u8 kind, u32 length, payload:
//                    kStdout / kStderr bytes, then one kExit with the exit
//                    status as 4 bytes (ssh's convention: 255 when the
//                    connection failed, 128+N for a signal).
// Integers are little-endian.
#pragma once

#include <cstdint>
#include <string>

namespace pcs::remote_shell {

enum FrameKind : std::uint8_t { kStdout = 1, kStderr = 2, kExit = 3 };

inline std::string u32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

inline std::uint32_t read_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline std::string frame(FrameKind kind, const std::string& payload) {
  return std::string(1, static_cast<char>(kind)) + u32(static_cast<std::uint32_t>(payload.size())) + payload;
}

}  // namespace pcs::remote_shell
