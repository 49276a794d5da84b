#include <moat/core/check.hpp>
#include <moat/runconf/runconf.hpp>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace runconf_kubernetes_test {
namespace {

using moat::runconf::ContainerSpec;
using moat::runconf::read_kubernetes;
using ::testing::HasSubstr;

std::vector<ContainerSpec> read_ok(const std::string& text) {
  auto specs = read_kubernetes(text, "app.yaml");
  EXPECT_TRUE(specs.has_value()) << (specs ? "" : specs.error().to_string());
  return specs ? *specs : std::vector<ContainerSpec>{};
}

std::multiset<std::string> ids_of(const std::string& text) {
  std::multiset<std::string> ids;
  for (const auto& f : moat::runconf::check(read_ok(text)))
    ids.emplace(f.check->id);
  return ids;
}

// Passes both Pod Security Standards profiles and every other check.
constexpr std::string_view k_hardened = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile:
          type: RuntimeDefault
      volumes:
        - name: cache
          emptyDir: {}
        - name: config
          configMap:
            name: web-config
      containers:
        - name: app
          image: registry.example.com/web:1.25.3
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE]
          ports:
            - containerPort: 8080
          resources:
            limits:
              memory: 64Mi
              cpu: 500m
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
          volumeMounts:
            - name: cache
              mountPath: /var/cache/web
            - name: config
              mountPath: /etc/web
              readOnly: true
          env:
            - name: MODE
              value: production
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
)";

// Inserts TEXT after the first line that contains ANCHOR, or replaces
// FROM by TO.
struct Edit {
  const char* anchor; // a line to insert after; empty: replace
  const char* text;   // inserted (indented as written) or the replacement
  const char* from = "";
};

std::string edited(const Edit& e) {
  std::string yaml(k_hardened);
  if (*e.anchor == '\0') {
    const auto at = yaml.find(e.from);
    EXPECT_NE(at, std::string::npos) << e.from;
    if (at != std::string::npos)
      yaml.replace(at, std::string_view(e.from).size(), e.text);
    return yaml;
  }
  const auto at = yaml.find(e.anchor);
  EXPECT_NE(at, std::string::npos) << e.anchor;
  if (at != std::string::npos)
    yaml.insert(yaml.find('\n', at) + 1, e.text);
  return yaml;
}

struct Case {
  std::vector<const char*> ids; // exactly these findings
  Edit edit;
};

class KubernetesCheck : public ::testing::TestWithParam<Case> {};

TEST(Kubernetes, HardenedDeploymentHasNoFinding) {
  const auto specs = read_ok(std::string(k_hardened));
  ASSERT_EQ(specs.size(), 1U);
  EXPECT_EQ(specs[0].name, "app");
  EXPECT_EQ(specs[0].pod, "Deployment 'web'");
  EXPECT_THAT(ids_of(std::string(k_hardened)), ::testing::IsEmpty());
}

// The bad fixture: the hardened manifest with one change, which trips
// exactly the listed checks.
TEST_P(KubernetesCheck, BadManifestTripsTheCheck) {
  const Case& c = GetParam();
  const auto yaml = edited(c.edit);
  std::multiset<std::string> expected(c.ids.begin(), c.ids.end());
  EXPECT_EQ(ids_of(yaml), expected) << yaml;
}

constexpr const char* k_sc = "          securityContext:\n";
constexpr const char* k_pod_sc = "      securityContext:\n";
constexpr const char* k_pod = "    spec:\n";
constexpr const char* k_container = "        - name: app\n";

