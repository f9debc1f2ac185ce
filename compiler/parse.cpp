// Pass 1, parse: source text -> AST. The only file of agr that includes ANTLR headers.
//
// The steps, each guarding the next: refuse oversized or non-UTF-8 input; find an unterminated
// string (it would otherwise swallow the file); lex, reporting characters the language does
// not use and dropping them from the token stream; refuse parentheses nested too deeply before
// ANTLR's recursive descent sees them; parse with a listener that turns ANTLR's reports into
// diagnostics; and only when all that is clean, visit the parse tree into ast::Agreement.
#include "parse.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "antlr4-runtime.h"

#include "AgrBaseVisitor.h"
#include "AgrLexer.h"
#include "AgrParser.h"
#include "calendar.h"

namespace agr {

namespace {

using agr_parser::AgrLexer;
using agr_parser::AgrParser;

// ANTLR rule frames allowed on the parser's stack. `(` nesting is refused before parsing; this
// catches what remains (chains of `not` or `if`), far below where the stack would run out.
constexpr size_t kMaxParseDepth = 8 * kMaxNestingDepth;
// Depth of the expression tree the builder will produce. Long flat chains (`a + b + c ...`) are
// nested too, in the tree, and every later pass walks it recursively.
constexpr size_t kMaxExprDepth = 4 * kMaxNestingDepth;

// Thrown to abandon the parse once the error limit is reached (the limit is already reported).
struct StopParsing {};
// Thrown by the parser when its rule stack grows past kMaxParseDepth.
struct NestedTooDeeply {
  uint32_t offset;
};

// ---------------------------------------------------------------------------------------------
// Checks on the raw bytes.

// Offset of the first byte that is not part of well-formed UTF-8, or npos.
size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      length = 2;
    } else if (b == 0xE0) {
      length = 3, low = 0xA0;
    } else if (b == 0xED) {
      length = 3, high = 0x9F;  // no surrogates
    } else if (b >= 0xE1 && b <= 0xEF) {
      length = 3;
    } else if (b == 0xF0) {
      length = 4, low = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      length = 4;
    } else if (b == 0xF4) {
      length = 4, high = 0x8F;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + 1 >= s.size()) return i;
    const unsigned char second = static_cast<unsigned char>(s[i + 1]);
    if (second < low || second > high) return i;
    for (size_t k = 2; k < length; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

// Offset of the opening quote of a string that never closes, or npos. Mirrors the lexer: only
// STRING and COMMENT tokens can hold '"' or '#', so a linear scan sees the same strings.
size_t find_unterminated_string(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const char ch = s[i];
    if (ch == '#') {
      while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
    } else if (ch == '"') {
      const size_t open = i++;
      for (;;) {
        if (i >= s.size()) return open;
        if (s[i] == '\\') {
          i += 2;  // the escaped byte; a multi-byte character's tail holds no '"' or '\'
        } else if (s[i] == '"') {
          ++i;
          break;
        } else {
          ++i;
        }
      }
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// When a string is left open, the lexer pairs every later quote with the wrong partner, and the
// file's last string is the one that never closes, far from the mistake. The string the author left
// open is the first one that runs over a line break and ends on a line that holds only the start of
// a clause (`  source `, `service 0262 `): its closing quote is really the next text's opening one.
// Returns that string's opening quote, or npos when no string looks so.
size_t find_string_left_open(std::string_view s) {
  static constexpr std::string_view kClauseWords[] = {
      "agreement", "source", "price",  "referral", "flag",     "service", "supplement", "group",  "define",
      "course",    "same",   "rule",   "warning",  "due",      "when",    "require",    "reject", "warn",
      "message",   "fee",    "allow",  "earliest", "target",   "latest",  "window"};
  auto clause_start = [](std::string_view line) {
    auto words = [&line] {
      std::vector<std::string_view> out;
      size_t i = 0;
      while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const size_t begin = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > begin) out.push_back(line.substr(begin, i - begin));
      }
      return out;
    }();
    return !words.empty() && words.size() <= 2 &&
           std::find(std::begin(kClauseWords), std::end(kClauseWords), words[0]) != std::end(kClauseWords);
  };
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '#') {
      while (i < s.size() && s[i] != '\n' && s[i] != '\r') ++i;
    } else if (s[i] == '"') {
      const size_t open = i++;
      while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
      if (i >= s.size()) return std::string_view::npos;
      const std::string_view body = s.substr(open + 1, i - open - 1);
      const size_t last_break = body.rfind('\n');
      if (last_break != std::string_view::npos && clause_start(body.substr(last_break + 1))) return open;
      ++i;
    } else {
      ++i;
    }
  }
  return std::string_view::npos;
}

// A character for a message: printable as itself, control characters as U+XXXX.
std::string shown_text(std::string_view text, size_t max_chars = 30) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(text[i]);
    if ((ch & 0xC0) != 0x80) {
      if (chars == max_chars) {
        out += "...";
        break;
      }
      ++chars;
    }
    if (ch < 0x20 || ch == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      out += "U+00";
      out += hex[ch >> 4];
      out += hex[ch & 15];
    } else {
      out += static_cast<char>(ch);
    }
  }
  return out;
}

// ANTLR counts positions in code points; spans count bytes.
class Offsets {
 public:
  explicit Offsets(std::string_view text) {
    table_.reserve(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) table_.push_back(static_cast<uint32_t>(i));
    }
    table_.push_back(static_cast<uint32_t>(text.size()));
  }

  uint32_t byte(size_t code_point) const {
    return code_point < table_.size() ? table_[code_point] : table_.back();
  }

  Span span(const antlr4::Token* token) const {
    if (token == nullptr) return {table_.back(), table_.back()};
    const size_t start = token->getStartIndex();
    const size_t stop = token->getStopIndex();
    const uint32_t begin = byte(start);
    if (token->getType() == antlr4::Token::EOF || stop == INVALID_INDEX || stop < start) return {begin, begin};
    return {begin, byte(stop + 1)};
  }

  Span span(antlr4::ParserRuleContext* ctx) const {
    const Span first = span(ctx->getStart());
    const antlr4::Token* stop = ctx->getStop();
    if (stop == nullptr || stop->getType() == antlr4::Token::EOF || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) {
      return first;
    }
    return {first.begin, std::max(first.begin, span(stop).end)};
  }

 private:
  std::vector<uint32_t> table_;  // code point index -> byte offset, plus the end
};

// The type of the token written `literal` (with its quotes, e.g. "'('"), or 0.
size_t literal_token(const antlr4::dfa::Vocabulary& vocabulary, std::string_view literal) {
  for (size_t t = 1; t <= vocabulary.getMaxTokenType(); ++t) {
    if (vocabulary.getLiteralName(t) == literal) return t;
  }
  return 0;
}

