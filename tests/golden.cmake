# A golden test: runs a command, checks its exit status, and compares what it wrote (standard
# output, or the file OUTPUT names) with the file EXPECT, after replacing times by 0. With
# AGR_UPDATE=1 in the environment it rewrites EXPECT instead, for a reviewer to read the diff.
#
#   cmake -DCOMMAND="program<arg>arg<arg>..." -DEXPECT=file -DSTATUS=n [-DOUTPUT=file] [-DWORKDIR=dir]
#         -P golden.cmake
# (COMMAND's words are separated by <arg>: a ";" would split the argument on its way here.)
cmake_minimum_required(VERSION 3.20)
foreach(variable COMMAND EXPECT STATUS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "golden.cmake needs -D${variable}=...")
  endif()
endforeach()
string(REPLACE "<arg>" ";" COMMAND "${COMMAND}")
if(NOT DEFINED WORKDIR)
  set(WORKDIR ${CMAKE_CURRENT_BINARY_DIR})
endif()
execute_process(COMMAND ${COMMAND} WORKING_DIRECTORY ${WORKDIR}
                OUTPUT_VARIABLE actual ERROR_VARIABLE stderr RESULT_VARIABLE status)
if(NOT status EQUAL STATUS)
  message(FATAL_ERROR "${COMMAND}: exit status ${status}, expected ${STATUS}\n${stderr}")
endif()
if(DEFINED OUTPUT)
  file(READ ${OUTPUT} actual)
endif()
string(REGEX REPLACE "time=\"[0-9.]+\"" "time=\"0\"" actual "${actual}")
string(REGEX REPLACE "\"seconds\":[0-9.]+" "\"seconds\":0" actual "${actual}")
if("$ENV{AGR_UPDATE}" STREQUAL "1")
  file(WRITE ${EXPECT} "${actual}")
  return()
endif()
file(READ ${EXPECT} expected)
if(NOT actual STREQUAL expected)
  get_filename_component(name ${EXPECT} NAME)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/${name}.actual "${actual}")
  message(FATAL_ERROR "${COMMAND}: the output differs from ${EXPECT}; it is in "
                      "${CMAKE_CURRENT_BINARY_DIR}/${name}.actual (AGR_UPDATE=1 rewrites the expectation)")
endif()
