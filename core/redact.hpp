// Hides credentials written into URLs before text reaches a log or terminal.
#pragma once

#include <string>
#include <string_view>

namespace pcs {

// Every `scheme://userinfo@` becomes `scheme://***@` (userinfo is "user:pass",
// or a lone token such as a GitHub PAT): "https://me:s3cret@host/x" ->
// "https://***@host/x". The userinfo ends at the first '@' before any of
// "/?#", whitespace, quotes or '<>'; text without "://" is returned as is.
std::string redact_credentials(std::string_view text);

// True when redact_credentials() would change `text` (a cheap pre-check).
bool has_url_credentials(std::string_view text);

}  // namespace pcs
