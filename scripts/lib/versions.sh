# shellcheck shell=bash
# shellcheck disable=SC2034  # sourced by setup.sh
# Pinned toolchain of kn-fn (see shared DESIGN.md "Pinned real toolchain").
# pnpm is pinned by the root package.json "packageManager" field, not here.

# Debian packages (bookworm): checked by version series after install.
# python3 + python3-venv: the buildpack's lifecycle tests build venvs with Debian's interpreter, as
# the build image does; util-linux gives setpriv (the phases refuse root); openssl: node sha.
APT_PACKAGES=(docker.io mmdebstrap docker-registry wrk busybox-static file curl python3 python3-venv python3-dev gcc util-linux openssl)
DOCKERD_SERIES="20.10"           # Debian docker.io; API 1.41
DOCKER_API_VERSION_EXPECTED="1.41"
REGISTRY_SERIES="2.8"            # Debian docker-registry (distribution)
MMDEBSTRAP_SERIES="1."
WRK_SERIES="4."

# Host toolchains that must already be there (the machine image provides them).
GO_MIN="1.25.5"                  # pack v0.39.1's go.mod says go 1.25.5
NODE_MAJOR_MIN=20
NODE_MAJOR_MAX=24
PYTHON_MIN="3.11"

# Go-built tools. The module sums are the go.sum "h1:" hashes of the module zips. The Go
# module proxy reachable here serves these versions, but its checksum database has no record
# for the pack and lifecycle versions (lookups answer 404), so those two are fetched with
# GONOSUMDB and checked against the sums below instead (they were checked against the
# upstream git tags when pinned).
PACK_VERSION="0.39.1"
PACK_MODULE="github.com/buildpacks/pack"
PACK_MODULE_SUM="h1:yYquCGwvSB8avkmhWyDQPRBiij9TC/Lqrq7EwcmUfrY="

# The design pins lifecycle 0.20.20, but the module proxy refuses that version
# ("403 This module version is not available"; likewise 0.20.14-0.20.18 and 0.21.1+), and a
# build has no other source to take it from. 0.20.19 is the newest 0.20.x it serves; upstream,
# v0.20.19..v0.20.20 changes only the `go` directive in go.mod (1.25.3 -> 1.25.5) and CI
# files, no Go code, so built with the same Go toolchain the two are the same program.
# Same APIs: Buildpack 0.7-0.11, Platform 0.7-0.14.
LIFECYCLE_VERSION="0.20.19"
LIFECYCLE_MODULE="github.com/buildpacks/lifecycle"
LIFECYCLE_MODULE_SUM="h1:RyQe2QO524eiJNUpFNTdQKVgasPRP5Dl7zrqrFeJA6k="
LIFECYCLE_BUILDPACK_APIS='"0.7", "0.8", "0.9", "0.10", "0.11"'
LIFECYCLE_PLATFORM_APIS='"0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14"'
LIFECYCLE_PHASES=(detector analyzer restorer builder exporter rebaser creator extender)

# CloudEvents conformance tool: newest tag (the proxy's version list is refused, but the tag
# list upstream ends at v0.4.1 and the proxy serves it; the checksum database knows it).
CONFORMANCE_VERSION="v0.4.1"
CONFORMANCE_MODULE="github.com/cloudevents/conformance"
CONFORMANCE_MODULE_SUM="h1:MMq+jviOHHNINGWQdvr2yj4g8CdeL59M81ODjEs9M20="

# Fixed mtime of every entry in tars the project writes: 1980-01-01T00:00:01Z.
KN_FN_TAR_EPOCH=315532801

# Knative's data plane, for the e2e tests that run a function as a revision pod would run:
# queue-proxy (serving's cmd/queue) and the heartbeats CloudEvents source (eventing's
# cmd/heartbeats). Module tag v0.50.0 of both is Knative 1.23; the proxy serves both with no
# replace directives and the checksum database knows them.
KNATIVE_VERSION="1.23.0"
KNATIVE_SERVING_MODULE="knative.dev/serving"
KNATIVE_SERVING_VERSION="v0.50.0"
KNATIVE_SERVING_MODULE_SUM="h1:9XUQq2yqUPN1YZUuGH6nF8IMvuumNvGXzCrSTYu44bA="
KNATIVE_EVENTING_MODULE="knative.dev/eventing"
KNATIVE_EVENTING_VERSION="v0.50.0"
KNATIVE_EVENTING_MODULE_SUM="h1:4GSn7yyMLgpGUqU0vZjcyFKK0vSi3TtZXPVzb7HW7Ds="
