# Compile flags of the fuzz build (AGR_FUZZ=ON), included by the top-level CMakeLists.txt before
# any target is defined, so that every library the fuzz targets link (runtime, grammar, compiler)
# is built with coverage instrumentation and AddressSanitizer + UndefinedBehaviorSanitizer.
# The fuzz targets add -fsanitize=fuzzer at link time (fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "AGR_FUZZ needs clang (libFuzzer): configure with CC=clang CXX=clang++")
endif()
set(AGR_FUZZ_SANITIZERS address,undefined)
# -UNDEBUG: assertions on (the VM checks every instruction's role against the opcode table).
add_compile_options(-fsanitize=fuzzer-no-link,${AGR_FUZZ_SANITIZERS} -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined -UNDEBUG)
add_link_options(-fsanitize=${AGR_FUZZ_SANITIZERS})

# ANTLR 4.9's umbrella header does not compile with clang: misc/InterpreterDataReader.h
# default-constructs a dfa::Vocabulary, whose const members make that constructor deleted under
# clang's rules (gcc lets it pass). agr never uses that header, so the fuzz build compiles against
# a copy of antlr4-runtime.h without it, placed ahead of the real one on the include path (the
# copy's own includes still find the real headers beside the original).
find_path(ANTLR4_INCLUDE_DIR antlr4-runtime.h PATH_SUFFIXES antlr4-runtime REQUIRED)
file(READ ${ANTLR4_INCLUDE_DIR}/antlr4-runtime.h agr_antlr_umbrella)
string(REPLACE "#include \"misc/InterpreterDataReader.h\"" "" agr_antlr_umbrella "${agr_antlr_umbrella}")
file(WRITE ${CMAKE_BINARY_DIR}/antlr4-clang-shim/antlr4-runtime.h "${agr_antlr_umbrella}")
include_directories(BEFORE ${CMAKE_BINARY_DIR}/antlr4-clang-shim)
