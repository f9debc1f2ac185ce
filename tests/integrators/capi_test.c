/* The C API (agr/agr_c.h), compiled as C99 and linked with the runtime library alone:
 *
 *   capi_test LBP.agrc LBP.agr HISTORIES.jsonl EXPECTED.out STE.agrc STE_HISTORIES.jsonl STE_EXPECTED.out
 *             MIXED.jsonl MIXED.out
 *
 * EXPECTED.out is what `agr run LBP.agrc HISTORIES.jsonl` wrote; every line evaluated here must
 * be the same, on one thread and on four sharing the agreement. Then: loading errors (a source
 * needs the compiler library), the agreement's tables, the structured verdict of known courses,
 * and misuse, each answered with a status and a message, never a crash. Last, a set of LBP and
 * STE judges both example files mixed, each history naming its agreement, exactly as `agr run`
 * judges each file with its own agreement, and MIXED.jsonl exactly as `agr run LBP.agrc STE.agrc`
 * judged it (MIXED.out). */
#define _POSIX_C_SOURCE 200809L
#include <agr/agr_c.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int contains(const char *text, const char *part) { return text && strstr(text, part) != NULL; }

/* The lines of a file, without their line breaks. */
typedef struct {
  char **lines;
  size_t count;
} lines_t;

static lines_t read_lines(const char *path) {
  lines_t out = {NULL, 0};
  char *line = NULL;
  size_t capacity = 0, allocated = 0;
  ssize_t length;
  FILE *in = fopen(path, "rb");
  if (!in) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  while ((length = getline(&line, &capacity, in)) >= 0) {
    if (length > 0 && line[length - 1] == '\n') line[--length] = '\0';
    if (out.count == allocated) {
      allocated = allocated ? 2 * allocated : 64;
      out.lines = realloc(out.lines, allocated * sizeof *out.lines);
    }
    out.lines[out.count++] = strdup(line);
  }
  free(line);
  fclose(in);
  return out;
}

static void free_lines(lines_t *lines) {
  size_t i;
  for (i = 0; i < lines->count; ++i) free(lines->lines[i]);
  free(lines->lines);
}

static const agr_agreement *g_agreement;
static lines_t g_histories, g_expected;

/* Every history through agr_evaluate_json_line, compared with agr run's line, 50 times over (so
 * that threads overlap); the number of mismatches. */
static void *evaluate_all(void *unused) {
  size_t round, i, mismatches = 0;
  agr_evaluator *evaluator = agr_evaluator_new(g_agreement);
  (void)unused;
  for (round = 0; round < 50; ++round)
  for (i = 0; i < g_histories.count; ++i) {
    char *out = NULL;
    const int status = agr_evaluate_json_line(evaluator, i + 1, g_histories.lines[i], strlen(g_histories.lines[i]),
                                              NULL, &out);
    const size_t length = out ? strlen(out) : 0;
    if ((status != AGR_OK && status != AGR_HISTORY_ERROR) || length == 0 || out[length - 1] != '\n' ||
        strncmp(out, g_expected.lines[i], length - 1) != 0 || strlen(g_expected.lines[i]) != length - 1) {
      fprintf(stderr, "line %zu: status %d, got %s expected %s\n", i + 1, status, out, g_expected.lines[i]);
      ++mismatches;
    }
    agr_string_free(out);
  }
  agr_evaluator_free(evaluator);
  return (void *)mismatches;
}

static size_t find_rule(const agr_agreement *agreement, const char *id) {
  size_t i;
  for (i = 0; i < agr_agreement_rule_count(agreement); ++i)
    if (strcmp(agr_agreement_rule_id(agreement, i), id) == 0) return i;
  return SIZE_MAX;
}

static const char kCourse17[] =
    "{\"id\": \"c-17\", \"referral_date\": \"2025-09-01\", \"clinic\": \"K1\", \"events\": ["
    "{\"id\": \"e1\", \"date\": \"2025-09-03\", \"code\": \"0110\"},"
    "{\"id\": \"e2\", \"date\": \"2025-09-03\", \"code\": \"0262\"},"
    "{\"id\": \"e3\", \"date\": \"2025-09-10\", \"code\": \"0263\", \"flags\": [\"video\"]},"
    "{\"id\": \"e4\", \"date\": \"2025-10-01\", \"code\": \"0261\"},"
    "{\"id\": \"e5\", \"date\": \"2025-10-08\", \"code\": \"0261\", \"clinic\": \"K2\"}]}";