INSTANTIATE_TEST_SUITE_P(
    EachCheck, KubernetesCheck,
    ::testing::Values(
        Case{{"RC001"}, {k_sc, "            privileged: true\n"}},
        Case{{"RC002", "RC037", "RC047"},
             {"", "add: [NET_BIND_SERVICE, SYS_ADMIN]", "add: [NET_BIND_SERVICE]"}},
        Case{{"RC003", "RC037", "RC047"},
             {"", "add: [NET_BIND_SERVICE, CAP_NET_BROADCAST]", "add: [NET_BIND_SERVICE]"}},
        // NET_RAW is in Docker's default set but not in the baseline profile's.
        Case{{"RC037", "RC047"}, {"", "add: [NET_RAW]", "add: [NET_BIND_SERVICE]"}},
        Case{{"RC005"}, {k_sc, "            appArmorProfile:\n              type: Unconfined\n"}},
        Case{{"RC005"},
             {"      labels:\n",
              "      annotations:\n"
              "        container.apparmor.security.beta.kubernetes.io/app: unconfined\n"}},
        Case{{"RC007", "RC046"}, {"", "type: Unconfined", "type: RuntimeDefault"}},
        Case{{"RC009"}, {"", "allowPrivilegeEscalation: true", "allowPrivilegeEscalation: false"}},
        Case{{"RC009"}, {"", "", "            allowPrivilegeEscalation: false\n"}},
        Case{{"RC010", "RC038", "RC043"},
             {"", "        - name: cache\n          hostPath:\n            path: /etc\n",
              "        - name: cache\n          emptyDir: {}\n"}},
        Case{
            {"RC011", "RC038", "RC043"},
            {"",
             "        - name: cache\n          hostPath:\n            path: /var/run/docker.sock\n",
             "        - name: cache\n          emptyDir: {}\n"}},
        Case{{"RC012", "RC038", "RC043"},
             {"", "        - name: cache\n          hostPath:\n            path: /srv/cache\n",
              "        - name: cache\n          emptyDir: {}\n"}},
        Case{{"RC014"}, {k_pod, "      hostNetwork: true\n"}},
        Case{{"RC015"}, {k_pod, "      hostPID: true\n"}},
        Case{{"RC016"}, {k_pod, "      hostIPC: true\n"}},
        Case{{"RC020"}, {"", "", "              memory: 64Mi\n"}},
        Case{{"RC021"}, {"", "", "              cpu: 500m\n"}},
        Case{{"RC023"}, {"", "readOnlyRootFilesystem: false", "readOnlyRootFilesystem: true"}},
        Case{{"RC024", "RC045"}, {"", "runAsUser: 0", "runAsUser: 1000"}},
        Case{{"RC025", "RC039"},
             {"            - containerPort: 8080\n",
              "              hostPort: 80\n              hostIP: 127.0.0.1\n"}},
        Case{{"RC026", "RC039"},
             {"            - containerPort: 8080\n", "              hostPort: 8080\n"}},
        Case{{"RC028"},
             {"", "",
              "          livenessProbe:\n            httpGet:\n              path: /healthz\n      "
              "        port: 8080\n"}},
        Case{{"RC031"}, {"", "image: nginx", "image: registry.example.com/web:1.25.3"}},
        Case{
            {"RC031"},
            {"", "image: registry.example.com:5000/web", "image: registry.example.com/web:1.25.3"}},
        Case{{"RC034"},
             {"", "              value: correct-horse-battery\n",
              "              valueFrom:\n                secretKeyRef:\n                  name: "
              "db\n                  key: password\n"}},
        Case{{"RC035", "RC042"},
             {"        runAsNonRoot: true\n",
              "        sysctls:\n          - name: kernel.core_pattern\n            value: x\n"}},
        // Namespaced for Docker, outside the kubelet's safe set.
        Case{{"RC042"},
             {"        runAsNonRoot: true\n",
              "        sysctls:\n          - name: kernel.msgmax\n            value: '65536'\n"}},
        Case{{"RC036"}, {k_pod_sc, "        windowsOptions:\n          hostProcess: true\n"}},
        Case{{"RC040"}, {k_sc, "            seLinuxOptions:\n              type: spc_t\n"}},
        Case{{"RC040"}, {k_pod_sc, "        seLinuxOptions:\n          user: system_u\n"}},
        Case{{"RC041"}, {k_sc, "            procMount: Unmasked\n"}},
        Case{{"RC043"},
             {"",
              "          nfs:\n            server: nfs.example.com\n            path: /export\n",
              "          configMap:\n            name: web-config\n"}},
        Case{{"RC044"}, {"", "", "        runAsNonRoot: true\n"}},
        // A container's false beats the pod's true.
        Case{{"RC044"}, {k_sc, "            runAsNonRoot: false\n"}},
        Case{{"RC046"}, {"", "", "        seccompProfile:\n          type: RuntimeDefault\n"}},
        Case{{"RC047"}, {"", "drop: [NET_RAW]", "drop: [ALL]"}},
        Case{{"RC048"}, {"", "", "      automountServiceAccountToken: false\n"}},
        Case{{"RC049"},
             {"              path: /healthz\n", "              host: 169.254.169.254\n"}}));

