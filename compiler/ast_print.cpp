// The AST as compact S-expressions, one declaration per line (`agr compile --emit=ast`, tests).
// Declarations print grouped by kind in a fixed order: header, flags, facts, services, price levels,
// groups, defines, course, same-day blocks, rules, due items.
#include <string>

#include "ast.h"
#include "calendar.h"

namespace agr::ast {

const char* type_name(Type type) {
  switch (type) {
    case Type::Error: return "error";
    case Type::Bool: return "bool";
    case Type::Count: return "count";
    case Type::Date: return "date";
    case Type::Duration: return "duration";
    case Type::Clinic: return "clinic";
    case Type::Text: return "text";
  }
  return "?";
}


const char* compare_op_text(CompareOp op) {
  switch (op) {
    case CompareOp::Eq: return "=";
    case CompareOp::Ne: return "!=";
    case CompareOp::Lt: return "<";
    case CompareOp::Le: return "<=";
    case CompareOp::Gt: return ">";
    case CompareOp::Ge: return ">=";
  }
  return "?";
}

namespace {

class Printer {
 public:
  std::string out;

  void quoted(const std::string& value) {
    out += '"';
    for (char ch : value) {
      switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default: out += ch;
      }
    }
    out += '"';
  }

  void date(int64_t day) {
    if (day < kFirstDay || day > kLastDay) {
      out += "#" + std::to_string(day);
      return;
    }
    char buffer[10];
    format_iso_date(static_cast<Day>(day), buffer);
    out.append(buffer, 10);
  }

  void duration(const Duration& d) {
    out += std::to_string(d.amount);
    const bool one = d.amount == 1;
    switch (d.unit) {
      case Duration::Unit::Days: out += one ? " day" : " days"; break;
      case Duration::Unit::Weeks: out += one ? " week" : " weeks"; break;
      case Duration::Unit::Months: out += one ? " month" : " months"; break;
      case Duration::Unit::Years: out += one ? " year" : " years"; break;
      case Duration::Unit::WorkingDays: out += one ? " working day" : " working days"; break;
    }
  }

  void term(const SetTerm& t) { out += t.all_services ? std::string("services") : t.name.value; }

  // The terms side by side: `0111 8050 except 0110`.
  void set_items(const SetExpr& s) {
    for (size_t i = 0; i < s.include.size(); ++i) {
      if (i > 0) out += ' ';
      term(s.include[i]);
    }
    if (!s.exclude.empty()) out += " except";
    for (const SetTerm& t : s.exclude) {
      out += ' ';
      term(t);
    }
  }

  // One operand: a lone term bare, anything else in parentheses.
  void set(const SetExpr& s) {
    if (s.include.size() == 1 && s.exclude.empty()) {
      term(s.include[0]);
      return;
    }
    out += '(';
    set_items(s);
    out += ')';
  }

  void window(const Window* w) {
    if (w == nullptr) {
      out += "(window?)";
      return;
    }
    if (w->kind == Window::Kind::Range) {
      out += "(.. ";
      expr(w->low.get());
      out += ' ';
      expr(w->high.get());
    } else if (w->kind == Window::Kind::Calendar) {
      static const char* const kPeriods[] = {"calendar-week ", "calendar-month ", "calendar-year "};
      out += '(';
      out += kPeriods[static_cast<int>(w->period)];
      expr(w->center.get());
    } else {
      out += "(± ";
      expr(w->center.get());
      out += ' ';
      duration(w->around);
    }
    out += ')';
  }

  void filter(const CountFilter& f) {
    switch (f.kind) {
      case CountFilter::Kind::Today: out += "today"; break;
      case CountFilter::Kind::InWindow:
        out += "(in ";
        window(f.window.get());
        out += ')';
        break;
      case CountFilter::Kind::Flagged: out += "(flagged " + f.flag.value + ")"; break;
    }
  }

