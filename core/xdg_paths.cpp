#include "xdg_paths.hpp"

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace pcs {
namespace {

std::filesystem::path home_dir() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir) return pw->pw_dir;
  return "/";
}

// An XDG variable counts only when it holds an absolute path (the spec says
// relative ones are to be ignored).
std::filesystem::path xdg(const char* var, const char* fallback) {
  if (const char* v = std::getenv(var); v && *v == '/') return v;
  return home_dir() / fallback;
}

}  // namespace

std::filesystem::path config_dir() { return xdg("XDG_CONFIG_HOME", ".config") / "pc-switcher"; }
std::filesystem::path default_config_path() { return config_dir() / "config.yaml"; }
std::filesystem::path data_dir() { return xdg("XDG_DATA_HOME", ".local/share") / "pc-switcher"; }

}  // namespace pcs
