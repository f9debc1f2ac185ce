/*
 * agr_c.h: the C interface of the agr runtime, a stable C ABI for every other language's FFI
 * (C#, Java, Python's ctypes, Go's cgo, Rust). It compiles as C99 and as C++.
 *
 * The shape is SQLite's. Handles are opaque: an agr_agreement is a loaded, verified agreement,
 * immutable and safe to share between threads (and so is an agr_agreement_set, several agreements
 * each chosen by the name a history gives); an agr_evaluator holds one thread's scratch state
 * and the last structured verdict, and is used by one thread at a time. Nothing throws across
 * this interface and nothing aborts: every failure comes back as a return value, with a message
 * the caller frees with agr_string_free. Every string the library returns without a `char **`
 * out-parameter is owned by the handle it came from and lives as long as it does (verdict
 * strings: until the evaluator's next evaluation).
 *
 * Link libagr (CMake target agr::runtime, pkg-config agr) for compiled agreements (.agrc); an
 * agreement source (.agr) also needs the compiler library, libagr_compiler (agr::compiler,
 * pkg-config agr-compiler), which provides agr_agreement_compile. docs/integrating.md has a
 * complete program.
 *
 *     char *error = NULL, *line_out = NULL;
 *     agr_agreement *agreement = agr_agreement_load("lbp.agrc", &error);
 *     if (!agreement) { fprintf(stderr, "%s\n", error); agr_string_free(error); return 2; }
 *     agr_evaluator *evaluator = agr_evaluator_new(agreement);
 *     int status = agr_evaluate_json(evaluator, history, strlen(history), NULL, &line_out);
 *     fputs(line_out, stdout);                  (AGR_OK or AGR_HISTORY_ERROR: a line either way)
 *     agr_string_free(line_out);
 *     agr_evaluator_free(evaluator);
 *     agr_agreement_free(agreement);
 */
#ifndef AGR_AGR_C_H
#define AGR_AGR_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct agr_agreement agr_agreement;
typedef struct agr_agreement_set agr_agreement_set;
typedef struct agr_evaluator agr_evaluator;

/* Return values. */
#define AGR_OK 0            /* done: a verdict */
#define AGR_HISTORY_ERROR 1 /* the history breaks the input contract (its error line or message) */
#define AGR_MISUSE 2        /* a null handle or argument, an index out of range, a bad date */
#define AGR_NOMEM 3         /* memory ran out */

/* An event's status in a verdict. */
#define AGR_ACCEPTED 0
#define AGR_REJECTED 1
#define AGR_NOT_GOVERNED 2 /* a code the agreement does not govern */

/* ---- Versions ------------------------------------------------------------------------------- */

/* The library's version, "MAJOR.MINOR.PATCH". A program compares it with the version it was
 * built against when it loads the library at run time (dlopen, FFI). The string is static. */
const char *agr_version(void);

/* The version of the contract with integrators (docs/io-contract.md) that the verdicts follow:
 * the fields of the JSON lines and the meaning of every status. */
int agr_contract_version(void);

/* The version of the bytecode format (.agrc) this library reads; a file of another version is
 * refused with a message saying to compile it again. */
int agr_bytecode_format_version(void);

/* ---- Strings -------------------------------------------------------------------------------- */

/* Frees a string the library returned through a `char **` out-parameter (an error message or a
 * verdict line). Use this, not free(): the library may use another allocator. NULL is ignored. */
void agr_string_free(char *string);

/* ---- Agreements ----------------------------------------------------------------------------- */

/* Reads and verifies a compiled agreement (.agrc). Returns the handle, or NULL with a message in
 * *error (which the caller frees with agr_string_free): the file cannot be read, is not an
 * agreement, is of another bytecode format version, is damaged (checksum), or is refused by the
 * verifier. An agreement source (.agr) is refused with a message saying how to load it: with
 * agr_agreement_compile from the compiler library. `error` may be NULL when the message is not
 * wanted. The agreement is immutable: share it between threads. */
agr_agreement *agr_agreement_load(const char *path, char **error);

/* The same from the bytes of an .agrc file in memory (from a database, a network message). The
 * bytes are copied; the caller may free them on return. */
agr_agreement *agr_agreement_load_bytecode(const void *bytes, size_t length, char **error);

/* Defined in the compiler library (libagr_compiler; agr::compiler; pkg-config agr-compiler), not
 * in libagr: a program that calls it must link that library, and one that does not call it never
 * loads ANTLR or the compiler. Compiles the agreement source at `path` (.agr) in memory and
 * loads the result; given a compiled .agrc, loads it as agr_agreement_load does. On failure NULL,
 * with the diagnostics in *error as `agr check` prints them (file:line:col, the source line, a
 * caret). */
