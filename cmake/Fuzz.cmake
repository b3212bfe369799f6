# libFuzzer targets. Configure a separate tree with clang:
#   CC=clang CXX=clang++ cmake -B build-fuzz -DKIMGATE_FUZZ=ON && ninja -C build-fuzz fuzzers
# Each target gets a CTest entry (label "fuzz") that runs it for KIMGATE_FUZZ_SECONDS on its
# committed seed corpus (copied to a scratch folder so new inputs never dirty the tree).
set(KIMGATE_FUZZ_SECONDS 60 CACHE STRING "Seconds each fuzz target runs under CTest")
if(KIMGATE_FUZZ)
  add_custom_target(fuzzers)
endif()

# kimgate_add_fuzzer(name [NO_UBSAN] SOURCES ... DEPS ... CORPUS dir)
function(kimgate_add_fuzzer name)
  if(NOT KIMGATE_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "NO_UBSAN" "CORPUS" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  # NO_UBSAN: clang 14 cannot emit UBSan checks in C++20 coroutines ("Cannot represent a
  # difference across sections"); such targets run with ASan only.
  set(sanitizers fuzzer,address,undefined)
  if(ARG_NO_UBSAN)
    set(sanitizers fuzzer,address)
  endif()
  target_compile_options(${name} PRIVATE -fsanitize=${sanitizers} -fno-omit-frame-pointer)
  target_link_options(${name} PRIVATE -fsanitize=${sanitizers})
  target_link_libraries(${name} PRIVATE kimgate_options ${ARG_DEPS})
  add_dependencies(fuzzers ${name})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
  add_test(NAME fuzz.${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   ${PROJECT_SOURCE_DIR}/tests/fuzz/run-fuzzer $<TARGET_FILE:${name}> ${ARG_CORPUS} ${work}
                   ${KIMGATE_FUZZ_SECONDS})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 600)
endfunction()