// How a message names a kind of token.
std::string token_kind_word(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  if (type == antlr4::Token::EOF) return "end of file";
  switch (type) {
    case AgrParser::DATE: return "a date";
    case AgrParser::MONEY: return "an amount like 327.12";
    case AgrParser::NUMBER: return "a number";
    case AgrParser::RULE_ID: return "a rule id like LBP-1";
    case AgrParser::NAME: return "a name";
    case AgrParser::STRING: return "a text in quotes";
    case AgrParser::PLUS_MINUS: return "'±'";
    case AgrParser::CODE_PREFIX: return "a code prefix like DM16*";
    default: break;
  }
  const std::string literal = vocabulary.getLiteralName(type);
  return literal.empty() ? vocabulary.getDisplayName(type) : literal;
}

std::string describe_token(const antlr4::Token* token, std::string_view source, const Offsets& offsets) {
  if (token == nullptr || token->getType() == antlr4::Token::EOF) return "end of file";
  const Span span = offsets.span(token);
  return "'" + shown_text(source.substr(span.begin, span.end - span.begin)) + "'";
}

// ---------------------------------------------------------------------------------------------
// Errors from ANTLR.

class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(std::string_view source, const Offsets& offsets, Diagnostics& diags, bool input_truncated)
      : source_(source), offsets_(offsets), diags_(diags), input_truncated_(input_truncated) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t, size_t,
                   const std::string& msg, std::exception_ptr) override {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser == nullptr) {
      // The lexer has a rule for every character, so this should not happen; report it anyway.
      auto* lexer = dynamic_cast<antlr4::Lexer*>(recognizer);
      const uint32_t at = offsets_.byte(lexer ? lexer->tokenStartCharIndex : 0);
      record({at, at}, "unexpected character", {});
      return;
    }
    // The input was cut at an unterminated string, which is reported already: the end of file
    // the parser then meets is not the author's mistake.
    if (input_truncated_ && offending != nullptr && offending->getType() == antlr4::Token::EOF) return;

    const auto& vocabulary = parser->getVocabulary();
    const std::string found = describe_token(offending, source_, offsets_);
    std::vector<size_t> expected;
    bool expected_known = true;
    if (msg.rfind("no viable alternative", 0) == 0) {
      // Prediction failed somewhere past the decision; the expected set belongs to the decision's
      // start, so it only helps when that is the offending token itself.
      expected_known = offending == parser->getCurrentToken();
    }
    if (expected_known) {
      try {
        for (ssize_t t : parser->getExpectedTokens().toList()) {
          if (t >= 0 || t == -1) expected.push_back(static_cast<size_t>(t));
        }
      } catch (...) {
        expected.clear();
      }
    }
    const std::string expected_words = join_expected(expected, vocabulary);

    std::string message;
    if (msg.rfind("missing ", 0) == 0 && !expected_words.empty()) {
      message = "missing " + expected_words + " before " + found;
    } else {
      message = "unexpected " + found;
      if (!expected_words.empty()) message += "; expected " + expected_words;
    }

    // A misspelt keyword: suggest the nearest one the parser would have accepted.
    std::string hint;
    if (offending != nullptr && offending->getType() == AgrParser::NAME) {
      std::vector<std::string> keywords;
      for (size_t t : expected) {
        const std::string literal = vocabulary.getLiteralName(t);
        if (literal.size() > 2) keywords.push_back(literal.substr(1, literal.size() - 2));
      }
      const Span span = offsets_.span(offending);
      const std::string near = closest_match(source_.substr(span.begin, span.end - span.begin), keywords);
      if (!near.empty()) hint = "did you mean '" + near + "'?";
    }
    if (offending != nullptr && offending->getType() == AgrParser::NAME) {
      const Span span = offsets_.span(offending);
      std::string word(source_.substr(span.begin, span.end - span.begin));
      std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::tolower(c); });
      if (word == "workday" || word == "workdays" || word == "work" || word == "hverdag" || word == "hverdage" ||
          word == "businessday" || word == "businessdays" || word == "business")
        hint = "a number of working days is written `N working days` (`± 5 working days`)";
    }
    // A second fee: after the patient's share of one, another `fee` cannot follow.
    if (offending != nullptr && vocabulary.getLiteralName(offending->getType()) == "'fee'" &&
        parser->getTokenStream()->LT(-1) != nullptr && parser->getTokenStream()->LT(-1)->getType() == AgrParser::MONEY) {
      record(offsets_.span(offending), "a second fee: a fee line gives one fee",
             "each line of a price level names its service first (`0261 fee ...`, a variant `0261 flagged video fee "
             "...`); fees that change from a date are a price level of their own (docs/language.md, section 5)");
      return;
    }
    // A keyword where only a name or code belongs (`define a = ...`: `a` is the keyword of
    // `on a day with`). Not for a declaration's keyword: there, something is missing before it.
    if (offending != nullptr && !vocabulary.getLiteralName(offending->getType()).empty() &&
        !starts_declaration(offending->getType(), vocabulary) && !expected.empty() &&
        std::all_of(expected.begin(), expected.end(),
                    [](size_t t) { return t == AgrParser::NAME || t == AgrParser::NUMBER; })) {
      hint = found + " is a keyword of the language and cannot be used as a name";
    }
    Span span = offsets_.span(offending);
    // The end of the file is best shown just after the last thing written.
    if (offending == nullptr || offending->getType() == antlr4::Token::EOF) span = {end_of_text_, end_of_text_};
    record(span, std::move(message), std::move(hint));
  }

  // Where "end of file" errors point: just after the last token.
  void set_end_of_text(uint32_t offset) { end_of_text_ = offset; }

  void record(Span span, std::string message, std::string hint) {
    diags_.error(span, std::move(message), std::move(hint));
    if (diags_.error_count() > Diagnostics::kMaxErrors) throw StopParsing{};
  }

 private:
  // "'with'", "'with' or 'for'", "an expression"...; empty when the list would not help.
  static std::string join_expected(const std::vector<size_t>& types, const antlr4::dfa::Vocabulary& vocabulary) {
    if (types.empty()) return {};
    const bool has_number = std::find(types.begin(), types.end(), AgrParser::NUMBER) != types.end();
    const size_t start = literal_token(vocabulary, "'start'");
    const bool has_start = std::find(types.begin(), types.end(), start) != types.end();
    if (has_number && has_start) return "an expression";
    // Where a new declaration may begin, name that once instead of its ten keywords.
    std::vector<std::string> words;
    const size_t declarations = static_cast<size_t>(std::count_if(
        types.begin(), types.end(), [&](size_t t) { return starts_declaration(t, vocabulary); }));
    const bool any_declaration = declarations == std::size(kDeclarationKeywords);
    for (size_t t : types) {
      if (any_declaration && starts_declaration(t, vocabulary)) continue;
      if (t == antlr4::Token::EOF && any_declaration) continue;
      words.push_back(token_kind_word(t, vocabulary));
    }
    if (any_declaration) words.push_back("a new declaration");
    if (words.size() > 8) return {};
    std::string out;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
      out += words[i];
    }
    return out;
  }

  static constexpr const char* kDeclarationKeywords[] = {"'flag'",   "'fact'",    "'service'", "'supplement'",
                                                         "'price'",  "'before'",  "'group'",   "'define'",
                                                         "'course'", "'same'",    "'rule'",    "'warning'",
                                                         "'due'"};

  static bool starts_declaration(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
    const std::string literal = vocabulary.getLiteralName(type);
    return std::any_of(std::begin(kDeclarationKeywords), std::end(kDeclarationKeywords),
                       [&](const char* k) { return literal == k; });
  }

  std::string_view source_;
  const Offsets& offsets_;
  Diagnostics& diags_;
  bool input_truncated_;
  uint32_t end_of_text_ = 0;
};

