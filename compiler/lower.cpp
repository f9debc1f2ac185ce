// Pass 4, lower: each rule and due item becomes an IR function with typed virtual registers.
//
// A rule's clauses run in order. `when C`: when C is false the rule does not apply (HOLD).
// `require C`: when C is false the rule is broken (FAIL). `reject if C` / `warn if C`: when C is
// true, FAIL. A clause that needs a value the history does not have (the course start before the
// course has started, ...) is not evaluated: for `when` the rule does not apply, for the others
// the clause holds. That is the spec's "rules measured from S are not evaluated" in general.
//
// A `define` is computed once per evaluation of a function: at its first use, into a register
// that later uses read again as long as every path to them went through that computation (the
// lowerer tracks which definitions are available at each label, over the forward jumps). A
// definition that may be absent is computed into a register holding its value or absent
// (LOAD_NONE), and every use tests that register, jumping to its own clause's "absent" exit.
// Registers here are virtual, one per value; regalloc.cpp then reuses them.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "limits_table.h"
#include "passes.h"

namespace agr {
namespace {

using ast::Expr;
using K = ast::Expr::Kind;

RegType reg_type(ast::Type t) {
  switch (t) {
    case ast::Type::Bool: return RegType::Bool;
    case ast::Type::Date: return RegType::Date;
    case ast::Type::Clinic: return RegType::Clinic;
    default: return RegType::Count;
  }
}

class Lowerer {
 public:
  Lowerer(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags)
      : a_(agreement), file_(file), diags_(diags) {}

  ir::Function rule(const ast::RuleDecl& rule) {
    begin(std::string(rule.warning ? "warning " : "rule ") + rule.id.value);
    const int fail = label(), hold = label();
    for (const auto& clause : rule.clauses) {
      line_ = line(clause.span);
      const int next = label();
      begin_clause(clause_kind(clause.kind), clause.span, "");
      switch (clause.kind) {
        case ast::Clause::Kind::When: {
          int r = expr(*clause.expr, hold);
          jump(Opcode::JUMP_IF_FALSE, r, hold);
          break;
        }
        case ast::Clause::Kind::Require: {
          int r = expr(*clause.expr, next);
          jump(Opcode::JUMP_IF_FALSE, r, fail);
          break;
        }
        case ast::Clause::Kind::RejectIf:
        case ast::Clause::Kind::WarnIf: {
          int r = expr(*clause.expr, next);
          jump(Opcode::JUMP_IF_FALSE, r, next);
          jump(Opcode::JUMP, 0, fail);
          break;
        }
      }
      place(next);
      end_clause();
    }
    line_ = line(rule.span);
    place(hold);
    emit(Opcode::HOLD);
    place(fail);
    emit(Opcode::FAIL);
    return finish(rule.span);
  }

  ir::Function due(const ast::DueDecl& due) {
    begin("due " + due.rule_id.value + " " + due.code.value);
    const int not_due = label();
    line_ = line(due.span);
    if (due.when) {
      begin_clause(ClauseInfo::Kind::DueWhen, due.when->span, "when ");
      int r = expr(*due.when, not_due);
      jump(Opcode::JUMP_IF_FALSE, r, not_due);
      end_clause();
    }
    // Each date in a clause of its own, for explanations and coverage.
    auto date = [&](ClauseInfo::Kind kind, const Expr& e, const char* keyword) {
      begin_clause(kind, e.span, keyword);
      const int r = expr(e, not_due);
      end_clause();
      return r;
    };
    int earliest, target, latest = -1;
    if (due.window) {
      begin_clause(ClauseInfo::Kind::Window, due.window->span, "window ");
      auto [low, high] = window(*due.window, not_due);
      earliest = low;
      latest = high;
      target = expr(*due.window->center, not_due);
      end_clause();
    } else {
      earliest = date(ClauseInfo::Kind::Earliest, *due.earliest, "earliest ");
      target = date(ClauseInfo::Kind::Target, *due.target, "target ");
      if (due.latest) latest = date(ClauseInfo::Kind::Latest, *due.latest, "latest ");
    }
    const bool has_latest = latest >= 0;
    if (!has_latest) latest = earliest;  // unused by DUE when k == 0, but must be a date register
    emit(Opcode::DUE, earliest, target, latest, has_latest ? 1 : 0);
    place(not_due);
    emit(Opcode::HOLD);
    return finish(due.span);
  }

