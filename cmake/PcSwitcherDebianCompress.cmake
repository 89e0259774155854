# CPack pre-build script (CPACK_PRE_BUILD_SCRIPTS), run on the staged files of
# every package before it is built, as dh_compress does for Debian packages:
# manual pages installed uncompressed are gzipped with -9n (Debian policy 12.1;
# lintian: uncompressed-manual-page), so an install rule may install them plain.
find_program(_pcs_gzip gzip REQUIRED)
file(GLOB_RECURSE _pcs_pages LIST_DIRECTORIES false "${CPACK_TEMPORARY_DIRECTORY}/*")
list(FILTER _pcs_pages INCLUDE REGEX "/usr/share/man/")
foreach(_page IN LISTS _pcs_pages)
  if(_page MATCHES "\\.gz$" OR IS_SYMLINK "${_page}")
    continue()
  endif()
  execute_process(COMMAND "${_pcs_gzip}" -9nf "${_page}" RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "gzip -9n ${_page} failed: ${_rc}")
  endif()
endforeach()
