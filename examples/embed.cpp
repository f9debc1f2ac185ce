// An integrator's C++ program: loads a compiled agreement (.agrc) with the runtime library alone
// (no compiler, no ANTLR), evaluates one course history built in code, and prints its verdict,
// reading rule ids, messages, fees, warnings and due items through the public header alone.
//
//   agr compile agreements/lbp.agr -o lbp.agrc && embed_example lbp.agrc
//
// Built against the installed package: find_package(agr) and agr::runtime (docs/integrating.md).
#include <agr/agr.h>

#include <cstdio>

static void print_fee(const char* what, const agr::FeeSplit& fee) {
  std::printf("%s %s (subsidy %s, patient %s)", what, agr::format_money(fee.total).c_str(),
              agr::format_money(fee.subsidy).c_str(), agr::format_money(fee.patient).c_str());
}

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

  agr::Evaluator evaluator(agreement);  // one per thread; the agreement is shared
  agr::CourseVerdict verdict;
  if (!evaluator.evaluate(history, std::nullopt, &verdict)) {
    std::fprintf(stderr, "%s: %s\n", history.id.c_str(), verdict.error.c_str());
    return 1;
  }

  std::printf("course %s under %s\n", history.id.c_str(), agreement->name().c_str());
  for (size_t i = 0; i < history.events.size(); ++i) {
    const agr::EventVerdict& v = verdict.events[i];
    std::printf("%s %s ", history.events[i].id.c_str(), history.events[i].code.c_str());
    switch (v.status) {
      case agr::EventStatus::Accepted: std::printf("accepted"); break;
      case agr::EventStatus::Rejected: std::printf("rejected"); break;
      case agr::EventStatus::NotGoverned: std::printf("not_governed"); break;
    }
    if (v.has_fee) print_fee(", fee", v.fee);
    for (uint32_t j = 0; j < v.violation_count; ++j) {
      const agr::RuleInfo rule = agreement->rule(verdict.violations[v.first_violation + j]);
      std::printf("\n  broke %s: %s", rule.id().c_str(), rule.message().c_str());
    }
    std::printf("\n");
  }
  for (const agr::WarningVerdict& w : verdict.warnings)
    std::printf("warning %s on %s: %s\n", agreement->rule(w.rule).id().c_str(), history.events[w.event].id.c_str(),
                agreement->rule(w.rule).message().c_str());
  print_fee("totals", verdict.totals);
  std::printf("\n");
  for (const agr::DueVerdict& due : verdict.due) {
    const agr::DueItemInfo item = agreement->due_item(due.due);
    std::printf("due %s from %s, target %s", agreement->service(item.service()).code().c_str(),
                agr::format_date(due.earliest).c_str(), agr::format_date(due.target).c_str());
    if (due.has_latest) std::printf(", latest %s", agr::format_date(due.latest).c_str());
    std::printf("%s (%s)\n", due.overdue ? ", overdue" : "", item.rule_id().c_str());
  }
  return 0;
}