  void expr(const Expr* e) {
    if (e == nullptr) {
      out += "?";
      return;
    }
    using K = Expr::Kind;
    switch (e->kind) {
      case K::Number: out += std::to_string(e->number); return;
      case K::DateLiteral: date(e->number); return;
      case K::DurationLiteral: duration(e->duration); return;
      case K::EventDate: out += "date"; return;
      case K::CourseStart: out += "start"; return;
      case K::CourseEnd: out += "end"; return;
      case K::CourseStarted: out += "started"; return;
      case K::CourseEnded: out += "ended"; return;
      case K::Referral: out += "referral"; return;
      case K::EventClinic: out += "clinic"; return;
      case K::Combinable: out += "combinable-today"; return;
      case K::DefineRef:
      case K::FactRef: out += e->name.value; return;
      case K::TextLiteral: quoted(e->text); return;
      case K::CallLike: out += "(call " + e->name.value + ")"; return;
      case K::BoolLiteral: out += e->number ? "true" : "false"; return;
      case K::InCodes:
        out += e->negated ? "(not-in-codes " : "(in-codes ";
        expr(e->a.get());
        for (const CodePattern& p : e->patterns) {
          out += ' ';
          quoted(p.code + (p.prefix ? "*" : ""));
        }
        out += ')';
        return;
      case K::ClinicOfLast: unary_set("clinic-of-last", e); return;
      case K::FirstDate: unary_set("first", e); return;
      case K::LastDate: unary_set("last", e); return;
      case K::Flagged: out += "(flagged " + e->name.value + ")"; return;
      case K::Count:
        out += "(count ";
        set(e->set);
        for (const CountFilter& f : e->filters) {
          out += ' ';
          filter(f);
        }
        out += ')';
        return;
      case K::Add: operands("+", e); return;
      case K::Sub: operands("-", e); return;
      case K::Otherwise: operands("otherwise", e); return;
      case K::Compare: operands(compare_op_text(e->op), e); return;
      case K::Not: operands("not", e); return;
      case K::And: operands("and", e); return;
      case K::Or: operands("or", e); return;
      case K::If: operands("if", e); return;
      case K::IsWorkingDay:
        out += e->negated ? "(is-not-working-day " : "(is-working-day ";
        expr(e->a.get());
        out += ')';
        return;
      case K::IsWeekday: {
        static const char* const kDays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
        out += e->negated ? "(is-not " : "(is ";
        expr(e->a.get());
        for (int d = 0; d < 7; ++d)
          if ((e->weekdays >> d) & 1) out += std::string(" ") + kDays[d];
        out += ')';
        return;
      }
      case K::YearsSince: operands("years-since", e); return;
      case K::InWindow:
        out += e->negated ? "(not-in " : "(in ";
        expr(e->a.get());
        out += ' ';
        window(e->window.get());
        out += ')';
        return;
    }
    out += "?";
  }

  void unary_set(const char* head, const Expr* e) {
    out += '(';
    out += head;
    out += ' ';
    set(e->set);
    out += ')';
  }

  // `(head a b c)` with whichever of a, b, c are present.
  void operands(const char* head, const Expr* e) {
    out += '(';
    out += head;
    for (const ExprPtr* operand : {&e->a, &e->b, &e->c}) {
      if (!*operand) continue;
      out += ' ';
      expr(operand->get());
    }
    out += ')';
  }

  void clause(const char* head, const Expr* e) {
    out += " (";
    out += head;
    out += ' ';
    expr(e);
    out += ')';
  }

  void text_clause(const char* head, const Text& t) {
    if (!t.present()) return;
    out += " (";
    out += head;
    out += ' ';
    quoted(t.value);
    out += ')';
  }
};

}  // namespace

std::string print(const Expr& expr) {
  Printer p;
  p.expr(&expr);
  return p.out;
}

