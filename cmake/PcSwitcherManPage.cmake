# cmake -DEXE=<pc-switcher> -DOUT=<file> -DPLUGINS=<a.so;b.so> -P PcSwitcherManPage.cmake
#
# Writes the man page from pc-switcher's own --help (PCSWITCHER_HELP_FORMAT=man,
# host/help_text.hpp), so both say the same. PLUGINS are the plugins packaged
# with pc-switcher: their commands are documented in its page. They are copied
# into a directory of their own, which the host accepts (not writable by others).
set(_dir "${OUT}.plugins")
file(REMOVE_RECURSE "${_dir}")
file(MAKE_DIRECTORY "${_dir}")
file(CHMOD "${_dir}" DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
     WORLD_READ WORLD_EXECUTE)
foreach(_so IN LISTS PLUGINS)
  file(COPY "${_so}" DESTINATION "${_dir}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
       GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env PCSWITCHER_HELP_FORMAT=man "PCSWITCHER_PLUGIN_PATH=${_dir}"
          "ASAN_OPTIONS=detect_leaks=0" "${EXE}" --help
  OUTPUT_FILE "${OUT}.tmp" RESULT_VARIABLE _rc ERROR_VARIABLE _err)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --help (man) failed (${_rc}): ${_err}")
endif()
file(RENAME "${OUT}.tmp" "${OUT}")