// The generated parser with a bound on its rule stack.
class GuardedParser : public AgrParser {
 public:
  GuardedParser(antlr4::TokenStream* input, const Offsets& offsets) : AgrParser(input), offsets_(offsets) {}

  using AgrParser::enterRecursionRule;

  void enterRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule) override {
    guard(ctx);
    AgrParser::enterRule(ctx, state, rule);
  }

  void enterRecursionRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule, int precedence) override {
    guard(ctx);
    AgrParser::enterRecursionRule(ctx, state, rule, precedence);
  }

  uint32_t progress() const { return progress_; }

 private:
  void guard(antlr4::ParserRuleContext* ctx) {
    antlr4::Token* current = getCurrentToken();
    progress_ = offsets_.span(current).begin;
    if (static_cast<size_t>(ctx->depth()) > kMaxParseDepth) throw NestedTooDeeply{progress_};
  }

  const Offsets& offsets_;
  uint32_t progress_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The parse tree -> ast::Agreement. One visit method per labelled alternative; each builds one
// node and leaves it in the matching `*_result_` member. Unlabelled rules have helpers.

class AstBuilder : public agr_parser::AgrBaseVisitor {
 public:
  AstBuilder(const SourceFile& file, std::string_view source, const Offsets& offsets, Diagnostics& diags)
      : file_(file), source_(source), offsets_(offsets), diags_(diags) {}

  std::unique_ptr<ast::Agreement> build(AgrParser::FileContext* ctx, std::vector<Span> comments) {
    auto agreement = std::make_unique<ast::Agreement>();
    out_ = agreement.get();
    build_header(ctx->header());
    for (auto* declaration : ctx->declaration()) declaration->accept(this);
    agreement->comments = std::move(comments);
    return agreement;
  }

  // --- header -------------------------------------------------------------------------------

  antlrcpp::Any visitSourceClause(AgrParser::SourceClauseContext* ctx) override {
    out_->header.sources.push_back(text(ctx->text()));
    return {};
  }

  antlrcpp::Any visitOldPriceLevelClause(AgrParser::OldPriceLevelClauseContext* ctx) override {
    error(offsets_.span(ctx), "the price level is no longer a header clause: it is a fee table of its own",
          "write `price level " + slice(offsets_.span(ctx->DATE()->getSymbol())) +
              "` after the header, with one line per service under it: `0261 fee 327.12 subsidy 128.56 patient 198.56`");
    return {};
  }

  antlrcpp::Any visitReferralRequiredClause(AgrParser::ReferralRequiredClauseContext* ctx) override {
    out_->header.referral_required = true;
    out_->header.referral_required_span = offsets_.span(ctx);
    return {};
  }

  // --- declarations -------------------------------------------------------------------------

  antlrcpp::Any visitFlagDecl(AgrParser::FlagDeclContext* ctx) override {
    ast::FlagDecl flag;
    flag.name = name(ctx->NAME()->getSymbol());
    if (ctx->text()) flag.description = text(ctx->text());
    flag.span = offsets_.span(ctx);
    out_->flags.push_back(std::move(flag));
    return {};
  }

  antlrcpp::Any visitFactDecl(AgrParser::FactDeclContext* ctx) override {
    ast::FactDecl fact;
    fact.name = name(ctx->NAME(0)->getSymbol());
    fact.required = ctx->required != nullptr;
    if (ctx->text()) fact.description = text(ctx->text());
    fact.span = offsets_.span(ctx);
    const ast::Name type = name(ctx->type);
    using T = ast::FactType;
    static const std::vector<std::pair<std::string, T>> kTypes = {
        {"date", T::Date}, {"integer", T::Integer}, {"boolean", T::Boolean}, {"code", T::Code}, {"string", T::String}};
    auto known = std::find_if(kTypes.begin(), kTypes.end(), [&](const auto& t) { return t.first == type.value; });
    if (known == kTypes.end()) {
      std::vector<std::string> names;
      for (const auto& t : kTypes) names.push_back(t.first);
      const std::string near = closest_match(type.value, names);
      error(type.span, "'" + type.value + "' is not a type of fact",
            near.empty() ? "a fact is a date, integer, boolean, code or string" : "did you mean '" + near + "'?");
      return {};
    }
    fact.type = known->second;
    out_->facts.push_back(std::move(fact));
    return {};
  }

  antlrcpp::Any visitServiceDecl(AgrParser::ServiceDeclContext* ctx) override {
    ast::ServiceDecl service;
    service.code = code(ctx->code());
    service.supplement = ctx->kind->getText() == "supplement";
    service.title = text(ctx->text());
    service.span = offsets_.span(ctx);
    // Fees change by date, so they live in the price levels' tables; a fee on the service line
    // (the form before price levels had dates) gets the way to write it now.
    if (auto* fee = ctx->fee()) {
      error(offsets_.span(fee), "the fee of " + service.code.value + " belongs in a price level's fee table",
            "write `price level DATE` (the date the fees are in force from) and under it `" + service.code.value +
                " " + slice(offsets_.span(fee)) + "`");
    }
    out_->services.push_back(std::move(service));
    return {};
  }

  antlrcpp::Any visitPriceLevelDecl(AgrParser::PriceLevelDeclContext* ctx) override {
    ast::PriceLevelDecl level;
    level.from = date(ctx->DATE()->getSymbol());
    level.date_span = offsets_.span(ctx->DATE()->getSymbol());
    if (ctx->title) level.title = text(ctx->title);
    level.span = offsets_.span(ctx);
    for (auto* line : ctx->feeLine()) {
      ast::FeeLine fee;
      fee.code = code(line->code());
      if (line->flag) fee.flag = name(line->flag);
      fee.split.total = money(line->fee()->total);
      fee.split.subsidy = money(line->fee()->subsidy);
      fee.split.patient = money(line->fee()->patient);
      fee.split.span = offsets_.span(line->fee());
      fee.span = offsets_.span(line);
      level.fees.push_back(std::move(fee));
    }
    if (level.fees.empty())
      error(level.span, "price level " + slice(level.date_span) + " lists no fees",
            "write its fee table under it, one line per service: `0261 fee 327.12 subsidy 128.56 patient 198.56`");
    out_->price_levels.push_back(std::move(level));
    return {};
  }

  antlrcpp::Any visitBeforeFirstLevelDecl(AgrParser::BeforeFirstLevelDeclContext* ctx) override {
    const Span span = offsets_.span(ctx);
    if (out_->before_first_level) {
      error(span, "what happens before the first price level is already stated at line " +
                      line_of(out_->before_first_level->span));
      return {};
    }
    ast::BeforeFirstLevelDecl decl;
    decl.span = span;
    if (auto* reject = dynamic_cast<AgrParser::RejectBeforeFirstLevelContext*>(ctx->beforeFirstLevel())) {
      decl.rule = name(reject->RULE_ID()->getSymbol());
    } else {
      decl.no_fee = true;
    }
    out_->before_first_level = std::move(decl);
    return {};
  }

