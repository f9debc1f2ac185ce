# The reports of `agr test` itself: runs it on tests/suite_runner/failing (every kind of failure a
# suite can have) and compares the text, JUnit XML and JSON reports, and a --filter run, with the
# .expect files beside this script. Times are replaced by 0 before comparing. With AGR_UPDATE=1 in
# the environment it rewrites the .expect files instead, for a reviewer to read the diff.
#
#   cmake -DAGR=path/to/agr -DTESTS=tests -DWORK=scratch/dir -P check.cmake
cmake_minimum_required(VERSION 3.20)
foreach(variable AGR TESTS WORK)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "check.cmake needs -D${variable}=...")
  endif()
endforeach()
file(MAKE_DIRECTORY ${WORK})
set(failures 0)

# Runs agr with ARGN in TESTS (so paths in the reports are relative and stable), checks the exit
# status, and compares what `output` names (- for stdout, or a file) with suite_runner/<expect>.
function(check expect status output)
  execute_process(COMMAND ${AGR} ${ARGN} WORKING_DIRECTORY ${TESTS}
                  OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr RESULT_VARIABLE rc)
  if(NOT rc EQUAL status)
    message(SEND_ERROR "agr ${ARGN}: exit status ${rc}, expected ${status}\n${stderr}")
  endif()
  if(output STREQUAL "-")
    set(actual "${stdout}")
  else()
    file(READ ${output} actual)
  endif()
  string(REGEX REPLACE "time=\"[0-9.]+\"" "time=\"0\"" actual "${actual}")
  string(REGEX REPLACE "\"seconds\":[0-9.]+" "\"seconds\":0" actual "${actual}")
  set(expect_file ${TESTS}/suite_runner/${expect})
  if("$ENV{AGR_UPDATE}" STREQUAL "1")
    file(WRITE ${expect_file} "${actual}")
    return()
  endif()
  file(READ ${expect_file} expected)
  if(NOT actual STREQUAL expected)
    file(WRITE ${WORK}/${expect} "${actual}")
    message(SEND_ERROR "agr ${ARGN}: the report differs from suite_runner/${expect}; it is in ${WORK}/${expect}\n"
                       "(AGR_UPDATE=1 rewrites the expectation)")
  endif()
endfunction()

check(failing.expect 1 - test suite_runner/failing --junit ${WORK}/failing.xml)
check(failing.junit.expect 1 ${WORK}/failing.xml test suite_runner/failing --junit ${WORK}/failing.xml)
check(failing.json.expect 1 - test suite_runner/failing --format=json)
check(filter.expect 1 - test suite_runner/failing/cases.suite.json --filter "fee change [12]|^T-1" --verbose)
