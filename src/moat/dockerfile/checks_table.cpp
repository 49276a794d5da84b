// The Dockerfile checks: one sorted table. Aliases are the ids hadolint (DL),
// Trivy (DS) and dockle (CIS-DI, DKL-DI) use for the same problem.

#include <moat/dockerfile/checks.hpp>

#include <array>

namespace moat::dockerfile::detail {

namespace {
using core::Severity;

constexpr std::array<core::CheckInfo, 129> k_checks{{
    {"DF001", "DL3000,DS-0009", Severity::medium, "WORKDIR is a relative path",
     "A relative WORKDIR depends on the working directory the base image left behind, so the same "
     "Dockerfile can put files in different places when the base image changes.",
     "Use an absolute path: WORKDIR /app.",
     "https://github.com/hadolint/hadolint/wiki/DL3000 https://avd.aquasec.com/misconfig/ds009"},
    {"DF002", "DL3001", Severity::info, "Command that makes no sense in a container build",
     "Interactive or system-management tools (ssh, vim, service, shutdown, ps, top, kill, mount, "
     "ifconfig) do nothing useful during a build and often mean the image is treated like a "
     "virtual machine.",
     "Remove the command; manage processes from the container runtime and edit files before the "
     "build.",
     "https://github.com/hadolint/hadolint/wiki/DL3001"},
    {"DF003", "DL3002,DS-0002,CIS-DI-0001", Severity::high, "Final USER is root",
     "A container running as root gives an attacker who breaks the application root inside the "
     "container, and root on the host when combined with a mount, a capability or a runtime "
     "escape.",
     "Create an unprivileged user and end the final stage with USER <name or uid>.",
     "https://github.com/hadolint/hadolint/wiki/DL3002 https://avd.aquasec.com/misconfig/ds002",
     "hadolint also fires when an intermediate stage that the final image does not build on ends "
     "as root; moat does not, because such a stage is never run as a container: only the user of "
     "the final image (and the stages it builds on) is the user the container runs as."},
    {"DF004", "DS-0002,CIS-DI-0001", Severity::medium, "Final stage sets no USER",
     "Without a USER instruction the container runs as root (uid 0) unless the base image chose "
     "otherwise, which widens the damage of any compromise.",
     "Add a user (RUN useradd -r -u 10001 app) and set USER app in the final stage.",
     "https://avd.aquasec.com/misconfig/ds002 "
     "https://docs.docker.com/build/building/best-practices/#user"},
    {"DF005", "DL3003,DS-0013", Severity::low, "cd used to change directory in RUN",
     "A cd lasts for one RUN only and hides where later instructions run; WORKDIR states it once "
     "for every instruction that follows.",
     "Use WORKDIR /path, or run the command in a subshell: (cd dir && make).",
     "https://github.com/hadolint/hadolint/wiki/DL3003 https://avd.aquasec.com/misconfig/ds013"},
    {"DF006", "DL3004,DS-0010,DKL-DI-0001", Severity::high, "sudo used in RUN",
     "sudo has unpredictable TTY and signal behaviour in containers, and its presence means the "
     "image carries a privilege-escalation tool.",
     "Run the step as root before switching USER, or use gosu/su-exec in an entrypoint.",
     "https://github.com/hadolint/hadolint/wiki/DL3004 https://avd.aquasec.com/misconfig/ds010"},
    {"DF007", "DL3006,DS-0001", Severity::medium, "Base image has no tag",
     "An untagged image means :latest, so every build can pull a different image with different "
     "packages and vulnerabilities.",
     "Pin a version tag (FROM debian:12.7-slim), or better a digest.",
     "https://github.com/hadolint/hadolint/wiki/DL3006 https://avd.aquasec.com/misconfig/ds001"},
    {"DF008", "DL3007,DS-0001,DKL-DI-0006", Severity::medium, "Base image uses the latest tag",
     "The latest tag moves; builds are not reproducible and an upstream change can silently break "
     "or weaken the image.",
     "Pin a release tag, or a digest (FROM image@sha256:...).",
     "https://github.com/hadolint/hadolint/wiki/DL3007 https://avd.aquasec.com/misconfig/ds001"},
    {"DF009", "DL3008", Severity::low, "apt-get install without pinned versions",
     "Unpinned packages make builds unreproducible: a rebuild can pull a different version than "
     "the one that was tested.",
     "Pin versions: apt-get install -y curl=7.88.1-10+deb12u8.",
     "https://github.com/hadolint/hadolint/wiki/DL3008"},
    {"DF010", "DL3009,DKL-DI-0005", Severity::low, "apt lists left in the image",
     "The package index in /var/lib/apt/lists adds tens of megabytes and goes stale; it only "
     "belongs in the build.",
     "End the RUN that installs packages with rm -rf /var/lib/apt/lists/*, or use a cache mount.",
     "https://github.com/hadolint/hadolint/wiki/DL3009"},
    {"DF011", "DL3010", Severity::info, "Archive copied and unpacked in separate steps",
     "COPY of an archive followed by RUN tar keeps the archive in a layer; ADD unpacks a local "
     "archive directly.",
     "Use ADD archive.tar.gz /dest/ for local archives, or unpack in the stage that needs them.",
     "https://github.com/hadolint/hadolint/wiki/DL3010"},
    {"DF012", "DL3011,DS-0008", Severity::high, "EXPOSE port out of range",
     "Valid ports are 0-65535; anything else is a mistake that Docker rejects at run time.",
     "Fix the port number.",
     "https://github.com/hadolint/hadolint/wiki/DL3011 https://avd.aquasec.com/misconfig/ds008"},
    {"DF013", "DL3012,DS-0023", Severity::medium, "Several HEALTHCHECK instructions in a stage",
     "Only the last HEALTHCHECK takes effect; the others mislead readers.",
     "Keep one HEALTHCHECK per stage.",
     "https://github.com/hadolint/hadolint/wiki/DL3012 https://avd.aquasec.com/misconfig/ds023"},
    {"DF014", "DL3013", Severity::low, "pip install without pinned versions",
     "Unpinned Python packages make builds unreproducible and can pull a compromised newer "
     "release.",
     "Pin versions (pip install flask==3.0.3) or install from a locked requirements file.",
     "https://github.com/hadolint/hadolint/wiki/DL3013",
     "hadolint also fires on pip install --upgrade pip (or setuptools, wheel); moat does not, "
     "because upgrading the installer itself before a pinned install does not change what the "
     "image runs."},
    {"DF015", "DL3014,DS-0021", Severity::medium, "apt-get install without -y",
     "Without -y apt-get asks for confirmation, which a build cannot give, so the build fails or "
     "behaves unexpectedly.",
     "Use apt-get install -y.",
     "https://github.com/hadolint/hadolint/wiki/DL3014 https://avd.aquasec.com/misconfig/ds021"},
    {"DF016", "DL3015,DS-0029", Severity::low, "apt-get install without --no-install-recommends",
     "Recommended packages add size and attack surface that the application does not need.",
     "Use apt-get install -y --no-install-recommends.",
     "https://github.com/hadolint/hadolint/wiki/DL3015 https://avd.aquasec.com/misconfig/ds029"},
    {"DF017", "DL3016", Severity::low, "npm install without pinned versions",
     "Unpinned npm packages make builds unreproducible and can pull a compromised newer release.",
     "Pin versions (npm install express@4.19.2) or use npm ci with a lock file.",
     "https://github.com/hadolint/hadolint/wiki/DL3016"},
    {"DF018", "DL3018", Severity::low, "apk add without pinned versions",
     "Unpinned packages make builds unreproducible.",
     "Pin versions: apk add --no-cache curl=8.5.0-r0.",
     "https://github.com/hadolint/hadolint/wiki/DL3018"},
    {"DF019", "DL3019,DS-0025,DKL-DI-0004", Severity::low, "apk add without --no-cache",
     "Without --no-cache the package index stays in /var/cache/apk and bloats the image.",
     "Use apk add --no-cache.",
     "https://github.com/hadolint/hadolint/wiki/DL3019 https://avd.aquasec.com/misconfig/ds025"},
    {"DF020", "DL3020,DS-0005,CIS-DI-0009", Severity::medium, "ADD used for local files",
     "ADD can fetch URLs and unpack archives implicitly; for plain files COPY says exactly what "
     "happens and nothing more.",
     "Use COPY for local files and directories.",
     "https://github.com/hadolint/hadolint/wiki/DL3020 https://avd.aquasec.com/misconfig/ds005"},
    {"DF021", "DL3021,DS-0011", Severity::high,
     "COPY with several sources to a destination without a trailing slash",
     "With more than one source the destination must be a directory, written with a trailing '/'; "
     "otherwise the build fails.",
     "End the destination with '/'.",
     "https://github.com/hadolint/hadolint/wiki/DL3021 https://avd.aquasec.com/misconfig/ds011"},
    {"DF022", "DL3022", Severity::medium, "COPY --from names no earlier stage",
     "COPY --from with a name that is not an earlier stage is pulled as an image from a registry, "
     "which is rarely what was meant.",
     "Name an earlier stage (FROM ... AS build) or use a full image reference with a tag.",
     "https://github.com/hadolint/hadolint/wiki/DL3022"},
    {"DF023", "DL3023,DS-0006", Severity::high, "COPY --from refers to its own stage",
     "A stage cannot copy from itself; the build fails.", "Copy from an earlier stage.",
     "https://github.com/hadolint/hadolint/wiki/DL3023 https://avd.aquasec.com/misconfig/ds006"},
    {"DF024", "DL3024,DS-0012,DuplicateStageName", Severity::high, "Duplicate stage name",
     "Two stages with the same name make COPY --from and --target ambiguous.",
     "Give every stage a unique name.",
     "https://github.com/hadolint/hadolint/wiki/DL3024 https://avd.aquasec.com/misconfig/ds012"},
    {"DF025", "DL3025", Severity::medium, "CMD, ENTRYPOINT or HEALTHCHECK CMD in shell form",
     "In shell form the process runs under /bin/sh -c and does not receive SIGTERM, so containers "
     "do not stop cleanly; a shell-form health check also needs a shell in the image.",
     "Use the JSON form: CMD [\"app\", \"--flag\"].",
     "https://github.com/hadolint/hadolint/wiki/DL3025"},
    {"DF026", "DL3026", Severity::high, "Base image from a registry that is not allowed",
     "Images from unvetted registries bypass an organisation's supply-chain controls.",
     "Use an image from one of the allowed registries (allowed-registries in .moat.yaml).",
     "https://github.com/hadolint/hadolint/wiki/DL3026"},
    {"DF027", "DL3027", Severity::medium, "apt used instead of apt-get",
     "apt's command-line interface is not stable for scripts and prints warnings in builds.",
     "Use apt-get or apt-cache.", "https://github.com/hadolint/hadolint/wiki/DL3027"},
    {"DF028", "DL3028", Severity::low, "gem install without pinned versions",
     "Unpinned gems make builds unreproducible.",
     "Pin versions: gem install rails:7.1.3 or gem install rails -v 7.1.3.",
     "https://github.com/hadolint/hadolint/wiki/DL3028"},
    {"DF029", "DL3029", Severity::medium, "FROM with a fixed --platform",
     "A hard-coded platform breaks multi-platform builds and can run emulated binaries "
     "unexpectedly.",
     "Drop --platform, or use a build argument such as --platform=$BUILDPLATFORM.",
     "https://github.com/hadolint/hadolint/wiki/DL3029"},
    {"DF030", "DL3030", Severity::medium, "yum install without -y",
     "Without -y yum asks for confirmation, which a build cannot give.", "Use yum install -y.",
     "https://github.com/hadolint/hadolint/wiki/DL3030"},
    {"DF031", "DL3032,DS-0015", Severity::low, "yum clean all missing",
     "The yum cache stays in the layer and bloats the image.",
     "Add && yum clean all to the RUN that installs packages.",
     "https://github.com/hadolint/hadolint/wiki/DL3032 https://avd.aquasec.com/misconfig/ds015"},
    {"DF032", "DL3033", Severity::low, "yum install without pinned versions",
     "Unpinned packages make builds unreproducible.", "Pin versions: yum install -y httpd-2.4.57.",
     "https://github.com/hadolint/hadolint/wiki/DL3033"},
    {"DF033", "DL3034", Severity::medium, "zypper without a non-interactive switch",
     "Without -n/-y zypper asks for confirmation, which a build cannot give.",
     "Use zypper install -y (or zypper -n install).",
     "https://github.com/hadolint/hadolint/wiki/DL3034"},
    {"DF034", "DL3035", Severity::medium, "zypper dist-upgrade used",
     "Upgrading the whole distribution in a build makes the image unpredictable; pick a newer base "
     "image instead.",
     "Use a newer base image tag.", "https://github.com/hadolint/hadolint/wiki/DL3035"},
    {"DF035", "DL3036,DS-0020", Severity::low, "zypper clean missing",
     "The zypper cache stays in the layer and bloats the image.",
     "Add && zypper clean to the RUN that installs packages.",
     "https://github.com/hadolint/hadolint/wiki/DL3036 https://avd.aquasec.com/misconfig/ds020"},
    {"DF036", "DL3037", Severity::low, "zypper install without pinned versions",
     "Unpinned packages make builds unreproducible.",
     "Pin versions: zypper install -y httpd=2.4.57.",
     "https://github.com/hadolint/hadolint/wiki/DL3037"},
    {"DF037", "DL3038", Severity::medium, "dnf install without -y",
     "Without -y dnf asks for confirmation, which a build cannot give.", "Use dnf install -y.",
     "https://github.com/hadolint/hadolint/wiki/DL3038"},
    {"DF038", "DL3040,DS-0019,DS-0027", Severity::low, "dnf clean all missing",
     "The dnf (or microdnf) cache stays in the layer and bloats the image.",
     "Add && dnf clean all to the RUN that installs packages.",
     "https://github.com/hadolint/hadolint/wiki/DL3040 https://avd.aquasec.com/misconfig/ds019"},
    {"DF039", "DL3041", Severity::low, "dnf install without pinned versions",
     "Unpinned packages make builds unreproducible.", "Pin versions: dnf install -y httpd-2.4.57.",
     "https://github.com/hadolint/hadolint/wiki/DL3041"},
    {"DF040", "DL3042", Severity::low, "pip install without --no-cache-dir",
     "pip's download cache stays in the image and adds size without use.",
     "Use pip install --no-cache-dir, set PIP_NO_CACHE_DIR=1, or use a cache mount.",
     "https://github.com/hadolint/hadolint/wiki/DL3042",
     "hadolint also fires when PIP_NO_CACHE_DIR holds a false value (0, off, no, false); moat "
     "does not, because pip turns its cache off for any valid boolean value of "
     "PIP_NO_CACHE_DIR, false ones included (pip's _handle_no_cache_dir); only a value pip "
     "rejects leaves the cache on."},
    {"DF041", "DL3043", Severity::high, "ONBUILD, FROM or MAINTAINER as an ONBUILD trigger",
     "BuildKit rejects these triggers, so every build that uses the image as a base fails.",
     "Remove the trigger.", "https://github.com/hadolint/hadolint/wiki/DL3043"},
    {"DF042", "DL3044", Severity::medium, "ENV refers to a variable defined in the same ENV",
     "Within one ENV instruction references see the old values, so the new definition is not used.",
     "Split the ENV into two instructions.", "https://github.com/hadolint/hadolint/wiki/DL3044"},
    {"DF043", "DL3045", Severity::medium, "COPY to a relative destination without WORKDIR",
     "The destination then depends on the base image's working directory.",
     "Set WORKDIR first or use an absolute destination.",
     "https://github.com/hadolint/hadolint/wiki/DL3045"},
    {"DF044", "DL3046", Severity::low, "useradd with a high UID and without -l",
     "Without -l useradd writes a sparse /var/log/lastlog sized by the UID, which tar layers turn "
     "into gigabytes.",
     "Use useradd -l -u <uid>.", "https://github.com/hadolint/hadolint/wiki/DL3046"},
    {"DF045", "DL3047", Severity::info, "wget without --progress",
     "wget's default progress output floods build logs for large downloads.",
     "Use wget --progress=dot:giga, -q or -nv.",
     "https://github.com/hadolint/hadolint/wiki/DL3047"},
    {"DF046", "DL3048", Severity::info, "Invalid label key",
     "Label keys should use lower-case alphanumerics, '.' and '-', and stay out of the reserved "
     "com.docker/io.docker/org.dockerproject namespaces.",
     "Rename the label, preferably into the org.opencontainers.image namespace.",
     "https://github.com/hadolint/hadolint/wiki/DL3048 "
     "https://docs.docker.com/engine/manage-resources/labels/"},
    {"DF047", "DL3057,DS-0026,CIS-DI-0006", Severity::low, "No HEALTHCHECK in the final image",
     "Without a health check the runtime cannot tell a hung service from a healthy one.",
     "Add HEALTHCHECK CMD <probe>, or HEALTHCHECK NONE to state that none is wanted.",
     "https://github.com/hadolint/hadolint/wiki/DL3057 https://avd.aquasec.com/misconfig/ds026"},
    {"DF048", "DL3059", Severity::info, "Consecutive RUN instructions",
     "Every RUN makes a layer; consecutive RUNs can usually be merged into one.",
     "Join the commands with && in one RUN.", "https://github.com/hadolint/hadolint/wiki/DL3059"},
    {"DF049", "DL3060", Severity::info, "yarn cache clean missing",
     "The yarn cache stays in the layer and bloats the image.",
     "Add && yarn cache clean to the RUN, or use a cache mount.",
     "https://github.com/hadolint/hadolint/wiki/DL3060"},
    {"DF050", "DL3061", Severity::high, "Instruction before the first FROM",
     "Only ARG (and parser directives and comments) may come before the first FROM; BuildKit "
     "rejects anything else.",
     "Move the instruction after FROM.", "https://github.com/hadolint/hadolint/wiki/DL3061"},
    {"DF051", "DL3062", Severity::low, "go install without a pinned version",
     "go install without @version (or with @latest) pulls whatever is newest at build time.",
     "Pin a version: go install example.com/tool@v1.2.3.",
     "https://github.com/hadolint/hadolint/wiki/DL3062"},
    {"DF052", "DL4000,DS-0022,MaintainerDeprecated", Severity::low, "MAINTAINER is deprecated",
     "MAINTAINER is deprecated; labels carry the same information in a standard way.",
     "Use LABEL org.opencontainers.image.authors=\"name <email>\".",
     "https://github.com/hadolint/hadolint/wiki/DL4000 https://avd.aquasec.com/misconfig/ds022"},
    {"DF053", "DL4001,DS-0014", Severity::low, "Both wget and curl used",
     "Installing and using two download tools adds size and attack surface.",
     "Use one of them throughout the stage.",
     "https://github.com/hadolint/hadolint/wiki/DL4001 https://avd.aquasec.com/misconfig/ds014"},
    {"DF054", "DL4003,DS-0016", Severity::medium, "Several CMD instructions in a stage",
     "Only the last CMD takes effect; the others mislead readers.", "Keep one CMD per stage.",
     "https://github.com/hadolint/hadolint/wiki/DL4003 https://avd.aquasec.com/misconfig/ds016"},
    {"DF055", "DL4004,DS-0007", Severity::high, "Several ENTRYPOINT instructions in a stage",
     "Only the last ENTRYPOINT takes effect; the others mislead readers.",
     "Keep one ENTRYPOINT per stage.",
     "https://github.com/hadolint/hadolint/wiki/DL4004 https://avd.aquasec.com/misconfig/ds007"},
    {"DF056", "DL4005", Severity::medium, "/bin/sh replaced by a link",
     "Relinking /bin/sh changes the shell for every later step and for the packages' maintainer "
     "scripts.",
     "Use the SHELL instruction: SHELL [\"/bin/bash\", \"-c\"].",
     "https://github.com/hadolint/hadolint/wiki/DL4005"},
    {"DF057", "DL4006,DS-0032", Severity::medium, "Pipe in RUN without pipefail",
     "A pipeline's status is that of its last command, so a failed download piped into another "
     "command does not fail the build.",
     "Set SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"] or start the RUN with set -o "
     "pipefail &&.",
     "https://github.com/hadolint/hadolint/wiki/DL4006 https://avd.aquasec.com/misconfig/ds-0032"},
    {"DF058", "DS-0017,CIS-DI-0007", Severity::high, "Package index update alone in a RUN",
     "A RUN with only apt-get update (or apk update) is cached as its own layer, so later installs "
     "use a stale index and can install outdated, vulnerable packages.",
     "Combine update and install in one RUN: apt-get update && apt-get install -y ...",
     "https://avd.aquasec.com/misconfig/ds017 "
     "https://docs.docker.com/build/building/best-practices/#apt-get"},
    {"DF059", "DL3005,DS-0024,DKL-DI-0003", Severity::medium, "apt-get dist-upgrade used",
     "Upgrading the whole distribution in a build makes the image unpredictable and can break it; "
     "a newer base image does the same reproducibly.",
     "Use a newer base image tag; install only the packages you need.",
     "https://avd.aquasec.com/misconfig/ds024"},
    {"DF060", "DS-0004", Severity::medium, "Port 22 exposed",
     "Exposing SSH suggests an SSH server in the container, an extra way in that is rarely "
     "patched.",
     "Remove EXPOSE 22 and use docker exec for access.", "https://avd.aquasec.com/misconfig/ds004"},
    {"DF061", "", Severity::medium, "SSH server installed or started",
     "An SSH server in a container adds a network service, keys and passwords to manage, and a way "
     "in around the runtime's controls.",
     "Remove the SSH server; use docker exec or kubectl exec for access.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF062", "DS-0030,DKL-DI-0002", Severity::high, "WORKDIR or VOLUME on a host system directory",
     "Working in or declaring volumes on /proc, /sys, /dev or /boot invites mounting host system "
     "directories into the container.",
     "Use an application directory such as /app or /data.",
     "https://avd.aquasec.com/misconfig/ds030"},
    {"DF063", "DS-0031,CIS-DI-0010,SecretsUsedInArgOrEnv", Severity::high,
     "Secret-looking name in ENV or ARG",
     "A name such as DB_PASSWORD or API_TOKEN says the value is a secret. ENV values are stored in "
     "the image config and ARG values in its history, readable by anyone who can pull the image. "
     "The name is judged as BuildKit does: one of apikey, auth, credential(s), key, password, "
     "pword, passwd, secret or token as the whole name or a part between underscores, unless a "
     "part is public, file or version.",
     "Use build secrets (RUN --mount=type=secret) and pass run-time secrets from the orchestrator.",
     "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/ "
     "https://avd.aquasec.com/misconfig/ds031 https://docs.docker.com/build/building/secrets/"},
    {"DF064", "DS-0031,CIS-DI-0010", Severity::critical, "Secret value in the Dockerfile",
     "A credential written into the Dockerfile (a cloud key, a token, a private key) is in every "
     "copy of the source and of the image.",
     "Revoke the credential, remove it, and use build secrets (RUN --mount=type=secret).",
     "https://avd.aquasec.com/misconfig/ds031 https://docs.docker.com/build/building/secrets/"},
    {"DF065", "DS-0031", Severity::high, "Credential or key file copied into the image",
     "Files such as .env, id_rsa, .aws, .npmrc, .git or *.pem copied into a layer stay in the "
     "image even if a later step deletes them.",
     "Exclude the files in .dockerignore and use build secrets or run-time mounts.",
     "https://docs.docker.com/build/concepts/context/#dockerignore-files"},
    {"DF066", "", Severity::medium, "Whole build context copied without a .dockerignore",
     "COPY . with no .dockerignore sends everything in the directory (.git, .env, keys, build "
     "output) into the image.",
     "Add a .dockerignore beside the Dockerfile, or copy only the files needed.",
     "https://docs.docker.com/build/concepts/context/#dockerignore-files"},
    {"DF067", "", Severity::high, "TLS certificate verification disabled",
     "curl -k, wget --no-check-certificate, git http.sslVerify=false, npm strict-ssl false or pip "
     "--trusted-host let a network attacker replace what the build downloads.",
     "Keep verification on; install the right CA certificate if a private CA is used.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF068", "", Severity::high, "Packages installed without signature verification",
     "--allow-unauthenticated, --allow-insecure-repositories, --allow-untrusted or --nogpgcheck "
     "let a tampered package into the image.",
     "Remove the option and import the repository's signing key.",
     "https://wiki.debian.org/SecureApt"},
    {"DF069", "", Severity::medium, "ADD of a URL without --checksum",
     "A remote file fetched by ADD is not verified; a compromised server or mirror changes the "
     "image.",
     "Use ADD --checksum=sha256:<digest> <url> <dest>.",
     "https://docs.docker.com/reference/dockerfile/#add---checksum"},
    {"DF070", "", Severity::high, "Download piped into a shell",
     "curl ... | sh runs whatever the server sends, unverified, as the build user.",
     "Download to a file, verify its checksum or signature, then run it.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF071", "CIS-DI-0008", Severity::high, "setuid or setgid bit set",
     "setuid/setgid programs run with their owner's privileges and are the classic way to escalate "
     "inside a container.",
     "Do not set these bits; if the image inherits such files, remove the bits (chmod a-s).",
     "https://docs.docker.com/engine/security/"},
    {"DF072", "", Severity::high, "World-writable permissions",
     "World-writable files and directories (chmod 777, o+w) let any process in the container "
     "change programs or data.",
     "Grant write access to the owning user or group only (chmod 755, 750).",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF073", "", Severity::info, "Base image not pinned by digest",
     "A tag can be moved to another image at any time; only a digest names exactly one image.",
     "Pin the digest: FROM debian:12.7-slim@sha256:...",
     "https://docs.docker.com/reference/dockerfile/#from"},
    {"DF074", "NoEmptyContinuation", Severity::info, "Empty continuation line",
     "An empty line inside a continued instruction is deprecated and will become an error in "
     "BuildKit.",
     "Remove the empty line or end the previous line without the escape character.",
     "https://docs.docker.com/reference/build-checks/"},
    {"DF075", "", Severity::high, "Unknown instruction",
     "BuildKit rejects instructions it does not know, so the build fails.",
     "Fix the spelling of the instruction.", "https://docs.docker.com/reference/dockerfile/"},
    {"DF076", "ConsistentInstructionCasing", Severity::info, "Instruction casing is inconsistent",
     "Mixing upper- and lower-case instructions makes a Dockerfile harder to read; BuildKit warns "
     "about it.",
     "Write every instruction in upper case.",
     "https://docs.docker.com/reference/build-checks/consistent-instruction-casing/"},
    {"DF077", "FromAsCasing", Severity::info, "FROM and AS casing differ",
     "BuildKit warns when the AS keyword's case does not match FROM's.",
     "Write FROM ... AS name (or from ... as name) consistently.",
     "https://docs.docker.com/reference/build-checks/from-as-casing/"},
    {"DF078", "InvalidDefaultArgInFrom", Severity::medium, "FROM uses an ARG with no default value",
     "If the build argument is not passed, the image reference expands to an empty or partial name "
     "and the build fails or pulls something unexpected.",
     "Give the ARG a default value before the first FROM: ARG BASE=debian:12.",
     "https://docs.docker.com/reference/build-checks/invalid-default-arg-in-from/"},
    {"DF079", "LegacyKeyValueFormat", Severity::low, "Legacy 'KEY value' form in ENV or LABEL",
     "The space-separated form sets only one variable and its meaning surprises readers; BuildKit "
     "warns about it.",
     "Use KEY=value.", "https://docs.docker.com/reference/build-checks/legacy-key-value-format/"},
    {"DF080", "DL3065,RedundantTargetPlatform", Severity::info,
     "Redundant --platform=$TARGETPLATFORM",
     "FROM already uses the target platform; the flag adds nothing.",
     "Remove --platform=$TARGETPLATFORM.",
     "https://docs.docker.com/reference/build-checks/redundant-target-platform/"},
    {"DF081", "DL3063,ReservedStageName", Severity::high, "Reserved stage name",
     "'scratch' and 'context' have special meanings; a stage named so is ambiguous and BuildKit "
     "rejects or warns about it.",
     "Choose another stage name.",
     "https://docs.docker.com/reference/build-checks/reserved-stage-name/"},
    {"DF082", "StageNameCasing", Severity::info, "Stage name is not lower case",
     "Stage names are matched case-insensitively; BuildKit warns when they are not lower case.",
     "Write stage names in lower case.",
     "https://docs.docker.com/reference/build-checks/stage-name-casing/"},
    {"DF083", "UndefinedArgInFrom", Severity::medium, "FROM refers to an undeclared build argument",
     "A variable in FROM must be declared by an ARG before the first FROM; otherwise it expands to "
     "nothing.",
     "Declare it before the first FROM: ARG NAME=default.",
     "https://docs.docker.com/reference/build-checks/undefined-arg-in-from/"},
    {"DF084", "UndefinedVar", Severity::medium, "Variable used but never defined",
     "An instruction refers to a variable that no ARG or ENV defines, so it expands to an empty "
     "string.",
     "Declare the variable with ARG or ENV before using it, or fix its spelling.",
     "https://docs.docker.com/reference/build-checks/undefined-var/"},
    {"DF085", "ExposeProtoCasing", Severity::info, "EXPOSE protocol not in lower case",
     "Protocols are written tcp and udp; BuildKit warns about other casings.",
     "Write EXPOSE 80/tcp.", "https://docs.docker.com/reference/build-checks/expose-proto-casing/"},
    {"DF086", "ExposeInvalidFormat", Severity::medium, "EXPOSE with a host address or host port",
     "EXPOSE only documents container ports; publishing to a host address or port is the runtime's "
     "decision, and BuildKit warns about this form.",
     "Write EXPOSE 8080 and publish with docker run -p.",
     "https://docs.docker.com/reference/build-checks/expose-invalid-format/"},
    {"DF087", "", Severity::medium, "Invalid STOPSIGNAL",
     "STOPSIGNAL must name a signal (SIGTERM) or a number; an invalid one makes docker stop fall "
     "back to SIGKILL after the timeout or fail.",
     "Use a valid signal name or number.",
     "https://docs.docker.com/reference/dockerfile/#stopsignal"},
    {"DF088", "", Severity::medium, "Invalid HEALTHCHECK",
     "HEALTHCHECK accepts NONE or CMD with --interval, --timeout, --start-period, --start-interval "
     "and --retries; anything else fails the build or never checks health.",
     "Use HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE.",
     "https://docs.docker.com/reference/dockerfile/#healthcheck"},
    {"DF089", "", Severity::high, "Instruction without arguments",
     "Every instruction needs at least one argument; BuildKit rejects this one.",
     "Add the missing arguments or remove the instruction.",
     "https://docs.docker.com/reference/dockerfile/"},
    {"DF090", "", Severity::high, "SHELL not in JSON form",
     "SHELL requires a JSON array; BuildKit rejects any other form.",
     "Write SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"].",
     "https://docs.docker.com/reference/dockerfile/#shell"},
    {"DF091", "", Severity::high, "RUN with --security=insecure",
     "The insecure entitlement runs the step without the sandbox, like a privileged container, "
     "with access to host devices.",
     "Remove --security=insecure; find a way to build without privileges.",
     "https://docs.docker.com/reference/dockerfile/#run---security"},
    {"DF092", "", Severity::medium, "RUN with --network=host",
     "The step shares the build host's network and can reach services on it, including ones bound "
     "to localhost.",
     "Use the default network, or --network=none for steps that need no network.",
     "https://docs.docker.com/reference/dockerfile/#run---network"},
    {"DF093", "", Severity::high, "Download over plain HTTP",
     "A download over http:// (or git://) can be read and replaced by anyone on the path, so the "
     "image can be made to contain anything.",
     "Use https:// and verify a checksum or signature.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF094", "", Severity::medium, "apt-key used",
     "apt-key is deprecated and adds the key to the global keyring, so it can sign packages for "
     "every repository.",
     "Store the key in /usr/share/keyrings/ and reference it with signed-by= in the source entry.",
     "https://wiki.debian.org/DebianRepository/UseThirdParty"},
    {"DF095", "", Severity::high, "Package repository marked trusted",
     "A source entry with [trusted=yes] (or allow-insecure=yes) accepts unsigned packages from "
     "that repository.",
     "Remove the option and install the repository's signing key with signed-by=.",
     "https://wiki.debian.org/SecureApt"},
    {"DF096", "DL3017,DL3031,DL3039", Severity::low,
     "Every installed package upgraded during the build",
     "apt-get upgrade, apk upgrade, yum update or dnf upgrade make the image depend on the day it "
     "was built; a newer base image does the same reproducibly.",
     "Use a newer base image tag, or pin and install only the packages you need.",
     "https://github.com/hadolint/hadolint/wiki/DL3017"},
    {"DF097", "", Severity::low, "DEBIAN_FRONTEND set with ENV",
     "ENV persists into the running container and changes the behaviour of interactive tools "
     "there; it is only needed during the build.",
     "Use ARG DEBIAN_FRONTEND=noninteractive or set it on the RUN line.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF098", "", Severity::medium, "File removed in a later layer than the one that added it",
     "Deleting a file in a later RUN does not remove it from the image: it stays in the layer that "
     "added it, for anyone who pulls the image.",
     "Do not copy the file in; if it is needed during the build, use a build secret, a bind mount "
     "or a multi-stage build.",
     "https://docs.docker.com/build/building/best-practices/#use-multi-stage-builds"},
    {"DF099", "", Severity::high, "SSH host keys generated during the build",
     "Keys generated at build time are shared by every container from the image, so one leaked "
     "image exposes all of them.",
     "Generate host keys when the container starts, or do not run an SSH server.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF100", "", Severity::high, "Password set during the build",
     "A password set with chpasswd, passwd or useradd -p is in the image (and often in its "
     "history) for anyone who pulls it.",
     "Do not set passwords in images; use key-based access or run-time secrets.",
     "https://docs.docker.com/build/building/best-practices/"},
    {"DF101", "", Severity::high, "Passwordless sudo or sudo group granted",
     "NOPASSWD sudo rules or membership of sudo/wheel let any process running as that user become "
     "root.",
     "Do not grant sudo in images; run privileged steps before USER.",
     "https://docs.docker.com/engine/security/"},
    {"DF102", "", Severity::high, "Sensitive port exposed",
     "Ports such as 2375/2376 (Docker API), 23 (telnet) or 5900 (VNC) expose remote-control "
     "services that give away the container or the host.",
     "Do not expose these services; if they are needed, publish them only on a private network "
     "with authentication.",
     "https://docs.docker.com/engine/security/protect-access/"},
    {"DF103", "", Severity::medium, "ADD of a git repository without a pinned commit",
     "A branch or tag can move; the build pulls whatever it points at today.",
     "Pin a commit: ADD https://github.com/org/repo.git#<commit-sha> /src.",
     "https://docs.docker.com/reference/dockerfile/#adding-private-git-repositories"},
    {"DF104", "DL3007", Severity::medium, "COPY --from an image without a pinned version",
     "COPY --from=image with no tag or with :latest copies from whatever that image is at build "
     "time.",
     "Pin a tag or a digest: COPY --from=nginx:1.27@sha256:... .",
     "https://docs.docker.com/reference/dockerfile/#copy---from"},
    {"DF105", "", Severity::low, "ENV PATH replaces the whole PATH",
     "Setting PATH without $PATH drops the base image's directories, so later commands may not be "
     "found or may resolve elsewhere.",
     "Extend it: ENV PATH=/opt/app/bin:$PATH.",
     "https://docs.docker.com/reference/dockerfile/#env"},
    {"DF106", "", Severity::medium, "GPG key fetched by a short key id",
     "Short (8 hex digit) and long (16) key ids can be forged with colliding keys; only the full "
     "fingerprint identifies a key.",
     "Use the full 40-digit fingerprint, or download the key over HTTPS and check its fingerprint.",
     "https://evil32.com/"},
    {"DF107", "", Severity::high, "Credentials in a URL or on a command line",
     "user:password@ in a URL, curl -u user:pass or --password=... are stored in the image history "
     "and build logs.",
     "Use a build secret (RUN --mount=type=secret) or a netrc file mounted as a secret.",
     "https://docs.docker.com/build/building/secrets/"},
    {"DF108", "", Severity::low, "ADD --keep-git-dir=true keeps .git in the image",
     "The .git directory holds the whole history, including anything once committed and removed.",
     "Leave --keep-git-dir off unless the build needs the history, and then use it in a build "
     "stage only.",
     "https://docs.docker.com/reference/dockerfile/#add---keep-git-dir"},
    {"DF109", "", Severity::high, "Docker socket used during the build",
     "A build step with access to /var/run/docker.sock controls the Docker daemon, which means "
     "root on the build host.",
     "Do not mount the Docker socket into builds; use BuildKit features or a rootless builder.",
     "https://docs.docker.com/engine/security/protect-access/"},
    {"DF110", "", Severity::info, "ONBUILD trigger",
     "ONBUILD instructions run in every image built on this one, invisibly to the person who "
     "writes that Dockerfile.",
     "Prefer explicit instructions in the downstream Dockerfile.",
     "https://docs.docker.com/reference/dockerfile/#onbuild"},
    {"DF111", "DL3049", Severity::info, "Label required by the label schema is missing",
     "The label schema in .moat.yaml (label-schema) names labels every image must carry, such as "
     "its source, version or licence; tools that read image metadata rely on them.",
     "Add LABEL <name>=<value> to the stage, or to a stage it is built on.",
     "https://github.com/hadolint/hadolint/wiki/DL3049"},
    {"DF112", "DL3050", Severity::info, "Label not in the label schema",
     "With strict-labels set, only the labels the schema names are allowed, so that image metadata "
     "stays uniform across a project.",
     "Remove the label or add it to label-schema in .moat.yaml.",
     "https://github.com/hadolint/hadolint/wiki/DL3050"},
    {"DF113", "DL3051", Severity::low, "Label required by the label schema is empty",
     "An empty value defeats the purpose of a required label.", "Give the label a value.",
     "https://github.com/hadolint/hadolint/wiki/DL3051"},
    {"DF114", "DL3052", Severity::low, "Label is not a valid URL",
     "The label schema says this label holds a URL, and the value is not an absolute URI.",
     "Use an absolute URL such as https://github.com/org/repo.",
     "https://github.com/hadolint/hadolint/wiki/DL3052 https://www.rfc-editor.org/rfc/rfc3986"},
    {"DF115", "DL3053", Severity::low, "Label is not an RFC 3339 time",
     "The label schema says this label holds a time (org.opencontainers.image.created does), and "
     "the value is not an RFC 3339 date-time.",
     "Write the time as 2024-05-01T12:00:00Z.",
     "https://github.com/hadolint/hadolint/wiki/DL3053 https://www.rfc-editor.org/rfc/rfc3339"},
    {"DF116", "DL3054", Severity::low, "Label is not an SPDX license identifier",
     "The label schema says this label holds a licence, and the value is not an identifier from "
     "the SPDX license list, which licence scanners read.",
     "Use an SPDX identifier such as Apache-2.0 or MIT.",
     "https://github.com/hadolint/hadolint/wiki/DL3054 https://spdx.org/licenses/"},
    {"DF117", "DL3055", Severity::low, "Label is not a git commit hash",
     "The label schema says this label holds a commit (org.opencontainers.image.revision), and the "
     "value is not 7 or 40 lower-case hexadecimal digits.",
     "Write the commit id as git rev-parse prints it.",
     "https://github.com/hadolint/hadolint/wiki/DL3055"},
    {"DF118", "DL3056", Severity::low, "Label is not a semantic version",
     "The label schema says this label holds a version, and the value is not MAJOR.MINOR.PATCH as "
     "Semantic Versioning 2.0.0 defines it.",
     "Write the version as 1.4.2 (with -pre-release and +build parts if needed).",
     "https://github.com/hadolint/hadolint/wiki/DL3056 https://semver.org/"},
    {"DF119", "DL3058", Severity::low, "Label is not an email address",
     "The label schema says this label holds an email address, and the value is not an RFC 5322 "
     "address.",
     "Write the address alone, as name@example.com.",
     "https://github.com/hadolint/hadolint/wiki/DL3058 https://www.rfc-editor.org/rfc/rfc5322"},
    {"DF120", "DL3066", Severity::info, "USER names a user instead of a numeric id",
     "A user name is resolved inside the image, but the host, Kubernetes' runAsNonRoot and "
     "admission policies only see numbers: a name cannot be checked to be non-root from outside.",
     "Use a numeric id (USER 10001:10001), creating the user with that id.",
     "https://github.com/hadolint/hadolint/wiki/DL3066"},
    {"DF121", "DL3067", Severity::medium, "COPY --from copies a whole file system",
     "COPY --from=stage / / copies every file of the other stage, including package databases, "
     "caches and secrets the build used, and defeats the point of a multi-stage build.",
     "Copy only the paths the image needs: COPY --from=build /app/bin /usr/local/bin.",
     "https://github.com/hadolint/hadolint/wiki/DL3067"},
    {"DF122", "DL1001", Severity::info, "Inline ignore pragma",
     "An inline ignore pragma silences a check for one instruction without any review; some teams "
     "want every exception in the configuration file instead.",
     "Remove the pragma and fix the finding, or ignore the check in .moat.yaml.",
     "https://github.com/hadolint/hadolint/wiki/DL1001", "", true},
    {"DF123", "CopyIgnoredFile", Severity::medium, "COPY or ADD of a file .dockerignore excludes",
     "A source that .dockerignore excludes is not in the build context, so the instruction fails "
     "or "
     "copies something other than the author expects.",
     "Remove the path from .dockerignore or stop copying it.",
     "https://docs.docker.com/reference/build-checks/copy-ignored-file/", "", true},
    {"DF124", "InvalidDefinitionDescription", Severity::info,
     "Comment above FROM or ARG is not a description",
     "docker build --call=outline shows the comment directly above a stage or ARG as its "
     "description when it starts with the stage or argument name.",
     "Start the comment with the name (# base builds the toolchain), or separate it from the "
     "instruction with an empty line.",
     "https://docs.docker.com/reference/build-checks/invalid-definition-description/", "", true},
    {"DF125", "MultipleInstructionsDisallowed", Severity::medium,
     "CMD, ENTRYPOINT or HEALTHCHECK overridden later in the stage",
     "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; this one is dead code "
     "that misleads readers.",
     "Remove the instruction, or merge it into the last one.",
     "https://docs.docker.com/reference/build-checks/multiple-instructions-disallowed/"},
    {"DF126", "DL3064", Severity::medium, "Potentially sensitive name in ARG or ENV",
     "Names such as GITHUB_TOKEN or DB_PASSWORD say the value is a secret; ARG and ENV values are "
     "kept in the image history and config for anyone who pulls it.",
     "Pass secrets with RUN --mount=type=secret instead of ARG or ENV.",
     "https://github.com/hadolint/hadolint/wiki/DL3064 "
     "https://docs.docker.com/build/building/secrets/"},
    {"DF127", "JSONArgsRecommended", Severity::medium,
     "CMD or ENTRYPOINT in shell form without a SHELL",
     "In shell form the process runs under /bin/sh -c, which does not pass on signals, so the "
     "container does not stop cleanly. BuildKit stays quiet once a SHELL instruction (in the stage "
     "or a stage it builds on) says which shell runs these commands.",
     "Use the JSON form: CMD [\"app\", \"--flag\"].",
     "https://docs.docker.com/reference/build-checks/json-args-recommended/"},
    {"DF128", "WorkdirRelativePath", Severity::medium, "First WORKDIR of a stage is relative",
     "A relative WORKDIR with no absolute WORKDIR before it in the stage or the stages it builds "
     "on "
     "depends on the working directory of the base image.",
     "Start with an absolute WORKDIR: WORKDIR /app.",
     "https://docs.docker.com/reference/build-checks/workdir-relative-path/"},
    {"DF129", "FromPlatformFlagConstDisallowed", Severity::medium,
     "FROM --platform with a constant value",
     "A constant platform makes the stage build for one platform whatever the build asks for. "
     "BuildKit accepts it when the stage name says which OS or architecture the stage is for.",
     "Use a variable (--platform=$BUILDPLATFORM), or name the stage for its platform.",
     "https://docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/"},
}};
} // namespace

std::span<const core::CheckInfo> check_table() {
  return k_checks;
}

} // namespace moat::dockerfile::detail
