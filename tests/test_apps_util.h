// test_apps_util.h — helpers shared by the test_apps suites (defined in test_apps_harness.cpp): temp dirs,
// running the gener binary with captured output, reading its files, checking its one-line errors.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gener::apptest {
std::string make_temp_dir();
void remove_tree(const std::string& dir);
std::string slurp(const std::string& path);
void spit(const std::string& path, const std::string& text);
int run_gener(const std::string& args, const std::string& cwd, std::string* out, std::string* err);
std::vector<std::string> files_under(const std::string& dir);
std::vector<std::vector<std::string>> read_tsv(const std::string& path);
// Runs gener in `cwd`; success means exit status 0, a failure shows the command, status and output.
::testing::AssertionResult run_ok(const std::string& args, const std::string& cwd);
// A suite's shared inputs: runs each `gener STEP` in `dir` in turn; "" when all succeed, else the failing command
// and its stderr.
std::string run_steps(const std::vector<std::string>& steps, const std::string& dir);
::testing::AssertionResult one_error_line(const std::string& err, const std::vector<std::string>& needles);
}  // namespace gener::apptest