 private:
  void begin(std::string name) {
    fn_ = ir::Function{};
    fn_.name = std::move(name);
    available_.clear();
    at_label_.clear();
    reachable_ = true;
    last_writer_.clear();
    define_notes_.clear();
    noted_.clear();
    clause_ = -1;
  }

  static ClauseInfo::Kind clause_kind(ast::Clause::Kind kind) {
    switch (kind) {
      case ast::Clause::Kind::When: return ClauseInfo::Kind::When;
      case ast::Clause::Kind::Require: return ClauseInfo::Kind::Require;
      case ast::Clause::Kind::RejectIf: return ClauseInfo::Kind::RejectIf;
      case ast::Clause::Kind::WarnIf: return ClauseInfo::Kind::WarnIf;
    }
    return ClauseInfo::Kind::Require;
  }

  // The code of a clause lies between two labels; the values it computes are noted against it.
  void begin_clause(ClauseInfo::Kind kind, Span span, const char* keyword) {
    const int begin = label();
    place(begin);
    fn_.clauses.push_back({kind, begin, -1, span, keyword});
    clause_ = static_cast<int>(fn_.clauses.size()) - 1;
  }

  void end_clause() {
    const int end = label();
    place(end);
    fn_.clauses.back().end_label = end;
    clause_ = -1;
  }

  // The values an explanation shows: what a clause counts, dates, clinics and flags, not the
  // constants written in it nor the conditions it joins.
  static bool shown(const Expr& e) {
    switch (e.kind) {
      case K::Count:
      case K::EventDate:
      case K::CourseStart:
      case K::CourseEnd:
      case K::Referral:
      case K::FirstDate:
      case K::LastDate:
      case K::ClinicOfLast:
      case K::EventClinic:
      case K::Flagged:
      case K::CourseStarted:
      case K::CourseEnded:
      case K::Combinable:
      case K::DefineRef:
      case K::Add:
      case K::Sub:
      case K::YearsSince: return true;
      case K::FactRef: return e.type != ast::Type::Text;  // a code or text fact is only ever matched
      default: return false;
    }
  }

  ir::Function finish(Span span) {
    fn_.span = span;
    if (fn_.registers.size() > kMaxVirtualRegisters)
      diags_.error(span, fn_.name + " is too complex: it computes more than " + std::to_string(kMaxVirtualRegisters) +
                             " values",
                   "split it into several rules, each with the clauses of one requirement");
    return std::move(fn_);
  }

  // The definitions computed on every path to the current point, each with its register.
  using Available = std::vector<std::pair<const ast::DefineDecl*, int>>;  // sorted by definition

  static Available intersect(const Available& x, const Available& y) {
    Available out;
    std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
    return out;
  }

  // Lowers a use of a definition: computed here unless it already is on every path to here. Where
  // it is read again, the clause reading it is shown the values its computation noted, as if
  // it were written out there.
  int define(const ast::DefineDecl& d, int absent) {
    const Expr& body = *d.body;
    auto it = std::lower_bound(available_.begin(), available_.end(), std::make_pair(&d, -1));
    int r = -1;
    if (it != available_.end() && it->first == &d) {
      r = it->second;
      const DefineNotes& notes = define_notes_[&d];
      if (clause_ >= 0)
        for (size_t i = notes.begin; i < notes.end; ++i) {
          const ir::ValueNote noted = fn_.values[i];
          note(noted.instruction, noted.span, noted.limit);
        }
    } else if (!body.optional) {
      const size_t first_note = fn_.values.size();
      r = expr(body, absent);
      define_notes_[&d] = {writer(r), first_note, fn_.values.size()};
      remember(d, r);
    } else {
      const int none = label(), done = label();
      const size_t first_note = fn_.values.size();
      const int value = expr(body, none);
      // Noted at the instruction that computed the value, which runs whether or not it is absent.
      define_notes_[&d] = {writer(value), first_note, fn_.values.size()};
      r = reg(reg_type(body.type));
      emit(Opcode::MOVE, r, value);
      jump(Opcode::JUMP, 0, done);
      place(none);
      emit(Opcode::LOAD_NONE, r);  // the verifier: followed at once by the test below
      place(done);
      remember(d, r);
    }
    if (body.optional) jump(Opcode::JUMP_IF_NONE, r, absent);
    return r;
  }

