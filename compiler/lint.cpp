// Pass 3b, lint: warnings about what is legal but almost certainly not what the author meant. It
// runs after check (every expression has its type) and changes nothing; the driver runs it for
// every command, so `agr check`, `agr run`, the server and the language server warn alike.
//
// What it reports, each only where it can tell for certain from the file alone:
//  - a group or definition that nothing uses (flags and services are left alone: declaring one
//    changes which histories are accepted, so an unused one can be meant; the Nordjylland pathway
//    declares `nerve_root` for its histories and tests it nowhere);
//  - a condition that always holds or never holds, from what counts, dates and windows can be: a
//    count is never below 0 nor above the events a history may hold; dates moved from one base
//    by days, months or working days are ordered by how far they moved; `X and not X`;
//  - a window whose start is always after its end, and a count of a set with no service in it;
//  - a due item that is never listed (its latest date always before its earliest), and a target
//    always outside its earliest .. latest;
//  - one rule id on declarations that quote different source passages (a block copied for another
//    code, its id left unchanged); different messages are expected (STE-2 says one thing of 0251
//    and another of 0252, quoting one passage).
// A warning is given where the cause is, once: a condition that is fixed because a part of it is
// (a count over an empty window) is not reported again.
#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "calendar.h"
#include "evaluate.h"  // kMaxEventsPerCourse
#include "passes.h"

