// The project's own syntax tree of one agreement file. parse.cpp builds it from ANTLR's parse
// tree (the only place that sees ANTLR); every later pass works on this tree alone.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "diagnostics.h"
#include "program.h"

namespace agr::ast {

// Static types of expressions. `Date` values may be absent at run time (no course start yet):
// see `Expr::optional`. `Text` is a code or string fact, or a quoted text it is compared with.
enum class Type : uint8_t { Error, Bool, Count, Date, Duration, Clinic, Text };
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

// The calendar week (ISO: Monday to Sunday), month or year that contains a date.
enum class Period : uint8_t { Week = 0, Month = 1, Year = 2 };

struct Window {
  enum class Kind : uint8_t { Range, Around, Calendar };
  Kind kind = Kind::Range;
  ExprPtr low, high;  // Range: low .. high
  ExprPtr center;     // Around: center ± around; Calendar: the date whose period it is
  Duration around;
  Period period = Period::Week;  // Calendar
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

// One code of `in DM16*, DM17*, DM161`: exact, or a prefix (written with a trailing `*`).
struct CodePattern {
  std::string code;  // without the `*`
  bool prefix = false;
  Span span;
};

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
    IsWorkingDay,  // a is a working day, a is not a working day
    IsWeekday,     // a is monday .. friday (weekdays), a is not ...
    YearsSince,    // years since a: whole years from a to the event's date
    FactRef,       // NAME of a `fact` (resolve turns a DefineRef into one); optional unless required
    TextLiteral,   // "DM161": compared with a code or string fact
    BoolLiteral,   // true, false
    InCodes,       // a in DM16*, DM17*, "M16.1": a code or string fact against codes and prefixes
    CallLike,      // NAME(...): no such thing in the language; resolve reports it as an unknown name
  };

  Kind kind;
  Span span;
  int64_t number = 0;         // Number; DateLiteral (a Day)
  Duration duration;          // DurationLiteral
  Name name;                  // Flagged (flag), DefineRef (define)
  CompareOp op = CompareOp::Eq;
  bool negated = false;       // InWindow: `not in`; IsWorkingDay, IsWeekday: `is not`
  uint8_t weekdays = 0;       // IsWeekday: bit 0 Monday .. bit 6 Sunday
  SetExpr set;                // Count, FirstDate, LastDate, ClinicOfLast
  std::vector<CountFilter> filters;
  ExprPtr a, b, c;
  std::unique_ptr<Window> window;
  std::string text;                     // TextLiteral
  std::vector<CodePattern> patterns;  // InCodes

  bool parenthesized = false;  // written in parentheses (agr fmt keeps them; nothing else looks)

  // Filled by resolve and check.
  int flag_index = -1;
  int fact_index = -1;     // FactRef
  int patterns_index = -1; // InCodes, and a comparison of a text fact: into Agreement::text_patterns
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
  bool referral_required = false;
  Span span;
  Span referral_required_span;  // the clause, where written
};

struct FlagDecl {
  Name name;
  Text description;
  Span span;
};

// A fact about the patient or the referral that histories carry in `facts` (a birth date, a
// diagnosis code, a yes/no fact): date, integer, boolean, code or string, as in the bytecode.
using FactType = ::agr::FactType;

struct FactDecl {
  Name name;
  FactType type = FactType::Date;
  bool required = false;
  Text description;
  Span span;
};

struct ServiceDecl {
  Name code;
  bool supplement = false;  // never counted by per-day rules, may stand beside anything
  Text title;
  Span span;
};

// One line of a price level: the fee of a service, or of a service given with a flag (a variant).
struct FeeLine {
  Name code;
  Name flag;  // empty for the service's own fee
  FeeSplit split;
  Span span;
  int service = -1;     // filled by resolve
  int flag_index = -1;  // filled by resolve; -1 for the service's own fee
  bool variant() const { return !flag.value.empty(); }
};

// `price level DATE "TITLE"` and its fee table: the fees in force from DATE until the next level.
struct PriceLevelDecl {
  int32_t from = 0;  // a Day
  Span date_span;
  Text title;
  std::vector<FeeLine> fees;
  Span span;
};

// `before first price level reject by RULE` or `... no fee`: what happens to an event dated
// before its service's first price level.
struct BeforeFirstLevelDecl {
  bool no_fee = false;
  Name rule;  // when !no_fee: the rule that rejects every such event (the checker proves it)
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
  std::vector<FactDecl> facts;
  std::vector<ServiceDecl> services;
  std::vector<PriceLevelDecl> price_levels;  // in file order (check: ascending dates)
  std::optional<BeforeFirstLevelDecl> before_first_level;
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
  // Filled by check: the code lists text facts are tested against (`in ...`, `= "..."`).
  struct TextPatterns {
    std::vector<std::string> exact, prefixes;
  };
  std::vector<TextPatterns> text_patterns;
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
