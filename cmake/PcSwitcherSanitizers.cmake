# -DPCS_SANITIZE=ON builds everything with ASan + UBSan (used by CI).
if(PCS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# -DPCS_FUZZ=ON (clang only) instruments everything for libFuzzer and builds it
# with ASan + UBSan; tests/fuzz links its targets with -fsanitize=fuzzer.
if(PCS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PCS_FUZZ=ON needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
