// Pass 1, parse: source text -> AST. The only part of agr that sees ANTLR.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ast.h"
#include "diagnostics.h"
#include "limits_table.h"  // kMaxSourceBytes, kMaxNestingDepth

namespace agr {

// Parses one agreement file. Returns the tree when the file is well formed; otherwise null, with
// every syntax error recorded (several per run, each with its position).
std::unique_ptr<ast::Agreement> parse_agreement(const SourceFile& file, Diagnostics& diags);

// The language's words (`agreement`, `require`, `flagged`, ...), read from the grammar's own
// vocabulary, sorted: one list for every editor's colouring and completion (the page, agr lsp).
const std::vector<std::string>& language_keywords();

}  // namespace agr
