// Build tool: compiles the built-in secret rules (rules.cpp) into Hyperscan
// stream databases, one per CPU level, and writes them serialised as a C++
// source that moat links in (secrets/builtin_db.hpp). moat then loads the
// one its CPU can run instead of compiling the rules at every start.
//
// Usage: moat_secrets_dbgen OUTPUT.cpp

#include <moat/secrets/compile.hpp>
#include <moat/secrets/rules.hpp>

#include <hs/hs.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Level {
  const char* name;
  unsigned long long features;
};

// Most demanding first: moat takes the first its CPU supports.
const std::vector<Level>& levels() {
  static const std::vector<Level> all = {
#ifdef HS_CPU_FEATURES_AVX2
      {"avx2", HS_CPU_FEATURES_AVX2},
#endif
      {"generic", 0},
  };
  return all;
}

bool compile(unsigned long long features, std::string& out, std::string& error) {
  hs_platform_info_t platform{};
  platform.tune = HS_TUNE_FAMILY_GENERIC;
  platform.cpu_features = features;
  hs_database_t* db =
      moat::secrets::compile_rules(moat::secrets::builtin_rules(), &platform, error);
  if (db == nullptr)
    return false;
  char* bytes = nullptr;
  std::size_t length = 0;
  const bool ok = hs_serialize_database(db, &bytes, &length) == HS_SUCCESS;
  hs_free_database(db);
  if (!ok) {
    error = "cannot serialise the database";
    return false;
  }
  out.assign(bytes, length);
  std::free(bytes); // NOLINT(cppcoreguidelines-no-malloc): Hyperscan's allocation
  return true;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: moat_secrets_dbgen OUTPUT.cpp\n", stderr);
    return 2;
  }
  std::ostringstream src;
  src << "// Generated at build time by moat_secrets_dbgen from src/moat/secrets/rules.cpp.\n"
      << "#include <moat/secrets/builtin_db.hpp>\n\n#include <array>\n\n"
      << "namespace moat::secrets {\n\nnamespace {\n";
  std::string list;
  for (const auto& level : levels()) {
    std::string bytes;
    std::string error;
    if (!compile(level.features, bytes, error)) {
      std::fprintf(stderr, "moat_secrets_dbgen: %s: %s\n", level.name, error.c_str());
      return 1;
    }
    src << "alignas(8) constexpr unsigned char k_" << level.name << "[] = {";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i % 24 == 0)
        src << "\n ";
      src << ' ' << static_cast<unsigned>(static_cast<unsigned char>(bytes[i])) << ',';
    }
    src << "\n};\n";
    list += "    SerializedDatabase{\"" + std::string(level.name) + "\", " +
            std::to_string(level.features) + "ULL, k_" + level.name + "},\n";
  }
  src << "\nconst std::array k_databases = {\n"
      << list << "};\n\n} // namespace\n\n"
      << "std::span<const SerializedDatabase> serialized_databases() {\n"
      << "  return k_databases;\n}\n\n} // namespace moat::secrets\n";
  const std::string path = argv[1];
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << src.str();
    if (!out) {
      std::fprintf(stderr, "moat_secrets_dbgen: cannot write %s\n", tmp.c_str());
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "moat_secrets_dbgen: cannot write %s\n", path.c_str());
    return 1;
  }
  return 0;
}