  void remember(const ast::DefineDecl& d, int r) {
    auto it = std::lower_bound(available_.begin(), available_.end(), std::make_pair(&d, -1));
    if (it != available_.end() && it->first == &d)
      it->second = r;
    else
      available_.insert(it, {&d, r});
  }

  uint32_t line(Span span) const { return file_.line_of(span.begin); }

  int label() {
    fn_.labels.push_back(-1);
    at_label_.emplace_back();
    return static_cast<int>(fn_.labels.size() - 1);
  }

  // What is available after a label: what every jump to it and the fall-through (if any) agree on.
  void place(int l) {
    fn_.labels[l] = static_cast<int>(fn_.code.size());
    if (at_label_[l]) available_ = reachable_ ? intersect(available_, *at_label_[l]) : *at_label_[l];
    else if (!reachable_) available_.clear();  // nothing reaches it
    reachable_ = true;
  }

  int reg(RegType t) {
    fn_.registers.push_back(t);
    return static_cast<int>(fn_.registers.size() - 1);
  }

  void emit(Opcode op, int a = 0, int b = 0, int c = 0, int64_t k = 0) {
    fn_.code.push_back({op, a, b, c, k, -1, line_});
    if (op == Opcode::HOLD || op == Opcode::FAIL || op == Opcode::DUE) {
      reachable_ = false;
    } else {
      if (last_writer_.size() <= static_cast<size_t>(a)) last_writer_.resize(a + 1, -1);
      last_writer_[a] = static_cast<int>(fn_.code.size()) - 1;
    }
  }

  void jump(Opcode op, int a, int target) {
    fn_.code.push_back({op, a, 0, 0, 0, target, line_});
    auto& at = at_label_[target];
    at = at ? intersect(*at, available_) : available_;
    if (op == Opcode::JUMP) reachable_ = false;
  }

  // An op that may leave its register absent is followed by the test the verifier requires.
  int optional_load(Opcode op, RegType t, int64_t k, int absent) {
    int r = reg(t);
    emit(op, r, 0, 0, k);
    jump(Opcode::JUMP_IF_NONE, r, absent);
    return r;
  }

  int date_plus(int date, const ast::Duration& d, int sign) {
    int r = reg(RegType::Date);
    const int64_t n = d.amount * sign;
    switch (d.unit) {
      case ast::Duration::Unit::Days: emit(Opcode::ADD_DAYS, r, date, 0, n); break;
      case ast::Duration::Unit::Weeks: emit(Opcode::ADD_DAYS, r, date, 0, 7 * n); break;
      case ast::Duration::Unit::Months: emit(Opcode::ADD_MONTHS, r, date, 0, n); break;
      case ast::Duration::Unit::Years: emit(Opcode::ADD_MONTHS, r, date, 0, 12 * n); break;
      case ast::Duration::Unit::WorkingDays: emit(Opcode::ADD_WORKING_DAYS, r, date, 0, n); break;
    }
    return r;
  }

  std::pair<int, int> window(const ast::Window& w, int absent) {
    if (w.kind == ast::Window::Kind::Range) return {expr(*w.low, absent), expr(*w.high, absent)};
    int center = expr(*w.center, absent);
    if (w.kind == ast::Window::Kind::Calendar) {
      const int low = reg(RegType::Date), high = reg(RegType::Date);
      emit(Opcode::PERIOD_START, low, center, 0, static_cast<int64_t>(w.period));
      emit(Opcode::PERIOD_END, high, center, 0, static_cast<int64_t>(w.period));
      return {low, high};
    }
    return {date_plus(center, w.around, -1), date_plus(center, w.around, +1)};
  }

