// An integrator's program: loads a compiled agreement (.agrc) with the runtime library alone (no
// compiler, no ANTLR), evaluates one course history built in code, and prints the verdicts.
//
//   agr compile agreements/lbp.agr -o lbp.agrc && embed_example lbp.agrc
#include <cstdio>

#include "agr/agr.h"
#include "program.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed_example AGREEMENT.agrc\n");
    return 2;
  }
  std::string error;
  std::shared_ptr<const agr::Agreement> agreement = agr::Agreement::load_file(argv[1], &error);
  if (!agreement) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }

  agr::HistoryInput history;
  history.id = "c-17";
  history.referral_date = "2025-09-01";
  history.clinic = "K1";
  history.events = {
      {"e1", "2025-09-03", "0110", std::nullopt, {}},
      {"e2", "2025-09-03", "0262", std::nullopt, {}},
      {"e3", "2025-09-10", "0263", std::nullopt, {"video"}},
      {"e4", "2025-10-01", "0261", std::nullopt, {}},
      {"e5", "2025-10-08", "0261", "K2", {}},
  };

  agr::Evaluator evaluator(agreement);
  agr::CourseVerdict verdict;
  if (!evaluator.evaluate(history, std::nullopt, &verdict)) {
    std::fprintf(stderr, "%s: %s\n", history.id.c_str(), verdict.error.c_str());
    return 1;
  }
  const agr::Program& program = agreement->program();
  for (size_t i = 0; i < history.events.size(); ++i) {
    const agr::EventVerdict& v = verdict.events[i];
    const char* status = v.status == agr::EventStatus::Accepted   ? "accepted"
                         : v.status == agr::EventStatus::Rejected ? "rejected"
                                                                  : "not governed";
    std::printf("%s %s %s", history.events[i].id.c_str(), history.events[i].code.c_str(), status);
    if (v.has_fee) std::printf(" fee %s", agr::format_money(v.fee.total).c_str());
    for (uint32_t j = 0; j < v.violation_count; ++j)
      std::printf(" %s", program.rules[verdict.violations[v.first_violation + j]].id.c_str());
    std::printf("\n");
  }
  std::printf("total %s (subsidy %s, patient %s)\n", agr::format_money(verdict.totals.total).c_str(),
              agr::format_money(verdict.totals.subsidy).c_str(), agr::format_money(verdict.totals.patient).c_str());
  for (const agr::DueVerdict& due : verdict.due)
    std::printf("due %s from %s, target %s%s\n", program.services[program.dues[due.due].service].code.c_str(),
                agr::format_date(due.earliest).c_str(), agr::format_date(due.target).c_str(),
                due.overdue ? " (overdue)" : "");
  return 0;
}
