#include "symbols.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "agr/agr.h"  // format_money

namespace agr::lsp {
namespace {

std::string_view slice(std::string_view text, Span span) {
  if (span.begin >= text.size() || span.end <= span.begin) return {};
  return text.substr(span.begin, std::min<size_t>(span.end, text.size()) - span.begin);
}

std::string fee_text(const ast::FeeSplit& fee) {
  return "fee " + format_money(fee.total) + " (subsidy " + format_money(fee.subsidy) + ", patient " +
         format_money(fee.patient) + ")";
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The words of a source, in order, skipping comments and texts: the language's lexer reduced to
// what hover, definition and completion need. `open` tells whether `limit` falls inside a
// comment or a text.
struct Scan {
  std::vector<Word> words;
  bool open = false;
};

Scan scan_words(std::string_view text, size_t limit) {
  Scan scan;
  size_t i = 0;
  while (i < text.size() && i <= limit) {
    const char c = text[i];
    if (c == '#' || c == '"') {
      const size_t start = i;
      bool closed = false;
      if (c == '#') {
        while (i < text.size() && text[i] != '\n') ++i;
      } else {
        for (++i; i < text.size() && text[i] != '"'; ++i)
          if (text[i] == '\\') ++i;
        closed = i < text.size();
        i = std::min(i + 1, text.size());
      }
      // A comment holds the cursor up to its line's end; a text up to its closing quote.
      if (start < limit && (limit < i || (limit == i && !closed))) scan.open = true;
      continue;
    }
    if (!is_word_char(c)) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && is_word_char(text[i])) ++i;
    // A rule id: capitals and digits, '-', digits (LBP-6).
    const std::string_view head = text.substr(start, i - start);
    const bool capitals = std::isupper(static_cast<unsigned char>(head[0])) &&
                          head.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string_view::npos;
    if (capitals && i + 1 < text.size() && text[i] == '-' && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      i += 1;
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    }
    scan.words.push_back({{static_cast<uint32_t>(start), static_cast<uint32_t>(i)}, text.substr(start, i - start)});
  }
  return scan;
}

}  // namespace

SymbolIndex::SymbolIndex(const ast::Agreement& agreement, std::string_view text) {
  std::map<std::string, const ast::ServiceDecl*> services;
  for (const ast::ServiceDecl& s : agreement.services) {
    services.emplace(s.code.value, &s);
    std::string hover = "**" + s.code.value + "** " + s.title.value + "\n\n" +
                        (s.supplement ? "supplement" : "service") + ", " +
                        (s.fee ? fee_text(*s.fee) : "no fee in this agreement");
    symbols_.push_back({Symbol::Kind::Service, s.code.value, s.code.span, std::move(hover), s.title.value});
  }
  for (const ast::GroupDecl& g : agreement.groups) {
    std::string members, list;
    for (const ast::Name& code : g.codes) {
      members += (members.empty() ? "" : ", ") + code.value;
      const auto service = services.find(code.value);
      list += "\n- " + code.value + (service != services.end() ? " " + service->second->title.value : " (a group)");
    }
    symbols_.push_back({Symbol::Kind::Group, g.name.value, g.name.span,
                        "**group " + g.name.value + "** = " + members + "\n" + list, members});
  }
  for (const auto& d : agreement.defines) {
    const std::string body(d->body ? slice(text, d->body->span) : std::string_view{});
    symbols_.push_back({Symbol::Kind::Define, d->name.value, d->name.span,
                        "**define " + d->name.value + "**\n\n```agr\n" + body + "\n```", body});
  }
  for (const ast::FlagDecl& f : agreement.flags) {
    symbols_.push_back({Symbol::Kind::Flag, f.name.value, f.name.span,
                        "**flag " + f.name.value + "**" + (f.description.present() ? "\n\n" + f.description.value : ""),
                        f.description.value});
  }
  for (const ast::RuleDecl& r : agreement.rules) {
    const std::string kind = r.warning ? "warning" : "rule";
    std::string hover = "**" + kind + " " + r.id.value + "** for " + std::string(slice(text, r.applies_to.span)) +
                        "\n\n" + r.message.value;
    if (r.source.present()) hover += "\n\n> " + r.source.value;
    symbols_.push_back({Symbol::Kind::Rule, r.id.value, r.id.span, std::move(hover), r.message.value});
  }
  for (const ast::DueDecl& d : agreement.dues) {
    std::string hover = "**due " + d.rule_id.value + "** " + d.code.value;
    if (d.message.present()) hover += "\n\n" + d.message.value;
    symbols_.push_back({Symbol::Kind::Due, d.rule_id.value, d.rule_id.span, std::move(hover), d.code.value});
  }
}

std::vector<const Symbol*> SymbolIndex::find(std::string_view name) const {
  std::vector<const Symbol*> found;
  for (const Symbol& s : symbols_)
    if (s.name == name) found.push_back(&s);
  return found;
}

std::optional<Word> word_at(std::string_view text, size_t offset) {
  const Scan scan = scan_words(text, offset);
  if (scan.open) return std::nullopt;
  for (auto it = scan.words.rbegin(); it != scan.words.rend(); ++it)
    if (it->span.begin <= offset && offset <= it->span.end) return *it;
  return std::nullopt;
}

std::string_view word_before(std::string_view text, size_t offset) {
  const Scan scan = scan_words(text, offset);
  if (scan.open) return {};
  auto it = scan.words.rbegin();
  while (it != scan.words.rend() && it->span.begin >= offset) ++it;  // words from the cursor on
  if (it != scan.words.rend() && it->span.end >= offset) ++it;        // the word being typed
  return it == scan.words.rend() ? std::string_view{} : it->text;
}

}  // namespace agr::lsp
