# Compiler settings shared by every icsim target: warnings (errors in CI),
# and the sanitizer flags the asan/tsan presets select through ICSIM_SANITIZE.
add_library(icsim_warnings INTERFACE)
target_compile_options(icsim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                       -Wno-sign-conversion)
# GCC 12 at -O3 reports false -Wrestrict errors inside std::string
# concatenation (GCC bug 105329); the check is off for GCC only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(icsim_warnings INTERFACE -Wno-restrict)
endif()
if(ICSIM_WERROR)
  target_compile_options(icsim_warnings INTERFACE -Werror)
endif()
if(ICSIM_NATIVE)
  add_compile_options(-march=native)
endif()

set(ICSIM_SANITIZE "" CACHE STRING "Sanitizers to build with: '', 'address,undefined' or 'thread'")
if(ICSIM_SANITIZE)
  add_compile_options(-fsanitize=${ICSIM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${ICSIM_SANITIZE})
endif()
