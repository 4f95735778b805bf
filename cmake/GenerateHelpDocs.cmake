# Writes the man page and the shell completions by running the built forager
# (`forager __generate man|bash|zsh`), so that they come from the same
# command-line definition as --help. Run with -DFORAGER=<binary> -DOUT=<dir>.
file(MAKE_DIRECTORY ${OUT})
# In a sanitizer build (scripts/sanitize.sh) the binary runs here before the
# tests set ASAN_OPTIONS; leak checks belong to the tests, and LeakSanitizer
# cannot run in some containers.
set(ENV{ASAN_OPTIONS} "$ENV{ASAN_OPTIONS}:detect_leaks=0")
foreach(pair "man;forager.1" "bash;forager.bash" "zsh;_forager")
  list(GET pair 0 kind)
  list(GET pair 1 name)
  execute_process(COMMAND ${FORAGER} __generate ${kind} OUTPUT_FILE ${OUT}/${name}.tmp RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "forager __generate ${kind} failed: ${status}")
  endif()
  file(RENAME ${OUT}/${name}.tmp ${OUT}/${name})
endforeach()
