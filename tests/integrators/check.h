/* CHECK for the C tests: counts a failed condition, says where, and goes on. */
#ifndef AGR_TESTS_CHECK_H
#define AGR_TESTS_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(condition)                                                                     \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #condition);          \
      ++failures;                                                                            \
    }                                                                                        \
  } while (0)

#endif
