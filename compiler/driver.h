// The compiler's driver: one function per pass, in order, stopping at the first pass that
// reports an error. `agr check` and `agr compile` (and its --emit stages) call these.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agr/agr.h"
#include "ast.h"
#include "diagnostics.h"
#include "passes.h"
#include "program.h"

namespace agr {

struct Compilation {
  std::unique_ptr<ast::Agreement> ast;  // after parse, resolve and check
  ir::Module ir;                        // after lower and regalloc
  std::optional<Program> program;       // after emit; set only when there was no error
};

// Runs every pass over `file`; diagnostics go to `diags`.
Compilation compile(const SourceFile& file, Diagnostics& diags);

// Reads a file into a SourceFile; false with a message when it cannot be read or is too large.
bool read_source_file(const std::string& path, SourceFile* out, std::string* error);

// Compiles `file` and loads the result as an agreement. Null when `diags` has errors (rendering
// them is the caller's); null with *error set when the runtime refuses what the compiler produced
// (a compiler bug, never an author's mistake).
std::shared_ptr<const Agreement> compile_agreement(const SourceFile& file, Diagnostics& diags, std::string* error);

// The agreement files a command line or a server names: each file as given, and for each folder
// the .agr and .agrc files directly inside it, in name order (so that neither a listing nor the
// first of two clashing files depends on the file system's order). A folder that cannot be read
// or holds no agreement adds one line to *error and nothing to the list.
std::vector<std::string> agreement_files(const std::vector<std::string>& paths, std::string* error);

}  // namespace agr
