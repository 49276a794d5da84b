// The build history read back as Dockerfile instructions, in the forms the
// classic builder and BuildKit write into image configs.

#include <moat/image/checks.hpp>
#include <moat/image/image.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace moat::image;

namespace {

TEST(InstructionFromHistory, Table) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      // The classic builder: "#(nop)" for steps that make no layer, a bare shell command for RUN.
      {"/bin/sh -c #(nop)  CMD [\"bash\"]", "CMD [\"bash\"]"},
      {"/bin/sh -c #(nop) ADD file:abc in / ", "ADD file:abc /"},
      {"/bin/sh -c #(nop) ADD file:5b3f1c0e1d in /usr/local/bin/tool ",
       "ADD file:5b3f1c0e1d /usr/local/bin/tool"},
      {"/bin/sh -c #(nop) COPY dir:0a1b2c in /app ", "COPY dir:0a1b2c /app"},
      {"/bin/sh -c #(nop)  ENV PATH=/usr/local/bin:/usr/bin", "ENV PATH=/usr/local/bin:/usr/bin"},
      {"/bin/sh -c #(nop)  EXPOSE 80", "EXPOSE 80"},
      {"/bin/sh -c #(nop) WORKDIR /app", "WORKDIR /app"},
      {"/bin/sh -c apt-get update", "RUN apt-get update"},
      {"/bin/sh -c set -eux;  apt-get update", "RUN set -eux;  apt-get update"},
      {"|2 A=1 B=2 /bin/sh -c make", "RUN make"},
      {"|1 VERSION=1.2 /bin/sh -c curl -o x https://example.com/$VERSION",
       "RUN curl -o x https://example.com/$VERSION"},
      // BuildKit: the instruction itself, RUN with its shell, and a "# buildkit" suffix.
      {"RUN /bin/sh -c apt-get install -y x # buildkit", "RUN apt-get install -y x"},
      {"RUN |1 V=2 /bin/sh -c echo # buildkit", "RUN echo"},
      {"RUN |2 A=1 B=two /bin/sh -c make $A # buildkit", "RUN make $A"},
      {"RUN apt-get update # buildkit", "RUN apt-get update"},
      {"EXPOSE map[22/tcp:{} 80/tcp:{}]", "EXPOSE 22/tcp 80/tcp"},
      {"EXPOSE map[8080/tcp:{}]", "EXPOSE 8080/tcp"},
      {"VOLUME map[/data:{}]", "VOLUME /data"},
      {"ENV A=b", "ENV A=b"},
      {"COPY . /app # buildkit", "COPY . /app"},
      {"COPY --from=build /out/app /usr/local/bin/ # buildkit",
       "COPY --from=build /out/app /usr/local/bin/"},
      {"ADD https://example.com/x.tgz /opt/ # buildkit", "ADD https://example.com/x.tgz /opt/"},
      {"WORKDIR /app", "WORKDIR /app"},
      {"USER app", "USER app"},
      {"ARG VERSION=1", "ARG VERSION=1"},
      {"LABEL a=b", "LABEL a=b"},
      {"CMD [\"python\" \"app.py\"]", "CMD [\"python\" \"app.py\"]"},
      {"ENTRYPOINT [\"/entrypoint.sh\"]", "ENTRYPOINT [\"/entrypoint.sh\"]"},
      {"STOPSIGNAL SIGQUIT", "STOPSIGNAL SIGQUIT"},
      {"  USER app  ", "USER app"},
      // Not instructions: comments of other tools, empty text, unknown words.
      {"# debian.sh --arch 'amd64' out/ 'bookworm' '@1700000000'", ""},
      {"", ""},
      {"   ", ""},
      {"Imported from -", ""},
      {"FROM debian", ""},
      {"user app", ""},
  };
  for (const auto& [created_by, want] : cases)
    EXPECT_EQ(instruction_from_history(created_by), want) << "'" << created_by << "'";
}

HistoryEntry entry(std::string created_by, bool empty_layer = false) {
  HistoryEntry e;
  e.created_by = std::move(created_by);
  e.empty_layer = empty_layer;
  return e;
}

TEST(HistoryDockerfile, LinesMapBackToHistoryEntries) {
  const std::vector<HistoryEntry> history = {
      entry("/bin/sh -c #(nop) ADD file:abc in / "),     // 0 -> line 2
      entry("/bin/sh -c #(nop)  CMD [\"bash\"]", true),  // 1 -> line 3
      entry("# debian.sh --arch amd64", true),           // 2: not an instruction
      entry("RUN /bin/sh -c apt-get update # buildkit"), // 3 -> line 4
      entry(""),                                         // 4: nothing
      entry("ONBUILD RUN make", true),                   // 5: runs in children, not here
      entry("USER app", true),                           // 6 -> line 5
  };
  const auto df = history_dockerfile(history);
  EXPECT_EQ(df.text, "FROM scratch\n"
                     "ADD file:abc /\n"
                     "CMD [\"bash\"]\n"
                     "RUN apt-get update\n"
                     "USER app\n");
  EXPECT_EQ(df.lines, (std::vector<int>{-1, 0, 1, 3, 6}));
}