namespace agr {
namespace {

using ast::Expr;
using K = ast::Expr::Kind;

enum class Truth : uint8_t { Unknown, Always, Never };

Truth negate(Truth t) { return t == Truth::Always ? Truth::Never : t == Truth::Never ? Truth::Always : t; }

// The orderings two values may stand in, as a set of bits.
using Order = uint8_t;
constexpr Order kBefore = 1, kSame = 2, kAfter = 4, kAnyOrder = 7;

// A date as a base and a movement of one kind from it. Moving by days is exact; moving a date by
// more months, or by more working days in one step, always gives a later date; anything else
// (mixed units, chains of working days) is not compared.
struct SymbolicDate {
  enum class Unit : uint8_t { None, Days, Months, WorkingDays, Mixed };
  std::string base;  // a canonical print of the base expression; empty for a written-out date
  Day absolute = 0;  // the date, when `base` is empty and the unit is None
  Unit unit = Unit::None;
  int64_t amount = 0;  // days (weeks folded in), months (years folded in) or working days
  int steps = 0;       // movements applied
};

// What the lint knows of an expression's value.
struct Fact {
  Truth truth = Truth::Unknown;                       // conditions
  int64_t low = std::numeric_limits<int64_t>::min();  // counts lie in low .. high
  int64_t high = std::numeric_limits<int64_t>::max();
  std::optional<SymbolicDate> date;  // dates
  bool explained = false;            // a warning already says why the value is fixed
};

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t out;
  if (!__builtin_add_overflow(a, b, &out)) return out;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

int64_t saturating_negate(int64_t a) {
  return a == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max() : -a;
}

SymbolicDate moved(SymbolicDate d, const ast::Duration& by, int sign) {
  using Unit = SymbolicDate::Unit;
  using DUnit = ast::Duration::Unit;
  const int64_t n = by.amount * sign;
  const Unit unit = by.unit == DUnit::Days || by.unit == DUnit::Weeks      ? Unit::Days
                    : by.unit == DUnit::Months || by.unit == DUnit::Years ? Unit::Months
                                                                          : Unit::WorkingDays;
  const int64_t amount = by.unit == DUnit::Weeks ? 7 * n : by.unit == DUnit::Years ? 12 * n : n;
  if (d.base.empty() && d.unit == Unit::None) {
    Day out = 0;
    const bool ok = unit == Unit::Days     ? add_days(d.absolute, amount, &out)
                    : unit == Unit::Months ? add_months(d.absolute, amount, &out)
                    : amount >= 0          ? working_days_after(d.absolute, amount, &out)
                                           : working_days_before(d.absolute, -amount, &out);
    if (ok) {
      d.absolute = out;
    } else {
      d.unit = Unit::Mixed;  // outside the calendar: the runtime answers with an error line
    }
    return d;
  }
  if (d.unit == Unit::None || d.unit == unit) {
    d.unit = unit;
    d.amount = saturating_add(d.amount, amount);
  } else {
    d.unit = Unit::Mixed;
  }
  ++d.steps;
  return d;
}

Order order_of(const SymbolicDate& x, const SymbolicDate& y) {
  using Unit = SymbolicDate::Unit;
  auto by = [](int64_t a, int64_t b) -> Order { return a < b ? kBefore : a == b ? kSame : kAfter; };
  if (x.unit == Unit::Mixed || y.unit == Unit::Mixed || x.base != y.base) return kAnyOrder;
  if (x.base.empty()) return by(x.absolute, y.absolute);
  if (x.unit != Unit::None && y.unit != Unit::None && x.unit != y.unit) return kAnyOrder;
  switch (x.unit == Unit::None ? y.unit : x.unit) {
    case Unit::None: return kSame;
    case Unit::Days: return by(x.amount, y.amount);
    case Unit::Months:
      // The month moves by exactly the months added; only the day may be clamped.
      if (x.amount != y.amount) return by(x.amount, y.amount);
      return x.steps <= 1 && y.steps <= 1 ? kSame : kAnyOrder;
    case Unit::WorkingDays:
      return x.steps <= 1 && y.steps <= 1 ? by(x.amount, y.amount) : kAnyOrder;
    case Unit::Mixed: break;
  }
  return kAnyOrder;
}

Order order_of(const Fact& x, const Fact& y) {
  auto possible = [](bool can, Order o) -> Order { return can ? o : 0; };
  return static_cast<Order>(possible(x.low < y.high, kBefore) |
                            possible(std::max(x.low, y.low) <= std::min(x.high, y.high), kSame) |
                            possible(x.high > y.low, kAfter));
}

Order satisfying(ast::CompareOp op) {
  switch (op) {
    case ast::CompareOp::Eq: return kSame;
    case ast::CompareOp::Ne: return kBefore | kAfter;
    case ast::CompareOp::Lt: return kBefore;
    case ast::CompareOp::Le: return kBefore | kSame;
    case ast::CompareOp::Gt: return kAfter;
    case ast::CompareOp::Ge: return kAfter | kSame;
  }
  return kAnyOrder;
}

Truth truth_of(Order possible, Order wanted) {
  if ((possible & ~wanted) == 0) return Truth::Always;
  if ((possible & wanted) == 0) return Truth::Never;
  return Truth::Unknown;
}

const char* relation_words(Order o) {
  switch (o) {
    case kBefore: return "before";
    case kBefore | kSame: return "on or before";
    case kSame: return "the same day as";
    case kAfter: return "after";
    case kAfter | kSame: return "on or after";
    case kBefore | kAfter: return "never the same day as";
  }
  return "?";
}

// What a fixed condition does where it stands, for the hint. A clause that needs a value that may
// be absent is skipped without it: then it neither breaks the rule nor lets it apply, so what it
// does when it always holds (or never does) may hold only when it is evaluated.
struct Effect {
  std::string always, never;
  bool always_acts = false, never_acts = false;  // the effect is the clause acting, not standing aside
};

class Linter {
 public:
  Linter(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags)
      : a_(agreement), file_(file), diags_(diags) {}

  void run() {
    unused_groups_and_defines();
    for (const auto& define : a_.defines) {
      pending_.clear();
      define_fact(*define);
      flush(Truth::Unknown, {});
    }
    for (const auto& rule : a_.rules) rule_clauses(rule);
    for (const auto& due : a_.dues) lint_due(due);
    shared_rule_ids();
  }

 private:
  // ---- unused declarations --------------------------------------------------------------------