static void test_loading(const char *agrc, const char *source) {
  char *error = NULL;
  agr_agreement *agreement;

  CHECK(agr_agreement_load("no/such/file.agrc", &error) == NULL);
  CHECK(contains(error, "no/such/file.agrc"));
  agr_string_free(error);

  /* The runtime alone refuses a source, and says how to load one. */
  CHECK(agr_agreement_load(source, &error) == NULL);
  CHECK(contains(error, "agr::compiler") && contains(error, "agr_agreement_compile"));
  agr_string_free(error);

  CHECK(agr_agreement_load_bytecode("not bytecode", 12, &error) == NULL);
  CHECK(error && *error);
  agr_string_free(error);
  CHECK(agr_agreement_load_bytecode(NULL, 0, &error) == NULL);
  agr_string_free(error);
  CHECK(agr_agreement_load_bytecode(NULL, 5, &error) == NULL);
  CHECK(contains(error, "NULL"));
  agr_string_free(error);
  CHECK(agr_agreement_load(NULL, &error) == NULL);
  CHECK(contains(error, "NULL"));
  agr_string_free(error);
  CHECK(agr_agreement_load("no/such/file.agrc", NULL) == NULL); /* the message is optional */

  /* The bytes of an .agrc file load as the file does. */
  {
    FILE *in = fopen(agrc, "rb");
    char bytes[1 << 16];
    size_t length = in ? fread(bytes, 1, sizeof bytes, in) : 0;
    if (in) fclose(in);
    agreement = agr_agreement_load_bytecode(bytes, length, &error);
    CHECK(agreement != NULL && error == NULL);
    CHECK(agreement && strcmp(agr_agreement_name(agreement), "lbp") == 0);
    bytes[length / 2] ^= 1; /* a flipped byte fails the checksum */
    CHECK(agr_agreement_load_bytecode(bytes, length, &error) == NULL);
    CHECK(error && *error);
    agr_string_free(error);
    agr_agreement_free(agreement);
  }
}

static void test_tables(const agr_agreement *agreement) {
  size_t i, lbp2 = find_rule(agreement, "LBP-2"), lbp12 = find_rule(agreement, "LBP-12");
  int found_0261 = 0;
  CHECK(strcmp(agr_agreement_name(agreement), "lbp") == 0);
  CHECK(strlen(agr_agreement_title(agreement)) > 0);
  CHECK(agr_agreement_service_count(agreement) > 10);
  for (i = 0; i < agr_agreement_service_count(agreement); ++i)
    if (strcmp(agr_agreement_service_code(agreement, i), "0261") == 0) {
      found_0261 = 1;
      CHECK(strlen(agr_agreement_service_title(agreement, i)) > 0);
    }
  CHECK(found_0261);
  CHECK(agr_agreement_service_code(agreement, agr_agreement_service_count(agreement)) == NULL);
  CHECK(agr_agreement_service_title(agreement, SIZE_MAX) == NULL);

  CHECK(agr_agreement_rule_count(agreement) >= 13);
  CHECK(lbp2 != SIZE_MAX && lbp12 != SIZE_MAX);
  CHECK(!agr_agreement_rule_is_warning(agreement, lbp2));
  CHECK(agr_agreement_rule_is_warning(agreement, lbp12));
  CHECK(contains(agr_agreement_rule_message(agreement, lbp2), "initial consultation"));
  CHECK(strlen(agr_agreement_rule_source(agreement, lbp2)) > 0);
  CHECK(agr_agreement_rule_id(agreement, agr_agreement_rule_count(agreement)) == NULL);
  CHECK(agr_agreement_rule_message(agreement, SIZE_MAX) == NULL);
  CHECK(agr_agreement_rule_source(agreement, SIZE_MAX) == NULL);
  CHECK(agr_agreement_rule_is_warning(agreement, SIZE_MAX) == 0);

  CHECK(agr_agreement_due_item_count(agreement) >= 1);
  CHECK(strcmp(agr_agreement_due_item_rule(agreement, 0), "LBP-14") == 0);
  CHECK(strcmp(agr_agreement_service_code(agreement, agr_agreement_due_item_service(agreement, 0)), "0267") == 0);
  CHECK(agr_agreement_due_item_rule(agreement, SIZE_MAX) == NULL);
  CHECK(agr_agreement_due_item_service(agreement, SIZE_MAX) == SIZE_MAX);

  CHECK(agr_agreement_name(NULL) == NULL && agr_agreement_rule_count(NULL) == 0);
}

