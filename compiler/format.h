// `agr fmt`: an agreement in one canonical layout, comments kept (docs/language.md, section 16).
#pragma once

#include <string>

#include "ast.h"
#include "diagnostics.h"

namespace agr {

// Lines of lists (`allow`, a group's codes) are wrapped to stay within this many columns.
inline constexpr size_t kFormatWidth = 90;

// The agreement `file` parsed into `agreement` (parse_agreement alone is enough), laid out anew.
// Parsing the result gives the same tree; formatting it again gives the same text.
std::string format_agreement(const ast::Agreement& agreement, const SourceFile& file);

// Parses `file` and lays it out into *out. False, with diagnostics, when the file does not parse,
// or when the layout would not parse back to the same tree and comments (a formatter bug: then
// nothing is to be written).
bool format_source(const SourceFile& file, Diagnostics& diags, std::string* out);

}  // namespace agr
