// Text a plugin handed over, made fit for a terminal: bytes that are not
// well-formed UTF-8 are replaced, never passed through.
#pragma once

#include <string>
#include <string_view>

namespace pcs {

// Well-formed UTF-8 (Unicode table 3-7).
bool valid_utf8(std::string_view s);

// `s` with each maximal ill-formed subsequence replaced by U+FFFD (the
// replacement character), as the Unicode standard recommends.
std::string replace_invalid_utf8(std::string_view s);

// In place, only when needed: valid text (nearly always) is not copied.
inline void make_valid_utf8(std::string& s) {
  if (!valid_utf8(s)) s = replace_invalid_utf8(s);
}

// Control characters but newline and tab (C0, DEL) replaced by '?', in
// place: an escape sequence from a plugin cannot move the cursor, clear the
// screen or change colours.
void replace_control_characters(std::string& s);

}  // namespace pcs