/* The example of docs/io-contract.md, read from the structured verdict. */
static void test_structured(const agr_agreement *agreement, const lines_t *histories) {
  agr_evaluator *evaluator = agr_evaluator_new(agreement);
  agr_event_verdict event;
  agr_warning warning;
  agr_fee totals;
  agr_due due;
  char *error = NULL;
  size_t i, warnings_on_e9 = 0;

  CHECK(agr_evaluate(evaluator, kCourse17, strlen(kCourse17), NULL, &error) == AGR_OK && error == NULL);
  CHECK(strcmp(agr_verdict_course_id(evaluator), "c-17") == 0);
  CHECK(agr_verdict_event_count(evaluator) == 5);
  CHECK(agr_verdict_event(evaluator, 0, &event) == AGR_OK && event.status == AGR_ACCEPTED && !event.has_fee);
  CHECK(agr_verdict_event(evaluator, 1, &event) == AGR_OK && event.status == AGR_ACCEPTED && event.has_fee);
  CHECK(event.fee.total == 16356 && event.fee.subsidy == 6428 && event.fee.patient == 9928);
  CHECK(strcmp(agr_agreement_service_code(agreement, (size_t)event.service), "0262") == 0);
  CHECK(agr_verdict_event(evaluator, 3, &event) == AGR_OK && event.status == AGR_REJECTED);
  CHECK(event.violation_count == 1 && !event.has_fee);
  CHECK(strcmp(agr_agreement_rule_id(agreement, agr_verdict_violation(evaluator, 3, 0)), "LBP-2") == 0);
  CHECK(agr_verdict_violation(evaluator, 3, 1) == SIZE_MAX);
  CHECK(agr_verdict_violation(evaluator, 0, 0) == SIZE_MAX);
  CHECK(agr_verdict_violation(evaluator, 5, 0) == SIZE_MAX);
  CHECK(agr_verdict_event(evaluator, 5, &event) == AGR_MISUSE);
  CHECK(agr_verdict_event(evaluator, 0, NULL) == AGR_MISUSE);
  CHECK(agr_verdict_warning_count(evaluator) == 0);
  CHECK(agr_verdict_warning(evaluator, 0, &warning) == AGR_MISUSE);
  CHECK(agr_verdict_totals(evaluator, &totals) == AGR_OK);
  CHECK(totals.total == 70878 && totals.subsidy == 27855 && totals.patient == 43023);
  CHECK(agr_verdict_due_count(evaluator) == 1);
  CHECK(agr_verdict_due(evaluator, 0, &due) == AGR_OK);
  CHECK(strcmp(agr_agreement_due_item_rule(agreement, due.due_item), "LBP-14") == 0);
  CHECK(strcmp(due.earliest, "2025-09-03") == 0 && strcmp(due.target, "2025-11-26") == 0);
  CHECK(strcmp(due.latest, "") == 0 && !due.overdue);
  CHECK(agr_verdict_due(evaluator, 1, &due) == AGR_MISUSE);

  /* as of a later date: the due item is the same, judged then */
  CHECK(agr_evaluate(evaluator, kCourse17, strlen(kCourse17), "2026-06-01", &error) == AGR_OK);
  CHECK(agr_verdict_due_count(evaluator) == 1);

  /* c-18 (line 2 of the examples): a warning attached to e9, an accepted event */
  CHECK(agr_evaluate(evaluator, histories->lines[1], strlen(histories->lines[1]), NULL, &error) == AGR_OK);
  CHECK(strcmp(agr_verdict_course_id(evaluator), "c-18") == 0);
  for (i = 0; i < agr_verdict_warning_count(evaluator); ++i) {
    CHECK(agr_verdict_warning(evaluator, i, &warning) == AGR_OK);
    CHECK(agr_verdict_event(evaluator, warning.event, &event) == AGR_OK && event.status == AGR_ACCEPTED);
    CHECK(agr_agreement_rule_is_warning(agreement, warning.rule));
    warnings_on_e9 += warning.event == 8 && strcmp(agr_agreement_rule_id(agreement, warning.rule), "LBP-12") == 0;
  }
  CHECK(warnings_on_e9 == 1);

  /* a history that breaks the contract: a message, and an empty verdict */
  CHECK(agr_evaluate(evaluator, histories->lines[3], strlen(histories->lines[3]), NULL, &error) == AGR_HISTORY_ERROR);
  CHECK(contains(error, "referral_date"));
  agr_string_free(error);
  CHECK(agr_verdict_event_count(evaluator) == 0 && agr_verdict_due_count(evaluator) == 0);
  CHECK(strcmp(agr_verdict_course_id(evaluator), "c-20") == 0);
  CHECK(agr_evaluate(evaluator, "{", 1, NULL, NULL) == AGR_HISTORY_ERROR); /* the message is optional */
  CHECK(strcmp(agr_verdict_course_id(evaluator), "") == 0);
  CHECK(agr_verdict_totals(evaluator, &totals) == AGR_OK && totals.total == 0);

  /* misuse */
  CHECK(agr_evaluate(evaluator, kCourse17, strlen(kCourse17), "2026-02-30", &error) == AGR_MISUSE);
  CHECK(contains(error, "2026-02-30"));
  agr_string_free(error);
  CHECK(agr_evaluate(NULL, kCourse17, strlen(kCourse17), NULL, &error) == AGR_MISUSE);
  agr_string_free(error);
  CHECK(agr_evaluate(evaluator, NULL, 3, NULL, &error) == AGR_MISUSE);
  agr_string_free(error);
  CHECK(agr_verdict_event_count(NULL) == 0 && agr_verdict_course_id(NULL) == NULL);
  CHECK(agr_verdict_totals(NULL, &totals) == AGR_MISUSE);
  agr_evaluator_free(evaluator);
}

