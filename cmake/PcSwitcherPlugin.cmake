# pcswitcher_add_plugin(<name> SOURCES <file>... [INSTALL_DIR <dir>] [COMPONENT <component>]
#                       [NO_INSTALL])
#
# Builds <name>.so, a pc-switcher plugin: a MODULE library that uses the plugin
# API only, exports nothing but `pcs_plugin_entry`, and has no undefined
# symbols left for the host to provide. Installed into lib/pc-switcher/plugins
# under the install prefix unless NO_INSTALL is given.
#
# COMPONENT puts the installed .so into that install component (for CPack: one
# package per component, e.g. a .deb of its own for the job); without it the
# install goes to the default component (CMAKE_INSTALL_DEFAULT_COMPONENT_NAME).
#
# Works both inside the pc-switcher tree and from find_package(PcSwitcher).
set(_PCS_PLUGIN_MAP "${CMAKE_CURRENT_LIST_DIR}/pcswitcher-plugin.map")

function(pcswitcher_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "INSTALL_DIR;COMPONENT" "SOURCES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "pcswitcher_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE PcSwitcher::plugin-api)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${_PCS_PLUGIN_MAP}"
    "LINKER:-z,defs")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS "${_PCS_PLUGIN_MAP}")
  if(NOT ARG_NO_INSTALL)
    if(NOT ARG_INSTALL_DIR)
      set(ARG_INSTALL_DIR "lib/pc-switcher/plugins")
    endif()
    set(_component)
    if(ARG_COMPONENT)
      set(_component COMPONENT "${ARG_COMPONENT}")
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION "${ARG_INSTALL_DIR}" ${_component})
  endif()
endfunction()