  // Lowers `e` into a fresh register; jumps to `absent` when a value it needs is absent. Inside a
  // clause, a value an explanation shows is noted with the instruction that computes it.
  int expr(const Expr& e, int absent) {
    // The partial sums of a chain (`a + b` in `a + b + c`) are not shown, only the whole and its
    // terms: a long chain would otherwise note texts of quadratic length.
    const bool partial_sum = sum_operand_ && (e.kind == K::Add || e.kind == K::Sub);
    sum_operand_ = false;
    const int r = compute(e, absent);
    const bool limit = e.kind == K::Compare || e.kind == K::InWindow;
    if (clause_ < 0 || r < 0 || partial_sum || !(limit || shown(e))) return r;
    // A definition's value is noted at the instruction that computed it, wherever that was.
    auto defined = e.kind == K::DefineRef ? define_notes_.find(e.define) : define_notes_.end();
    const int at = defined != define_notes_.end() ? defined->second.instruction : writer(r);
    if (at >= 0) note(at, e.kind == K::DefineRef ? e.name.span : e.span, limit);
    return r;
  }

  // Notes a value for the current clause, once: a definition read twice in a clause, or whose
  // body reads another twice, shows each of its values once (and their number stays linear).
  void note(int instruction, Span span, bool limit) {
    if (noted_.insert({clause_, instruction, span.begin, span.end}).second)
      fn_.values.push_back({instruction, clause_, span, limit});
  }

  // The instruction that last wrote virtual register `r`, or -1.
  int writer(int r) const {
    return r >= 0 && static_cast<size_t>(r) < last_writer_.size() ? last_writer_[r] : -1;
  }