std::string print(const Agreement& agreement) {
  Printer p;
  const Header& h = agreement.header;
  p.out += "(agreement " + h.name.value + " ";
  p.quoted(h.title.value);
  for (const Text& source : h.sources) p.text_clause("source", source);
  if (h.referral_required) p.out += " referral-required";
  p.out += ")\n";

  for (const FlagDecl& flag : agreement.flags) {
    p.out += "(flag " + flag.name.value;
    if (flag.description.present()) {
      p.out += ' ';
      p.quoted(flag.description.value);
    }
    p.out += ")\n";
  }

  for (const FactDecl& fact : agreement.facts) {
    p.out += "(fact " + fact.name.value + " " + fact_type_name(fact.type);
    if (fact.required) p.out += " required";
    if (fact.description.present()) {
      p.out += ' ';
      p.quoted(fact.description.value);
    }
    p.out += ")\n";
  }

  for (const ServiceDecl& service : agreement.services) {
    p.out += service.supplement ? "(supplement " : "(service ";
    p.out += service.code.value + " ";
    p.quoted(service.title.value);
    p.out += ")\n";
  }

  for (const PriceLevelDecl& level : agreement.price_levels) {
    p.out += "(price-level ";
    p.date(level.from);
    if (level.title.present()) {
      p.out += ' ';
      p.quoted(level.title.value);
    }
    for (const FeeLine& fee : level.fees) {
      p.out += " (" + fee.code.value;
      if (fee.variant()) p.out += " flagged " + fee.flag.value;
      p.out += " fee " + std::to_string(fee.split.total) + " " + std::to_string(fee.split.subsidy) + " " +
               std::to_string(fee.split.patient) + ")";
    }
    p.out += ")\n";
  }
  if (const auto& before = agreement.before_first_level)
    p.out += before->no_fee ? "(before-first-price-level no-fee)\n"
                            : "(before-first-price-level (reject-by " + before->rule.value + "))\n";

  for (const GroupDecl& group : agreement.groups) {
    p.out += "(group " + group.name.value;
    for (const Name& code : group.codes) p.out += " " + code.value;
    p.out += ")\n";
  }

  for (const auto& define : agreement.defines) {
    p.out += "(define " + define->name.value + " ";
    p.expr(define->body.get());
    p.out += ")\n";
  }

  if (agreement.course) {
    p.out += "(course (starts ";
    p.set_items(agreement.course->starts);
    p.out += ") (ends ";
    p.set_items(agreement.course->ends);
    p.out += "))\n";
  }

  for (const SameDayDecl& block : agreement.same_day) {
    p.out += "(same-day";
    for (const CodePair& pair : block.allowed) p.out += " (allow " + pair.first.value + " " + pair.second.value + ")";
    for (const SameDayAlias& alias : block.aliases) {
      p.out += " (count " + alias.alias.value + " as " + alias.target.value + " with " + alias.condition.value + ")";
    }
    p.out += ")\n";
  }

  for (const RuleDecl& rule : agreement.rules) {
    p.out += rule.warning ? "(warning " : "(rule ";
    p.out += rule.id.value + " (for ";
    p.set_items(rule.applies_to);
    p.out += ')';
    for (const Clause& clause : rule.clauses) {
      switch (clause.kind) {
        case Clause::Kind::When: p.clause("when", clause.expr.get()); break;
        case Clause::Kind::Require: p.clause("require", clause.expr.get()); break;
        case Clause::Kind::RejectIf: p.clause("reject-if", clause.expr.get()); break;
        case Clause::Kind::WarnIf: p.clause("warn-if", clause.expr.get()); break;
      }
    }
    p.text_clause("message", rule.message);
    p.text_clause("source", rule.source);
    p.out += ")\n";
  }

  for (const DueDecl& due : agreement.dues) {
    p.out += "(due " + due.rule_id.value + " " + due.code.value;
    if (due.when) p.clause("when", due.when.get());
    if (due.earliest) p.clause("earliest", due.earliest.get());
    if (due.target) p.clause("target", due.target.get());
    if (due.latest) p.clause("latest", due.latest.get());
    if (due.window) {
      p.out += " (window ";
      p.window(due.window.get());
      p.out += ')';
    }
    p.text_clause("message", due.message);
    p.text_clause("source", due.source);
    p.out += ")\n";
  }
  return p.out;
}

}  // namespace agr::ast
