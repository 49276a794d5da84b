# The Debian package: `cpack --config BUILD/CPackConfig.cmake` writes
# moat_<version>_amd64.deb from the install rules (src/CMakeLists.txt).
#
# Depends is dpkg-shlibdeps' reading of what the binary links, plus the
# libraries moat opens with dlopen on first use (src/moat/lazy,
# src/moat/engine/http.cpp), which no linker table shows. ISA-L is only a
# faster inflate, so it is recommended rather than required.

include(GNUInstallDirs)

set(MOAT_MAINTAINER "moat developers <maintainers@moat.invalid>")
# The changelog's date is the commit's (SOURCE_DATE_EPOCH when set), so a
# rebuild of the same commit gives the same package.
if(NOT DEFINED ENV{SOURCE_DATE_EPOCH})
  execute_process(COMMAND git log -1 --format=%ct
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} OUTPUT_VARIABLE moat_commit_time
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(moat_commit_time MATCHES "^[0-9]+$")
    set(ENV{SOURCE_DATE_EPOCH} ${moat_commit_time})
  endif()
endif()
string(TIMESTAMP MOAT_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)

# The Debian changelog and the machine-readable copyright file, in
# /usr/share/doc/moat as Debian's policy places them; gzip -n so the
# package is the same from one build to the next.
set(moat_pkg_dir ${CMAKE_CURRENT_BINARY_DIR}/packaging)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/changelog.in
  ${moat_pkg_dir}/changelog @ONLY)
add_custom_command(OUTPUT ${moat_pkg_dir}/changelog.gz
  COMMAND sh -c "gzip -9nc changelog >changelog.gz"
  WORKING_DIRECTORY ${moat_pkg_dir}
  VERBATIM
  DEPENDS ${moat_pkg_dir}/changelog
  COMMENT "Compressing the Debian changelog")
add_custom_target(moat_changelog ALL DEPENDS ${moat_pkg_dir}/changelog.gz)
install(FILES ${moat_pkg_dir}/changelog.gz ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The copyright files of the libraries compiled into moat, from the build
# machine's Debian packages: CLI11 and nlohmann/json (header-only) always;
# fmt, yaml-cpp and libsodium when MOAT_STATIC_DEPS links them in.
set(moat_compiled_in libcli11-dev nlohmann-json3-dev)
if(MOAT_STATIC_DEPS)
  list(APPEND moat_compiled_in libfmt-dev libyaml-cpp-dev libsodium-dev)
endif()
foreach(pkg IN LISTS moat_compiled_in)
  if(EXISTS /usr/share/doc/${pkg}/copyright)
    install(FILES /usr/share/doc/${pkg}/copyright
      DESTINATION ${CMAKE_INSTALL_DOCDIR}/third-party RENAME ${pkg})
  endif()
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME moat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${MOAT_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "container security: lint, scan, sign, profile and sandbox")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libarchive13, libcurl4, libseccomp2, libsqlite3-0, libssl3, libhyperscan5 | libvectorscan5")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libisal2")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# CPack puts the summary above this as the synopsis line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "moat checks Dockerfiles, Compose and Kubernetes files, container images,
hosts and Docker daemons; finds vulnerable packages and leaked secrets;
writes SBOMs; signs and verifies images; generates least-privilege seccomp
and AppArmor profiles from traces; and runs containers in a hardened sandbox.
Reports are text, JSON, SARIF, CycloneDX and the formats CI systems read.")

include(CPack)
