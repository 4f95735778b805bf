# What `cmake --install` puts where, and the Debian package (`cpack -G DEB`):
#   bin/forager
#   share/man/man1/forager.1                      generated from the CLI definition
#   share/bash-completion/completions/forager     generated
#   share/zsh/vendor-completions/_forager          generated (site-functions outside /usr)
#   share/doc/forager/README.md, docs/             the user documentation
#   lib/systemd/system/forager-schedule*.{service,timer}   disabled; ExecStart names bin/forager
include(GNUInstallDirs)

# `make install` and cpack install what was built, without building every
# target (the tests) first: scripts/package-check.sh builds what is installed.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)

set(FORAGER_GENERATED ${CMAKE_BINARY_DIR}/generated)
add_custom_command(
  OUTPUT ${FORAGER_GENERATED}/forager.1 ${FORAGER_GENERATED}/forager.bash ${FORAGER_GENERATED}/_forager
  COMMAND ${CMAKE_COMMAND} -DFORAGER=$<TARGET_FILE:forager> -DOUT=${FORAGER_GENERATED}
          -P ${CMAKE_SOURCE_DIR}/cmake/GenerateHelpDocs.cmake
  DEPENDS forager ${CMAKE_SOURCE_DIR}/cmake/GenerateHelpDocs.cmake
  COMMENT "Generating forager(1) and the shell completions from the command-line definition")
add_custom_target(forager_docs ALL
  DEPENDS ${FORAGER_GENERATED}/forager.1 ${FORAGER_GENERATED}/forager.bash ${FORAGER_GENERATED}/_forager)

install(TARGETS forager RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${FORAGER_GENERATED}/forager.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${FORAGER_GENERATED}/forager.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME forager)
# Debian's zsh reads vendor-completions under /usr, site-functions under /usr/local.
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(zsh_dir \"share/zsh/vendor-completions\")
  else()
    set(zsh_dir \"share/zsh/site-functions\")
  endif()
  file(INSTALL \"${FORAGER_GENERATED}/_forager\" DESTINATION \"\${CMAKE_INSTALL_PREFIX}/\${zsh_dir}\")
")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# The units name the installed binary, so they are written at install time,
# when the prefix is known (cpack installs with prefix /usr), into a folder
# of their own per prefix: installs to two prefixes at once do not mix.
install(CODE "
  set(FORAGER_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  string(MD5 prefix_hash \"\${CMAKE_INSTALL_PREFIX}\")
  set(units \"${CMAKE_BINARY_DIR}/systemd/\${prefix_hash}\")
  foreach(unit forager-schedule.service forager-schedule-once.service)
    configure_file(\"${CMAKE_SOURCE_DIR}/packaging/systemd/\${unit}.in\" \"\${units}/\${unit}\" @ONLY)
  endforeach()
  configure_file(\"${CMAKE_SOURCE_DIR}/packaging/systemd/forager-schedule-once.timer\"
                 \"\${units}/forager-schedule-once.timer\" COPYONLY)
  file(INSTALL \"\${units}/forager-schedule.service\" \"\${units}/forager-schedule-once.service\"
               \"\${units}/forager-schedule-once.timer\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
")

# The Debian package: forager_VERSION_ARCH.deb, its Depends computed by
# dpkg-shlibdeps from the libraries the binary links.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME forager)
set(CPACK_PACKAGE_VENDOR "forager")
set(CPACK_PACKAGE_CONTACT "forager maintainers <forager@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "polite, fast web-scraping crawler")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "polite, fast web-scraping crawler\n forager crawls from seed URLs with several worker processes, politely\n (per-host limits, delays, robots.txt), keeps everything in one SQLite file,\n exports JSON, JSON Lines or CSV, writes HTML reports and re-crawls on a\n schedule. The systemd units it ships are disabled.")
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
                                       ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
