// Pass 3, check: the static types of every expression (bool, count, date, duration, clinic) and
// the shape of every declaration. After it passes, no evaluation can fail with a type error.
#include <set>

#include "limits_table.h"
#include "passes.h"

namespace agr {
namespace {

using ast::Expr;
using ast::Type;
using K = ast::Expr::Kind;

class Checker {
 public:
  Checker(ast::Agreement& agreement, Diagnostics& diags) : a_(agreement), diags_(diags) {}

  void run() {
    for (auto& define : a_.defines) define_type(*define);
    for (auto& rule : a_.rules) check_rule(rule);
    for (auto& due : a_.dues) check_due(due);
    if (a_.course) {
      if (a_.sets[a_.course->starts.resolved].empty())
        diags_.error(a_.course->starts.span, "the course starts with no service");
      if (a_.course->ends.resolved >= 0 && a_.sets[a_.course->ends.resolved].empty())
        diags_.error(a_.course->ends.span, "the course ends with no service");
    }
    loader_limits();
  }

  // The limits of limits_table.h that the tables of the agreement must keep, each reported where
  // it is crossed: the loader and the verifier would refuse the compiled file otherwise.
  // (Services and flags are counted by resolve, sets as resolve makes them, registers and
  // instructions by lower, the size of the whole file by the driver.)
  void loader_limits() {
    texts();
    auto at_most = [&](size_t count, size_t limit, Span crossing, const std::string& what) {
      if (count > limit) diags_.error(crossing, "an agreement may have at most " + std::to_string(limit) + " " + what);
    };
    const ast::Header& h = a_.header;
    if (h.sources.size() > kMaxSources) at_most(h.sources.size(), kMaxSources, h.sources[kMaxSources].span, "`source` texts");
    if (a_.rules.size() > kMaxRules) at_most(a_.rules.size(), kMaxRules, a_.rules[kMaxRules].id.span, "rules and warnings");
    if (a_.dues.size() > kMaxDueItems) at_most(a_.dues.size(), kMaxDueItems, a_.dues[kMaxDueItems].rule_id.span, "due items");
    size_t aliases = 0;
    for (const auto& block : a_.same_day)
      for (const auto& alias : block.aliases)
        if (++aliases == kMaxSameDayAliases + 1) at_most(aliases, kMaxSameDayAliases, alias.span, "same-day aliases");
    size_t pairs = 0;
    for (const auto& rule : a_.rules) {
      if (rule.applies_to.resolved < 0) continue;
      pairs += a_.sets[rule.applies_to.resolved].size();
      if (pairs > kMaxRuleServicePairs) {
        diags_.error(rule.id.span, "the rules judge more than " + std::to_string(kMaxRuleServicePairs) +
                                       " rule-code pairs in all (reached at " + rule.id.value + ")");
        break;
      }
    }
  }

  // Every text and name the compiled agreement holds, within the string limit.
  void texts() {
    auto text = [&](const std::string& value, Span span, const char* what) {
      if (value.size() > kMaxStringBytes)
        diags_.error(span, std::string(what) + " is " + std::to_string(value.size()) + " bytes long; the limit is " +
                               std::to_string(kMaxStringBytes));
    };
    const ast::Header& h = a_.header;
    text(h.name.value, h.name.span, "the agreement's name");
    text(h.title.value, h.title.span, "the title");
    for (const auto& s : h.sources) text(s.value, s.span, "this source text");
    for (const auto& f : a_.flags) text(f.name.value, f.name.span, "this flag's name");
    for (const auto& s : a_.services) {
      text(s.code.value, s.code.span, "this code");
      text(s.title.value, s.title.span, "this title");
    }
    for (const auto& r : a_.rules) {
      text(r.id.value, r.id.span, "this rule id");
      text(r.message.value, r.message.span, "this message");
      text(r.source.value, r.source.span, "this source passage");
    }
    for (const auto& d : a_.dues) {
      text(d.rule_id.value, d.rule_id.span, "this rule id");
      text(d.message.value, d.message.span, "this message");
      text(d.source.value, d.source.span, "this source passage");
    }
  }

