#!/bin/sh
# ctest registers each Catch TEST_CASE by name through CMake, where ';' separates list items: a
# name with one is cut there, matches no test case, and "passes" without running anything.
# This check fails on such names. Usage: check_test_names.sh <tests dir>
bad=$(grep -rn --include='*.cpp' --include='*.h' 'TEST_CASE("[^"]*;' "$1")
if [ -n "$bad" ]; then
  echo "test names with ';' (ctest cuts them there and runs nothing; use ',' instead):"
  echo "$bad"
  exit 1
fi
echo "no test name contains ';'"
