# All dependencies come from Debian bookworm packages; docs/dependencies.md says
# what each is used for and what it is deliberately not used for.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# OpenSSL: releases of 3.0 before 3.0.22 mis-tag the authAttrs/unauthAttrs of
# AuthEnvelopedData ([2]/[3] instead of [1]/[2]) and cannot read any KIM message
# that carries recipient-emails (spec digest §12 item 21). Refuse them.
find_package(OpenSSL 3.0 REQUIRED)
if(OPENSSL_VERSION VERSION_LESS "3.0.22")
  message(FATAL_ERROR
    "kimgate needs OpenSSL >= 3.0.22, found ${OPENSSL_VERSION} (${OPENSSL_INCLUDE_DIR}). "
    "OpenSSL 3.0 releases before 3.0.22 mis-tag the authenticated attributes of CMS "
    "AuthEnvelopedData and cannot read KIM messages that carry the recipient-emails "
    "attribute. Fix: apt-get update && apt-get install libssl-dev openssl "
    "(Debian bookworm ships 3.0.22 or newer in its security updates).")
endif()

find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
if(KIMGATE_TESTS)
  find_package(GTest REQUIRED)
endif()
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
# The Vorgang store of tracking (daemon/track_sqlite.cpp, issue 18).
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# The shared Vorgang store for several instances (daemon/track_postgres.cpp, issue 20).
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# Boost 1.74 + g++ 12: <utility> must come before any Asio header (conventions.md);
# our headers include it first. Asio is used header-only with coroutines.
add_library(kimgate_asio INTERFACE)
target_link_libraries(kimgate_asio INTERFACE Boost::boost Boost::system Threads::Threads
                      OpenSSL::SSL OpenSSL::Crypto)
target_compile_definitions(kimgate_asio INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_BOOST_BIND_PLACEHOLDERS)
# Boost 1.74 enables co_await for clang only with libc++'s <experimental/coroutine>; with
# libstdc++ (clang 14 has __cpp_impl_coroutine) it must be told to use <coroutine>, so that the
# libFuzzer build can drive the real sessions (tests/fuzz/session_fuzz.cpp).
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_definitions(kimgate_asio INTERFACE BOOST_ASIO_HAS_CO_AWAIT=1 BOOST_ASIO_HAS_STD_COROUTINE=1)
  target_compile_options(kimgate_asio INTERFACE -Wno-deprecated-experimental-coroutine)
endif()
