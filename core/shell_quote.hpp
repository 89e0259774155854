// Quoting for POSIX shells: the one function every command line built for a
// shell (the target's login shell, `sh -c`) goes through.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pcs {

// `arg` as one shell word that the shell turns back into exactly these bytes
// (any byte but NUL): left bare when it holds only [A-Za-z0-9_./:=@%+,-] and is
// not empty, else in single quotes with each ' written as '\''.
std::string shell_quote(std::string_view arg);

// Each argument quoted, joined by single spaces.
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace pcs