TEST(Kubernetes, BidirectionalPropagationOfAHostPathIsShared) {
  // Propagation matters only for a host path: on the emptyDir it is nothing.
  auto yaml = edited({"              mountPath: /var/cache/web\n",
                      "              mountPropagation: Bidirectional\n"});
  EXPECT_THAT(ids_of(yaml), ::testing::IsEmpty());
  const std::string_view empty_dir = "          emptyDir: {}\n";
  yaml.replace(yaml.find(empty_dir), empty_dir.size(),
               "          hostPath:\n            path: /srv/cache\n");
  EXPECT_EQ(ids_of(yaml), (std::multiset<std::string>{"RC012", "RC013", "RC038", "RC043"}));
}

TEST(Kubernetes, ContainerSettingsOverrideThePods) {
  // The pod asks for Unconfined seccomp and runAsUser 0; the container
  // overrides both. The pod-level values are still reported (the Pod
  // Security Standards forbid them wherever they are written), but the
  // container's effective user and seccomp profile are its own.
  auto yaml = edited({"", "type: Unconfined", "type: RuntimeDefault"});
  yaml.replace(yaml.find("runAsUser: 1000"), 15, "runAsUser: 0");
  yaml.insert(yaml.find(k_sc) + std::string_view(k_sc).size(),
              "            runAsUser: 1001\n            seccompProfile:\n              type: "
              "Localhost\n              localhostProfile: web.json\n");
  const auto specs = read_ok(yaml);
  ASSERT_EQ(specs.size(), 1U);
  ASSERT_TRUE(specs[0].user.has_value());
  EXPECT_EQ(specs[0].user->value, "1001");
  EXPECT_EQ(ids_of(yaml), (std::multiset<std::string>{"RC007", "RC045"}));
}

TEST(Kubernetes, InitAndEphemeralContainersAreChecked) {
  auto yaml = edited({k_pod, "      initContainers:\n"
                             "        - name: setup\n"
                             "          image: busybox:1.36\n"
                             "          securityContext:\n"
                             "            privileged: true\n"
                             "      ephemeralContainers:\n"
                             "        - name: debug\n"
                             "          image: busybox:1.36\n"});
  const auto specs = read_ok(yaml);
  ASSERT_EQ(specs.size(), 3U);
  EXPECT_EQ(specs[1].k8s->role, "init container");
  EXPECT_EQ(specs[2].k8s->role, "ephemeral container");
  std::multiset<std::string> setup, debug;
  for (const auto& f : moat::runconf::check(specs)) {
    if (f.message.starts_with("Deployment 'web' init container 'setup'"))
      setup.emplace(f.check->id);
    if (f.message.starts_with("Deployment 'web' ephemeral container 'debug'"))
      debug.emplace(f.check->id);
  }
  // Init containers have no probes to expect; ephemeral ones no resources.
  EXPECT_EQ(setup, (std::multiset<std::string>{"RC001", "RC020", "RC021", "RC023", "RC047"}));
  EXPECT_EQ(debug, (std::multiset<std::string>{"RC009", "RC023", "RC047"}));
}

TEST(Kubernetes, PodLevelFindingsAreReportedOncePerPod) {
  auto yaml = edited({k_pod, "      hostPID: true\n"});
  yaml += R"(        - name: sidecar
          image: registry.example.com/proxy:2.0.1
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          resources:
            limits: {memory: 32Mi, cpu: 100m}
          readinessProbe:
            tcpSocket: {port: 9000}
)";
  const auto findings = moat::runconf::check(read_ok(yaml));
  ASSERT_EQ(findings.size(), 1U);
  EXPECT_EQ(findings[0].check->id, std::string_view("RC015"));
  EXPECT_EQ(findings[0].message, "Deployment 'web': shares the host's PID namespace");
  // The key that set it.
  EXPECT_EQ(findings[0].location.file, "app.yaml");
  EXPECT_EQ(findings[0].location.line, 12);
  EXPECT_EQ(findings[0].location.column, 7);
}

TEST(Kubernetes, FindingsPointAtTheKeyOrTheContainer) {
  auto yaml = edited({k_sc, "            privileged: true\n"});
  yaml.replace(yaml.find("              memory: 64Mi\n"), 27, "");
  std::map<std::string, std::pair<int, int>> at;
  for (const auto& f : moat::runconf::check(read_ok(yaml))) {
    at[std::string(f.check->id)] = {f.location.line, f.location.column};
    EXPECT_THAT(f.message, HasSubstr("Deployment 'web' container 'app': "));
  }
  EXPECT_EQ(at["RC001"], std::make_pair(28, 13)); // privileged:
  EXPECT_EQ(at["RC020"], std::make_pair(25, 11)); // - name: app (no memory limit)
}