  void unused_groups_and_defines() {
    std::set<std::string> names;  // every name a set or an expression mentions
    auto set = [&](const ast::SetExpr& s) {
      for (const auto* terms : {&s.include, &s.exclude})
        for (const ast::SetTerm& t : *terms)
          if (!t.all_services) names.insert(t.name.value);
    };
    std::function<void(const Expr&)> expr;
    std::function<void(const ast::Window&)> window = [&](const ast::Window& w) {
      for (const Expr* e : {w.low.get(), w.high.get(), w.center.get()})
        if (e) expr(*e);
    };
    expr = [&](const Expr& e) {
      if (e.kind == K::DefineRef) names.insert(e.name.value);
      if (e.kind == K::Count || e.kind == K::FirstDate || e.kind == K::LastDate || e.kind == K::ClinicOfLast) set(e.set);
      for (const auto& f : e.filters)
        if (f.window) window(*f.window);
      for (const Expr* child : {e.a.get(), e.b.get(), e.c.get()})
        if (child) expr(*child);
      if (e.window) window(*e.window);
    };
    for (const auto& group : a_.groups)
      for (const auto& code : group.codes) names.insert(code.value);
    for (const auto& define : a_.defines) expr(*define->body);
    if (a_.course) {
      set(a_.course->starts);
      set(a_.course->ends);
    }
    for (const auto& rule : a_.rules) {
      set(rule.applies_to);
      for (const auto& clause : rule.clauses) expr(*clause.expr);
    }
    for (const auto& due : a_.dues) {
      for (const Expr* e : {due.when.get(), due.earliest.get(), due.target.get(), due.latest.get()})
        if (e) expr(*e);
      if (due.window) window(*due.window);
    }
    for (const auto& group : a_.groups) {
      if (!names.count(group.name.value))
        diags_.warning(group.name.span, "group '" + group.name.value + "' is never used",
                       "no rule, count, course or other group names it; use it where it was meant, or remove it");
    }
    for (const auto& define : a_.defines) {
      if (!names.count(define->name.value))
        diags_.warning(define->name.span, "'" + define->name.value + "' is defined but never used",
                       "no rule, due item or other definition uses it; use it where it was meant, or remove it");
    }
  }

  // ---- conditions that cannot vary -----------------------------------------------------------

  Effect effect(const ast::RuleDecl& rule, ast::Clause::Kind kind) const {
    const std::string& id = rule.id.value;
    const std::string every = "so " + id + (rule.warning ? " warns on" : " rejects") + " every event it judges";
    const std::string never = std::string(rule.warning ? "never warns" : "never rejects");
    switch (kind) {
      case ast::Clause::Kind::When:
        return {"so this `when` limits nothing", "so " + id + " never applies", true, false};
      case ast::Clause::Kind::Require:
        return {"so this `require` " + never, every, false, true};
      case ast::Clause::Kind::RejectIf:
      case ast::Clause::Kind::WarnIf:
        return {every, "so this clause " + never, true, false};
    }
    return {};
  }

  // A rule's clauses run in order, and each is reached only when those before it let the rule go
  // on: after `when C` and `require C`, C holds; after `reject if C` and `warn if C`, it does not.
  // What an earlier clause settled fixes a later condition that repeats or contradicts it. Only a
  // clause that is never skipped (it needs no value that may be absent) settles anything.
  void rule_clauses(const ast::RuleDecl& rule) {
    struct Settled {
      std::string key;
      bool positive;
      const Expr* condition;
      uint32_t line;
    };
    std::vector<Settled> settled;
    auto shown = [this](const Expr& condition, bool positive) {
      const std::string t = text(condition.span);
      return positive ? t : "`not " + t.substr(1);
    };
    for (const auto& clause : rule.clauses) {
      pending_.clear();
      Fact f = fact(*clause.expr);
      if (f.truth == Truth::Unknown && !settled.empty()) {
        std::vector<Literal> parts;
        literals(*clause.expr, K::And, parts);
        size_t repeated = 0;
        const Settled* last = nullptr;
        for (const Literal& part : parts) {
          const std::string key = ast::print(*part.condition);
          auto it = std::find_if(settled.begin(), settled.end(), [&](const Settled& s) { return s.key == key; });
          if (it == settled.end()) continue;
          if (it->positive != part.positive) {
            f.truth = Truth::Never;
            warn(clause.expr->span, "this condition never holds here",
                 shown(*part.condition, part.positive) + " cannot hold: " + shown(*it->condition, it->positive) +
                     " holds after line " + std::to_string(it->line));
            break;
          }
          ++repeated;
          last = &*it;
        }
        if (f.truth == Truth::Unknown && repeated == parts.size() && last) {
          f.truth = Truth::Always;
          warn(clause.expr->span, "this condition always holds here",
               repeated == 1 ? shown(*last->condition, last->positive) + " already holds after line " +
                                   std::to_string(last->line)
                             : "every part of it already holds after the clauses above");
        }
      }
      flush(f.truth, effect(rule, clause.kind), clause.expr->optional);
      if (clause.expr->optional) continue;
      const bool holds_after = clause.kind == ast::Clause::Kind::When || clause.kind == ast::Clause::Kind::Require;
      std::vector<Literal> parts;
      literals(*clause.expr, holds_after ? K::And : K::Or, parts);
      if (!holds_after && parts.size() > 1 && clause.expr->kind != K::Or) parts.clear();
      for (const Literal& part : parts)
        settled.push_back({ast::print(*part.condition), holds_after == part.positive, part.condition,
                           file_.line_of(clause.span.begin)});
    }
  }

