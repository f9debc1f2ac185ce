// What a language server needs to know of an agreement: its declarations by name, with where
// each is declared and what to say about it on hover; and the word under the cursor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ast.h"

namespace agr::lsp {

struct Symbol {
  enum class Kind { Service, Group, Define, Flag, Rule, Due };
  Kind kind;
  std::string name;   // a service's code, a group's, flag's or definition's name, a rule's id
  Span declared;      // the name where it is declared
  std::string hover;  // Markdown
  std::string detail; // one line, for completion (a service's title, a group's members)
};

class SymbolIndex {
 public:
  SymbolIndex() = default;
  // `text` is the source the tree was parsed from (for a definition's expression as written).
  SymbolIndex(const ast::Agreement& agreement, std::string_view text);

  // Every declaration of `name` (a due item may share its rule id with others).
  std::vector<const Symbol*> find(std::string_view name) const;
  const std::vector<Symbol>& all() const { return symbols_; }

 private:
  std::vector<Symbol> symbols_;
};

struct Word {
  Span span;
  std::string_view text;
};

// The word (a code, a name or a rule id) at `offset` or ending there, outside comments and
// texts; none elsewhere.
std::optional<Word> word_at(std::string_view text, size_t offset);

// The whole word before the one being typed at `offset` ("flagged" in "flagged vi|"): the
// context for completion. Empty when there is none, or when a text or comment is open.
std::string_view word_before(std::string_view text, size_t offset);

}  // namespace agr::lsp