  int compute(const Expr& e, int absent) {
    // Past the limit the function is refused (finish); stop here rather than build more.
    if (fn_.registers.size() > kMaxVirtualRegisters) return 0;
    switch (e.kind) {
      case K::Number: {
        int r = reg(RegType::Count);
        emit(Opcode::LOAD_INT, r, 0, 0, e.number);
        return r;
      }
      case K::DateLiteral: {
        int r = reg(RegType::Date);
        emit(Opcode::LOAD_DATE, r, 0, 0, e.number);
        return r;
      }
      case K::DurationLiteral: return -1;  // only ever an operand of + or -, handled there
      case K::TextLiteral: return -1;      // only ever compared with a code or string fact
      case K::CallLike: return -1;         // refused by resolve
      case K::BoolLiteral: {
        int r = reg(RegType::Bool);
        emit(Opcode::LOAD_BOOL, r, 0, 0, e.number);
        return r;
      }
      case K::FactRef: return optional_load(Opcode::FACT, reg_type(e.type), e.fact_index, absent);
      case K::InCodes: return text_test(*e.a, e.patterns_index, e.negated, absent);
      case K::EventDate: return simple(Opcode::EVENT_DATE, RegType::Date);
      case K::EventClinic: return simple(Opcode::EVENT_CLINIC, RegType::Clinic);
      case K::CourseStarted: return simple(Opcode::COURSE_STARTED, RegType::Bool);
      case K::CourseEnded: return simple(Opcode::COURSE_ENDED, RegType::Bool);
      case K::Combinable: return simple(Opcode::COMBINABLE, RegType::Bool);
      case K::CourseStart: return optional_load(Opcode::COURSE_START, RegType::Date, 0, absent);
      case K::CourseEnd: return optional_load(Opcode::COURSE_END, RegType::Date, 0, absent);
      case K::Referral: return optional_load(Opcode::REFERRAL, RegType::Date, 0, absent);
      case K::FirstDate: return optional_load(Opcode::FIRST_DATE, RegType::Date, e.set.resolved, absent);
      case K::LastDate: return optional_load(Opcode::LAST_DATE, RegType::Date, e.set.resolved, absent);
      case K::ClinicOfLast: return optional_load(Opcode::CLINIC_OF_LAST, RegType::Clinic, e.set.resolved, absent);
      case K::Flagged: {
        int r = reg(RegType::Bool);
        emit(Opcode::EVENT_FLAGGED, r, 0, 0, e.flag_index);
        return r;
      }
      case K::Count: return count(e, absent);
      case K::DefineRef: return define(*e.define, absent);
      case K::Add:
      case K::Sub: {
        sum_operand_ = true;
        int l = expr(*e.a, absent);
        if (e.type == ast::Type::Date) return date_plus(l, *ast::written_duration(*e.b), e.kind == K::Add ? 1 : -1);
        int r = expr(*e.b, absent);
        int out = reg(RegType::Count);
        emit(e.kind == K::Add ? Opcode::ADD : Opcode::SUB, out, l, r);
        return out;
      }
      case K::Otherwise: {
        const int out = reg(reg_type(e.type)), alternative = label(), done = label();
        int l = expr(*e.a, alternative);
        emit(Opcode::MOVE, out, l);
        jump(Opcode::JUMP, 0, done);
        place(alternative);
        int r = expr(*e.b, absent);
        emit(Opcode::MOVE, out, r);
        place(done);
        return out;
      }
      case K::If: {
        const int out = reg(reg_type(e.type)), otherwise = label(), done = label();
        int cond = expr(*e.a, absent);
        jump(Opcode::JUMP_IF_FALSE, cond, otherwise);
        emit(Opcode::MOVE, out, expr(*e.b, absent));
        jump(Opcode::JUMP, 0, done);
        place(otherwise);
        emit(Opcode::MOVE, out, expr(*e.c, absent));
        place(done);
        return out;
      }
      case K::InWindow: {
        int x = expr(*e.a, absent);
        auto [low, high] = window(*e.window, absent);
        int after_low = reg(RegType::Bool), before_high = reg(RegType::Bool), out = reg(RegType::Bool);
        emit(Opcode::LE, after_low, low, x);
        emit(Opcode::LE, before_high, x, high);
        emit(Opcode::AND, out, after_low, before_high);
        if (!e.negated) return out;
        int negated = reg(RegType::Bool);
        emit(Opcode::NOT, negated, out);
        return negated;
      }
      case K::Compare: {
        if (e.patterns_index >= 0)  // a code or string fact `=` or `!=` a quoted value
          return text_test(e.a->kind == K::TextLiteral ? *e.b : *e.a, e.patterns_index, e.op == ast::CompareOp::Ne,
                           absent);
        int l = expr(*e.a, absent), r = expr(*e.b, absent);
        int out = reg(RegType::Bool);
        switch (e.op) {
          case ast::CompareOp::Eq: emit(Opcode::EQ, out, l, r); break;
          case ast::CompareOp::Ne: emit(Opcode::NE, out, l, r); break;
          case ast::CompareOp::Lt: emit(Opcode::LT, out, l, r); break;
          case ast::CompareOp::Le: emit(Opcode::LE, out, l, r); break;
          case ast::CompareOp::Gt: emit(Opcode::LT, out, r, l); break;
          case ast::CompareOp::Ge: emit(Opcode::LE, out, r, l); break;
        }
        return out;
      }
      case K::IsWorkingDay: {
        const int day = expr(*e.a, absent);
        const int out = reg(RegType::Bool);
        emit(Opcode::IS_WORKING_DAY, out, day);
        if (!e.negated) return out;
        const int negated = reg(RegType::Bool);
        emit(Opcode::NOT, negated, out);
        return negated;
      }
      case K::IsWeekday: {
        const int day = expr(*e.a, absent);
        const int out = reg(RegType::Bool);
        emit(Opcode::WEEKDAY_IN, out, day, 0, e.negated ? 0x7f & ~e.weekdays : e.weekdays);
        return out;
      }
      case K::YearsSince: {
        const int from = expr(*e.a, absent);
        const int to = simple(Opcode::EVENT_DATE, RegType::Date);
        const int out = reg(RegType::Count);
        emit(Opcode::YEARS_BETWEEN, out, from, to);
        return out;
      }
      case K::Not: {
        int operand = expr(*e.a, absent);
        int out = reg(RegType::Bool);
        emit(Opcode::NOT, out, operand);
        return out;
      }
      case K::And:
      case K::Or: {
        int l = expr(*e.a, absent), r = expr(*e.b, absent);
        int out = reg(RegType::Bool);
        emit(e.kind == K::And ? Opcode::AND : Opcode::OR, out, l, r);
        return out;
      }
    }
    return -1;
  }

