// The compiler library's public API (libagr_compiler, CMake target agr::compiler): loading an
// agreement from its source. A program that only runs compiled agreements (.agrc) needs the
// runtime alone (agr/agr.h, agr::runtime) and never loads the compiler or ANTLR.
#pragma once

#include <memory>
#include <string>

#include "agr/agr.h"

namespace agr {

// Compiles the agreement source at `path` (.agr) in memory and loads the verified result; given a
// compiled .agrc, loads it as Agreement::load_file does. Null on failure, with the diagnostics in
// *error as `agr check` prints them (file:line:col, the source line, a caret), or why the file
// could not be read.
std::shared_ptr<const Agreement> compile_agreement(const std::string& path, std::string* error);

}  // namespace agr