agr_agreement *agr_agreement_compile(const char *path, char **error);

/* Frees an agreement. Evaluators made from it keep it alive until they are freed, so the order
 * does not matter. NULL is ignored. */
void agr_agreement_free(agr_agreement *agreement);

/* The agreement's name (as histories name it in their `agreement` field, e.g. "lbp") and its
 * title. Owned by the agreement. */
const char *agr_agreement_name(const agr_agreement *agreement);
const char *agr_agreement_title(const agr_agreement *agreement);

/* The services (the codes the agreement governs), in file order. The index is what verdicts
 * give (agr_event_verdict.service). Out of range or a NULL handle: NULL. */
size_t agr_agreement_service_count(const agr_agreement *agreement);
const char *agr_agreement_service_code(const agr_agreement *agreement, size_t service);
const char *agr_agreement_service_title(const agr_agreement *agreement, size_t service);

/* The rules, in file order: the id from the agreement's text ("LBP-6"), the message in plain
 * words, and the source passage. The index is what verdicts give (violations, warnings). Out of
 * range or a NULL handle: NULL, and 0 from agr_agreement_rule_is_warning. */
size_t agr_agreement_rule_count(const agr_agreement *agreement);
const char *agr_agreement_rule_id(const agr_agreement *agreement, size_t rule);
const char *agr_agreement_rule_message(const agr_agreement *agreement, size_t rule);
const char *agr_agreement_rule_source(const agr_agreement *agreement, size_t rule);
int agr_agreement_rule_is_warning(const agr_agreement *agreement, size_t rule);

/* The due items of the agreement's schedule: the id of the rule that makes each due, and the
 * service due (an index for agr_agreement_service_code). Out of range: NULL, and SIZE_MAX. */
size_t agr_agreement_due_item_count(const agr_agreement *agreement);
const char *agr_agreement_due_item_rule(const agr_agreement *agreement, size_t due_item);
size_t agr_agreement_due_item_service(const agr_agreement *agreement, size_t due_item);

/* ---- Several agreements in one run ---------------------------------------------------------- */

/* A set of agreements, each known by its name, for a run in which each history names the
 * agreement that judges it (its `agreement` field, docs/io-contract.md): a clinic's claims under
 * LBP and STE in one input. Immutable once made; share it between threads.
 *
 * Makes a set of the `count` agreements of the array `agreements`, in that order. It keeps its
 * own references: the caller may free the agreements (and the array) at once. NULL with a
 * message in *error (freed with agr_string_free; `error` may be NULL) when the list is empty,
 * holds a NULL, or two agreements share a name. */
agr_agreement_set *agr_agreement_set_new(const agr_agreement *const *agreements, size_t count, char **error);

/* Frees a set. Evaluators made from it keep its agreements alive. NULL is ignored. */
void agr_agreement_set_free(agr_agreement_set *set);

/* The number of agreements, and the i-th (in the order given): its name, and the agreement itself
 * for reading its tables (owned by the set, never freed by the caller). Out of range or a NULL
 * handle: NULL. */
size_t agr_agreement_set_count(const agr_agreement_set *set);
const char *agr_agreement_set_name(const agr_agreement_set *set, size_t i);
const agr_agreement *agr_agreement_set_agreement(const agr_agreement_set *set, size_t i);

/* The agreement of the set named `name`; NULL when none is. Owned by the set. */
const agr_agreement *agr_agreement_set_find(const agr_agreement_set *set, const char *name);

/* ---- Evaluators ----------------------------------------------------------------------------- */

/* Makes an evaluator for one thread; it holds a reference to the agreement. NULL when memory ran
 * out or `agreement` is NULL. Make one per thread: an evaluator is not safe to use from two
 * threads at once, and reusing one for many histories avoids allocation. */
agr_evaluator *agr_evaluator_new(const agr_agreement *agreement);

/* Makes an evaluator for one thread that judges each history by the agreement of the set that the
 * history names. A history that names none while the set has several, or names one the set does
 * not hold, is a history error (AGR_HISTORY_ERROR) whose message lists the set's names. A set of
 * one judges as its agreement alone does. NULL when memory ran out or `set` is NULL. */
agr_evaluator *agr_evaluator_new_set(const agr_agreement_set *set);

/* Frees an evaluator (and its last verdict). NULL is ignored. */
void agr_evaluator_free(agr_evaluator *evaluator);