static void test_json(const agr_agreement *agreement) {
  agr_evaluator *evaluator = agr_evaluator_new(agreement);
  char *out = NULL;
  CHECK(agr_evaluate_json(evaluator, "{\"id\": \"x\"", 10, NULL, &out) == AGR_HISTORY_ERROR);
  CHECK(contains(out, "{\"id\":null,\"error\":{\"line\":1,"));
  agr_string_free(out);
  CHECK(agr_evaluate_json_line(evaluator, 42, "", 0, NULL, &out) == AGR_HISTORY_ERROR);
  CHECK(contains(out, "\"line\":42,"));
  agr_string_free(out);
  CHECK(agr_evaluate_json(evaluator, kCourse17, strlen(kCourse17), "2025-13-01", &out) == AGR_MISUSE);
  CHECK(contains(out, "as_of"));
  agr_string_free(out);
  CHECK(agr_evaluate_json(NULL, kCourse17, strlen(kCourse17), NULL, &out) == AGR_MISUSE);
  CHECK(out != NULL);
  agr_string_free(out);
  CHECK(agr_evaluate_json(evaluator, kCourse17, strlen(kCourse17), NULL, NULL) == AGR_MISUSE);
  CHECK(agr_evaluate_json(evaluator, kCourse17, strlen(kCourse17), "2025-10-08", &out) == AGR_OK);
  CHECK(contains(out, "\"id\":\"c-17\",\"agreement\":\"lbp\""));
  agr_string_free(out);
  CHECK(agr_evaluator_new(NULL) == NULL);
  agr_evaluator_free(evaluator);
  agr_evaluator_free(NULL);
  agr_agreement_free(NULL);
  agr_string_free(NULL);
}

/* `line` (a JSON object) with `"agreement": "NAME", ` put first: a copy to free. */
static char *naming(const char *line, const char *name) {
  const size_t length = strlen(line) + strlen(name) + 32;
  char *out = malloc(length);
  snprintf(out, length, "{\"agreement\": \"%s\", %s", name, line + 1);
  return out;
}

/* Evaluates `line` as line `number` and compares the result with `expected` (without its line
 * break); 1 when they are the same. */
static int same_line(agr_evaluator *evaluator, uint64_t number, const char *line, const char *expected) {
  char *out = NULL;
  const int status = agr_evaluate_json_line(evaluator, number, line, strlen(line), NULL, &out);
  const int same = (status == AGR_OK || status == AGR_HISTORY_ERROR) && out &&
                   strlen(out) == strlen(expected) + 1 && strncmp(out, expected, strlen(expected)) == 0;
  if (!same) fprintf(stderr, "line %lu: status %d, got %s expected %s\n", (unsigned long)number, status, out, expected);
  agr_string_free(out);
  return same;
}