  // Gives the warnings found in one clause, with what the clause then does when it is fixed (a
  // clause that may be skipped for an absent value does it only when it is evaluated).
  void flush(Truth truth, const Effect& effect, bool may_be_skipped = false) {
    std::string consequence = truth == Truth::Always ? effect.always : truth == Truth::Never ? effect.never : "";
    const bool acts = truth == Truth::Always ? effect.always_acts : effect.never_acts;
    if (!consequence.empty() && may_be_skipped && acts) consequence += " (when the values it needs are present)";
    for (Pending& p : pending_) {
      std::string hint = std::move(p.reason);
      if (!consequence.empty()) hint += ", " + consequence;
      if (!p.fix.empty()) hint += "; " + p.fix;
      diags_.warning(p.span, std::move(p.message), std::move(hint));
    }
    pending_.clear();
  }

  // A warning waits for the end of its clause, which may add what the clause then does.
  struct Pending {
    Span span;
    std::string message, reason, fix;
  };

  void warn(Span span, std::string message, std::string reason, std::string fix = {}) {
    pending_.push_back({span, std::move(message), std::move(reason), std::move(fix)});
  }

  std::string text(Span span) const {
    std::string written(std::string_view(file_.text).substr(span.begin, span.end - span.begin));
    // One line, however the author broke it.
    std::string out;
    bool space = false;
    for (char ch : written) {
      if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
        space = !out.empty();
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += ch;
    }
    return "`" + out + "`";
  }

  const Fact& define_fact(const ast::DefineDecl& define) {
    if (auto it = defines_.find(&define); it != defines_.end()) return it->second;
    Fact f = fact(*define.body);
    return defines_.emplace(&define, std::move(f)).first->second;
  }

  Fact count_range(int64_t low, int64_t high, bool explained = false) {
    Fact f;
    f.low = low;
    f.high = high;
    f.explained = explained;
    return f;
  }

  Fact fact(const Expr& e) {
    Fact f = infer(e);
    if (e.type == ast::Type::Date && !f.date) {
      // A date the lint cannot see into is its own base: `x` and `x + 1 day` still compare.
      f.date = SymbolicDate{};
      f.date->base = ast::print(e);
    }
    return f;
  }