TEST(Kubernetes, EveryWorkloadKindMultipleDocumentsAndLists) {
  const std::string pod_spec = R"(      containers:
        - name: c
          image: busybox:1.36
)";
  auto indent = [](const std::string& text, int by) {
    std::string out;
    std::string pad(static_cast<std::size_t>(by), ' ');
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('\n', start);
      out += pad + text.substr(start, end - start + 1);
      start = end + 1;
    }
    return out;
  };
  // The Pod's containers sit under spec directly.
  std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: prod\nspec:\n"
                     "  containers:\n    - name: c\n      image: busybox:1.36\n";
  for (const char* kind : {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"})
    yaml += fmt::format("---\napiVersion: apps/v1\nkind: {}\nmetadata:\n  name: w\nspec:\n"
                        "  template:\n    spec:\n{}",
                        kind, pod_spec);
  yaml += "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n"
          "  schedule: '0 3 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" +
          indent(pod_spec, 4);
  yaml +=
      "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n";
  yaml += "---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod\n"
          "    metadata: {name: listed}\n    spec:\n      containers:\n"
          "        - {name: c, image: 'busybox:1.36'}\n";
  const auto specs = read_ok(yaml);
  std::vector<std::string> pods;
  for (const auto& s : specs)
    pods.push_back(s.pod);
  EXPECT_THAT(pods, ::testing::ElementsAre("Pod 'prod/p'", "Deployment 'w'", "ReplicaSet 'w'",
                                           "StatefulSet 'w'", "DaemonSet 'w'", "Job 'w'",
                                           "CronJob 'nightly'", "Pod 'listed'"));
  // A Job's pod runs to completion: no probe is expected of it.
  std::size_t no_probe = 0;
  for (const auto& f : moat::runconf::check(specs)) {
    if (f.check->id != std::string_view("RC028"))
      continue;
    ++no_probe;
    EXPECT_THAT(f.message, ::testing::Not(HasSubstr("Job")));
  }
  EXPECT_EQ(no_probe, 6U); // the two Pods and the four other workloads
}

TEST(Kubernetes, QuantitiesAreReadAsTheApiServerReadsThem) {
  auto with = [](const char* memory, const char* cpu) {
    auto yaml = std::string(k_hardened);
    yaml.replace(yaml.find("memory: 64Mi"), 12, std::string("memory: ") + memory);
    yaml.replace(yaml.find("cpu: 500m"), 9, std::string("cpu: ") + cpu);
    return yaml;
  };
  auto spec = read_ok(with("1Gi", "2"));
  ASSERT_EQ(spec.size(), 1U);
  EXPECT_EQ(spec[0].memory.value, 1073741824);
  EXPECT_EQ(spec[0].nano_cpus.value, 2000000000);
  spec = read_ok(with("129e6", "0.25"));
  EXPECT_EQ(spec[0].memory.value, 129000000);
  EXPECT_EQ(spec[0].nano_cpus.value, 250000000);
  spec = read_ok(with("500M", "100m"));
  EXPECT_EQ(spec[0].memory.value, 500000000);
  EXPECT_EQ(spec[0].nano_cpus.value, 100000000);
  for (const auto& bad : {with("lots", "1"), with("64Mi", "1x"), with("-1Gi", "1")}) {
    auto r = read_kubernetes(bad, "app.yaml");
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_THAT(r.error().message, HasSubstr("is not a quantity"));
  }
}

TEST(Kubernetes, BadManifestsAreRefusedWithWhereAndWhy) {
  struct Bad {
    std::string yaml;
    const char* says;
  };
  const std::vector<Bad> cases = {
      {"apiVersion: v1\nkind: Pod\nspec: [unclosed\n", "invalid YAML"},
      {"apiVersion: v1\nmetadata: {name: x}\n", "no 'kind'"},
      {"- just\n- a list\n", "not a Kubernetes object"},
      {"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}\n",
       "has no spec.template"},
      {edited({"", "runAsUser: lots", "runAsUser: 1000"}), "runAsUser must be an integer"},
      {edited({"", "privileged: maybe\n", "allowPrivilegeEscalation: false\n"}),
       "privileged must be true or false"},
      {edited({"", "- name: nowhere\n              mountPath: /x",
               "- name: cache\n              mountPath: /var/cache/web"}),
       "no volume named 'nowhere'"},
      {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {app: 1}\n",
       "containers must be a list"},
      {edited({"", "hostPort: 70000\n", "containerPort: 8080\n"}), "hostPort must be a port"},
  };
  for (const auto& c : cases) {
    auto r = read_kubernetes(c.yaml, "app.yaml");
    ASSERT_FALSE(r.has_value()) << c.yaml;
    EXPECT_EQ(r.error().input, "app.yaml");
    EXPECT_THAT(r.error().message, HasSubstr(c.says)) << c.yaml;
    EXPECT_GT(r.error().line, 0) << c.says;
  }
}

TEST(Kubernetes, UserNamespacesAndWindowsPodsRelaxTheirControls) {
  // hostUsers: false: root inside is not root on the node.
  auto yaml = edited({"", "runAsUser: 0", "runAsUser: 1000"});
  yaml.replace(yaml.find("        runAsNonRoot: true\n"), 27, "");
  yaml.insert(yaml.find(k_pod) + std::string_view(k_pod).size(), "      hostUsers: false\n");
  EXPECT_EQ(ids_of(yaml), (std::multiset<std::string>{"RC024"}));
  // A Windows pod: no seccomp, capabilities or allowPrivilegeEscalation.
  yaml = edited({k_pod, "      os:\n        name: windows\n"});
  for (const char* line :
       {"        seccompProfile:\n          type: RuntimeDefault\n",
        "            allowPrivilegeEscalation: false\n", "              drop: [ALL]\n"})
    yaml.replace(yaml.find(line), std::string_view(line).size(), "");
  EXPECT_THAT(ids_of(yaml), ::testing::IsEmpty());
}

// Positions are in the whole stream, whatever document they are in; a
// stray flow indicator is an empty document, not a hang (yaml-cpp's own
// LoadAll never returns on it).
TEST(Kubernetes, DocumentsKeepTheirLinesAndStrayTokensEnd) {
  const std::string yaml = "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\n"
                           "metadata: {name: c}\n...\n--- \napiVersion: v1\nkind: Pod\n"
                           "metadata: {name: p}\nspec:\n  hostIPC: true\n  containers:\n"
                           "    - {name: c, image: 'busybox:1.36'}\n";
  bool found = false;
  for (const auto& f : moat::runconf::check(read_ok(yaml)))
    if (f.check->id == std::string_view("RC016")) {
      found = true;
      EXPECT_EQ(f.location.line, 12);
      EXPECT_EQ(f.location.column, 3);
    }
  EXPECT_TRUE(found);
  for (const char* stray : {",", ",.", "---\n,\n---\n,"})
    EXPECT_THAT(read_ok(stray), ::testing::IsEmpty());
  auto bad = read_kubernetes("apiVersion: v1\n---\nkind: Pod\nspec: [\n", "app.yaml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_GE(bad.error().line, 3);
}

TEST(Kubernetes, TellsManifestsFromComposeFiles) {
  EXPECT_TRUE(moat::runconf::looks_like_kubernetes(k_hardened));
  EXPECT_TRUE(moat::runconf::looks_like_kubernetes("---\napiVersion: v1\nkind: List\nitems: []\n"));
  EXPECT_FALSE(moat::runconf::looks_like_kubernetes("services:\n  web:\n    image: x\n"));
  EXPECT_FALSE(moat::runconf::looks_like_kubernetes(
      "services:\n  web:\n    labels:\n      kind: x\n      apiVersion: y\n"));
}

} // namespace
// command replaces the image's ENTRYPOINT and args its CMD.
TEST(Kubernetes, CommandAndArgsAreRead) {
  auto specs = read_ok("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
                       "  - name: a\n    image: x:1\n    command: [\"nginx\"]\n"
                       "    args: [\"-g\", \"daemon off;\"]\n  - name: b\n    image: x:1\n");
  ASSERT_EQ(specs.size(), 2U);
  EXPECT_EQ(specs[0].entrypoint, (std::vector<std::string>{"nginx"}));
  EXPECT_EQ(specs[0].command, (std::vector<std::string>{"-g", "daemon off;"}));
  EXPECT_FALSE(specs[1].entrypoint.has_value());
  EXPECT_FALSE(specs[1].command.has_value());
}

} // namespace runconf_kubernetes_test