  antlrcpp::Any visitGroupDecl(AgrParser::GroupDeclContext* ctx) override {
    ast::GroupDecl group;
    group.name = name(ctx->NAME()->getSymbol());
    for (auto* c : ctx->codeList()->code()) group.codes.push_back(code(c));
    group.span = offsets_.span(ctx);
    out_->groups.push_back(std::move(group));
    return {};
  }

  antlrcpp::Any visitDefineDecl(AgrParser::DefineDeclContext* ctx) override {
    auto define = std::make_unique<ast::DefineDecl>();
    define->name = name(ctx->NAME()->getSymbol());
    define->body = expr(ctx->expr());
    define->span = offsets_.span(ctx);
    out_->defines.push_back(std::move(define));
    return {};
  }

  antlrcpp::Any visitCourseDecl(AgrParser::CourseDeclContext* ctx) override {
    const Span span = offsets_.span(ctx);
    if (out_->course) {
      error(span, "the course is already declared at line " + line_of(out_->course->span));
      return {};
    }
    ast::CourseDecl course;
    course.starts = set(ctx->setExpr(0));
    course.ends = set(ctx->setExpr(1));
    course.span = span;
    out_->course = std::move(course);
    return {};
  }

  antlrcpp::Any visitSameDayDecl(AgrParser::SameDayDeclContext* ctx) override {
    ast::SameDayDecl block;
    block.span = offsets_.span(ctx);
    same_day_ = &block;
    for (auto* clause : ctx->sameDayClause()) clause->accept(this);
    same_day_ = nullptr;
    out_->same_day.push_back(std::move(block));
    return {};
  }

  antlrcpp::Any visitRuleDecl(AgrParser::RuleDeclContext* ctx) override {
    ast::RuleDecl rule;
    rule.id = name(ctx->RULE_ID()->getSymbol());
    rule.warning = ctx->kind->getText() == "warning";
    rule.applies_to = set(ctx->setExpr());
    rule.span = offsets_.span(ctx);
    rule_ = &rule;
    for (auto* clause : ctx->ruleClause()) clause->accept(this);
    rule_ = nullptr;
    out_->rules.push_back(std::move(rule));
    return {};
  }

  antlrcpp::Any visitDueDecl(AgrParser::DueDeclContext* ctx) override {
    ast::DueDecl due;
    due.rule_id = name(ctx->RULE_ID()->getSymbol());
    due.code = code(ctx->code());
    due.span = offsets_.span(ctx);
    due_ = &due;
    for (auto* clause : ctx->dueClause()) clause->accept(this);
    due_ = nullptr;
    out_->dues.push_back(std::move(due));
    return {};
  }

  // --- same day -----------------------------------------------------------------------------

  antlrcpp::Any visitAllowClause(AgrParser::AllowClauseContext* ctx) override {
    for (auto* pair : ctx->codePair()) {
      same_day_->allowed.push_back({code(pair->code(0)), code(pair->code(1))});
    }
    return {};
  }

  antlrcpp::Any visitAliasClause(AgrParser::AliasClauseContext* ctx) override {
    ast::SameDayAlias alias;
    alias.alias = code(ctx->alias);
    alias.target = code(ctx->target);
    alias.condition = code(ctx->code().back());
    alias.span = offsets_.span(ctx);
    same_day_->aliases.push_back(std::move(alias));
    return {};
  }

  // --- rule clauses -------------------------------------------------------------------------

  antlrcpp::Any visitWhenClause(AgrParser::WhenClauseContext* ctx) override {
    add_clause(ast::Clause::Kind::When, ctx, ctx->expr());
    return {};
  }
  antlrcpp::Any visitRequireClause(AgrParser::RequireClauseContext* ctx) override {
    add_clause(ast::Clause::Kind::Require, ctx, ctx->expr());
    return {};
  }
  antlrcpp::Any visitRejectIfClause(AgrParser::RejectIfClauseContext* ctx) override {
    add_clause(ast::Clause::Kind::RejectIf, ctx, ctx->expr());
    return {};
  }
  antlrcpp::Any visitWarnIfClause(AgrParser::WarnIfClauseContext* ctx) override {
    add_clause(ast::Clause::Kind::WarnIf, ctx, ctx->expr());
    return {};
  }
  antlrcpp::Any visitMessageClause(AgrParser::MessageClauseContext* ctx) override {
    set_text_once(rule_->message, ctx, ctx->text(), rule_->id.value, "a message");
    return {};
  }
  antlrcpp::Any visitRuleSourceClause(AgrParser::RuleSourceClauseContext* ctx) override {
    set_text_once(rule_->source, ctx, ctx->text(), rule_->id.value, "a source");
    return {};
  }

  // --- due clauses --------------------------------------------------------------------------

  antlrcpp::Any visitDueWhenClause(AgrParser::DueWhenClauseContext* ctx) override {
    set_expr_once(due_->when, ctx, ctx->expr(), "'when'", false);
    return {};
  }
  antlrcpp::Any visitEarliestClause(AgrParser::EarliestClauseContext* ctx) override {
    set_expr_once(due_->earliest, ctx, ctx->expr(), "'earliest'", true);
    return {};
  }
  antlrcpp::Any visitTargetClause(AgrParser::TargetClauseContext* ctx) override {
    set_expr_once(due_->target, ctx, ctx->expr(), "'target'", true);
    return {};
  }
  antlrcpp::Any visitLatestClause(AgrParser::LatestClauseContext* ctx) override {
    set_expr_once(due_->latest, ctx, ctx->expr(), "'latest'", true);
    return {};
  }
  antlrcpp::Any visitDueWindowClause(AgrParser::DueWindowClauseContext* ctx) override {
    const Span span = offsets_.span(ctx);
    if (due_->window) {
      error(span, due_->rule_id.value + " already has 'window' at line " + line_of(due_->window->span));
      return {};
    }
    for (const ast::ExprPtr* bound : {&due_->earliest, &due_->target, &due_->latest}) {
      if (*bound) {
        error(span, "'window' gives earliest, target and latest at once; " + due_->rule_id.value +
                        " already has one of them at line " + line_of((*bound)->span));
        return {};
      }
    }
    due_->window = window(ctx->window());
    return {};
  }
  antlrcpp::Any visitDueMessageClause(AgrParser::DueMessageClauseContext* ctx) override {
    set_text_once(due_->message, ctx, ctx->text(), due_->rule_id.value, "a message");
    return {};
  }
  antlrcpp::Any visitDueSourceClause(AgrParser::DueSourceClauseContext* ctx) override {
    set_text_once(due_->source, ctx, ctx->text(), due_->rule_id.value, "a source");
    return {};
  }

  // --- sets ---------------------------------------------------------------------------------