  Fact infer(const Expr& e) {
    switch (e.kind) {
      case K::Number: return count_range(e.number, e.number);
      case K::Count: return count(e);
      case K::DateLiteral: {
        Fact f;
        f.date = SymbolicDate{};
        f.date->absolute = static_cast<Day>(e.number);
        return f;
      }
      case K::DefineRef: return e.define ? define_fact(*e.define) : Fact{};
      case K::Add:
      case K::Sub: {
        Fact l = fact(*e.a);
        if (e.type == ast::Type::Date) {
          const ast::Duration* by = ast::written_duration(*e.b);
          if (!l.date || !by) return {};
          Fact f;
          f.date = moved(*l.date, *by, e.kind == K::Add ? 1 : -1);
          return f;
        }
        if (e.type != ast::Type::Count) return {};
        Fact r = fact(*e.b);
        const bool explained = l.explained || r.explained;
        if (e.kind == K::Add) return count_range(saturating_add(l.low, r.low), saturating_add(l.high, r.high), explained);
        return count_range(saturating_add(l.low, saturating_negate(r.high)), saturating_add(l.high, saturating_negate(r.low)),
                           explained);
      }
      case K::If: {
        Fact cond = fact(*e.a);
        Fact t = fact(*e.b), f = fact(*e.c);
        if (cond.truth == Truth::Always) return t;
        if (cond.truth == Truth::Never) return f;
        if (e.type == ast::Type::Count) return count_range(std::min(t.low, f.low), std::max(t.high, f.high));
        return {};
      }
      case K::Otherwise: {
        Fact l = fact(*e.a), r = fact(*e.b);
        if (e.type == ast::Type::Count) return count_range(std::min(l.low, r.low), std::max(l.high, r.high));
        return {};
      }
      case K::Compare: return compare(e);
      case K::InWindow: return in_window(e);
      case K::Not: {
        Fact operand = fact(*e.a);
        Fact f;
        f.truth = negate(operand.truth);
        f.explained = operand.explained;
        return f;
      }
      case K::And:
      case K::Or: return junction(e);
      default: {
        // Every other value (and any kind added later): its parts are still linted.
        for (const Expr* child : {e.a.get(), e.b.get(), e.c.get()})
          if (child) fact(*child);
        if (e.window) (void)window(*e.window);
        return {};
      }
    }
  }

  Fact count(const Expr& e) {
    int64_t high = static_cast<int64_t>(kMaxEventsPerCourse);
    bool explained = false;
    for (const auto& filter : e.filters) {
      if (filter.window && window(*filter.window).empty) {
        high = 0;
        explained = true;
      }
    }
    if (e.set.resolved >= 0 && a_.sets[e.set.resolved].empty() && !explained) {
      warn(e.set.span, "this count counts no service", text(e.set.span) + " leaves no code: the count is always 0");
      high = 0;
      explained = true;
    }
    return count_range(0, high, explained);
  }

  struct WindowFact {
    bool empty = false;
    std::optional<SymbolicDate> low, high;
  };

  // A window's bounds, linted once; reports a window that holds no date.
  WindowFact window(const ast::Window& w) {
    WindowFact out;
    if (w.kind == ast::Window::Kind::Around) {
      if (const std::optional<SymbolicDate> center = fact(*w.center).date) {
        out.low = moved(*center, w.around, -1);
        out.high = moved(*center, w.around, +1);
      }
      return out;
    }
    if (w.kind == ast::Window::Kind::Calendar) {
      // The week, month or year of a date: never empty, its bounds are not compared.
      (void)fact(*w.center);
      return out;
    }
    out.low = fact(*w.low).date;
    out.high = fact(*w.high).date;
    if (out.low && out.high && order_of(*out.low, *out.high) == kAfter) {
      out.empty = true;
      warn(w.span, "this window holds no date",
           "its start " + text(w.low->span) + " is always after its end " + text(w.high->span),
           "write the earlier date first");
    }
    return out;
  }

  Fact in_window(const Expr& e) {
    const Fact x = fact(*e.a);
    const WindowFact w = window(*e.window);
    Fact f;
    if (w.empty) {
      f.truth = e.negated ? Truth::Always : Truth::Never;
      f.explained = true;
      return f;
    }
    if (x.explained || !x.date || !w.low || !w.high) return f;
    const Truth after_low = truth_of(order_of(*x.date, *w.low), kAfter | kSame);
    const Truth before_high = truth_of(order_of(*x.date, *w.high), kBefore | kSame);
    Truth inside = Truth::Unknown;
    if (after_low == Truth::Never || before_high == Truth::Never) inside = Truth::Never;
    if (after_low == Truth::Always && before_high == Truth::Always) inside = Truth::Always;
    if (inside == Truth::Unknown) return f;
    f.truth = e.negated ? negate(inside) : inside;
    f.explained = true;
    const std::string why = inside == Truth::Always     ? text(e.a->span) + " always lies in the window"
                            : after_low == Truth::Never ? text(e.a->span) + " is always before the window's start"
                                                        : text(e.a->span) + " is always after the window's end";
    warn(e.span, f.truth == Truth::Always ? "this condition always holds" : "this condition never holds", why);
    return f;
  }

