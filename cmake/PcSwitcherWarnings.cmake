# Warnings for our own code: every warning is an error.
function(pcswitcher_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
