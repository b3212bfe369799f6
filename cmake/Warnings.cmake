# Warnings on and clean; sanitizers for the ASan+UBSan configuration.
add_library(kimgate_options INTERFACE)
target_compile_options(kimgate_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wformat=2)
# GCC 12 reports -Wmismatched-new-delete for Asio's awaitable frames (their promise has class-specific
# operator new/delete) once a coroutine is inlined: GCC bug 109224, a false positive.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(kimgate_options INTERFACE -Wno-mismatched-new-delete)
endif()
if(KIMGATE_WERROR)
  target_compile_options(kimgate_options INTERFACE -Werror)
endif()
target_include_directories(kimgate_options INTERFACE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/generated)
if(KIMGATE_SANITIZE)
  target_compile_options(kimgate_options INTERFACE -fsanitize=address,undefined
    -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(kimgate_options INTERFACE -fsanitize=address,undefined)
endif()

# kimgate_add_library(name SOURCES ...) — one library per room.
function(kimgate_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC kimgate_options ${ARG_DEPS})
endfunction()

# kimgate_add_gtest(name SOURCES ... DEPS ...) — a GoogleTest binary, every case known to CTest.
include(GoogleTest)
function(kimgate_add_gtest name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE kimgate_options ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
