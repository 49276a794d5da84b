// Fixes proposed and applied on arbitrary input: a Dockerfile, or with a
// leading '%' a Compose file or Kubernetes manifest. What the loop keeps
// must parse again.

#include <moat/dockerfile/ast.hpp>
#include <moat/fix/fix.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  static const moat::core::Policy policy;
  if (!text.empty() && text.front() == '%') {
    text.erase(0, 1);
    auto fixed = moat::fix::fix_text(text, [](const std::string& t) {
      return moat::fix::analyze_config(t, "fuzz.yaml", policy, {});
    });
    (void)fixed;
    return 0;
  }
  moat::fix::DockerfileInput input;
  input.name = "fuzz";
  input.policy = &policy;
  input.resolve = [](const std::string&) -> std::optional<std::string> {
    return "sha256:0000000000000000000000000000000000000000000000000000000000000000";
  };
  auto fixed = moat::fix::fix_text(
      text, [&](const std::string& t) { return moat::fix::analyze_dockerfile(t, input); });
  if (fixed && !fixed->applied.empty() && !moat::dockerfile::parse(fixed->text, "fuzz"))
    std::abort();
  return 0;
}