/* ---- Evaluation to JSON: the line `agr run` writes ------------------------------------------ */

/* Evaluates one history, a JSON object of `length` bytes (docs/io-contract.md; no newline
 * needed), as of `as_of` ("YYYY-MM-DD", or NULL for the default: the history's latest event
 * date), and sets *verdict_json to the line `agr run` writes for it, newline included, which the
 * caller frees with agr_string_free. Returns AGR_OK for a verdict, AGR_HISTORY_ERROR when the
 * history breaks the contract (the line is then its error object, numbered as line 1), and
 * AGR_MISUSE or AGR_NOMEM otherwise, with *verdict_json set to the message instead (NULL when
 * even that could not be allocated). */
int agr_evaluate_json(agr_evaluator *evaluator, const char *line, size_t length, const char *as_of,
                      char **verdict_json);

/* The same for line `line_number` of a JSON Lines input, the number an error object names: a
 * program that evaluates a file line by line writes exactly what `agr run` writes. */
int agr_evaluate_json_line(agr_evaluator *evaluator, uint64_t line_number, const char *line, size_t length,
                           const char *as_of, char **verdict_json);

/* ---- Evaluation to a structured verdict ----------------------------------------------------- */

/* A fee and its split between the region's subsidy and the patient's share, in øre (1/100 krone). */
typedef struct agr_fee {
  int64_t total, subsidy, patient;
} agr_fee;

/* One event's verdict; events are in input order. */
typedef struct agr_event_verdict {
  int status;             /* AGR_ACCEPTED, AGR_REJECTED or AGR_NOT_GOVERNED */
  int64_t service;        /* index for agr_agreement_service_code, -1 when not governed */
  int has_fee;            /* accepted, and the service has a fee */
  agr_fee fee;            /* the event's fee, where has_fee */
  size_t violation_count; /* rules broken, where rejected: agr_verdict_violation */
} agr_event_verdict;

/* A warning: a rule (index) and the event (input index, an accepted one) it is attached to. */
typedef struct agr_warning {
  size_t rule, event;
} agr_warning;

/* A due item of the schedule, as of the evaluation date. Dates are "YYYY-MM-DD"; `latest` is ""
 * when no deadline is stated. */
typedef struct agr_due {
  size_t due_item; /* index for agr_agreement_due_item_rule and _service */
  char earliest[11], target[11], latest[11];
  int overdue; /* latest is before the evaluation date */
} agr_due;

/* Evaluates one history as agr_evaluate_json does, and keeps the verdict in the evaluator, where
 * the agr_verdict_ functions read it until the next evaluation. Returns AGR_OK; or
 * AGR_HISTORY_ERROR with the reason in *error (freed with agr_string_free), the verdict then
 * empty; or AGR_MISUSE or AGR_NOMEM with a message in *error. `error` may be NULL. */
int agr_evaluate(agr_evaluator *evaluator, const char *line, size_t length, const char *as_of, char **error);

/* The name of the agreement that judged the history last evaluated (the verdict's indexes point
 * into its tables: agr_agreement_set_find gives it), owned by the evaluator; NULL when the last
 * evaluation gave no verdict. */
const char *agr_verdict_agreement_name(const agr_evaluator *evaluator);

/* The course id of the history last evaluated ("" when it could not be read). */
const char *agr_verdict_course_id(const agr_evaluator *evaluator);

/* The number of events, and each event's verdict (AGR_MISUSE when `event` is out of range). */
size_t agr_verdict_event_count(const agr_evaluator *evaluator);
int agr_verdict_event(const agr_evaluator *evaluator, size_t event, agr_event_verdict *out);

/* The i-th rule a rejected event broke (a rule index), in evaluation order; SIZE_MAX when out of
 * range. */
size_t agr_verdict_violation(const agr_evaluator *evaluator, size_t event, size_t i);

/* The warnings, in the order `agr run` writes them. */
size_t agr_verdict_warning_count(const agr_evaluator *evaluator);
int agr_verdict_warning(const agr_evaluator *evaluator, size_t i, agr_warning *out);

/* The sum of the accepted events' fees ("0.00" everywhere when none has a fee). */
int agr_verdict_totals(const agr_evaluator *evaluator, agr_fee *out);

/* The schedule's open items, as of the evaluation date. */
size_t agr_verdict_due_count(const agr_evaluator *evaluator);
int agr_verdict_due(const agr_evaluator *evaluator, size_t i, agr_due *out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AGR_AGR_C_H */
