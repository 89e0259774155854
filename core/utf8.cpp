#include "utf8.hpp"

namespace pcs {
namespace {

// The length of the well-formed sequence at p (1..4), or 0 when the bytes
// there start none; `bad` then receives how many bytes form the maximal
// ill-formed subsequence to replace (at least 1).
std::size_t sequence_at(const unsigned char* p, const unsigned char* end, std::size_t& bad) {
  const unsigned c = *p;
  bad = 1;
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k <= n; ++k) {
    if (p + k >= end) return 0;
    const unsigned b = p[k];
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
    bad = k + 1;  // a valid prefix so far: replaced as one
  }
  return n + 1;
}

}  // namespace

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    std::size_t bad = 0;
    const std::size_t n = sequence_at(p, end, bad);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* p = begin;
  const auto* end = p + s.size();
  while (p < end) {
    std::size_t bad = 0;
    const std::size_t n = sequence_at(p, end, bad);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      p += bad;
    } else {
      out.append(s.substr(static_cast<std::size_t>(p - begin), n));
      p += n;
    }
  }
  return out;
}

void replace_control_characters(std::string& s) {
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) c = '?';
  }
}

}  // namespace pcs
