# Installs the CMake package and pkg-config file for plugin authors.
include(CMakePackageConfigHelpers)

file(STRINGS "${PROJECT_SOURCE_DIR}/plugin-api/include/pcswitcher/plugin.h" _abi_lines
     REGEX "#define PCS_ABI_VERSION_(MAJOR|MINOR) ")
string(REGEX MATCH "MAJOR ([0-9]+)" _m "${_abi_lines}")
set(PCS_ABI_MAJOR ${CMAKE_MATCH_1})
string(REGEX MATCH "MINOR ([0-9]+)" _m "${_abi_lines}")
set(PCS_ABI_MINOR ${CMAKE_MATCH_1})

install(EXPORT PcSwitcherTargets NAMESPACE PcSwitcher:: DESTINATION ${PCS_CMAKE_INSTALL_DIR}
        COMPONENT pc-switcher-dev)
configure_package_config_file(cmake/PcSwitcherConfig.cmake.in
  "${PROJECT_BINARY_DIR}/PcSwitcherConfig.cmake"
  INSTALL_DESTINATION ${PCS_CMAKE_INSTALL_DIR})
# The package version is the ABI version: a plugin asks for the ABI it was written for.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/PcSwitcherConfigVersion.cmake"
  VERSION ${PCS_ABI_MAJOR}.${PCS_ABI_MINOR} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES
  "${PROJECT_BINARY_DIR}/PcSwitcherConfig.cmake"
  "${PROJECT_BINARY_DIR}/PcSwitcherConfigVersion.cmake"
  cmake/PcSwitcherPlugin.cmake
  cmake/pcswitcher-plugin.map
  DESTINATION ${PCS_CMAKE_INSTALL_DIR} COMPONENT pc-switcher-dev)

# Relocatable: the prefix is found from the .pc file's own place, so a
# `cmake --install --prefix` elsewhere still gives a working file.
file(RELATIVE_PATH PCS_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(cmake/pcswitcher-plugin.pc.in "${PROJECT_BINARY_DIR}/pcswitcher-plugin.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/pcswitcher-plugin.pc" DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
        COMPONENT pc-switcher-dev)
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pc-switcher/examples COMPONENT pc-switcher-dev)

# Documentation: the user's README with the host, the plugin author's guide and
# the ABI notes with the SDK.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pc-switcher COMPONENT pc-switcher)
install(FILES docs/plugin-authors.md docs/plugin-abi.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/pc-switcher-dev
        COMPONENT pc-switcher-dev)
