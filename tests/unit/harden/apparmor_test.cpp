// AppArmor profiles from traced file uses, sockets and capabilities: how
// paths become rules, and that apparmor_parser (Debian's apparmor, when
// installed) accepts the result.

#include <moat/harden/apparmor.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace harden = moat::harden;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

harden::AppArmorInput python_server() {
  harden::AppArmorInput in;
  in.name = "moat-web";
  const unsigned r = harden::k_file_read;
  const unsigned m = harden::k_file_map_exec;
  const unsigned w = harden::k_file_write;
  in.files["/usr/bin/python3.11"] = r | harden::k_file_exec;
  in.files["/usr/lib/x86_64-linux-gnu/libc.so.6"] = r | m;
  for (const char* mod : {"os.py", "json/__init__.py", "json/decoder.py", "http/server.py",
                          "socketserver.py", "email/parser.py", "encodings/utf_8.py"})
    in.files[std::string("/usr/lib/python3.11/") + mod] = r;
  in.files["/usr/lib/python3.11/"] = r;
  in.files["/usr/lib/python3.11/json/"] = r;
  in.files["/etc/passwd"] = r;
  in.files["/proc/4242/status"] = r;
  in.files["/proc/self/fd/"] = r;
  in.files["/proc/4242/task/4243/comm"] = r | w;
  in.files["/dev/pts/3"] = r | w;
  in.files["/tmp/upload-1"] = w;
  in.files["/tmp/cache/x"] = r | w;
  in.files["/srv/data/state.db"] = r | w | harden::k_file_lock;
  in.files["/srv/data/odd name [1].txt"] = r;
  in.files["/srv/data/link"] = harden::k_file_link;
  in.sockets = {{2, 1}, {10, 1}, {1, 2}, {2, 2}};
  in.capabilities = {"net_bind_service", "setuid"};
  return in;
}

} // namespace

TEST(AppArmorProfile, PathsBecomeRules) {
  const auto p = harden::apparmor_profile(python_server());
  const auto& t = p.text;
  EXPECT_THAT(t, HasSubstr("profile moat-web flags=(attach_disconnected,mediate_deleted) {"));
  EXPECT_THAT(t, HasSubstr("  #include <abstractions/base>\n"));
  EXPECT_THAT(t, HasSubstr("  /usr/bin/python3.11 rix,\n"));
  EXPECT_THAT(t, HasSubstr("  /usr/lib/x86_64-linux-gnu/libc.so.6 rm,\n"));
  // Seven modules only read: the directory as a whole; its listings are inside.
  EXPECT_THAT(t, HasSubstr("  /usr/lib/python3.11/** r,\n"));
  EXPECT_THAT(t, Not(HasSubstr("json/decoder.py")));
  EXPECT_THAT(t, Not(HasSubstr("/usr/lib/python3.11/json/ r")));
  // Too few files to collapse, and /etc is too broad anyway.
  EXPECT_THAT(t, HasSubstr("  /etc/passwd r,\n"));
  EXPECT_THAT(t, Not(HasSubstr("/etc/** ")));
  EXPECT_THAT(t, HasSubstr("  @{PROC}/@{pid}/status r,\n"));
  EXPECT_THAT(t, HasSubstr("  @{PROC}/@{pid}/fd/ r,\n"));
  EXPECT_THAT(t, HasSubstr("  @{PROC}/@{pid}/task/@{tid}/comm rw,\n"));
  EXPECT_THAT(t, HasSubstr("  /dev/pts/[0-9]* rw,\n"));
  EXPECT_THAT(t, HasSubstr("  /tmp/** rw,\n"));
  EXPECT_THAT(t, Not(HasSubstr("upload-1")));
  EXPECT_THAT(t, HasSubstr("  /srv/data/state.db rwk,\n"));
  EXPECT_THAT(t, HasSubstr("  /srv/data/link l,\n"));
  EXPECT_THAT(t, HasSubstr("  \"/srv/data/odd name \\[1\\].txt\" r,\n"));
  EXPECT_THAT(t, HasSubstr("  network inet dgram,\n"));
  EXPECT_THAT(t, HasSubstr("  network inet stream,\n"));
  EXPECT_THAT(t, HasSubstr("  network inet6 stream,\n"));
  EXPECT_THAT(t, HasSubstr("  network unix dgram,\n"));
  EXPECT_THAT(t, HasSubstr("  capability net_bind_service,\n"));
  // docker-default's denials, and nothing blanket.
  EXPECT_THAT(t, HasSubstr("  deny mount,\n"));
  EXPECT_THAT(t, HasSubstr("  deny /sys/firmware/** rwklx,\n"));
  EXPECT_THAT(t, HasSubstr("  ptrace (trace,read,tracedby,readby) peer=moat-web,\n"));
  EXPECT_THAT(t, Not(HasSubstr("  file,\n")));
  EXPECT_THAT(t, Not(HasSubstr("  network,\n")));
  EXPECT_THAT(t, Not(HasSubstr("  capability,\n")));
}

TEST(AppArmorProfile, NothingObservedStillParses) {
  harden::AppArmorInput in;
  in.name = "moat-empty";
  const auto p = harden::apparmor_profile(in);
  EXPECT_EQ(p.file_rules, 0U);
  EXPECT_THAT(p.text, HasSubstr("# (none)"));
}

TEST(AppArmorProfile, ProfileNames) {
  EXPECT_TRUE(harden::valid_profile_name("moat-nginx-1.27"));
  EXPECT_FALSE(harden::valid_profile_name(""));
  EXPECT_FALSE(harden::valid_profile_name("two words"));
  EXPECT_FALSE(harden::valid_profile_name("a{b}"));
}

// apparmor_parser -Q (no kernel needed) accepts what moat writes, and
// refuses a profile broken on purpose: the check can fail.
TEST(AppArmorProfile, ApparmorParserAcceptsIt) {
  const char* parser = "/usr/sbin/apparmor_parser";
  const char* features = "/usr/share/apparmor-features/features";
  if (!std::filesystem::exists(parser) || !std::filesystem::exists(features))
    GTEST_SKIP() << "Debian's apparmor package (apparmor_parser) is not installed";
  const auto dir =
      std::filesystem::temp_directory_path() / ("moat-apparmor-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto parse = [&](const std::string& name, const std::string& text) {
    const auto file = dir / name;
    std::ofstream(file) << text;
    const std::string cmd = std::string(parser) + " -Q -K -M " + features + " --warn=all " +
                            file.string() + " >" + (dir / "out").string() + " 2>&1";
    return std::system(cmd.c_str());
  };
  EXPECT_EQ(parse("good", harden::apparmor_profile(python_server()).text), 0);
  harden::AppArmorInput empty;
  empty.name = "moat-empty";
  EXPECT_EQ(parse("empty", harden::apparmor_profile(empty).text), 0);
  auto broken = harden::apparmor_profile(python_server()).text;
  broken.replace(broken.find("rix,"), 4, "ixpx,");
  EXPECT_NE(parse("broken", broken), 0);
  std::filesystem::remove_all(dir);
}
