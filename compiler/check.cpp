// Pass 3, check: the static types of every expression (bool, count, date, duration, clinic) and
// the shape of every declaration. After it passes, no evaluation can fail with a type error, and
// no accepted event is billed a fee the agreement does not state.
#include <map>
#include <set>

#include <algorithm>
#include <optional>

#include "calendar.h"
#include "limits_table.h"
#include "passes.h"

namespace agr {
namespace {

using ast::Expr;
using ast::Type;
using K = ast::Expr::Kind;

class Checker {
 public:
  Checker(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags)
      : a_(agreement), file_(file), diags_(diags) {}

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
    price_levels();
    if (!diags_.has_errors()) before_first_level();
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
    size_t fee_lines = 0;
    for (size_t l = 0; l < a_.price_levels.size(); ++l) {
      const ast::PriceLevelDecl& level = a_.price_levels[l];
      fee_lines += level.fees.size();
      if (l == kMaxPriceLevels) {
        at_most(l + 1, kMaxPriceLevels, level.span, "price levels");
        break;
      }
      if ((l + 1) * a_.services.size() > kMaxFeeSlots) {
        at_most((l + 1) * a_.services.size(), kMaxFeeSlots, level.span,
                "price levels × services (here " + std::to_string(a_.services.size()) + " services)");
        break;
      }
      if (fee_lines > kMaxFeeEntries) {
        at_most(fee_lines, kMaxFeeEntries, level.span, "fee lines in all its price levels");
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
    for (const auto& f : a_.facts) text(f.name.value, f.name.span, "this fact's name");
    for (const auto& level : a_.price_levels) text(level.title.value, level.title.span, "this price level's title");
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

  // The fee tables. Price levels come in date order, one per date. In each, a service has its own
  // fee at most once, each variant (a flag) at most once, and a variant only beside the service's
  // own fee. A level states every fee in force from its date: a service or variant with a fee in
  // an earlier level has one in every later level (a regulation left out would keep billing the
  // old amount without anyone having said so).
  void price_levels() {
    const auto& levels = a_.price_levels;
    for (size_t i = 1; i < levels.size(); ++i) {
      const auto& level = levels[i];
      const auto& previous = levels[i - 1];
      if (level.from == previous.from)
        diags_.error(level.date_span, "price level " + date_text(level.from) + " is already declared at line " + line(previous.span),
                     "one price level per date: its table lists every fee in force from that date");
      else if (level.from < previous.from)
        diags_.error(level.date_span, "price level " + date_text(level.from) + " comes after " + date_text(previous.from) +
                                          " (line " + line(previous.span) + ") in the file",
                     "list the price levels in date order, the oldest first");
    }
    using Key = std::pair<int, int>;  // (service, flag or -1)
    std::map<Key, const ast::FeeLine*> earlier;  // the latest line for each service and variant so far
    for (const auto& level : levels) {
      std::map<Key, const ast::FeeLine*> here;
      for (const auto& fee : level.fees) {
        if (fee.service < 0 || (fee.variant() && fee.flag_index < 0)) continue;  // reported by resolve
        auto [at, inserted] = here.emplace(Key{fee.service, fee.flag_index}, &fee);
        if (!inserted)
          diags_.error(fee.span, fee_name(fee) + " already has a fee in price level " + date_text(level.from) +
                                     " at line " + line(at->second->span));
      }
      for (const auto& [key, fee] : here)
        if (key.second >= 0 && !here.count(Key{key.first, -1}))
          diags_.error(fee->span, fee_name(*fee) + " has no fee of its own in price level " + date_text(level.from),
                       "a variant is billed instead of the service's own fee, so that fee is needed too: add `" +
                           fee->code.value + " fee ... subsidy ... patient ...`");
      std::string missing;
      for (const auto& [key, fee] : earlier)
        if (!here.count(key)) missing += (missing.empty() ? "" : ", ") + fee_name(*fee);
      if (!missing.empty())
        diags_.error(level.date_span,
                     "price level " + date_text(level.from) + " gives no fee for " + missing +
                         ", which the price level before it lists",
                     "a price level states every fee in force from its date: repeat a line whose fee is unchanged");
      for (const auto& [key, fee] : here) earlier[key] = fee;
    }
  }

  // `before first price level reject by RULE`: the rule must reject every event of each service with
  // a fee that is dated before the service's first price level. Proved from the rule's clauses: one
  // of its declarations judges the service and has, before any `when`, a clause that rejects every
  // date before a written date on or after that level (`reject if date < 2025-09-01`, `require date
  // >= 2025-09-01`, ...). Clauses before it cannot prevent that: they only reject, or hold.
  void before_first_level() {
    const auto& levels = a_.price_levels;
    const auto& before = a_.before_first_level;
    if (levels.empty()) {
      if (before)
        diags_.error(before->span, "no price level is declared, so no event comes before the first one",
                     "remove this line, or declare the fee tables with `price level DATE`");
      return;
    }
    if (!before) {
      diags_.error(levels.front().date_span,
                   "the agreement does not say what happens to an event dated before its service's first price level",
                   "add `before first price level reject by RULE`, naming the rule that rejects such events (typically "
                   "the one that puts the agreement in force), or `before first price level no fee`");
      return;
    }
    if (before->no_fee) return;
    std::vector<const ast::RuleDecl*> declarations;
    std::vector<std::string> ids;
    for (const auto& rule : a_.rules) {
      ids.push_back(rule.id.value);
      if (rule.id.value == before->rule.value) declarations.push_back(&rule);
    }
    if (declarations.empty()) {
      const std::string near = closest_match(before->rule.value, ids);
      diags_.error(before->rule.span, "no rule " + before->rule.value + " is declared",
                   near.empty() ? std::string() : "did you mean '" + near + "'?");
      return;
    }
    if (declarations.front()->warning) {
      diags_.error(before->rule.span, before->rule.value + " is a warning, and a warning rejects nothing",
                   "name a `rule` that rejects the events dated before the first price level");
      return;
    }
    std::vector<std::optional<int32_t>> first_level(a_.services.size());
    for (const auto& level : levels)
      for (const auto& fee : level.fees)
        if (!first_level[fee.service]) first_level[fee.service] = level.from;
    std::map<int32_t, std::string> unproved;  // first level -> the services it is not proved for
    for (size_t s = 0; s < a_.services.size(); ++s) {
      if (!first_level[s]) continue;
      bool proved = false;
      for (const ast::RuleDecl* rule : declarations) {
        const auto& members = a_.sets[rule->applies_to.resolved];
        if (std::find(members.begin(), members.end(), static_cast<int>(s)) != members.end() &&
            rejects_every_date_before(*rule, *first_level[s]))
          proved = true;
      }
      if (!proved) {
        std::string& codes = unproved[*first_level[s]];
        codes += (codes.empty() ? "" : ", ") + a_.services[s].code.value;
      }
    }
    if (unproved.empty()) return;
    std::string which;
    for (const auto& [level, codes] : unproved)
      which += (which.empty() ? "" : "; ") + codes + " (before " + date_text(level) + ")";
    diags_.error(before->rule.span,
                 before->rule.value + " does not reject every event dated before its service's first price level: " +
                     "not " + which,
                 "give " + before->rule.value + ", for these services, a clause like `reject if date < " +
                     date_text(unproved.begin()->first) + "` (or a later date) with no `when` before it");
  }

  bool rejects_every_date_before(const ast::RuleDecl& rule, int32_t level) {
    for (const auto& clause : rule.clauses) {
      if (clause.kind == ast::Clause::Kind::When) return false;
      const Expr& e = *clause.expr;
      if (e.kind != K::Compare) continue;
      // Read the comparison with the event's date on the left: `date OP bound`.
      ast::CompareOp op = e.op;
      const Expr* bound = nullptr;
      if (e.a->kind == K::EventDate) {
        bound = e.b.get();
      } else if (e.b->kind == K::EventDate) {
        bound = e.a.get();
        using Op = ast::CompareOp;
        op = op == Op::Lt ? Op::Gt : op == Op::Gt ? Op::Lt : op == Op::Le ? Op::Ge : op == Op::Ge ? Op::Le : op;
      }
      const std::optional<int64_t> day = bound ? written_date(*bound, 0) : std::nullopt;
      if (!day) continue;
      // The first date the clause lets through: every date before it is rejected.
      std::optional<int64_t> open_from;
      const bool rejects = clause.kind == ast::Clause::Kind::RejectIf || clause.kind == ast::Clause::Kind::WarnIf;
      if (rejects && op == ast::CompareOp::Lt) open_from = *day;
      if (rejects && op == ast::CompareOp::Le) open_from = *day + 1;
      if (!rejects && op == ast::CompareOp::Ge) open_from = *day;
      if (!rejects && op == ast::CompareOp::Gt) open_from = *day + 1;
      if (open_from && *open_from >= level) return true;
    }
    return false;
  }

  // A date written out, directly or through `define`s.
  static std::optional<int64_t> written_date(const Expr& e, int depth) {
    if (e.kind == K::DateLiteral) return e.number;
    if (e.kind == K::DefineRef && e.define && depth < 64) return written_date(*e.define->body, depth + 1);
    return std::nullopt;
  }

  static std::string fee_name(const ast::FeeLine& fee) {
    return fee.code.value + (fee.variant() ? " flagged " + fee.flag.value : "");
  }

  static std::string date_text(int64_t day) {
    if (day < kFirstDay || day > kLastDay) return "?";
    char text[10];
    format_iso_date(static_cast<Day>(day), text);
    return std::string(text, 10);
  }

  std::string line(Span span) const { return std::to_string(file_.line_of(span.begin)); }

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
      if (due.window->kind != ast::Window::Kind::Around)
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
      case Type::Text: return "a code or text";
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
      case Type::Text: return "codes or texts";
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
    switch (w.kind) {
      case ast::Window::Kind::Range:
        expect(*w.low, Type::Date, "the start of a window");
        expect(*w.high, Type::Date, "the end of a window");
        break;
      case ast::Window::Kind::Around:
        expect(*w.center, Type::Date, "the centre of a window");
        amount(w.around.amount, w.span);
        break;
      case ast::Window::Kind::Calendar: expect(*w.center, Type::Date, "`calendar ... of`"); break;
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
      case K::BoolLiteral: return Type::Bool;
      case K::CallLike: return Type::Error;  // reported by resolve
      case K::TextLiteral: return Type::Text;
      case K::FactRef: {
        const ast::FactDecl& fact = a_.facts[e.fact_index];
        e.optional = !fact.required;
        switch (fact.type) {
          case ast::FactType::Date: return Type::Date;
          case ast::FactType::Integer: return Type::Count;
          case ast::FactType::Boolean: return Type::Bool;
          case ast::FactType::Code:
          case ast::FactType::String: return Type::Text;
        }
        return Type::Error;
      }
      case K::InCodes: {
        type(*e.a);
        e.optional = e.a->optional;
        if (e.a->type == Type::Error) return Type::Bool;
        if (text_fact(*e.a, 0) < 0) {
          diags_.error(e.a->span, "`in` a list of codes tests a code or string fact, but this is " + article(e.a->type),
                       "for a date, `in` takes a window: `date in start .. start + 3 months`");
          return Type::Bool;
        }
        ast::Agreement::TextPatterns patterns;
        for (const auto& p : e.patterns) (p.prefix ? patterns.prefixes : patterns.exact).push_back(p.code);
        if (e.patterns.size() > kMaxCodesPerPattern)
          diags_.error(e.span, "a list of codes may hold at most " + std::to_string(kMaxCodesPerPattern) + " codes");
        add_text_patterns(e, std::move(patterns));
        return Type::Bool;
      }
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
        if (l == Type::Text || r == Type::Text) return text_misused(e);
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
        if (l == Type::Text || r == Type::Text) return compare_text(e);
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
      case K::IsWorkingDay:
      case K::IsWeekday:
        expect(*e.a, Type::Date, "`is`");
        e.optional = e.a->optional;
        return Type::Bool;
      case K::YearsSince:
        expect(*e.a, Type::Date, "`years since`");
        e.optional = e.a->optional;
        return Type::Count;
      case K::If: {
        expect_bool(*e.a, "`if`");
        Type t = type(*e.b), f = type(*e.c);
        e.optional = e.a->optional || e.b->optional || e.c->optional;
        if (t == Type::Text || f == Type::Text) return text_misused(e);
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

  // A code or string fact, directly or through definitions: its index, else -1.
  int text_fact(const Expr& e, int depth) const {
    if (e.kind == K::FactRef) {
      const ast::FactType t = a_.facts[e.fact_index].type;
      return t == ast::FactType::Code || t == ast::FactType::String ? e.fact_index : -1;
    }
    if (e.kind == K::DefineRef && e.define && depth < 64) return text_fact(*e.define->body, depth + 1);
    return -1;
  }

  // `diagnosis = "DM161"` (or `!=`): a code or string fact against one quoted value, read as
  // `diagnosis in "DM161"`.
  Type compare_text(Expr& e) {
    const bool left_literal = e.a->kind == K::TextLiteral;
    const Expr& fact = left_literal ? *e.b : *e.a;
    const Expr& literal = left_literal ? *e.a : *e.b;
    if (literal.kind != K::TextLiteral || text_fact(fact, 0) < 0) {
      diags_.error(e.span, "a code or string fact is compared with a value in quotes (`diagnosis = \"DM161\"`)",
                   "or tested against a list of codes: `diagnosis in DM16*, DM17*`");
      return Type::Bool;
    }
    if (e.op != ast::CompareOp::Eq && e.op != ast::CompareOp::Ne) {
      diags_.error(e.span, std::string("`") + ast::compare_op_text(e.op) + "` does not compare codes or texts",
                   "compare them with `=` or `!=`, or test a list with `in`");
      return Type::Bool;
    }
    add_text_patterns(e, {{literal.text}, {}});
    return Type::Bool;
  }

  // Each test of a code or string fact has its list of codes in the bytecode, up to the limit.
  void add_text_patterns(Expr& e, ast::Agreement::TextPatterns patterns) {
    for (const auto* list : {&patterns.exact, &patterns.prefixes})
      for (const std::string& code : *list)
        if (code.size() > kMaxStringBytes)
          diags_.error(e.span, "a code of " + std::to_string(code.size()) + " bytes; the limit is " +
                                   std::to_string(kMaxStringBytes));
    if (a_.text_patterns.size() == kMaxTextPatterns)
      diags_.error(e.span, "an agreement may test code and string facts at most " + std::to_string(kMaxTextPatterns) +
                               " times", "test a fact once in a `define` and use that");
    e.patterns_index = static_cast<int>(a_.text_patterns.size());
    a_.text_patterns.push_back(std::move(patterns));
  }

  Type text_misused(const Expr& e) {
    diags_.error(e.span, "a code or string fact can only be tested: with `in` a list of codes, or `=` a value in quotes");
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
  const SourceFile& file_;
  Diagnostics& diags_;
  std::set<const ast::DefineDecl*> in_progress_;
  std::set<const ast::DefineDecl*> checked_;
  std::set<const ast::DefineDecl*> due_defines_walked_;  // by event_only_in, in the current due item
  bool in_due_ = false;
};

}  // namespace

void check(ast::Agreement& agreement, const SourceFile& file, Diagnostics& diags) {
  Checker(agreement, file, diags).run();
}

}  // namespace agr
