# Fails when a source file includes a project header from a layer it may not
# depend on. Run at build time (the forager_layering target) by
#   cmake -DROOT=<source dir> -DSTAMP=<file> -P CheckLayering.cmake
#
# The layers, leaves first. A folder may include its own headers and those of
# the folders listed after it; anything else is a wrong-way include.
#   crawler/util        nothing (leaf code: url, regex, clock, fds, signals)
#   crawler/wire        util (the coordinator-worker protocol)
#   workers/parse       util, wire
#   workers/rules       util, wire, parse
#   workers/warc        util (WARC records and files)
#   workers             util, wire, parse, rules, warc
#   storage             util (interfaces, exporter, storage::open)
#   storage/sqlite      util, storage (the SQLite backend)
#   storage/postgres    util, storage (the PostgreSQL backend)
#   crawler/frontier    util, wire (crawl policy)
#   crawler             util, wire, frontier, storage (the coordinator)
#   crawler/schedule    util, storage
#   crawler/report      util, storage
#   crawler/cli         everything
# Outside storage/, nothing reaches past storage::open into a backend.
cmake_minimum_required(VERSION 3.20)

set(allowed_crawler_util "crawler/util")
set(allowed_crawler_wire "crawler/util;crawler/wire")
set(allowed_workers_parse "crawler/util;crawler/wire;workers/parse")
set(allowed_workers_rules "crawler/util;crawler/wire;workers/parse;workers/rules")
set(allowed_workers_warc "crawler/util;workers/warc")
set(allowed_workers "crawler/util;crawler/wire;workers/parse;workers/rules;workers/warc;workers")
set(allowed_storage "crawler/util;storage;storage/sqlite;storage/postgres")
set(allowed_storage_postgres "crawler/util;storage;storage/postgres")
set(allowed_storage_sqlite "crawler/util;storage;storage/sqlite")
set(allowed_crawler_frontier "crawler/util;crawler/wire;crawler/frontier")
set(allowed_crawler "crawler/util;crawler/wire;crawler/frontier;storage;crawler")
set(allowed_crawler_schedule "crawler/util;storage;crawler/schedule")
set(allowed_crawler_report "crawler/util;storage;crawler/report")

file(GLOB_RECURSE sources RELATIVE ${ROOT}
     ${ROOT}/crawler/*.h ${ROOT}/crawler/*.cc
     ${ROOT}/workers/*.h ${ROOT}/workers/*.cc
     ${ROOT}/storage/*.h ${ROOT}/storage/*.cc)
set(violations "")
foreach(source ${sources})
  get_filename_component(folder ${source} DIRECTORY)
  if(folder STREQUAL "crawler/cli")
    continue()
  endif()
  string(REPLACE "/" "_" key ${folder})
  if(NOT DEFINED allowed_${key})
    list(APPEND violations "${source}: folder ${folder} has no layer in cmake/CheckLayering.cmake")
    continue()
  endif()
  file(STRINGS ${ROOT}/${source} includes REGEX "^#include \"")
  foreach(line ${includes})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
    get_filename_component(header_folder ${header} DIRECTORY)
    if(NOT header_folder MATCHES "^(crawler|workers|storage)")
      continue()  # system-style or third-party headers
    endif()
    list(FIND allowed_${key} ${header_folder} index)
    if(index EQUAL -1)
      list(JOIN allowed_${key} ", " allowed_text)
      list(APPEND violations "${source}: includes ${header}, but ${folder} may only include from: ${allowed_text}")
    endif()
  endforeach()
endforeach()

# Only storage/ itself may name a backend; everyone else goes through storage::open.
foreach(source ${sources})
  if(source MATCHES "^storage/")
    continue()
  endif()
  file(STRINGS ${ROOT}/${source} includes REGEX "^#include \"storage/(sqlite|postgres)/")
  foreach(line ${includes})
    list(APPEND violations "${source}: ${line}: use storage/open.h, not a backend's header")
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "wrong-way includes (see cmake/CheckLayering.cmake):\n  ${text}")
endif()
if(STAMP)
  file(TOUCH ${STAMP})
endif()
