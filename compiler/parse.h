// Pass 1, parse: source text -> AST. The only part of agr that sees ANTLR.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ast.h"
#include "diagnostics.h"

namespace agr {

// Limits that keep the front end safe on any input; each produces a diagnostic, never a crash.
inline constexpr size_t kMaxSourceBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxNestingDepth = 64;

// Parses one agreement file. Returns the tree when the file is well formed; otherwise null, with
// every syntax error recorded (several per run, each with its position).
std::unique_ptr<ast::Agreement> parse_agreement(const SourceFile& file, Diagnostics& diags);

// The language's words (`agreement`, `require`, `flagged`, ...), read from the grammar's own
// vocabulary, sorted: one list for every editor's colouring and completion (the page, agr lsp).
const std::vector<std::string>& language_keywords();

}  // namespace agr