  // Why a count compared with something is fixed: the bound of its range that decides it.
  static std::string bound_reason(const Fact& side, const Fact& other, ast::CompareOp op, bool side_is_left) {
    Fact unbounded_above = side;
    unbounded_above.high = std::numeric_limits<int64_t>::max();
    const Order o = side_is_left ? order_of(unbounded_above, other) : order_of(other, unbounded_above);
    if (truth_of(o, satisfying(op)) != Truth::Unknown) return "is never below " + std::to_string(side.low);
    std::string out = "is never above " + std::to_string(side.high);
    if (side.high >= static_cast<int64_t>(kMaxEventsPerCourse))
      out += " (a history holds at most " + std::to_string(kMaxEventsPerCourse) + " events)";
    return out;
  }

  static std::string range(const Fact& f) {
    if (f.low == f.high) return "is always " + std::to_string(f.low);
    return "is between " + std::to_string(f.low) + " and " + std::to_string(f.high);
  }

  Fact compare(const Expr& e) {
    const Fact l = fact(*e.a), r = fact(*e.b);
    Fact f;
    if (l.explained || r.explained) {
      // Fixed, if at all, because of a part already reported.
      if (e.a->type == ast::Type::Count) f.truth = truth_of(order_of(l, r), satisfying(e.op));
      f.explained = f.truth != Truth::Unknown;
      return f;
    }
    Order possible = kAnyOrder;
    std::string why;
    if (ast::print(*e.a) == ast::print(*e.b)) {
      possible = kSame;
      why = "both sides are " + text(e.a->span);
    } else if (e.a->type == ast::Type::Count) {
      possible = order_of(l, r);
      const bool left_written = e.a->kind == K::Number, right_written = e.b->kind == K::Number;
      if (left_written && right_written) {
        why = "both sides are numbers";
      } else if (right_written) {
        why = text(e.a->span) + " " + bound_reason(l, r, e.op, true);
      } else if (left_written) {
        why = text(e.b->span) + " " + bound_reason(r, l, e.op, false);
      } else {
        why = text(e.a->span) + " " + range(l) + " and " + text(e.b->span) + " " + range(r);
      }
    } else if (e.a->type == ast::Type::Date && l.date && r.date) {
      possible = order_of(*l.date, *r.date);
      why = text(e.a->span) + " is always " + relation_words(possible) + " " + text(e.b->span);
    }
    f.truth = truth_of(possible, satisfying(e.op));
    if (f.truth == Truth::Unknown) return f;
    f.explained = true;
    warn(e.span, f.truth == Truth::Always ? "this condition always holds" : "this condition never holds", why);
    return f;
  }

  // The conditions a chain of `and` (or of `or`) joins, each with the `not`s taken off: the
  // condition itself, and whether it stands negated.
  struct Literal {
    const Expr* condition;
    bool positive;
  };

  static void literals(const Expr& e, K junction, std::vector<Literal>& out, bool positive = true) {
    if (e.kind == junction && positive) {
      literals(*e.a, junction, out);
      literals(*e.b, junction, out);
    } else if (e.kind == K::Not) {
      literals(*e.a, junction, out, !positive);
    } else if (e.kind == K::DefineRef && e.define) {
      literals(*e.define->body, junction, out, positive);
    } else {
      out.push_back({&e, positive});
    }
  }

