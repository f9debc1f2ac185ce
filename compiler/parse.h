// Pass 1, parse: source text -> AST. The only part of agr that sees ANTLR.
#pragma once

#include <memory>

#include "ast.h"
#include "diagnostics.h"
#include "limits_table.h"  // kMaxSourceBytes, kMaxNestingDepth

namespace agr {

// Parses one agreement file. Returns the tree when the file is well formed; otherwise null, with
// every syntax error recorded (several per run, each with its position).
std::unique_ptr<ast::Agreement> parse_agreement(const SourceFile& file, Diagnostics& diags);

}  // namespace agr