static void test_set(const agr_agreement *lbp, const char *ste_agrc, const char *ste_histories,
                     const char *ste_expected, const char *mixed_histories, const char *mixed_expected) {
  char *error = NULL, *out = NULL;
  agr_agreement *ste = agr_agreement_load(ste_agrc, &error);
  const agr_agreement *both[2], *twice[2], *with_null[2];
  agr_agreement_set *set, *one;
  agr_evaluator *evaluator;
  lines_t histories = read_lines(ste_histories), expected = read_lines(ste_expected);
  size_t i, n;
  agr_event_verdict event;

  CHECK(ste != NULL && histories.count == expected.count && histories.count > 0);
  if (!ste) return;
  both[0] = lbp, both[1] = ste;
  set = agr_agreement_set_new(both, 2, &error);
  CHECK(set != NULL && error == NULL);
  agr_agreement_free(ste); /* the set keeps its own reference */
  CHECK(agr_agreement_set_count(set) == 2);
  CHECK(strcmp(agr_agreement_set_name(set, 0), "lbp") == 0 && strcmp(agr_agreement_set_name(set, 1), "ste") == 0);
  CHECK(agr_agreement_set_name(set, 2) == NULL && agr_agreement_set_agreement(set, 2) == NULL);
  CHECK(agr_agreement_set_agreement(set, 1) == agr_agreement_set_find(set, "ste"));
  CHECK(strcmp(agr_agreement_title(agr_agreement_set_find(set, "ste")), agr_agreement_title(lbp)) != 0);
  CHECK(agr_agreement_set_find(set, "nope") == NULL && agr_agreement_set_find(set, NULL) == NULL);
  CHECK(agr_agreement_set_count(NULL) == 0 && agr_agreement_set_name(NULL, 0) == NULL);

  /* The example files mixed, LBP's and STE's lines taking turns, each naming its agreement: every
   * line as `agr run` gave it for its own file with its own agreement (error lines included). */
  evaluator = agr_evaluator_new_set(set);
  CHECK(evaluator != NULL);
  n = g_histories.count > histories.count ? g_histories.count : histories.count;
  for (i = 0; i < n; ++i) {
    if (i < g_histories.count) {
      char *line = naming(g_histories.lines[i], "lbp");
      CHECK(same_line(evaluator, i + 1, line, g_expected.lines[i]));
      free(line);
    }
    if (i < histories.count) {
      char *line = naming(histories.lines[i], "ste");
      CHECK(same_line(evaluator, i + 1, line, expected.lines[i]));
      free(line);
    }
  }

  /* `agr run LBP.agrc STE.agrc MIXED.jsonl`, line for line. */
  {
    lines_t mixed = read_lines(mixed_histories), mixed_out = read_lines(mixed_expected);
    CHECK(mixed.count == mixed_out.count && mixed.count > 0);
    for (i = 0; i < mixed.count && i < mixed_out.count; ++i)
      CHECK(same_line(evaluator, i + 1, mixed.lines[i], mixed_out.lines[i]));
    free_lines(&mixed);
    free_lines(&mixed_out);
  }

  /* The structured verdict says which agreement judged, and its indexes are that agreement's. */
  {
    char *line = naming(histories.lines[0], "ste");
    const agr_agreement *judge;
    CHECK(agr_evaluate(evaluator, line, strlen(line), NULL, &error) == AGR_OK);
    CHECK(agr_verdict_agreement_name(evaluator) && strcmp(agr_verdict_agreement_name(evaluator), "ste") == 0);
    judge = agr_agreement_set_find(set, agr_verdict_agreement_name(evaluator));
    CHECK(agr_verdict_event(evaluator, 0, &event) == AGR_OK && event.status == AGR_ACCEPTED);
    CHECK(judge && strcmp(agr_agreement_service_code(judge, (size_t)event.service), "0251") == 0);
    free(line);
    line = naming(kCourse17, "lbp");
    CHECK(agr_evaluate(evaluator, line, strlen(line), NULL, &error) == AGR_OK);
    CHECK(agr_verdict_agreement_name(evaluator) && strcmp(agr_verdict_agreement_name(evaluator), "lbp") == 0);
    free(line);
  }

  /* A history naming no agreement, or one the set does not hold: an error line listing the names;
   * and no verdict, so no agreement judged. */
  CHECK(agr_evaluate_json_line(evaluator, 7, kCourse17, strlen(kCourse17), NULL, &out) == AGR_HISTORY_ERROR);
  CHECK(contains(out, "{\"id\":\"c-17\",\"error\":{\"line\":7,") && contains(out, "names no agreement") &&
        contains(out, "lbp, ste"));
  agr_string_free(out);
  {
    char *line = naming(kCourse17, "pathway");
    CHECK(agr_evaluate_json_line(evaluator, 8, line, strlen(line), NULL, &out) == AGR_HISTORY_ERROR);
    CHECK(contains(out, "\"line\":8,") && contains(out, "'pathway'") && contains(out, "lbp, ste"));
    agr_string_free(out);
    CHECK(agr_evaluate(evaluator, line, strlen(line), NULL, &error) == AGR_HISTORY_ERROR);
    CHECK(contains(error, "'pathway'"));
    agr_string_free(error);
    CHECK(agr_verdict_agreement_name(evaluator) == NULL && agr_verdict_event_count(evaluator) == 0);
    free(line);
  }
  agr_evaluator_free(evaluator);

  /* A set of one judges as its agreement alone: unnamed histories too. */
  one = agr_agreement_set_new(both, 1, &error);
  CHECK(one != NULL);
  evaluator = agr_evaluator_new_set(one);
  agr_agreement_set_free(one); /* the evaluator keeps the agreements alive */
  for (i = 0; i < g_histories.count; ++i) CHECK(same_line(evaluator, i + 1, g_histories.lines[i], g_expected.lines[i]));
  agr_evaluator_free(evaluator);

  /* Refused: no agreement, a NULL among them, two of one name. */
  CHECK(agr_agreement_set_new(both, 0, &error) == NULL);
  CHECK(error && *error);
  agr_string_free(error);
  CHECK(agr_agreement_set_new(NULL, 0, &error) == NULL);
  agr_string_free(error);
  CHECK(agr_agreement_set_new(NULL, 2, &error) == NULL);
  CHECK(contains(error, "NULL"));
  agr_string_free(error);
  with_null[0] = lbp, with_null[1] = NULL;
  CHECK(agr_agreement_set_new(with_null, 2, &error) == NULL);
  CHECK(contains(error, "agreement 1 of 2 is NULL"));
  agr_string_free(error);
  twice[0] = lbp, twice[1] = lbp;
  CHECK(agr_agreement_set_new(twice, 2, &error) == NULL);
  CHECK(contains(error, "two agreements are named 'lbp'"));
  agr_string_free(error);
  CHECK(agr_agreement_set_new(twice, 2, NULL) == NULL); /* the message is optional */
  CHECK(agr_evaluator_new_set(NULL) == NULL);
  agr_agreement_set_free(NULL);

  agr_agreement_set_free(set);
  free_lines(&histories);
  free_lines(&expected);
}

