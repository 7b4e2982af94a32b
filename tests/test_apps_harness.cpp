// test_apps_harness.cpp — helpers for the test_apps suites that run the real gener binary (declared in each file).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_apps_util.h"

namespace gener::apptest {

namespace fs = std::filesystem;

std::string make_temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string tag = info ? std::string(info->test_suite_name()) + "_" + info->name() : "suite";
  for (char& c : tag)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  std::string tmpl = (fs::temp_directory_path() / ("gener_apptest_" + tag + "_XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  return tmpl;
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void spit(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

// Runs `gener ARGS` with working directory cwd; stdout and stderr go to cwd/log/. Returns the exit status,
// or -signal when the program was killed by a signal (a crash).
std::string run_steps(const std::vector<std::string>& steps, const std::string& dir) {
  for (const std::string& args : steps) {
    std::string err;
    if (run_gener(args, dir, nullptr, &err) != 0) return "gener " + args + "\n" + err;
  }
  return "";
}

int run_gener(const std::string& args, const std::string& cwd, std::string* out, std::string* err) {
  // OpenMP threads that spin while they wait slow gener down 20-70x when the cores are shared with other jobs
  // (as on CI); the wait policy changes no result, only the time the suite takes. A user's setting wins.
  ::setenv("OMP_WAIT_POLICY", "passive", 0);
  const std::string log = cwd + "/log";
  fs::create_directories(log);
  const std::string cmd = "cd '" + cwd + "' && exec '" GENER_BINARY "' " + args + " > '" + log + "/stdout' 2> '" +
                          log + "/stderr'";
  const int status = std::system(cmd.c_str());
  if (out) *out = slurp(log + "/stdout");
  if (err) *err = slurp(log + "/stderr");
  if (status == -1) return -1000;
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(fs::relative(e.path(), dir).string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, '\t')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

// stderr holds exactly one line "gener: error: ..." that contains every string in `needles`; any other line is a
// bracketed progress/info line ("[train] ...").
::testing::AssertionResult run_ok(const std::string& args, const std::string& cwd) {
  std::string out, err;
  const int rc = run_gener(args, cwd, &out, &err);
  if (rc == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "gener " << args << " exited " << rc << "\nstdout:\n" << out
                                       << "\nstderr:\n" << err;
}

::testing::AssertionResult one_error_line(const std::string& err, const std::vector<std::string>& needles) {
  std::istringstream in(err);
  std::string line, error_line;
  int n_errors = 0;
  while (std::getline(in, line)) {
    if (line.rfind("gener: error: ", 0) == 0) {
      ++n_errors;
      error_line = line;
    } else if (!line.empty() && line[0] != '[') {
      return ::testing::AssertionFailure() << "unexpected stderr line: '" << line << "'\nstderr:\n" << err;
    }
  }
  if (n_errors != 1)
    return ::testing::AssertionFailure() << n_errors << " lines start with 'gener: error: '\nstderr:\n" << err;
  for (const std::string& n : needles)
    if (error_line.find(n) == std::string::npos)
      return ::testing::AssertionFailure() << "error line lacks '" << n << "': " << error_line;
  return ::testing::AssertionSuccess();
}

}  // namespace gener::apptest
