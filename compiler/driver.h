// The compiler's driver: one function per pass, in order, stopping at the first pass that
// reports an error. `agr check` and `agr compile` (and its --emit stages) call these.
#pragma once

#include <memory>
#include <optional>
#include <string>

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

}  // namespace agr