TEST(HistoryDockerfile, OneLinePerEntry) {
  // A heredoc or a multi-line RUN stays on its own line; a trailing
  // backslash cannot join the next entry.
  const std::vector<HistoryEntry> history = {
      entry("RUN /bin/sh -c set -e\napt-get update\r\napt-get install -y x \\ # buildkit"),
      entry("/bin/sh -c make \\"),
      entry("USER app"),
  };
  const auto df = history_dockerfile(history);
  EXPECT_EQ(df.text, "FROM scratch\n"
                     "RUN set -e apt-get update  apt-get install -y x \n"
                     "RUN make \n"
                     "USER app\n");
  EXPECT_EQ(df.lines, (std::vector<int>{-1, 0, 1, 2}));
}

TEST(HistoryDockerfile, EmptyHistory) {
  const auto df = history_dockerfile({});
  EXPECT_EQ(df.text, "FROM scratch\n");
  EXPECT_EQ(df.lines, (std::vector<int>{-1}));
}

TEST(ImageConfig, HistoryAttachesToLayersSkippingEmptyOnes) {
  const std::string config = R"({
    "architecture": "arm64", "variant": "v8", "os": "linux", "created": "2024-01-01T00:00:00Z",
    "config": {"User": "app:app", "Env": ["A=1", "B=2"], "Entrypoint": ["/e"], "Cmd": "serve",
               "WorkingDir": "/w", "ExposedPorts": {"22/tcp": {}, "80/tcp": {}},
               "Volumes": {"/data": {}}, "Labels": {"a": "b", "n": 1},
               "Healthcheck": {"Test": ["CMD", "true"]}, "StopSignal": "SIGTERM"},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:a", "sha256:b"]},
    "history": [
      {"created_by": "ADD base", "comment": "c"},
      {"created_by": "CMD x", "empty_layer": true},
      {"created_by": "RUN y"},
      {"created_by": "USER app", "empty_layer": true}
    ]})";
  auto parsed = parse_image_config(config, "cfg");
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->config.user, "app:app");
  EXPECT_EQ(parsed->config.env, (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_EQ(parsed->config.cmd, (std::vector<std::string>{"serve"}));
  EXPECT_EQ(parsed->config.exposed_ports, (std::vector<std::string>{"22/tcp", "80/tcp"}));
  EXPECT_EQ(parsed->config.labels.size(), 1U); // non-string label values are dropped
  ASSERT_TRUE(parsed->config.healthcheck);
  EXPECT_EQ(parsed->config.variant, "v8");
  EXPECT_EQ(parsed->history.size(), 4U);
  EXPECT_EQ(parsed->history[0].comment, "c");

  Image image;
  image.name = "img";
  image.layers.resize(2);
  ASSERT_TRUE(attach_config(image, *parsed));
  EXPECT_EQ(image.layers[0].history, 0);
  EXPECT_EQ(image.layers[1].history, 2);
  EXPECT_EQ(image.layers[1].diff_id, "sha256:b");
  EXPECT_EQ(image.config.working_dir, "/w");

  Image three;
  three.name = "img";
  three.layers.resize(3);
  auto mismatch = attach_config(three, *parsed);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().input, "img");

  auto none = parse_image_config(R"({"config": {}})", "cfg");
  ASSERT_FALSE(none);
  auto healthless = parse_image_config(R"({"rootfs": {"diff_ids": []}})", "cfg");
  ASSERT_TRUE(healthless);
  EXPECT_FALSE(healthless->config.healthcheck); // absent, not empty
}

} // namespace

namespace {

TEST(DockerManifest, DigestsFromNames) {
  const std::string hex(64, 'a');
  EXPECT_EQ(digest_from_name("blobs/sha256/" + hex), "sha256:" + hex);
  EXPECT_EQ(digest_from_name(hex + ".json"), "sha256:" + hex);
  EXPECT_EQ(digest_from_name("x/" + hex + ".json"), "sha256:" + hex);
  EXPECT_EQ(digest_from_name("0123abcd/layer.tar"), "");
  EXPECT_EQ(digest_from_name("config.json"), "");
  EXPECT_EQ(digest_from_name("blobs/sha256/" + std::string(64, 'G')), "");
  EXPECT_TRUE(is_valid_digest("sha512:" + std::string(128, '0')));
  EXPECT_FALSE(is_sha256_digest("sha512:" + std::string(128, '0')));
  EXPECT_FALSE(is_valid_digest("sha256:" + std::string(63, '0')));
}

TEST(DockerManifest, ParsesTheFirstImage) {
  auto m = parse_docker_manifest(
      R"([{"Config":"c.json","RepoTags":["a:1",7],"Layers":["l1/layer.tar","l2/layer.tar"]},
          {"Config":"other.json"}])",
      "img.tar");
  ASSERT_TRUE(m) << m.error().to_string();
  EXPECT_EQ(m->config, "c.json");
  EXPECT_EQ(m->tags, (std::vector<std::string>{"a:1"}));
  EXPECT_EQ(m->layers, (std::vector<std::string>{"l1/layer.tar", "l2/layer.tar"}));
  for (const char* bad : {"{}", "[]", "[1]", R"([{"Layers":[]}])", "not json"}) {
    auto e = parse_docker_manifest(bad, "img.tar");
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().input, "img.tar");
  }
}

} // namespace
