/* An integrator's C program (C99) over the C API, agr/agr_c.h: evaluates a JSON Lines file of
 * course histories with one or more compiled agreements (.agrc) and writes what `agr run` writes,
 * byte for byte; with --summary, one line per course read from the structured verdict instead.
 * With several agreements, each history names the one that judges it (its "agreement" field).
 *
 *   agr compile agreements/lbp.agr -o lbp.agrc
 *   embed_c_example lbp.agrc examples/histories/lbp.jsonl [--summary]
 *   embed_c_example lbp.agrc ste.agrc claims.jsonl             (LBP's and STE's histories mixed)
 *
 * Exit status as agr run's: 0 success, 1 some lines were error lines, 2 usage or agreement. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <agr/agr_c.h>
#include <agr/version.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "12.50": øre as kroner with two decimals. */
static void print_money(int64_t ore) {
  printf("%s%lld.%02lld", ore < 0 ? "-" : "", llabs(ore) / 100, llabs(ore) % 100);
}

/* One line per course: its rejected events' rules, its totals and what is due, read from the
 * tables of the agreement that judged it. */
static void print_summary(const agr_agreement_set *agreements, const agr_evaluator *evaluator) {
  const agr_agreement *agreement = agr_agreement_set_find(agreements, agr_verdict_agreement_name(evaluator));
  size_t i, j;
  agr_fee totals;
  printf("%s:", agr_verdict_course_id(evaluator));
  for (i = 0; i < agr_verdict_event_count(evaluator); ++i) {
    agr_event_verdict event;
    agr_verdict_event(evaluator, i, &event);
    if (event.status != AGR_REJECTED) continue;
    printf(" event %zu broke", i + 1);
    for (j = 0; j < event.violation_count; ++j)
      printf(" %s", agr_agreement_rule_id(agreement, agr_verdict_violation(evaluator, i, j)));
    printf(";");
  }
  agr_verdict_totals(evaluator, &totals);
  printf(" totals ");
  print_money(totals.total);
  for (i = 0; i < agr_verdict_due_count(evaluator); ++i) {
    agr_due due;
    agr_verdict_due(evaluator, i, &due);
    printf("; due %s by %s%s",
           agr_agreement_service_code(agreement, agr_agreement_due_item_service(agreement, due.due_item)),
           due.target, due.overdue ? " (overdue)" : "");
  }
  printf("\n");
}

int main(int argc, char **argv) {
  char *error = NULL, *line = NULL;
  size_t capacity = 0, i;
  ssize_t length;
  uint64_t line_number = 0;
  int status = 0, summary = argc >= 4 && strcmp(argv[argc - 1], "--summary") == 0;
  const int count = argc - 2 - summary; /* the agreements: argv[1 .. count] */
  agr_agreement *loaded[16];
  agr_agreement_set *agreements;
  agr_evaluator *evaluator;
  FILE *in;

  if (count < 1 || count > 16) {
    fprintf(stderr, "usage: embed_c_example AGREEMENT.agrc... HISTORIES.jsonl [--summary]\n");
    return 2;
  }
  /* The library loaded at run time is the one this program was built against. */
  if (strcmp(agr_version(), AGR_VERSION_STRING) != 0) {
    fprintf(stderr, "built for agr %s, but libagr is %s\n", AGR_VERSION_STRING, agr_version());
    return 2;
  }
  for (i = 0; i < (size_t)count; ++i) {
    loaded[i] = agr_agreement_load(argv[1 + i], &error);
    if (!loaded[i]) {
      fprintf(stderr, "%s\n", error);
      agr_string_free(error);
      return 2;
    }
  }
  /* One agreement or several: a set judges each history by the agreement it names (a set of one,
   * as that agreement alone). The set keeps its own references to the agreements. */
  agreements = agr_agreement_set_new((const agr_agreement *const *)loaded, (size_t)count, &error);
  for (i = 0; i < (size_t)count; ++i) agr_agreement_free(loaded[i]);
  if (!agreements) {
    fprintf(stderr, "%s\n", error); /* two agreements of one name */
    agr_string_free(error);
    return 2;
  }
  evaluator = agr_evaluator_new_set(agreements);
  in = fopen(argv[1 + count], "rb");
  if (!evaluator || !in) {
    fprintf(stderr, "cannot read %s\n", argv[1 + count]);
    return 2;
  }
  while ((length = getline(&line, &capacity, in)) >= 0) {
    int result;
    char *output = NULL;
    if (length > 0 && line[length - 1] == '\n') --length;
    ++line_number;
    if (summary) {
      result = agr_evaluate(evaluator, line, (size_t)length, NULL, &output);
      if (result == AGR_OK) print_summary(agreements, evaluator);
      else printf("line %llu: %s\n", (unsigned long long)line_number, output);
    } else {
      result = agr_evaluate_json_line(evaluator, line_number, line, (size_t)length, NULL, &output);
      if (result == AGR_OK || result == AGR_HISTORY_ERROR) fputs(output, stdout);
      else fprintf(stderr, "line %llu: %s\n", (unsigned long long)line_number, output);
    }
    agr_string_free(output);
    if (result != AGR_OK) status = 1;
  }
  free(line);
  fclose(in);
  agr_evaluator_free(evaluator);
  agr_agreement_set_free(agreements);
  return status;
}