int main(int argc, char **argv) {
  char *error = NULL;
  agr_agreement *agreement;
  pthread_t threads[4];
  size_t t;
  void *mismatches;

  if (argc != 10) {
    fprintf(stderr, "usage: capi_test LBP.agrc LBP.agr HISTORIES.jsonl EXPECTED.out STE.agrc STE_HISTORIES.jsonl "
                    "STE_EXPECTED.out MIXED.jsonl MIXED.out\n");
    return 2;
  }
  CHECK(strcmp(agr_version(), AGR_EXPECTED_VERSION) == 0);
  CHECK(agr_contract_version() == 2);
  CHECK(agr_bytecode_format_version() >= 1);

  test_loading(argv[1], argv[2]);
  agreement = agr_agreement_load(argv[1], &error);
  if (!agreement) {
    fprintf(stderr, "%s\n", error);
    return 1;
  }
  g_agreement = agreement;
  g_histories = read_lines(argv[3]);
  g_expected = read_lines(argv[4]);
  CHECK(g_histories.count == g_expected.count && g_histories.count > 0);

  test_tables(agreement);
  test_structured(agreement, &g_histories);
  test_json(agreement);
  test_set(agreement, argv[5], argv[6], argv[7], argv[8], argv[9]);

  mismatches = evaluate_all(NULL);
  CHECK(mismatches == NULL);
  for (t = 0; t < 4; ++t) pthread_create(&threads[t], NULL, evaluate_all, NULL);
  for (t = 0; t < 4; ++t) {
    pthread_join(threads[t], &mismatches);
    CHECK(mismatches == NULL);
  }

  /* Evaluators keep their agreement alive: free it first, evaluate after. */
  {
    agr_evaluator *evaluator = agr_evaluator_new(agreement);
    char *out = NULL;
    agr_agreement_free(agreement);
    CHECK(agr_evaluate_json(evaluator, kCourse17, strlen(kCourse17), NULL, &out) == AGR_OK);
    agr_string_free(out);
    agr_evaluator_free(evaluator);
  }
  free_lines(&g_histories);
  free_lines(&g_expected);
  if (failures) fprintf(stderr, "capi_test: %d checks failed\n", failures);
  else printf("capi_test: every check passed\n");
  return failures ? 1 : 0;
}