  // Whether a code or string fact (written directly or through definitions) is in a code list.
  int text_test(const Expr& fact, int list, bool negated, int absent) {
    const Expr* e = &fact;
    while (e->kind == K::DefineRef) e = e->define->body.get();
    const int r = optional_load(Opcode::FACT_MATCHES, RegType::Bool, list | (int64_t(e->fact_index) << 24), absent);
    if (!negated) return r;
    const int out = reg(RegType::Bool);
    emit(Opcode::NOT, out, r);
    return out;
  }

  int simple(Opcode op, RegType t) {
    int r = reg(t);
    emit(op, r);
    return r;
  }

  int count(const Expr& e, int absent) {
    int low = -1, high = -1;
    int64_t flag = 0;
    for (const auto& filter : e.filters) {
      switch (filter.kind) {
        case ast::CountFilter::Kind::Today: low = high = simple(Opcode::EVENT_DATE, RegType::Date); break;
        case ast::CountFilter::Kind::InWindow: std::tie(low, high) = window(*filter.window, absent); break;
        case ast::CountFilter::Kind::Flagged: flag = filter.flag_index + 1; break;
      }
    }
    const int64_t setflag = e.set.resolved | (flag << 24);
    int out = reg(RegType::Count);
    if (low >= 0)
      emit(Opcode::COUNT_IN, out, low, high, setflag);
    else if (flag)
      emit(Opcode::COUNT_FLAGGED, out, 0, 0, setflag);
    else
      emit(Opcode::COUNT, out, 0, 0, e.set.resolved);
    return out;
  }

  // Virtual registers one function may use before it is refused (regalloc then fits the values
  // live at once into the frame's 256).
  static constexpr size_t kMaxVirtualRegisters = size_t(1) << 16;

  const ast::Agreement& a_;
  const SourceFile& file_;
  Diagnostics& diags_;
  ir::Function fn_;
  uint32_t line_ = 0;
  Available available_;
  std::vector<std::optional<Available>> at_label_;  // per label: what the jumps to it agree on
  bool reachable_ = true;                           // whether the next instruction can be reached
  std::vector<int> last_writer_;  // per register: the instruction that last wrote it
  int clause_ = -1;               // the clause being lowered, -1 outside one
  bool sum_operand_ = false;      // the expression lowered next is the left operand of + or -
  // Per definition, from its latest computation: the instruction that computed its value, and the
  // values noted while computing it (fn_.values[begin, end)).
  struct DefineNotes {
    int instruction = -1;
    size_t begin = 0, end = 0;
  };
  std::map<const ast::DefineDecl*, DefineNotes> define_notes_;
  std::set<std::tuple<int, int, uint32_t, uint32_t>> noted_;  // (clause, instruction, span)
};

}  // namespace

ir::Module lower(const ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags) {
  // A define is computed again where no earlier computation reaches (in both branches of an `if`),
  // so a small file can still ask for a great deal of code: stop at the bytecode's limit, before
  // memory runs out.
  Lowerer lowerer(agreement, file, diags);
  ir::Module module;
  size_t instructions = 0;
  auto too_much = [&](const ir::Function& f, Span span) {
    instructions += f.code.size();
    if (instructions <= kMaxInstructions) return false;
    diags.error(span, "the agreement compiles to more than " + std::to_string(kMaxInstructions) +
                          " instructions (reached at " + f.name + ")",
                "split the largest rules into several");
    return true;
  };
  for (const auto& rule : agreement.rules) {
    module.rules.push_back(lowerer.rule(rule));
    if (too_much(module.rules.back(), rule.span)) return module;
  }
  for (const auto& due : agreement.dues) {
    module.dues.push_back(lowerer.due(due));
    if (too_much(module.dues.back(), due.span)) return module;
  }
  return module;
}

}  // namespace agr