 private:
  void check_rule(ast::RuleDecl& rule) {
    bool judges = false;
    for (auto& clause : rule.clauses) {
      expect_bool(*clause.expr, clause_word(clause.kind));
      switch (clause.kind) {
        case ast::Clause::Kind::When: break;
        case ast::Clause::Kind::Require: judges = true; break;
        case ast::Clause::Kind::RejectIf:
          judges = true;
          if (rule.warning)
            diags_.error(clause.span, "a warning cannot reject", "write `warn if` in a warning, or make it a `rule`");
          break;
        case ast::Clause::Kind::WarnIf:
          judges = true;
          if (!rule.warning)
            diags_.error(clause.span, "`warn if` belongs in a warning", "write `reject if`, or declare it as `warning`");
          break;
      }
    }
    if (!judges)
      diags_.error(rule.id.span, std::string(rule.warning ? "warning " : "rule ") + rule.id.value + " judges nothing",
                   rule.warning ? "add `warn if ...` or `require ...`" : "add `require ...` or `reject if ...`");
    if (!rule.message.present())
      diags_.error(rule.id.span, rule.id.value + " has no message", "add `message \"...\"` in plain words for the clinic");
    if (!rule.source.present())
      diags_.error(rule.id.span, rule.id.value + " names no source passage", "add `source \"...\"` quoting the agreement");
    if (rule.applies_to.resolved >= 0 && a_.sets[rule.applies_to.resolved].empty())
      diags_.error(rule.applies_to.span, rule.id.value + " applies to no service");
  }

  static const char* clause_word(ast::Clause::Kind kind) {
    switch (kind) {
      case ast::Clause::Kind::When: return "`when`";
      case ast::Clause::Kind::Require: return "`require`";
      case ast::Clause::Kind::RejectIf: return "`reject if`";
      case ast::Clause::Kind::WarnIf: return "`warn if`";
    }
    return "";
  }

  void check_due(ast::DueDecl& due) {
    in_due_ = true;
    due_defines_walked_.clear();
    if (due.when) expect_bool(*due.when, "`when`");
    if (due.window) {
      window(*due.window);
      if (due.earliest || due.target || due.latest)
        diags_.error(due.span, "a due item with a `window` takes its earliest, target and latest from it",
                     "remove `earliest`, `target` and `latest`, or the `window`");
      if (due.window->kind == ast::Window::Kind::Range)
        diags_.error(due.window->span, "a due window needs a target: write `window T ± N working days`",
                     "or give `earliest`, `target` and `latest` one by one");
    } else {
      if (!due.target) diags_.error(due.span, "due item " + due.rule_id.value + " has no target", "add `target DATE`");
      for (auto* part : {&due.earliest, &due.target, &due.latest})
        if (*part) expect(**part, Type::Date, "a due date");
      if (!due.earliest) diags_.error(due.span, "due item " + due.rule_id.value + " has no earliest date", "add `earliest DATE`");
    }
    in_due_ = false;
  }

  void expect_bool(Expr& e, const char* where) { expect(e, Type::Bool, where); }

  void expect(Expr& e, Type want, const std::string& where) {
    Type got = type(e);
    if (got != Type::Error && got != want)
      diags_.error(e.span, where + " needs " + article(want) + ", but this is " + article(got));
  }

  static std::string article(Type t) {
    switch (t) {
      case Type::Bool: return "a condition (yes or no)";
      case Type::Count: return "a count";
      case Type::Date: return "a date";
      case Type::Duration: return "a duration";
      case Type::Clinic: return "a clinic";
      case Type::Error: return "an error";
    }
    return "?";
  }

  static std::string plural(Type t) {
    switch (t) {
      case Type::Bool: return "conditions";
      case Type::Count: return "counts";
      case Type::Date: return "dates";
      case Type::Duration: return "durations";
      case Type::Clinic: return "clinics";
      case Type::Error: return "errors";
    }
    return "?";
  }

  Type define_type(ast::DefineDecl& define) {
    // Once per define, even when its type is an error: a chain of defines that each use the
    // previous one twice would otherwise be typed 2^n times.
    if (define.body->type != Type::Error || checked_.count(&define)) return define.body->type;
    if (in_progress_.count(&define)) {
      diags_.error(define.name.span, "'" + define.name.value + "' is defined in terms of itself",
                   "a definition may use other definitions, but not itself, directly or through others");
      return Type::Error;
    }
    in_progress_.insert(&define);
    type(*define.body);
    in_progress_.erase(&define);
    checked_.insert(&define);
    return define.body->type;
  }

