# Debian packages with CPack: one package per install component.
#
#   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo   # prefix /usr by default
#   cmake --build build --target package                             # -> build/*.deb
#
# pc-switcher                   the host, the system and background jobs (btrfs_snapshots,
#                               install_on_target, disk_space_monitor), bash completion, docs;
#                               Provides: pc-switcher-abi-<ABI major>
# pc-switcher-plugin-user-data  the user_data job (rsync)
# pc-switcher-plugin-packages   the packages job (apt; snap and flatpak when present)
# pc-switcher-plugin-docker     the docker job (docker or podman)
# pc-switcher-dev               headers, test kit, CMake package, pkg-config file, the example
#
# Each plugin package depends on pc-switcher-abi-<major>: a host whose plugin ABI
# major differs cannot load it. Library dependencies come from dpkg-shlibdeps.
# The test-only plugins (component pc-switcher-tests) are in no package.
# Needs PCS_ABI_MAJOR (cmake/PcSwitcherPackage.cmake).

set(PCS_DEB_COMPONENTS
  pc-switcher pc-switcher-plugin-user-data pc-switcher-plugin-packages pc-switcher-plugin-docker pc-switcher-dev)
set(PCS_DEB_MAINTAINER "Seed 582a2512 maintainers <maintainers@users.noreply.r-seed-582a2512.example>")
set(_pcs_deb_src "${PROJECT_SOURCE_DIR}/packaging/debian")

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "Debian packages install into /usr, but this build is configured for ${CMAKE_INSTALL_PREFIX}: "
                 "the compiled-in plugin directory and the libdir follow that prefix. "
                 "Configure with -DCMAKE_INSTALL_PREFIX=/usr to build packages.")
endif()

# copyright and changelog.gz in every package's /usr/share/doc/<package>
# (Debian policy 12.5, 12.7). The changelog's version is the project's.
file(STRINGS "${_pcs_deb_src}/changelog" _pcs_changelog_head LIMIT_COUNT 1)
if(NOT _pcs_changelog_head MATCHES "^pc-switcher \\(${PROJECT_VERSION}\\) ")
  message(WARNING "packaging/debian/changelog: the newest entry is not version ${PROJECT_VERSION} "
                  "(${_pcs_changelog_head}); add an entry for it")
endif()
find_program(PCS_GZIP gzip REQUIRED)
set(_pcs_changelog_gz "${PROJECT_BINARY_DIR}/packaging/changelog.gz")
file(MAKE_DIRECTORY "${PROJECT_BINARY_DIR}/packaging")
# -n: no name or time stamp in the header, so the same changelog gives the same bytes.
execute_process(COMMAND "${PCS_GZIP}" -9n -c "${_pcs_deb_src}/changelog"
                OUTPUT_FILE "${_pcs_changelog_gz}" RESULT_VARIABLE _pcs_gzip_rc)
if(NOT _pcs_gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip of packaging/debian/changelog failed: ${_pcs_gzip_rc}")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_pcs_deb_src}/changelog")
foreach(_c IN LISTS PCS_DEB_COMPONENTS)
  install(FILES "${_pcs_deb_src}/copyright" "${_pcs_changelog_gz}"
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${_c} COMPONENT ${_c})
  # lintian overrides, each with the reason it is a false positive.
  if(EXISTS "${_pcs_deb_src}/${_c}.lintian-overrides")
    install(FILES "${_pcs_deb_src}/${_c}.lintian-overrides" DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides
            RENAME ${_c} COMPONENT ${_c})
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pc-switcher)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${PCS_DEB_MAINTAINER}")
# Each package's description below starts with its own synopsis line: no
# common summary in front of them.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Manual pages may be installed plain: the packages get them gzipped (-9n).
set(CPACK_PRE_BUILD_SCRIPTS "${CMAKE_CURRENT_LIST_DIR}/PcSwitcherDebianCompress.cmake")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${PCS_DEB_COMPONENTS})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PCS_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

set(_abi "pc-switcher-abi-${PCS_ABI_MAJOR}")
set(_pcs_about "pc-switcher makes one Linux desktop match another over one SSH connection, so
that work stopped on one machine goes on at the other. Every kind of synced
state is a job, and every job is a plugin loaded through one stable C ABI.")

set(CPACK_DEBIAN_PC-SWITCHER_PACKAGE_NAME pc-switcher)
set(CPACK_DEBIAN_PC-SWITCHER_PACKAGE_PROVIDES "${_abi}")
set(CPACK_DEBIAN_PC-SWITCHER_PACKAGE_DEPENDS "btrfs-progs, sudo")
set(CPACK_DEBIAN_PC-SWITCHER_PACKAGE_RECOMMENDS "pc-switcher-plugin-user-data, pc-switcher-plugin-packages")
set(CPACK_DEBIAN_PC-SWITCHER_PACKAGE_SUGGESTS "pc-switcher-plugin-docker")
set(CPACK_DEBIAN_PC-SWITCHER_DESCRIPTION "make one Linux desktop match another over SSH
${_pcs_about}
This package has the pc-switcher command and the jobs every sync runs:
btrfs snapshots before and after a sync on both machines, the install of
pc-switcher and its plugins on the target, and the disk space monitor.
The sync jobs come in packages of their own (pc-switcher-plugin-*).")

set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-USER-DATA_PACKAGE_NAME pc-switcher-plugin-user-data)
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-USER-DATA_PACKAGE_DEPENDS "pc-switcher, ${_abi}, rsync")
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-USER-DATA_DESCRIPTION "pc-switcher job that mirrors the user's folders
${_pcs_about}
The user_data job mirrors the configured folders to the target with rsync,
through the session's own SSH connection, keeping every kind of metadata.")

set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-PACKAGES_PACKAGE_NAME pc-switcher-plugin-packages)
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-PACKAGES_PACKAGE_DEPENDS "pc-switcher, ${_abi}, apt, psmisc")
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-PACKAGES_PACKAGE_SUGGESTS "snapd, flatpak")
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-PACKAGES_DESCRIPTION "pc-switcher job that syncs installed software
${_pcs_about}
The packages job gives the target the source's apt packages (with their
holds and manual marks), snaps and flatpaks, after a review.")

set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-DOCKER_PACKAGE_NAME pc-switcher-plugin-docker)
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-DOCKER_PACKAGE_DEPENDS "pc-switcher, ${_abi}")
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-DOCKER_PACKAGE_SUGGESTS "docker.io | podman")
set(CPACK_DEBIAN_PC-SWITCHER-PLUGIN-DOCKER_DESCRIPTION "pc-switcher job that moves containers and their data
${_pcs_about}
The docker job moves images, named volumes, networks and containers to the
target; docker or podman is the engine.")

set(CPACK_DEBIAN_PC-SWITCHER-DEV_PACKAGE_NAME pc-switcher-dev)
set(CPACK_DEBIAN_PC-SWITCHER-DEV_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PC-SWITCHER-DEV_PACKAGE_SUGGESTS "pc-switcher, cmake, pkgconf | pkg-config")
set(CPACK_DEBIAN_PC-SWITCHER-DEV_DESCRIPTION "SDK for writing pc-switcher jobs (plugins)
${_pcs_about}
This package has what a third-party job is built with: the C ABI header
plugin.h, the header-only C++ SDK, the test kit (a fake host for unit
tests), the CMake package (find_package(PcSwitcher) and
pcswitcher_add_plugin()), the pkg-config file pcswitcher-plugin, an example
job and the plugin author's guide.")

include(CPack)
