// test_io_guard.cpp — outputs never overwrite inputs (file identity: hard links, symbolic links, other spellings),
// a run's outputs committed together or not at all, stale temporaries of dead processes removed, the reader
// prologue (directory, missing file, BOM), .npy shapes that overflow the size arithmetic.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>


#include <filesystem>
#include <string>

#include "engine/io/atomic_file.h"
#include "engine/io/input_file.h"
#include "engine/io/npy.h"
#include "engine/io/output_guard.h"
#include "engine/io/text_reader.h"
#include "tests/test_data_util.h"

namespace gener::io {
namespace {

namespace fs = std::filesystem;
using gener::testing::read_bytes;
using gener::testing::ScratchDir;
using gener::testing::write_text;
using gener::test::expect_error;

TEST(OutputGuard, AnOutputThatIsAnInputIsRefusedUnderAnyName) {
  ScratchDir d;
  write_text(d.file("pairs.tsv"), "G1\tG2\n");
  fs::create_hard_link(d.file("pairs.tsv"), d.file("hard.tsv"));
  fs::create_symlink(d.file("pairs.tsv"), d.file("soft.tsv"));
  for (const std::string& out : {d.file("pairs.tsv"), d.file("hard.tsv"), d.file("soft.tsv"),
                                 d.path() + "/./pairs.tsv", d.path() + "//pairs.tsv"}) {
    SCOPED_TRACE(out);
    OutputGuard g;
    g.input("--pairs", d.file("pairs.tsv"));
    expect_error([&] { g.output("--out", out); }, {"--out", "is the same file as --pairs", "refusing to overwrite"});
  }
  EXPECT_EQ(read_bytes(d.file("pairs.tsv")), "G1\tG2\n");
}

TEST(OutputGuard, DistinctFilesPassAndNewOutputsPass) {
  ScratchDir d;
  write_text(d.file("a.tsv"), "x");
  write_text(d.file("b.tsv"), "y");
  OutputGuard g;
  g.input("--pairs", d.file("a.tsv"));
  g.input("--expression", d.file("missing_yet.tsv"));  // its reader reports it
  EXPECT_NO_THROW(g.output("--out", d.file("b.tsv")));
  EXPECT_NO_THROW(g.output("--log", d.file("new.json")));
}

TEST(OutputGuard, AnInputNamedAfterTheOutputsIsCheckedToo) {
  ScratchDir d;
  write_text(d.file("expr.tsv"), "x");
  OutputGuard g;
  g.output("--out", d.file("expr.tsv"));
  expect_error([&] { g.input("the expression file", d.file("expr.tsv")); }, {"is the same file as", "expr.tsv"});
}

TEST(OutputGuard, TwoOutputsOneFileAndDirectoriesAreErrors) {
  ScratchDir d;
  OutputGuard g;
  g.output("--out", d.file("x.tsv"));
  expect_error([&] { g.output("--json", d.path() + "/./x.tsv"); }, {"are the same file"});
  fs::create_directory(d.file("dir"));
  expect_error([&] { g.output("--json", d.file("dir")); }, {"dir", "is a directory"});
  write_text(d.file("plain"), "x");
  expect_error([&] { g.outputs_in("--out", d.file("plain"), {"metrics.json"}); }, {"plain", "not a directory"});
}

TEST(CommitGroup, OutputsAppearTogetherOrNotAtAll) {
  ScratchDir d;
  write_text(d.file("metrics.json"), "old");
  {
    CommitGroup group;
    AtomicFile a(d.file("roc.tsv"), false, &group);
    a.stream() << "curve";
    a.commit();
    EXPECT_FALSE(fs::exists(d.file("roc.tsv")));  // staged, not yet in place
    AtomicFile b(d.file("metrics.json"), false, &group);
    b.stream() << "new";
    // b fails before its commit: the group is destroyed without commit()
  }
  EXPECT_FALSE(fs::exists(d.file("roc.tsv")));
  EXPECT_EQ(read_bytes(d.file("metrics.json")), "old");
  for (const auto& e : fs::directory_iterator(d.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();

  CommitGroup group;
  for (const char* name : {"roc.tsv", "metrics.json"}) {
    AtomicFile f(d.file(name), false, &group);
    f.stream() << "v2 " << name;
    f.commit();
  }
  EXPECT_EQ(read_bytes(d.file("metrics.json")), "old");
  group.commit();
  EXPECT_EQ(read_bytes(d.file("metrics.json")), "v2 metrics.json");
  EXPECT_EQ(read_bytes(d.file("roc.tsv")), "v2 roc.tsv");
}

// A pid that no process has: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  int status = 0;
  ::waitpid(p, &status, 0);
  return p;
}

TEST(StaleTemporaries, ThoseOfDeadProcessesAreRemovedOthersKept) {
  ScratchDir d;
  const std::string dead = std::to_string(dead_pid()), live = std::to_string(::getpid());
  write_text(d.file("scores.tsv.tmp." + host_tag() + "." + dead), "partial");       // killed run, this host
  write_text(d.file("scores.tsv.tmp." + host_tag() + "." + live), "running");       // a running process
  write_text(d.file("scores.tsv.tmp.otherhost." + dead), "shared fs");          // another machine's
  write_text(d.file("scores.tsv.tmp." + dead), "older form");                   // older name of the target
  write_text(d.file("notes.txt.tmp." + dead), "a user's file");                 // not what is written now
  EXPECT_EQ(remove_stale_temporaries(d.path(), "scores.tsv"), 2);
  EXPECT_FALSE(fs::exists(d.file("scores.tsv.tmp." + host_tag() + "." + dead)));
  EXPECT_FALSE(fs::exists(d.file("scores.tsv.tmp." + dead)));
  EXPECT_TRUE(fs::exists(d.file("scores.tsv.tmp." + host_tag() + "." + live)));
  EXPECT_TRUE(fs::exists(d.file("scores.tsv.tmp.otherhost." + dead)));
  EXPECT_TRUE(fs::exists(d.file("notes.txt.tmp." + dead)));
}

TEST(StaleTemporaries, WritingAFileCleansItsDirectory) {
  ScratchDir d;
  const std::string stale = d.file("model.safetensors.tmp." + host_tag() + "." + std::to_string(dead_pid()));
  write_text(stale, "half a checkpoint");
  AtomicFile f(d.file("train_log.json"));
  f.stream() << "{}";
  f.commit();
  EXPECT_FALSE(fs::exists(stale));
}

TEST(InputFile, DirectoriesAndMissingFilesAreNamed) {
  ScratchDir d;
  fs::create_directory(d.file("adir"));
  expect_error([&] { check_input_file(d.file("adir"), "a .npy file"); },
               {d.file("adir") + ": cannot open: is a directory", "a .npy file"});
  expect_error([&] { read_npy(d.file("adir")); }, {d.file("adir"), "is a directory"});
  expect_error([&] { LineReader r(d.file("adir")); }, {d.file("adir"), "is a directory"});
  expect_error([&] { read_whole_file(d.file("none"), "a YAML config file"); },
               {d.file("none") + ": cannot open (No such file or directory)", "a YAML config file"});
}

TEST(InputFile, ByteOrderMarksNeverReachAParser) {
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB\xBFgene\tS1"), "gene\tS1");
  EXPECT_EQ(strip_utf8_bom("gene"), "gene");
  EXPECT_EQ(strip_utf8_bom("\xEF\xBB"), "\xEF\xBB");
  ScratchDir d;
  for (bool gz : {false, true}) {
    const std::string p = d.file(gz ? "bom.tsv.gz" : "bom.tsv");
    const std::string text = "\xEF\xBB\xBFG1\tG2\n\xEF\xBB\xBFG3\tG4\n";
    gz ? gener::testing::write_gzip(p, text) : write_text(p, text);
    LineReader r(p);
    std::string_view line;
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line, "G1\tG2");
    ASSERT_TRUE(r.next(line));
    EXPECT_EQ(line, "\xEF\xBB\xBFG3\tG4");  // only the file's first bytes are a byte-order mark
  }
}

std::string npy_with_shape(const std::string& shape) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + std::string(16, '\0');
}

TEST(Npy, ShapesThatOverflowTheSizeArithmeticAreErrors) {
  ScratchDir d;
  const std::string p = d.file("big.npy");
  write_text(p, npy_with_shape("(4611686018427387904, 8)"));  // 2^62 x 8 elements
  expect_error([&] { read_npy(p); }, {p, "npy shape", "more elements than any file can hold"});
  write_text(p, npy_with_shape("(99999999999999999999999, 2)"));  // beyond int64
  expect_error([&] { read_npy(p); }, {p, "bad dimension"});
  write_text(p, npy_with_shape("(1000000, 1000000)"));  // fits the arithmetic, not the file
  expect_error([&] { read_npy(p); }, {p, "truncated npy data"});
  write_text(p, npy_with_shape("(2, 2)"));
  EXPECT_EQ(read_npy(p).values.size(), 4u);
}

// Found by fuzz/fuzz_npy.cpp: a shape that is no tuple ("'shape':," is empty) threw std::out_of_range.
TEST(Npy, AShapeThatIsNotATupleIsAnError) {
  ScratchDir d;
  const std::string p = d.file("notuple.npy");
  for (const std::string shape : {"", "3", ")", "L"}) {
    SCOPED_TRACE(shape);
    write_text(p, npy_with_shape(shape));
    expect_error([&] { read_npy(p); }, {p, "npy shape must be a tuple"});
  }
}

}  // namespace
}  // namespace gener::io