  Fact junction(const Expr& e) {
    const bool is_and = e.kind == K::And;
    const bool top = chain_link_ != &e;  // `a and b and not a` is one chain, checked at its top
    chain_link_ = e.a->kind == e.kind ? e.a.get() : nullptr;
    const Fact l = fact(*e.a);
    chain_link_ = e.b->kind == e.kind ? e.b.get() : nullptr;
    const Fact r = fact(*e.b);
    chain_link_ = nullptr;
    const Truth decides = is_and ? Truth::Never : Truth::Always;  // one side settles it
    Fact f;
    if (l.truth == decides || r.truth == decides) {
      f.truth = decides;
      f.explained = true;
      return f;
    }
    if (l.truth == negate(decides) && r.truth == negate(decides)) {
      f.truth = negate(decides);
      f.explained = true;
      return f;
    }
    if (!top) return f;
    std::vector<Literal> parts;
    literals(e, e.kind, parts);
    std::map<std::string, Literal> seen;
    for (const Literal& part : parts) {
      auto [it, inserted] = seen.emplace(ast::print(*part.condition), part);
      if (inserted || it->second.positive == part.positive) continue;
      f.truth = decides;
      f.explained = true;
      const std::string shown = text(it->second.condition->span);
      const std::string negated = "`not " + shown.substr(1);
      warn(e.span, is_and ? "this condition never holds" : "this condition always holds",
           is_and ? shown + " and " + negated + " cannot both hold" : "either " + shown + " or " + negated + " holds");
      break;
    }
    return f;
  }

  // ---- due items -------------------------------------------------------------------------------

  void lint_due(const ast::DueDecl& due) {
    pending_.clear();
    if (due.when) {
      const Fact f = fact(*due.when);
      flush(f.truth, {"so this `when` limits nothing", "so the item is never due", true, false}, due.when->optional);
    }
    if (due.window) {
      (void)window(*due.window);
      flush(Truth::Unknown, {});
      return;
    }
    std::optional<SymbolicDate> earliest, target, latest;
    if (due.earliest) earliest = fact(*due.earliest).date;
    if (due.target) target = fact(*due.target).date;
    if (due.latest) latest = fact(*due.latest).date;
    flush(Truth::Unknown, {});
    if (earliest && latest && order_of(*latest, *earliest) == kBefore) {
      diags_.warning(due.latest->span, "due item " + due.rule_id.value + " " + due.code.value + " is never listed",
                     "its latest date " + text(due.latest->span) + " is always before its earliest " +
                         text(due.earliest->span) + ", and such an item is left out");
      return;
    }
    if (earliest && target && order_of(*target, *earliest) == kBefore)
      diags_.warning(due.target->span, "the target is always before the earliest date",
                     text(due.target->span) + " is always before " + text(due.earliest->span));
    else if (latest && target && order_of(*target, *latest) == kAfter)
      diags_.warning(due.target->span, "the target is always after the latest date",
                     text(due.target->span) + " is always after " + text(due.latest->span));
  }

  // ---- rule ids ------------------------------------------------------------------------------

  void shared_rule_ids() {
    std::map<std::string, const ast::RuleDecl*> first;
    for (const auto& rule : a_.rules) {
      auto [it, inserted] = first.emplace(rule.id.value, &rule);
      if (inserted) continue;
      const ast::RuleDecl& earlier = *it->second;
      const std::string at = " at line " + std::to_string(file_.line_of(earlier.id.span.begin));
      if (earlier.warning != rule.warning) {
        diags_.warning(rule.id.span,
                       rule.id.value + " is declared as a " + (earlier.warning ? "warning" : "rule") + at +
                           " and as a " + (rule.warning ? "warning" : "rule") + " here",
                       "one id is one rule of the agreement; if this is another one, give it its own id");
      } else if (earlier.source.value != rule.source.value) {
        diags_.warning(rule.id.span, rule.id.value + " is also declared" + at + ", quoting another source passage",
                       "declarations with one id state one rule of the agreement and quote its passage; if this is "
                       "another rule, give it its own id");
      }
    }
  }

  const ast::Agreement& a_;
  const SourceFile& file_;
  Diagnostics& diags_;
  std::map<const ast::DefineDecl*, Fact> defines_;
  std::vector<Pending> pending_;  // warnings of the clause being linted
  const Expr* chain_link_ = nullptr;  // an `and` (or `or`) that continues the chain above it
};

}  // namespace

void lint(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags) {
  Linter(agreement, file, diags).run();
}

}  // namespace agr