  void window(ast::Window& w) {
    if (w.kind == ast::Window::Kind::Range) {
      expect(*w.low, Type::Date, "the start of a window");
      expect(*w.high, Type::Date, "the end of a window");
    } else {
      expect(*w.center, Type::Date, "the centre of a window");
      amount(w.around.amount, w.span);
    }
  }

  bool window_optional(const ast::Window& w) {
    if (w.kind == ast::Window::Kind::Range) return w.low->optional || w.high->optional;
    return w.center->optional;
  }

  void amount(int64_t n, Span span) {
    if (n > kMaxAmount) diags_.error(span, "the amount " + std::to_string(n) + " is too large (at most " + std::to_string(kMaxAmount) + ")");
  }

  void event_only(const Expr& e, const char* what) {
    if (in_due_)
      diags_.error(e.span, std::string(what) + " refers to an event, and a due item has none",
                   "a due item is judged as of the evaluation date");
  }

  Type type(Expr& e) {
    e.type = infer(e);
    return e.type;
  }

  Type infer(Expr& e) {
    switch (e.kind) {
      case K::Number:
        amount(e.number, e.span);
        return Type::Count;
      case K::DateLiteral: return Type::Date;
      case K::DurationLiteral:
        amount(e.duration.amount, e.span);
        return Type::Duration;
      case K::EventDate: return Type::Date;
      case K::CourseStart:
      case K::CourseEnd:
        if (!a_.course)
          diags_.error(e.span, "this agreement declares no course", "add `course starts with ... ends with ...`");
        e.optional = true;
        return Type::Date;
      case K::Referral: e.optional = !a_.header.referral_required; return Type::Date;
      case K::CourseStarted:
      case K::CourseEnded:
        if (!a_.course)
          diags_.error(e.span, "this agreement declares no course", "add `course starts with ... ends with ...`");
        return Type::Bool;
      case K::EventClinic: event_only(e, "`clinic`"); return Type::Clinic;
      case K::ClinicOfLast: e.optional = true; return Type::Clinic;
      case K::FirstDate:
      case K::LastDate: e.optional = true; return Type::Date;
      case K::Flagged: event_only(e, "`flagged`"); return Type::Bool;
      case K::Combinable:
        event_only(e, "`combinable today`");
        if (a_.same_day.empty())
          diags_.error(e.span, "`combinable today` needs a `same day` declaration",
                       "add `same day allow A + B, ...` listing the combinations the agreement allows");
        return Type::Bool;
      case K::Count: {
        int date_filters = 0, flag_filters = 0;
        for (auto& filter : e.filters) {
          switch (filter.kind) {
            case ast::CountFilter::Kind::Today:
              ++date_filters;
              event_only(e, "`today`");
              break;
            case ast::CountFilter::Kind::InWindow:
              ++date_filters;
              window(*filter.window);
              e.optional = e.optional || window_optional(*filter.window);
              break;
            case ast::CountFilter::Kind::Flagged: ++flag_filters; break;
          }
        }
        if (date_filters > 1) diags_.error(e.span, "a count takes one period: `today` or `in WINDOW`, not both");
        if (flag_filters > 1) diags_.error(e.span, "a count takes one `flagged` filter");
        return Type::Count;
      }
      case K::DefineRef: {
        if (!e.define) return Type::Error;
        Type t = define_type(*const_cast<ast::DefineDecl*>(e.define));
        e.optional = e.define->body->optional;
        if (in_due_ && due_defines_walked_.insert(e.define).second) event_only_in(*e.define->body);
        return t;
      }
      case K::Add:
      case K::Sub: {
        Type l = type(*e.a), r = type(*e.b);
        e.optional = e.a->optional || e.b->optional;
        if (l == Type::Error || r == Type::Error) return Type::Error;
        if (l == Type::Count && r == Type::Count) return Type::Count;
        if (l == Type::Date && r == Type::Duration) {
          if (!ast::written_duration(*e.b)) {
            diags_.error(e.b->span, "the duration a date moves by must be written out",
                         "write it here or in a `define` (`start + 3 months`); for a choice, choose between dates: "
                         "`if c then start + 3 months else start + 6 months`");
            return Type::Error;
          }
          return Type::Date;
        }
        diags_.error(e.span, std::string("cannot ") + (e.kind == K::Add ? "add " : "subtract ") + article(r) +
                                 (e.kind == K::Add ? " to " : " from ") + article(l),
                     "dates move by durations (`start + 3 months`); counts add to counts");
        return Type::Error;
      }
      case K::Otherwise: {
        Type l = type(*e.a), r = type(*e.b);
        if (!e.a->optional)
          diags_.error(e.a->span, "the left side of `otherwise` is never absent, so the right side is never used");
        e.optional = e.b->optional;
        if (l == Type::Error || r == Type::Error) return Type::Error;
        if (l != r) {
          diags_.error(e.span, "both sides of `otherwise` must have one type: " + article(l) + " and " + article(r));
          return Type::Error;
        }
        return l;
      }
      case K::InWindow: {
        expect(*e.a, Type::Date, "`in`");
        window(*e.window);
        e.optional = e.a->optional || window_optional(*e.window);
        return Type::Bool;
      }
      case K::Compare: {
        Type l = type(*e.a), r = type(*e.b);
        e.optional = e.a->optional || e.b->optional;
        if (l == Type::Error || r == Type::Error) return Type::Bool;
        if (l != r) {
          diags_.error(e.span, "cannot compare " + article(l) + " with " + article(r));
          return Type::Bool;
        }
        const bool ordered = e.op != ast::CompareOp::Eq && e.op != ast::CompareOp::Ne;
        if (l == Type::Duration || (ordered && l != Type::Count && l != Type::Date))
          diags_.error(e.span, std::string("`") + ast::compare_op_text(e.op) + "` does not compare " + plural(l));
        return Type::Bool;
      }
      case K::Not:
        expect_bool(*e.a, "`not`");
        e.optional = e.a->optional;
        return Type::Bool;
      case K::And:
      case K::Or:
        expect_bool(*e.a, e.kind == K::And ? "`and`" : "`or`");
        expect_bool(*e.b, e.kind == K::And ? "`and`" : "`or`");
        e.optional = e.a->optional || e.b->optional;
        return Type::Bool;
      case K::If: {
        expect_bool(*e.a, "`if`");
        Type t = type(*e.b), f = type(*e.c);
        e.optional = e.a->optional || e.b->optional || e.c->optional;
        if (t == Type::Error || f == Type::Error) return Type::Error;
        if (t != f) {
          diags_.error(e.span, "`then` and `else` must have one type: " + article(t) + " and " + article(f));
          return Type::Error;
        }
        return t;
      }
    }
    return Type::Error;
  }

