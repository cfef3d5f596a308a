# The CTest half of the skip rule (tests/support/skip_rule.h), run as a test:
#   cmake -DTESTS_DIR=<build>/tests -P check_skip_properties.cmake
# A test that runs a whole binary (a lab scenario: many gtest tests in one CTest test) must not be
# reported as skipped because some line of its output matches a pattern: with
# SKIP_REGULAR_EXPRESSION "\[  SKIPPED \]" one skipped test hid every failed test beside it. Such a
# test says "skipped" only by its exit code (SKIP_RETURN_CODE 77, tests/lab/lab_main.cpp), and a
# lab scenario must declare it. Reads the CTestTestfile.cmake files CMake generated from our
# add_test calls. (gtest_discover_tests gives each gtest test its own CTest test and that pattern,
# in files of its own: there one test either skipped or not, and SkipRule has already turned a
# skip breaking the rule into a failure.)
if(NOT TESTS_DIR)
  message(FATAL_ERROR "usage: cmake -DTESTS_DIR=<build>/tests -P check_skip_properties.cmake")
endif()
file(GLOB_RECURSE testfiles "${TESTS_DIR}/CTestTestfile.cmake")
if(NOT testfiles)
  message(FATAL_ERROR "no CTestTestfile.cmake under ${TESTS_DIR}: nothing to check")
endif()
set(problems "")
set(checked 0)
foreach(testfile IN LISTS testfiles)
  file(READ "${testfile}" text)
  # One list item per line (a property value such as LABELS "lab;lab_quorum" holds semicolons).
  string(REPLACE ";" "," text "${text}")
  string(REPLACE "\n" ";" lines "${text}")
  foreach(line IN LISTS lines)
    if(NOT line MATCHES "^set_tests_properties\\(([^ ]+) PROPERTIES")
      continue()
    endif()
    string(REGEX REPLACE "^\\[=*\\[(.*)\\]=*\\]$" "\\1" test "${CMAKE_MATCH_1}")
    math(EXPR checked "${checked} + 1")
    if(line MATCHES "SKIP_REGULAR_EXPRESSION")
      string(APPEND problems "\n  ${test}: SKIP_REGULAR_EXPRESSION (a failure would show as a skip)")
    endif()
    if(line MATCHES "LABELS \"lab[,\"]" AND NOT line MATCHES "SKIP_RETURN_CODE \"77\"")
      string(APPEND problems "\n  ${test}: a lab test without SKIP_RETURN_CODE 77")
    endif()
  endforeach()
endforeach()
if(checked EQUAL 0)
  message(FATAL_ERROR "no test properties found under ${TESTS_DIR}: nothing was checked")
endif()
if(problems)
  message(FATAL_ERROR "tests that could be reported as skipped wrongly:${problems}")
endif()
message(STATUS "${checked} tests checked: skips come from exit code 77 only")
