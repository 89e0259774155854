#include "redact.hpp"

#include <cstddef>

namespace pcs {
namespace {

bool scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool ends_userinfo(char c) {
  switch (c) {
    case '/':
    case '?':
    case '#':
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '"':
    case '\'':
    case '<':
    case '>':
    case '\\':
      return true;
    default:
      return false;
  }
}

// For the "://" at `sep`: the position of the userinfo's '@', or npos.
std::size_t userinfo_end(std::string_view text, std::size_t sep) {
  if (sep == 0 || !scheme_char(text[sep - 1])) return std::string_view::npos;
  const std::size_t start = sep + 3;
  for (std::size_t i = start; i < text.size(); ++i) {
    if (text[i] == '@') return i > start ? i : std::string_view::npos;
    if (ends_userinfo(text[i])) break;
  }
  return std::string_view::npos;
}

}  // namespace

bool has_url_credentials(std::string_view text) {
  for (std::size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3))
    if (userinfo_end(text, sep) != std::string_view::npos) return true;
  return false;
}

std::string redact_credentials(std::string_view text) {
  std::string out;
  std::size_t copied = 0;
  for (std::size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
    const std::size_t at = userinfo_end(text, sep);
    if (at == std::string_view::npos) continue;
    out.append(text.substr(copied, sep + 3 - copied));
    out += "***";
    copied = at;   // from the '@' on
    sep = at - 2;  // the next search starts after the '@'
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace pcs
