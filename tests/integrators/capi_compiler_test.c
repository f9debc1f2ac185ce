/* agr_agreement_compile, the compiler library's C entry point, compiled as C99:
 *
 *   capi_compiler_test LBP.agr LBP.agrc WORK_DIR
 *
 * A source compiles to the same agreement as its .agrc (the same verdict line), a compiled file
 * loads too, and a source with an error gives the diagnostics with file, line and column. */
#include <agr/agr_c.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char kHistory[] =
    "{\"id\": \"c-1\", \"referral_date\": \"2025-09-01\", \"events\": ["
    "{\"id\": \"e1\", \"date\": \"2025-09-03\", \"code\": \"0261\"},"
    "{\"id\": \"e2\", \"date\": \"2025-09-10\", \"code\": \"0261\"}]}";

static char *verdict(const agr_agreement *agreement) {
  agr_evaluator *evaluator = agr_evaluator_new(agreement);
  char *out = NULL;
  CHECK(agr_evaluate_json(evaluator, kHistory, strlen(kHistory), NULL, &out) == AGR_OK);
  agr_evaluator_free(evaluator);
  return out;
}

int main(int argc, char **argv) {
  char *error = NULL, *from_source, *from_bytecode, broken[4096];
  agr_agreement *source, *compiled;
  FILE *out;

  if (argc != 4) {
    fprintf(stderr, "usage: capi_compiler_test LBP.agr LBP.agrc WORK_DIR\n");
    return 2;
  }
  source = agr_agreement_compile(argv[1], &error);
  CHECK(source != NULL && error == NULL);
  compiled = agr_agreement_compile(argv[2], &error);
  CHECK(compiled != NULL && error == NULL);
  if (!source || !compiled) return 1;
  CHECK(strcmp(agr_agreement_name(source), "lbp") == 0);
  from_source = verdict(source);
  from_bytecode = verdict(compiled);
  CHECK(from_source && from_bytecode && strcmp(from_source, from_bytecode) == 0);
  agr_string_free(from_source);
  agr_string_free(from_bytecode);
  agr_agreement_free(source);
  agr_agreement_free(compiled);

  snprintf(broken, sizeof broken, "%s/broken.agr", argv[3]);
  out = fopen(broken, "w");
  if (!out) return 2;
  fputs("agreement broken \"A broken agreement\"\nservice 0301 \"Konsultation\"\nrule B-1 for 0302\n", out);
  fclose(out);
  CHECK(agr_agreement_compile(broken, &error) == NULL);
  CHECK(error && strstr(error, "broken.agr:3:") && strstr(error, "does not compile"));
  if (error) fprintf(stderr, "(expected) %s\n", error);
  agr_string_free(error);

  CHECK(agr_agreement_compile("no/such/file.agr", &error) == NULL);
  CHECK(error && strstr(error, "no/such/file.agr"));
  agr_string_free(error);
  CHECK(agr_agreement_compile(NULL, &error) == NULL);
  CHECK(error && strstr(error, "NULL"));
  agr_string_free(error);

  if (failures) fprintf(stderr, "capi_compiler_test: %d checks failed\n", failures);
  else printf("capi_compiler_test: every check passed\n");
  return failures ? 1 : 0;
}