  antlrcpp::Any visitAllServicesSet(AgrParser::AllServicesSetContext* ctx) override {
    term_result_ = ast::SetTerm{};
    term_result_.all_services = true;
    term_result_.name.span = offsets_.span(ctx);
    return {};
  }

  antlrcpp::Any visitCodeOrGroupSet(AgrParser::CodeOrGroupSetContext* ctx) override {
    term_result_ = ast::SetTerm{};
    term_result_.name = code(ctx->code());
    return {};
  }

  // --- expressions --------------------------------------------------------------------------

  antlrcpp::Any visitPrimaryExpr(AgrParser::PrimaryExprContext* ctx) override {
    result_ = same_node(ctx->primary());
    return {};
  }
  antlrcpp::Any visitAddExpr(AgrParser::AddExprContext* ctx) override {
    binary(ctx->op->getText() == "+" ? ast::Expr::Kind::Add : ast::Expr::Kind::Sub, ctx, ctx->left, ctx->right);
    return {};
  }
  antlrcpp::Any visitOtherwiseExpr(AgrParser::OtherwiseExprContext* ctx) override {
    binary(ast::Expr::Kind::Otherwise, ctx, ctx->left, ctx->right);
    return {};
  }
  antlrcpp::Any visitInWindowExpr(AgrParser::InWindowExprContext* ctx) override {
    auto node = make(ast::Expr::Kind::InWindow, ctx);
    node->negated = ctx->negated != nullptr;
    node->a = expr(ctx->operand);
    node->window = window(ctx->window());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitIsDayExpr(AgrParser::IsDayExprContext* ctx) override {
    auto* kind = ctx->dayKind();
    auto node = make(dynamic_cast<AgrParser::WorkingDayKindContext*>(kind) ? ast::Expr::Kind::IsWorkingDay
                                                                           : ast::Expr::Kind::IsWeekday,
                     ctx);
    node->negated = ctx->negated != nullptr;
    node->a = expr(ctx->operand);
    if (auto* days = dynamic_cast<AgrParser::WeekdaysKindContext*>(kind)) {
      for (auto* range : days->weekdays()) {
        const int from = weekday(range->from), to = range->to ? weekday(range->to) : from;
        if (from < 0 || to < 0) continue;
        // A range runs forward through the week: `friday .. monday` is Friday to Monday.
        for (int d = from;; d = (d + 1) % 7) {
          node->weekdays |= static_cast<uint8_t>(1u << d);
          if (d == to) break;
        }
      }
    }
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitInCodesExpr(AgrParser::InCodesExprContext* ctx) override {
    auto node = make(ast::Expr::Kind::InCodes, ctx);
    node->negated = ctx->negated != nullptr;
    node->a = expr(ctx->operand);
    for (auto* pattern : ctx->codePatterns()->codePattern()) {
      ast::CodePattern out;
      out.span = offsets_.span(pattern);
      if (pattern->STRING()) {
        out.code = string_value(pattern->STRING()->getSymbol());
      } else {
        out.code = slice(out.span);
        out.prefix = pattern->CODE_PREFIX() != nullptr;
        if (out.prefix) out.code.pop_back();  // the `*`
      }
      node->patterns.push_back(std::move(out));
    }
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitCompareExpr(AgrParser::CompareExprContext* ctx) override {
    binary(ast::Expr::Kind::Compare, ctx, ctx->left, ctx->right);
    const std::string op = ctx->op->getText();
    using Op = ast::CompareOp;
    result_->op = op == "=" ? Op::Eq : op == "!=" ? Op::Ne : op == "<" ? Op::Lt
                : op == "<=" ? Op::Le : op == ">" ? Op::Gt : Op::Ge;
    return {};
  }
  antlrcpp::Any visitNotExpr(AgrParser::NotExprContext* ctx) override {
    auto node = make(ast::Expr::Kind::Not, ctx);
    node->a = expr(ctx->operand);
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitAndExpr(AgrParser::AndExprContext* ctx) override {
    binary(ast::Expr::Kind::And, ctx, ctx->left, ctx->right);
    return {};
  }
  antlrcpp::Any visitOrExpr(AgrParser::OrExprContext* ctx) override {
    binary(ast::Expr::Kind::Or, ctx, ctx->left, ctx->right);
    return {};
  }
  antlrcpp::Any visitIfExpr(AgrParser::IfExprContext* ctx) override {
    auto node = make(ast::Expr::Kind::If, ctx);
    node->a = expr(ctx->cond);
    node->b = expr(ctx->thenExpr);
    node->c = expr(ctx->elseExpr);
    result_ = std::move(node);
    return {};
  }

  // --- windows and terms --------------------------------------------------------------------

  antlrcpp::Any visitRangeWindow(AgrParser::RangeWindowContext* ctx) override {
    auto w = std::make_unique<ast::Window>();
    w->kind = ast::Window::Kind::Range;
    w->low = expr(ctx->low);
    w->high = expr(ctx->high);
    w->span = offsets_.span(ctx);
    window_result_ = std::move(w);
    return {};
  }
  antlrcpp::Any visitAroundWindow(AgrParser::AroundWindowContext* ctx) override {
    auto w = std::make_unique<ast::Window>();
    w->kind = ast::Window::Kind::Around;
    w->center = expr(ctx->center);
    w->around = duration(ctx->duration());
    w->span = offsets_.span(ctx);
    window_result_ = std::move(w);
    return {};
  }
  antlrcpp::Any visitCalendarWindow(AgrParser::CalendarWindowContext* ctx) override {
    auto w = std::make_unique<ast::Window>();
    w->kind = ast::Window::Kind::Calendar;
    const std::string unit = ctx->unit->getText();
    w->period = unit == "week" ? ast::Period::Week : unit == "month" ? ast::Period::Month : ast::Period::Year;
    w->center = expr(ctx->center);
    w->span = offsets_.span(ctx);
    window_result_ = std::move(w);
    return {};
  }
  antlrcpp::Any visitAddTerm(AgrParser::AddTermContext* ctx) override {
    binary(ctx->op->getText() == "+" ? ast::Expr::Kind::Add : ast::Expr::Kind::Sub, ctx, ctx->left, ctx->right);
    return {};
  }
  antlrcpp::Any visitPrimaryTerm(AgrParser::PrimaryTermContext* ctx) override {
    result_ = same_node(ctx->primary());
    return {};
  }

  // --- primaries ----------------------------------------------------------------------------

  antlrcpp::Any visitNumberLit(AgrParser::NumberLitContext* ctx) override {
    auto node = make(ast::Expr::Kind::Number, ctx);
    node->number = number(ctx->NUMBER()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitDateLit(AgrParser::DateLitContext* ctx) override {
    auto node = make(ast::Expr::Kind::DateLiteral, ctx);
    node->number = date(ctx->DATE()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitTextLit(AgrParser::TextLitContext* ctx) override {
    auto node = make(ast::Expr::Kind::TextLiteral, ctx);
    node->text = string_value(ctx->STRING()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitBoolLit(AgrParser::BoolLitContext* ctx) override {
    auto node = make(ast::Expr::Kind::BoolLiteral, ctx);
    node->number = ctx->value->getText() == "true" ? 1 : 0;
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitDurationLit(AgrParser::DurationLitContext* ctx) override {
    auto node = make(ast::Expr::Kind::DurationLiteral, ctx);
    node->duration = duration(ctx->duration());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitEventDate(AgrParser::EventDateContext* ctx) override { return leaf(ast::Expr::Kind::EventDate, ctx); }
  antlrcpp::Any visitCourseStart(AgrParser::CourseStartContext* ctx) override { return leaf(ast::Expr::Kind::CourseStart, ctx); }
  antlrcpp::Any visitCourseEnd(AgrParser::CourseEndContext* ctx) override { return leaf(ast::Expr::Kind::CourseEnd, ctx); }
  antlrcpp::Any visitCourseStarted(AgrParser::CourseStartedContext* ctx) override { return leaf(ast::Expr::Kind::CourseStarted, ctx); }
  antlrcpp::Any visitCourseEnded(AgrParser::CourseEndedContext* ctx) override { return leaf(ast::Expr::Kind::CourseEnded, ctx); }
  antlrcpp::Any visitReferralDate(AgrParser::ReferralDateContext* ctx) override { return leaf(ast::Expr::Kind::Referral, ctx); }
  antlrcpp::Any visitEventClinic(AgrParser::EventClinicContext* ctx) override { return leaf(ast::Expr::Kind::EventClinic, ctx); }
  antlrcpp::Any visitCombinableToday(AgrParser::CombinableTodayContext* ctx) override { return leaf(ast::Expr::Kind::Combinable, ctx); }

  antlrcpp::Any visitYearsSince(AgrParser::YearsSinceContext* ctx) override {
    auto node = make(ast::Expr::Kind::YearsSince, ctx);
    node->a = expr(ctx->operand);
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitClinicOfLast(AgrParser::ClinicOfLastContext* ctx) override {
    auto node = make(ast::Expr::Kind::ClinicOfLast, ctx);
    node->set = set(ctx->setTermList());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitFirstDate(AgrParser::FirstDateContext* ctx) override {
    auto node = make(ast::Expr::Kind::FirstDate, ctx);
    node->set = set(ctx->setTermList());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitLastDate(AgrParser::LastDateContext* ctx) override {
    auto node = make(ast::Expr::Kind::LastDate, ctx);
    node->set = set(ctx->setTermList());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitFlagged(AgrParser::FlaggedContext* ctx) override {
    auto node = make(ast::Expr::Kind::Flagged, ctx);
    node->name = name(ctx->NAME()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitCount(AgrParser::CountContext* ctx) override {
    auto node = make(ast::Expr::Kind::Count, ctx);
    node->set = set(ctx->setExpr());
    for (auto* filter : ctx->countFilter()) {
      filter->accept(this);
      node->filters.push_back(std::move(filter_result_));
      filter_result_ = ast::CountFilter{};
    }
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitDefineRef(AgrParser::DefineRefContext* ctx) override {
    auto node = make(ast::Expr::Kind::DefineRef, ctx);
    node->name = name(ctx->NAME()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitCallLike(AgrParser::CallLikeContext* ctx) override {
    auto node = make(ast::Expr::Kind::CallLike, ctx);
    node->name = name(ctx->NAME()->getSymbol());
    result_ = std::move(node);
    return {};
  }
  antlrcpp::Any visitParens(AgrParser::ParensContext* ctx) override {
    result_ = same_node(ctx->expr());  // the inner node keeps its own span
    result_->parenthesized = true;
    return {};
  }

  // --- count filters ------------------------------------------------------------------------

  antlrcpp::Any visitTodayFilter(AgrParser::TodayFilterContext* ctx) override {
    filter_result_ = ast::CountFilter{};
    filter_result_.kind = ast::CountFilter::Kind::Today;
    filter_result_.span = offsets_.span(ctx);
    return {};
  }
  antlrcpp::Any visitInWindowFilter(AgrParser::InWindowFilterContext* ctx) override {
    filter_result_ = ast::CountFilter{};
    filter_result_.kind = ast::CountFilter::Kind::InWindow;
    filter_result_.window = window(ctx->window());
    filter_result_.span = offsets_.span(ctx);
    return {};
  }
  antlrcpp::Any visitFlaggedFilter(AgrParser::FlaggedFilterContext* ctx) override {
    filter_result_ = ast::CountFilter{};
    filter_result_.kind = ast::CountFilter::Kind::Flagged;
    filter_result_.flag = name(ctx->NAME()->getSymbol());
    filter_result_.span = offsets_.span(ctx);
    return {};
  }

 private:
  // --- helpers for unlabelled rules and tokens -----------------------------------------------

  void build_header(AgrParser::HeaderContext* ctx) {
    ast::Header& header = out_->header;
    header.name = name(ctx->name);
    header.title = text(ctx->title);
    header.span = offsets_.span(ctx);
    for (auto* clause : ctx->headerClause()) clause->accept(this);
  }

  // Any expression-shaped context (expr, term, primary) -> one Expr, with a bound on depth.
  ast::ExprPtr expr(antlr4::ParserRuleContext* ctx) {
    const Span span = offsets_.span(ctx);
    if (depth_ >= kMaxExprDepth) {
      if (!too_deep_reported_) {
        too_deep_reported_ = true;
        error(span, "expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)");
      }
      return std::make_unique<ast::Expr>(ast::Expr::Kind::Number, span);
    }
    ++depth_;
    struct Leave {
      size_t& depth;
      ~Leave() { --depth; }
    } leave{depth_};
    result_.reset();
    ctx->accept(this);
    ast::ExprPtr built = std::move(result_);
    if (!built) built = std::make_unique<ast::Expr>(ast::Expr::Kind::Number, span);  // unreachable
    return built;
  }

  // A context that only wraps another node (a primary, parentheses): the tree gets no deeper.
  // Unbounded wrapping needs unbounded parentheses, which never reach the parser.
  ast::ExprPtr same_node(antlr4::ParserRuleContext* ctx) {
    result_.reset();
    ctx->accept(this);
    ast::ExprPtr built = std::move(result_);
    if (!built) built = std::make_unique<ast::Expr>(ast::Expr::Kind::Number, offsets_.span(ctx));  // unreachable
    return built;
  }

  std::unique_ptr<ast::Window> window(AgrParser::WindowContext* ctx) {
    window_result_.reset();
    ctx->accept(this);
    auto built = std::move(window_result_);
    if (!built) built = std::make_unique<ast::Window>();
    return built;
  }

  ast::ExprPtr make(ast::Expr::Kind kind, antlr4::ParserRuleContext* ctx) {
    return std::make_unique<ast::Expr>(kind, offsets_.span(ctx));
  }

  antlrcpp::Any leaf(ast::Expr::Kind kind, antlr4::ParserRuleContext* ctx) {
    result_ = make(kind, ctx);
    return {};
  }

  void binary(ast::Expr::Kind kind, antlr4::ParserRuleContext* ctx, antlr4::ParserRuleContext* left,
              antlr4::ParserRuleContext* right) {
    auto node = make(kind, ctx);
    node->a = expr(left);
    node->b = expr(right);
    result_ = std::move(node);
  }

  ast::SetExpr set(AgrParser::SetExprContext* ctx) {
    ast::SetExpr out;
    out.span = offsets_.span(ctx);
    bool excluding = false;
    for (auto* child : ctx->children) {
      if (auto* terminal = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        if (terminal->getText() == "except") excluding = true;
        continue;
      }
      if (auto* term = dynamic_cast<AgrParser::SetTermContext*>(child)) {
        term->accept(this);
        (excluding ? out.exclude : out.include).push_back(std::move(term_result_));
      }
    }
    return out;
  }

  ast::SetExpr set(AgrParser::SetTermListContext* ctx) {
    if (auto* inner = ctx->setExpr()) return set(inner);
    ast::SetExpr out;
    out.span = offsets_.span(ctx);
    ctx->setTerm()->accept(this);
    out.include.push_back(std::move(term_result_));
    return out;
  }

  void add_clause(ast::Clause::Kind kind, antlr4::ParserRuleContext* ctx, AgrParser::ExprContext* body) {
    ast::Clause clause{kind, expr(body), offsets_.span(ctx)};
    rule_->clauses.push_back(std::move(clause));
  }

  void set_text_once(ast::Text& slot, antlr4::ParserRuleContext* ctx, AgrParser::TextContext* value,
                     const std::string& owner, const char* what) {
    if (slot.present()) {
      error(offsets_.span(ctx), owner + " already has " + what + " at line " + line_of(slot.span));
      return;
    }
    slot = text(value);
  }

  void set_expr_once(ast::ExprPtr& slot, antlr4::ParserRuleContext* ctx, AgrParser::ExprContext* value,
                     const char* what, bool is_bound) {
    const Span span = offsets_.span(ctx);
    if (slot) {
      error(span, due_->rule_id.value + " already has " + what + " at line " + line_of(slot->span));
      return;
    }
    if (is_bound && due_->window) {
      error(span, "'window' gives earliest, target and latest at once; " + due_->rule_id.value +
                      " already has a window at line " + line_of(due_->window->span));
      return;
    }
    slot = expr(value);
  }

  ast::Name name(const antlr4::Token* token) {
    const Span span = offsets_.span(token);
    return {slice(span), span};
  }

  ast::Name code(AgrParser::CodeContext* ctx) {
    const Span span = offsets_.span(ctx);
    return {slice(span), span};  // as written: leading zeros matter ("0110")
  }

  // One string literal exactly as written between its quotes, escapes resolved (a code or value
  // to compare with: no whitespace is folded).
  std::string string_value(const antlr4::Token* token) {
    const Span span = offsets_.span(token);
    const std::string_view body = source_.substr(span.begin + 1, span.end - span.begin - 2);
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\' && i + 1 < body.size()) {
        const char escaped = body[++i];
        out += escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
      } else {
        out += body[i];
      }
    }
    return out;
  }

  // Concatenates the string literals, resolving escapes; each run of whitespace written in the
  // source (a long passage broken over lines) becomes one space, and the ends are trimmed.
  ast::Text text(AgrParser::TextContext* ctx) {
    ast::Text out;
    out.span = offsets_.span(ctx);
    bool pending_space = false;
    auto put = [&](char ch) {
      if (pending_space) out.value += ' ';
      pending_space = false;
      out.value += ch;
    };
    for (auto* literal : ctx->STRING()) {
      const Span span = offsets_.span(literal->getSymbol());
      out.pieces.push_back(span);
      const std::string_view body = source_.substr(span.begin + 1, span.end - span.begin - 2);
      for (size_t i = 0; i < body.size(); ++i) {
        const char ch = body[i];
        if (ch == '\\' && i + 1 < body.size()) {
          const char escaped = body[++i];
          put(escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped);
        } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
          pending_space = !out.value.empty();
        } else {
          put(ch);
        }
      }
    }
    return out;
  }

  int64_t number(const antlr4::Token* token) {
    const Span span = offsets_.span(token);
    int64_t value = 0;
    for (char ch : slice(span)) {
      const int digit = ch - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) {
        error(span, "number too large");
        return 0;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  // "327.12" -> 32712 øre.
  int64_t money(const antlr4::Token* token) {
    const Span span = offsets_.span(token);
    const std::string written = slice(span);
    const size_t point = written.find('.');
    std::string_view whole = std::string_view(written).substr(0, point);
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    if (whole.size() > 15) {
      error(span, "amount too large");
      return 0;
    }
    int64_t value = 0;
    for (char ch : whole) value = value * 10 + (ch - '0');
    for (char ch : std::string_view(written).substr(point + 1)) value = value * 10 + (ch - '0');
    return value;
  }

  Day date(const antlr4::Token* token) {
    const Span span = offsets_.span(token);
    const std::string written = slice(span);
    Day day = 0;
    if (!parse_iso_date(written, &day)) {
      error(span, "invalid date " + written);
      return 0;
    }
    return day;
  }

  ast::Duration duration(AgrParser::DurationContext* ctx) {
    ast::Duration out;
    out.amount = number(ctx->NUMBER()->getSymbol());
    if (ctx->unit == nullptr) {
      out.unit = ast::Duration::Unit::WorkingDays;
      return out;
    }
    const std::string unit = ctx->unit->getText();
    using Unit = ast::Duration::Unit;
    out.unit = unit.rfind("day", 0) == 0 ? Unit::Days : unit.rfind("week", 0) == 0 ? Unit::Weeks
             : unit.rfind("month", 0) == 0 ? Unit::Months : Unit::Years;
    return out;
  }

  // 0 = Monday .. 6 = Sunday, or -1 with an error for a name that is not a day of the week.
  int weekday(const antlr4::Token* token) {
    static const std::vector<std::string> kNames = {"monday", "tuesday", "wednesday", "thursday",
                                                    "friday", "saturday", "sunday"};
    const ast::Name written = name(token);
    for (size_t d = 0; d < kNames.size(); ++d)
      if (written.value == kNames[d]) return static_cast<int>(d);
    const std::string near = closest_match(written.value, kNames);
    error(written.span, "'" + written.value + "' is not a day of the week",
          near.empty() ? "write the days in English, in lower case: monday, tuesday, ... sunday"
                       : "did you mean '" + near + "'?");
    return -1;
  }

  std::string slice(Span span) const { return std::string(source_.substr(span.begin, span.end - span.begin)); }

  std::string line_of(Span span) const { return std::to_string(file_.line_of(span.begin)); }

  void error(Span span, std::string message, std::string hint = {}) {
    diags_.error(span, std::move(message), std::move(hint));
    if (diags_.error_count() > Diagnostics::kMaxErrors) throw StopParsing{};
  }

  const SourceFile& file_;
  std::string_view source_;
  const Offsets& offsets_;
  Diagnostics& diags_;

  ast::Agreement* out_ = nullptr;
  ast::RuleDecl* rule_ = nullptr;          // the rule whose clauses are being visited
  ast::DueDecl* due_ = nullptr;            // the due item whose clauses are being visited
  ast::SameDayDecl* same_day_ = nullptr;   // the same-day block being visited

  ast::ExprPtr result_;                          // expression alternatives
  std::unique_ptr<ast::Window> window_result_;   // window alternatives
  ast::SetTerm term_result_;                     // setTerm alternatives
  ast::CountFilter filter_result_;               // countFilter alternatives
  size_t depth_ = 0;
  bool too_deep_reported_ = false;
};

}  // namespace

std::unique_ptr<ast::Agreement> parse_agreement(const SourceFile& file, Diagnostics& diags) {
  const std::string& text = file.text;
  if (text.size() > kMaxSourceBytes) {
    diags.error({0, 0}, "the file is too large: " + std::to_string(text.size()) + " bytes, the limit is " +
                            std::to_string(kMaxSourceBytes));
    return nullptr;
  }
  if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto at = static_cast<uint32_t>(bad);
    diags.error({at, at + 1}, "invalid UTF-8 in the source");
    return nullptr;
  }

  const size_t errors_before = diags.error_count();
  auto failed = [&] { return diags.error_count() > errors_before; };

  // An editor's byte order mark becomes three spaces, so every byte offset stays the same.
  std::string input_text = text;
  if (input_text.rfind("\xEF\xBB\xBF", 0) == 0) input_text.replace(0, 3, "   ");

  // A string that never closes would swallow the rest of the file: report it, and parse only
  // what comes before it, so the errors there are found too.
  bool truncated = false;
  if (size_t open = find_unterminated_string(input_text); open != std::string_view::npos) {
    std::string hint;
    if (const size_t left_open = find_string_left_open(input_text); left_open < open) {
      open = left_open;
      const uint32_t runs_to = file.line_of(static_cast<uint32_t>(input_text.find('"', open + 1)));
      hint = "the text runs on to line " + std::to_string(runs_to) +
             ", which reads like the next clause; add the closing quote";
    }
    const size_t line_end = std::min(input_text.find_first_of("\r\n", open), input_text.size());
    diags.error({static_cast<uint32_t>(open), static_cast<uint32_t>(line_end)}, "unterminated string", hint);
    input_text.resize(open);
    truncated = true;
  }

  const Offsets offsets(input_text);
  uint32_t progress = 0;  // the furthest position known, for reporting an unexpected failure
  // One parse at a time in the process: the ANTLR 4.9 runtime Debian ships shares its prediction
  // caches between parsers without locking them (antlr/antlr4#3332, fixed in 4.10), and the
  // server compiles the sources of concurrent requests.
  static std::mutex antlr;
  const std::lock_guard<std::mutex> one_at_a_time(antlr);
  try {
    antlr4::ANTLRInputStream input(input_text);
    AgrLexer lexer(&input);
    ErrorCollector collector(input_text, offsets, diags, truncated);
    lexer.removeErrorListeners();
    lexer.addErrorListener(&collector);

    // Lex everything first: report each run of characters the language does not use and drop
    // them (the parser then recovers cleanly), and refuse parentheses nested too deeply before
    // ANTLR's recursive descent meets them.
    const size_t open_paren = literal_token(lexer.getVocabulary(), "'('");
    const size_t close_paren = literal_token(lexer.getVocabulary(), "')'");
    std::vector<std::unique_ptr<antlr4::Token>> kept;
    std::vector<Span> comments;  // on the lexer's hidden channel: the parser never sees them
    Span run{};
    size_t run_characters = 0;
    auto report_run = [&] {
      if (run_characters == 0) return;
      progress = run.begin;
      collector.record(run,
                       std::string(run_characters > 1 ? "unexpected characters '" : "unexpected character '") +
                           shown_text(std::string_view(input_text).substr(run.begin, run.end - run.begin)) + "'",
                       {});
      run_characters = 0;
    };
    size_t depth = 0;
    for (;;) {
      std::unique_ptr<antlr4::Token> token = lexer.nextToken();
      const size_t type = token->getType();
      if (type == AgrLexer::UNEXPECTED) {
        const Span span = offsets.span(token.get());
        if (run_characters > 0 && span.begin == run.end) {
          run.end = span.end;
        } else {
          report_run();
          run = span;
        }
        ++run_characters;
        continue;
      }
      report_run();
      if (type == AgrLexer::COMMENT) {
        comments.push_back(offsets.span(token.get()));
        continue;
      }
      if (type == open_paren && ++depth > kMaxNestingDepth) {
        diags.error(offsets.span(token.get()), "expression nested too deeply (more than " +
                                                   std::to_string(kMaxNestingDepth) + " levels of parentheses)");
        return nullptr;
      }
      if (type == close_paren && depth > 0) --depth;
      kept.push_back(std::move(token));
      if (type == antlr4::Token::EOF) break;
    }

    if (kept.size() >= 2) collector.set_end_of_text(offsets.span(kept[kept.size() - 2].get()).end);

    antlr4::ListTokenSource source(std::move(kept));
    antlr4::CommonTokenStream stream(&source);
    GuardedParser parser(&stream, offsets);
    parser.removeErrorListeners();
    AgrParser::FileContext* tree = nullptr;
    try {
      // Two stages, as ANTLR recommends: the fast SLL prediction settles every well-formed file
      // we have seen; only when it meets an error does full LL parse again, with error recovery
      // and the listener, so that the messages are as good as ANTLR can make them.
      auto* simulator = parser.getInterpreter<antlr4::atn::ParserATNSimulator>();
      simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
      parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
      try {
        tree = parser.file();
      } catch (const antlr4::ParseCancellationException&) {
        tree = nullptr;
      }
      if (tree == nullptr) {
        stream.seek(0);
        parser.reset();
        simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
        parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
        parser.addErrorListener(&collector);
        tree = parser.file();
      }
    } catch (const NestedTooDeeply& deep) {
      diags.error({deep.offset, deep.offset}, "expression nested too deeply");
      return nullptr;
    } catch (...) {
      progress = parser.progress();
      throw;
    }
    if (failed()) return nullptr;

    AstBuilder builder(file, input_text, offsets, diags);
    auto agreement = builder.build(tree, std::move(comments));
    if (failed()) return nullptr;
    return agreement;
  } catch (const StopParsing&) {
    return nullptr;
  } catch (const std::exception& e) {
    diags.error({progress, progress}, std::string("internal error while parsing: ") + e.what());
  } catch (const char* message) {
    diags.error({progress, progress}, std::string("internal error while parsing: ") + message);
  } catch (...) {
    diags.error({progress, progress}, "internal error while parsing");
  }
  return nullptr;
}

const std::vector<std::string>& language_keywords() {
  static const std::vector<std::string> words = [] {
    antlr4::ANTLRInputStream input("");
    AgrLexer lexer(&input);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    std::vector<std::string> found;
    for (size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      const std::string literal = vocabulary.getLiteralName(type);  // "'require'"; "" for NAME, DATE, ...
      if (literal.size() > 2 && std::isalpha(static_cast<unsigned char>(literal[1])))
        found.push_back(literal.substr(1, literal.size() - 2));
    }
    std::sort(found.begin(), found.end());
    return found;
  }();
  return words;
}

}  // namespace agr
