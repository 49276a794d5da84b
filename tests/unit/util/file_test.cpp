#include <moat/util/file.hpp>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using moat::util::read_file;

namespace {

// A pipe whose write end a child fills with TEXT; the path of its read end.
struct PipeOf {
  int fds[2] = {-1, -1};
  pid_t writer = -1;
  explicit PipeOf(const std::string& text) {
    if (::pipe(fds) != 0)
      return;
    writer = ::fork();
    if (writer == 0) {
      ::close(fds[0]);
      std::size_t done = 0;
      while (done < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
        if (n <= 0)
          ::_exit(1);
        done += static_cast<std::size_t>(n);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
  }
  PipeOf(const PipeOf&) = delete;
  PipeOf& operator=(const PipeOf&) = delete;
  ~PipeOf() {
    ::close(fds[0]);
    if (writer > 0) {
      ::kill(writer, SIGKILL);
      ::waitpid(writer, nullptr, 0);
    }
  }
  [[nodiscard]] std::string path() const { return "/proc/self/fd/" + std::to_string(fds[0]); }
};

std::string pattern(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i)
    text[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return text;
}

} // namespace

TEST(ReadFile, ARegularFileIsReadWhole) {
  const auto path = fs::temp_directory_path() / ("moat-read-file-" + std::to_string(::getpid()));
  const std::string text = pattern(70000);
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(text.data(), 1, text.size(), f), text.size());
    std::fclose(f);
  }
  auto got = read_file(path, 1 << 20);
  fs::remove(path);
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_EQ(*got, text);
}

TEST(ReadFile, AProcFileThatSaysItIsEmptyIsReadToItsEnd) {
  // /proc files report a size of 0; their text comes from reading on.
  auto got = read_file("/proc/self/status", 1 << 20);
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_TRUE(got->starts_with("Name:")) << *got;
  EXPECT_NE(got->find("\nPid:"), std::string::npos);
  EXPECT_EQ(got->back(), '\n');
}

TEST(ReadFile, APipeLongerThanEveryReadIsReadExactly) {
  // Several times the first read's size: the buffer grows, and nothing is
  // lost or repeated where one read ends and the next begins.
  const std::string text = pattern(300000);
  PipeOf pipe(text);
  ASSERT_GT(pipe.writer, 0);
  auto got = read_file(pipe.path(), 1 << 20);
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_EQ(got->size(), text.size());
  EXPECT_EQ(*got, text);
}

TEST(ReadFile, APipeBeyondTheLimitIsRefused) {
  PipeOf pipe(pattern(10000));
  ASSERT_GT(pipe.writer, 0);
  auto got = read_file(pipe.path(), 5000);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error(), "file is larger than 5000 bytes");
}

TEST(ReadFile, APipeAtTheLimitIsRead) {
  PipeOf pipe(pattern(5000));
  ASSERT_GT(pipe.writer, 0);
  auto got = read_file(pipe.path(), 5000);
  ASSERT_TRUE(got.has_value()) << got.error();
  EXPECT_EQ(got->size(), 5000U);
}
