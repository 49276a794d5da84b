// Feeds arbitrary bytes to the run-configuration readers (docker inspect
// JSON, docker run lines, Compose files, Kubernetes manifests and .env
// files) and checks whatever they read.

#include <moat/runconf/runconf.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto specs = moat::runconf::read_inspect(text, "fuzz.json"))
    for (const auto& spec : *specs)
      (void)moat::runconf::check(spec);
  if (auto spec = moat::runconf::read_docker_run(text))
    (void)moat::runconf::check(*spec);
  const moat::runconf::Variables vars{{"TAG", "1"}, {"EMPTY", ""}};
  if (auto specs = moat::runconf::read_compose(text, "fuzz.yaml", vars))
    for (const auto& spec : *specs)
      (void)moat::runconf::check(spec);
  if (auto specs = moat::runconf::read_kubernetes(text, "fuzz.yaml"))
    (void)moat::runconf::check(*specs);
  (void)moat::runconf::read_dotenv(text);
  return 0;
}