  // A define used in a due item must not look at the event: walk its body for event-only parts.
  // Defines it uses are walked too, each once per due item (a define reached only through another
  // define used to pass unchecked).
  void event_only_in(const Expr& e) {
    switch (e.kind) {
      case K::EventClinic:
      case K::Flagged:
      case K::Combinable: event_only(e, "this definition"); return;
      case K::Count:
        for (const auto& f : e.filters) {
          if (f.kind == ast::CountFilter::Kind::Today) event_only(e, "this definition");
          if (f.window) event_only_in(*f.window);
        }
        break;
      case K::DefineRef:
        if (e.define && due_defines_walked_.insert(e.define).second) event_only_in(*e.define->body);
        break;
      default: break;
    }
    for (const Expr* child : {e.a.get(), e.b.get(), e.c.get()})
      if (child) event_only_in(*child);
    if (e.window) event_only_in(*e.window);
  }

  void event_only_in(const ast::Window& w) {
    for (const Expr* bound : {w.low.get(), w.high.get(), w.center.get()})
      if (bound) event_only_in(*bound);
  }

  ast::Agreement& a_;
  Diagnostics& diags_;
  std::set<const ast::DefineDecl*> in_progress_;
  std::set<const ast::DefineDecl*> checked_;
  std::set<const ast::DefineDecl*> due_defines_walked_;  // by event_only_in, in the current due item
  bool in_due_ = false;
};

}  // namespace

void check(ast::Agreement& agreement, Diagnostics& diags) { Checker(agreement, diags).run(); }

}  // namespace agr
