// The project's own syntax tree of one agreement file. parse.cpp builds it from ANTLR's parse
// tree (the only place that sees ANTLR); every later pass works on this tree alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.h"

namespace agr::ast {

// Static types of expressions. `Date` values may be absent at run time (no course start yet):
// see `Expr::optional`.
enum class Type : uint8_t { Error, Bool, Count, Date, Duration, Clinic };
const char* type_name(Type type);

struct Text {
  std::string value;  // the concatenated string literals, escapes resolved
  Span span;
  std::vector<Span> pieces;  // each string literal as written, quotes included (agr fmt keeps them)
  bool present() const { return span.end > span.begin; }
};

// A code or a name as written (service code, group, flag, define).
struct Name {
  std::string value;
  Span span;
};

struct Duration {
  enum class Unit : uint8_t { Days, Weeks, Months, Years, WorkingDays };
  int64_t amount = 0;
  Unit unit = Unit::Days;
};

struct SetTerm {
  bool all_services = false;  // `services`
  Name name;                  // a code or a group, when !all_services
};

struct SetExpr {
  std::vector<SetTerm> include;
  std::vector<SetTerm> exclude;
  Span span;
  int resolved = -1;  // index into Agreement::sets, filled by resolve
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Window {
  enum class Kind : uint8_t { Range, Around };
  Kind kind = Kind::Range;
  ExprPtr low, high;  // Range: low .. high
  ExprPtr center;     // Around: center ± around
  Duration around;
  Span span;
};

struct CountFilter {
  enum class Kind : uint8_t { Today, InWindow, Flagged };
  Kind kind = Kind::Today;
  std::unique_ptr<Window> window;  // InWindow
  Name flag;                       // Flagged
  int flag_index = -1;             // filled by resolve
  Span span;
};

enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
const char* compare_op_text(CompareOp op);

struct DefineDecl;

struct Expr {
  enum class Kind : uint8_t {
    Number,        // 3
    DateLiteral,   // 2025-09-01
    DurationLiteral,
    EventDate,     // date
    CourseStart,   // start (optional)
    CourseEnd,     // end (optional)
    CourseStarted, // started
    CourseEnded,   // ended
    Referral,      // referral (optional)
    EventClinic,   // clinic
    ClinicOfLast,  // clinic of last SET (optional)
    FirstDate,     // first SET (optional)
    LastDate,      // last SET (optional)
    Flagged,       // flagged NAME
    Count,         // count(SET filters)
    Combinable,    // combinable today
    DefineRef,     // NAME of a `define`
    Add, Sub,      // a + b, a - b
    Otherwise,     // a otherwise b
    InWindow,      // a in WINDOW, a not in WINDOW
    Compare,       // a OP b
    Not, And, Or,
    If,            // if a then b else c
  };

  Kind kind;
  Span span;
  int64_t number = 0;         // Number; DateLiteral (a Day)
  Duration duration;          // DurationLiteral
  Name name;                  // Flagged (flag), DefineRef (define)
  CompareOp op = CompareOp::Eq;
  bool negated = false;       // InWindow: `not in`
  SetExpr set;                // Count, FirstDate, LastDate, ClinicOfLast
  std::vector<CountFilter> filters;
  ExprPtr a, b, c;
  std::unique_ptr<Window> window;

  bool parenthesized = false;  // written in parentheses (agr fmt keeps them; nothing else looks)

  // Filled by resolve and check.
  int flag_index = -1;
  const DefineDecl* define = nullptr;
  Type type = Type::Error;
  bool optional = false;  // may be absent at run time

  Expr(Kind k, Span s) : kind(k), span(s) {}
};

struct FeeSplit {
  int64_t total = 0, subsidy = 0, patient = 0;  // øre
  Span span;
};

struct Header {
  Name name;
  Text title;
  std::vector<Text> sources;
  std::optional<int32_t> price_level;  // a Day
  bool referral_required = false;
  Span span;
  Span price_level_span, referral_required_span;  // the clauses, where written
};

struct FlagDecl {
  Name name;
  Text description;
  Span span;
};

struct ServiceDecl {
  Name code;
  bool supplement = false;  // never counted by per-day rules, may stand beside anything
  std::optional<FeeSplit> fee;
  Text title;
  Span span;
};

struct GroupDecl {
  Name name;
  std::vector<Name> codes;
  Span span;
};

struct DefineDecl {
  Name name;
  ExprPtr body;
  Span span;
};

struct CourseDecl {
  SetExpr starts, ends;
  Span span;
};

struct CodePair {
  Name first, second;
};

// `count A as B on a day with C`: on a day with an accepted C, an accepted A counts as B when
// checking what may stand beside it.
struct SameDayAlias {
  Name alias, target, condition;
  Span span;
};

struct SameDayDecl {
  std::vector<CodePair> allowed;
  std::vector<SameDayAlias> aliases;
  Span span;
};

struct Clause {
  enum class Kind : uint8_t { When, Require, RejectIf, WarnIf };
  Kind kind;
  ExprPtr expr;
  Span span;
};

struct RuleDecl {
  Name id;
  bool warning = false;
  SetExpr applies_to;
  std::vector<Clause> clauses;
  Text message, source;
  Span span;
};

struct DueDecl {
  Name rule_id;
  Name code;
  ExprPtr when;
  ExprPtr earliest, target, latest;
  std::unique_ptr<Window> window;  // `window W`: earliest, target (W's centre) and latest at once
  Text message, source;
  Span span;
};

struct Agreement {
  Header header;
  std::vector<FlagDecl> flags;
  std::vector<ServiceDecl> services;
  std::vector<GroupDecl> groups;
  std::vector<std::unique_ptr<DefineDecl>> defines;  // stable addresses for Expr::define
  std::optional<CourseDecl> course;
  std::vector<SameDayDecl> same_day;
  std::vector<RuleDecl> rules;
  std::vector<DueDecl> dues;

  // Every comment (`#` to the end of the line), in source order. Only agr fmt reads them.
  std::vector<Span> comments;

  // Filled by resolve: every distinct set of service indexes that the agreement mentions.
  std::vector<std::vector<int>> sets;
};

// The duration an expression writes out, directly or through `define`s; null when it is not a
// written-out duration (the checker requires one on the right of `date + ...`).
inline const Duration* written_duration(const Expr& e) {
  if (e.kind == Expr::Kind::DurationLiteral) return &e.duration;
  if (e.kind == Expr::Kind::DefineRef && e.define) return written_duration(*e.define->body);
  return nullptr;
}

// Prints the tree in a compact, stable S-expression form (`agr compile --emit=ast`, parser tests).
std::string print(const Agreement& agreement);
// One expression in the same form: `(< (count 0266) 6)`. Two expressions print alike exactly
// when they are the same tree (the lints compare conditions this way).
std::string print(const Expr& expr);

}  // namespace agr::ast
