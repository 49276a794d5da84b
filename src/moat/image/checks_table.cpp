#include <moat/image/checks.hpp>

#include <array>

namespace moat::image {

namespace {

using core::Severity;

// Sorted by id; a test keeps it so.
constexpr std::array k_checks = std::to_array<core::CheckInfo>({
    {"IM001", "CIS-DI-0001,DS-0002", Severity::high, "Image runs as root",
     "The image's user is empty, root or 0, so every process in the container runs as root "
     "unless the operator remembers to override it; a compromise of the process is a compromise "
     "of root inside the container and a step closer to the host.",
     "Create an unprivileged user in the Dockerfile and switch to it with USER before the last "
     "instruction.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0001"},
    {"IM002", "CIS-DI-0006", Severity::low, "No HEALTHCHECK in the image",
     "Without a health check, Docker and orchestrators cannot tell a hung service from a healthy "
     "one.",
     "Add a HEALTHCHECK instruction that probes the service.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0006"},
    {"IM003", "CIS-DI-0010", Severity::critical, "Secret value in the image environment",
     "The image config's environment holds a value shaped like a credential (a cloud key, a "
     "token, a private key). Anyone who can pull the image can read it with docker inspect.",
     "Revoke the credential, rebuild without it, and pass secrets at run time or with build "
     "secrets.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0010"},
    {"IM004", "CIS-DI-0010", Severity::high, "Environment variable named like a secret",
     "A variable such as PASSWORD or API_TOKEN set in the image config is readable by anyone who "
     "can pull the image.",
     "Remove it from the image; pass the value at run time from a secret store.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0010"},
    {"IM005", "CIS-DI-0009", Severity::low, "ADD in the build history",
     "ADD fetches URLs and unpacks archives implicitly; COPY does only what it says.",
     "Use COPY for local files, and a verified download in RUN for remote ones.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0009"},
    {"IM006", "DKL-DI-0002", Severity::high, "VOLUME on a sensitive host directory",
     "A volume at /sys, /dev, /proc or / invites mounting the host's own directory there.",
     "Declare volumes only for application data directories.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0002"},
    {"IM007", "DKL-DI-0005", Severity::low, "apt lists left in the image",
     "/var/lib/apt/lists holds the package indexes of the build: megabytes that are stale the day "
     "after.",
     "Remove /var/lib/apt/lists/* in the same RUN as apt-get install.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0005"},
    {"IM008", "DKL-DI-0006", Severity::low, "Image referenced by the latest tag",
     "latest moves: what was scanned is not necessarily what runs.",
     "Refer to images by a version tag, or better by digest.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-di-0006"},
    {"IM009", "DS-0004", Severity::medium, "Port 22 exposed",
     "An exposed SSH port means an SSH server in the container: another service to patch and "
     "another way in.",
     "Use docker exec or kubectl exec instead of SSH.", "https://avd.aquasec.com/misconfig/ds004"},
    {"IM010", "CIS-DI-0008", Severity::low, "setuid or setgid file",
     "setuid and setgid programs run with their owner's privileges; each one is a possible "
     "privilege escalation for a process in the container.",
     "Remove the bit where it is not needed: RUN find / -xdev -perm /6000 -type f -exec chmod "
     "a-s {} +",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#cis-di-0008"},
    {"IM011", "", Severity::medium, "World-writable file or directory without the sticky bit",
     "Any user in the container can change a world-writable file, or replace files in a "
     "world-writable directory without the sticky bit.",
     "Remove write permission for others (chmod o-w), or set the sticky bit on shared "
     "directories.",
     "https://wiki.debian.org/Permissions"},
    {"IM012", "", Severity::high, "Private key in the image",
     "A private key found by its content ships to everyone who pulls the image.",
     "Remove the key, revoke it, and mount keys at run time.",
     "https://docs.docker.com/build/building/secrets/"},
    {"IM013", "", Severity::high, "Credential file in the image",
     "Files such as .npmrc with a token, .docker/config.json with auth, .git-credentials, "
     ".aws/credentials or id_rsa give access to other systems.",
     "Remove the file and revoke what it holds; use build secrets "
     "(RUN --mount=type=secret) during builds.",
     "https://docs.docker.com/build/building/secrets/"},
    {"IM014", "", Severity::high, "Secret in a file that a later layer deleted or overwrote",
     "Deleting a file in a later layer hides it from the container but not from the image: the "
     "layer that added it is still pulled by everyone and can be unpacked in seconds.",
     "Revoke the secret, then rebuild so it is never written to a layer (build secrets, "
     "multi-stage builds).",
     "https://docs.docker.com/build/building/secrets/ "
     "https://docs.docker.com/build/building/multi-stage/"},
    {"IM015", "DKL-LI-0001", Severity::high, "Account with an empty password",
     "An /etc/shadow entry with an empty password field lets anyone log in as that user without "
     "a password.",
     "Lock the account (passwd -l) or set a password hash.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0001"},
    {"IM016", "DKL-LI-0002", Severity::medium, "Duplicate UID or GID",
     "Two accounts or groups with the same number share every file and permission, which hides "
     "who did what.",
     "Give every user and group a unique number.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0002"},
    {"IM017", "", Severity::low, "Package manager cache left in the image",
     "Downloaded packages and caches (apt archives, apk, pip, npm, yum/dnf) make the image larger "
     "and serve no purpose at run time.",
     "Clean the cache in the same RUN that filled it (apt-get clean, apk --no-cache, pip "
     "--no-cache-dir, npm cache clean).",
     "https://docs.docker.com/build/building/best-practices/"},
    {"IM018", "DKL-LI-0003", Severity::info, "Unneeded file in the image",
     "A .git directory or the Dockerfile itself in the image leaks source history and build "
     "details.",
     "Add them to .dockerignore.",
     "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md#dkl-li-0003"},
    {"IM019", "", Severity::high, "Hostile archive entry in a layer",
     "A layer entry that climbs out of the root through '..', uses an absolute path, links above "
     "the root or creates a device node is harmless to moat (nothing is extracted) but dangerous "
     "to careless extractors, and is not something a normal build produces.",
     "Rebuild the image with standard tools and find out how the entry got there.",
     "https://github.com/opencontainers/image-spec/blob/main/layer.md"},
    {"IM020", "", Severity::high, "Package database too large to read",
     "A package database or metadata file (dpkg status, the apk installed file, the rpmdb, a "
     "Python METADATA, a package.json, a Java archive) is larger than moat reads, so the "
     "packages it lists were not catalogued or matched against advisories. Padding such a file "
     "is a way to hide a vulnerable package; a real one this large is very unusual.",
     "Find out why the file is so large. If it is genuine, scan the image with a tool that reads "
     "it, and report the size to moat's maintainers.",
     "https://github.com/opencontainers/image-spec/blob/main/layer.md"},
});

} // namespace

std::span<const core::CheckInfo> checks() {
  return k_checks;
}

} // namespace moat::image
