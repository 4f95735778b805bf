# Proves that cmake/CheckLayering.cmake catches wrong-way includes: it must
# pass on the real tree and on a small fake tree that follows the layering,
# and fail, naming the file, on fake trees that each break one rule.
# Registered with ctest from tests/CMakeLists.txt:
#   cmake -DSOURCE_DIR=<repo> -DWORK=<scratch folder> -P layering_test.cmake
cmake_minimum_required(VERSION 3.20)

set(check ${SOURCE_DIR}/cmake/CheckLayering.cmake)
set(failures "")

# Runs the check on `root`; `expect` is PASS or FAIL. With FAIL, the output
# must contain `needle` (the offending file and what it did).
function(run_check name root expect needle)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${root} -P ${check}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(output "${out}${err}")
  if(expect STREQUAL "PASS" AND NOT result EQUAL 0)
    set(failures "${failures}\n${name}: expected the check to pass, it failed:\n${output}" PARENT_SCOPE)
  elseif(expect STREQUAL "FAIL" AND result EQUAL 0)
    set(failures "${failures}\n${name}: expected the check to fail, it passed" PARENT_SCOPE)
  elseif(expect STREQUAL "FAIL")
    string(FIND "${output}" "${needle}" at)
    if(at EQUAL -1)
      set(failures "${failures}\n${name}: failed without naming '${needle}':\n${output}" PARENT_SCOPE)
    endif()
  endif()
endfunction()

# A tree with one allowed include per layer; `extra` is added as
# <path>=<include line> pairs (a file per pair, written after the base tree).
function(make_tree root)
  file(REMOVE_RECURSE ${root})
  file(WRITE ${root}/crawler/util/url.h "#pragma once\n#include <string>\n")
  file(WRITE ${root}/crawler/wire/protocol.h "#include \"crawler/util/url.h\"\n")
  file(WRITE ${root}/workers/parse/charset.h "#include \"crawler/wire/protocol.h\"\n")
  file(WRITE ${root}/workers/rules/rules.h "#include \"workers/parse/charset.h\"\n")
  file(WRITE ${root}/workers/fetch_loop.cc "#include \"workers/rules/rules.h\"\n#include \"crawler/util/url.h\"\n")
  file(WRITE ${root}/storage/records.h "#include \"crawler/util/url.h\"\n")
  file(WRITE ${root}/storage/sqlite/sqlite_store.h "#include \"storage/records.h\"\n")
  file(WRITE ${root}/storage/open.cc "#include \"storage/sqlite/sqlite_store.h\"\n")
  file(WRITE ${root}/crawler/frontier/frontier.h "#include \"crawler/wire/protocol.h\"\n#include \"crawler/util/url.h\"\n")
  file(WRITE ${root}/crawler/coordinator.cc
       "#include \"crawler/frontier/frontier.h\"\n#include \"storage/records.h\"\n#include <vector>\n")
  file(WRITE ${root}/crawler/schedule/scheduler.cc "#include \"storage/records.h\"\n")
  file(WRITE ${root}/crawler/report/report_html.cc "#include \"storage/records.h\"\n")
  file(WRITE ${root}/crawler/cli/main.cc
       "#include \"crawler/coordinator.h\"\n#include \"workers/fetch_loop.h\"\n#include \"crawler/schedule/scheduler.h\"\n")
endfunction()

# The real tree.
run_check(real_tree ${SOURCE_DIR} PASS "")

# A fake tree that follows every rule.
make_tree(${WORK}/good)
run_check(good_tree ${WORK}/good PASS "")

# Each case: a name, a file, the include it adds, and what the error names.
set(cases
  "util_includes_frontier|crawler/util/x.h|crawler/frontier/frontier.h|crawler/util/x.h: includes crawler/frontier/frontier.h"
  "wire_includes_workers|crawler/wire/channel.cc|workers/fetch_loop.h|crawler/wire/channel.cc: includes workers/fetch_loop.h"
  "parse_includes_rules|workers/parse/extractor.cc|workers/rules/rules.h|workers/parse/extractor.cc: includes workers/rules/rules.h"
  "storage_includes_coordinator|storage/exporter.cc|crawler/coordinator.h|storage/exporter.cc: includes crawler/coordinator.h"
  "frontier_includes_storage|crawler/frontier/scope.cc|storage/records.h|crawler/frontier/scope.cc: includes storage/records.h"
  "coordinator_includes_workers|crawler/worker_pool.cc|workers/worker_main.h|crawler/worker_pool.cc: includes workers/worker_main.h"
  "schedule_includes_report|crawler/schedule/cron.cc|crawler/report/report_html.h|crawler/schedule/cron.cc: includes crawler/report/report_html.h"
  "coordinator_includes_sqlite|crawler/coordinator.h|storage/sqlite/sqlite_store.h|crawler/coordinator.h: #include \"storage/sqlite/sqlite_store.h\": use storage/open.h"
  "cli_includes_sqlite|crawler/cli/export_command.cc|storage/sqlite/sqlite_store.h|crawler/cli/export_command.cc: #include \"storage/sqlite/sqlite_store.h\": use storage/open.h"
  "folder_without_layer|crawler/newpart/thing.h|crawler/util/url.h|crawler/newpart/thing.h: folder crawler/newpart has no layer")
foreach(case ${cases})
  string(REPLACE "|" ";" fields "${case}")
  list(GET fields 0 name)
  list(GET fields 1 path)
  list(GET fields 2 header)
  list(GET fields 3 needle)
  make_tree(${WORK}/${name})
  file(WRITE ${WORK}/${name}/${path} "#pragma once\n#include \"${header}\"\n")
  run_check(${name} ${WORK}/${name} FAIL "${needle}")
endforeach()

file(REMOVE_RECURSE ${WORK})
if(failures)
  message(FATAL_ERROR "cmake/CheckLayering.cmake did not behave:${failures}")
endif()
list(LENGTH cases count)
message(STATUS "layering check: real tree and good tree pass, ${count} wrong-way trees fail")
