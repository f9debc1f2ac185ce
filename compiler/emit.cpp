// Pass 5, emit: the Program the runtime loads: tables from the AST, and the code of every IR
// function laid end to end with its labels resolved to instruction indexes.
#include <algorithm>
#include <cstdio>
#include <tuple>

#include "passes.h"

namespace agr {
namespace {

// An expression as written, on one line: each run of blanks becomes one space.
std::string one_line(const SourceFile& file, Span span) {
  std::string out;
  bool blank = false;
  for (char ch : std::string_view(file.text).substr(span.begin, span.end - span.begin)) {
    if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += ch;
  }
  return out;
}

// What the code of `f`, placed at `code_begin`, says of its source (Program::debug).
FunctionDebug debug_of(const ir::Function& f, uint32_t code_begin, const SourceFile& file) {
  FunctionDebug out;
  for (const ir::ClauseMark& c : f.clauses) {
    ClauseInfo info;
    info.kind = c.kind;
    info.code_begin = code_begin + static_cast<uint32_t>(f.labels[c.begin_label]);
    info.code_end = code_begin + static_cast<uint32_t>(f.labels[c.end_label]);
    info.line = file.line_of(c.span.begin);
    info.text = c.keyword + one_line(file, c.span);
    out.clauses.push_back(std::move(info));
  }
  for (const ir::ValueNote& v : f.values) {
    const ir::Instruction& writer = f.code[v.instruction];
    out.values.push_back({code_begin + static_cast<uint32_t>(v.instruction), static_cast<uint32_t>(v.clause),
                          f.registers[writer.a], v.limit, one_line(file, v.span)});
  }
  return out;
}

uint32_t append_function(Program& p, const ir::Function& f, const SourceFile& file) {
  Function out;
  out.code_begin = static_cast<uint32_t>(p.code.size());
  out.registers = f.registers;
  for (const ir::Instruction& ins : f.code) {
    Instruction bc{ins.op, static_cast<uint8_t>(ins.a), static_cast<uint8_t>(ins.b), static_cast<uint8_t>(ins.c),
                   static_cast<int32_t>(ins.k)};
    if (ins.label >= 0) bc.k = static_cast<int32_t>(out.code_begin + f.labels[ins.label]);
    p.code.push_back(bc);
    out.lines.push_back(ins.line);
  }
  out.code_end = static_cast<uint32_t>(p.code.size());
  p.debug.push_back(debug_of(f, out.code_begin, file));
  p.functions.push_back(std::move(out));
  return static_cast<uint32_t>(p.functions.size() - 1);
}

}  // namespace

Program emit(const ast::Agreement& a, const ir::Module& module, const SourceFile& file) {
  Program p;
  p.name = a.header.name.value;
  p.title = a.header.title.value;
  p.source_file = file.path;
  for (const auto& s : a.header.sources) p.sources.push_back(s.value);
  p.referral_required = a.header.referral_required;
  for (const auto& f : a.flags) p.flags.push_back(f.name.value);
  for (const auto& f : a.facts) p.facts.push_back({f.name.value, f.type, f.required});
  for (const auto& t : a.text_patterns) p.text_patterns.push_back({t.exact, t.prefixes});

  for (const auto& s : a.services) {
    Service service;
    service.code = s.code.value;
    service.title = s.title.value;
    service.supplement = s.supplement;
    p.services.push_back(std::move(service));
  }
  // The fee tables, grouped by service and level: a group's variants in the order written, then
  // the service's own fee (check made sure there is exactly one).
  for (const auto& level : a.price_levels) p.price_levels.push_back({level.from, level.title.value});
  for (uint32_t l = 0; l < a.price_levels.size(); ++l)
    for (const auto& fee : a.price_levels[l].fees)
      p.fees.push_back({static_cast<uint32_t>(fee.service), l,
                        fee.variant() ? static_cast<uint32_t>(fee.flag_index) : kNoFlag,
                        {fee.split.total, fee.split.subsidy, fee.split.patient}});
  std::stable_sort(p.fees.begin(), p.fees.end(), [](const FeeEntry& x, const FeeEntry& y) {
    const bool x_own = x.flag == kNoFlag, y_own = y.flag == kNoFlag;
    return std::tie(x.service, x.level, x_own) < std::tie(y.service, y.level, y_own);
  });
  for (const auto& set : a.sets) p.sets.emplace_back(set.begin(), set.end());
  if (a.course) {
    p.course_starts = static_cast<uint32_t>(a.course->starts.resolved);
    p.course_ends = static_cast<uint32_t>(a.course->ends.resolved);
  }

  // Same-day combinations: a symmetric table of allowed pairs, and the aliases.
  auto index_of = [&](const ast::Name& code) {
    for (size_t i = 0; i < a.services.size(); ++i)
      if (a.services[i].code.value == code.value) return static_cast<uint32_t>(i);
    return UINT32_MAX;  // not reached: resolve reported unknown codes
  };
  if (!a.same_day.empty()) {
    const size_t n = a.services.size();
    p.allowed_pairs.assign(n * n, 0);
    for (const auto& block : a.same_day) {
      for (const auto& pair : block.allowed) {
        const uint32_t x = index_of(pair.first), y = index_of(pair.second);
        p.allowed_pairs[x * n + y] = p.allowed_pairs[y * n + x] = 1;
      }
      for (const auto& alias : block.aliases)
        p.aliases.push_back({index_of(alias.alias), index_of(alias.target), index_of(alias.condition)});
    }
  }

  for (size_t i = 0; i < a.rules.size(); ++i) {
    const auto& r = a.rules[i];
    Rule rule;
    rule.id = r.id.value;
    rule.warning = r.warning;
    rule.applies_to = static_cast<uint32_t>(r.applies_to.resolved);
    rule.function = append_function(p, module.rules[i], file);
    rule.message = r.message.value;
    rule.source = r.source.value;
    rule.line = file.line_of(r.span.begin);
    p.rules.push_back(std::move(rule));
  }
  for (size_t i = 0; i < a.dues.size(); ++i) {
    const auto& d = a.dues[i];
    DueItem due;
    due.rule = d.rule_id.value;
    due.service = index_of(d.code);
    due.function = append_function(p, module.dues[i], file);
    due.message = d.message.value;
    due.source = d.source.value;
    due.line = file.line_of(d.span.begin);
    p.dues.push_back(std::move(due));
  }
  return p;
}

namespace ir {

std::string print(const Module& module) {
  std::string out;
  auto function = [&](const Function& f) {
    out += f.name + ":\n";
    // The labels that mark where a clause's code lies (for explanations) are not printed.
    std::vector<bool> marks(f.labels.size(), false);
    for (const ClauseMark& c : f.clauses) {
      marks[c.begin_label] = true;
      if (c.end_label >= 0) marks[c.end_label] = true;
    }
    for (size_t pc = 0; pc < f.code.size(); ++pc) {
      for (size_t l = 0; l < f.labels.size(); ++l)
        if (f.labels[l] == static_cast<int>(pc) && !marks[l]) out += " L" + std::to_string(l) + ":\n";
      const Instruction& ins = f.code[pc];
      char line[128];
      if (ins.label >= 0)
        std::snprintf(line, sizeof line, "    %-16s r%d -> L%d\n", opcode_info(ins.op).name, ins.a, ins.label);
      else
        std::snprintf(line, sizeof line, "    %-16s r%d r%d r%d k=%lld\n", opcode_info(ins.op).name, ins.a,
                      ins.b, ins.c, static_cast<long long>(ins.k));
      out += line;
    }
  };
  for (const auto& f : module.rules) function(f);
  for (const auto& f : module.dues) function(f);
  return out;
}

}  // namespace ir

}  // namespace agr
