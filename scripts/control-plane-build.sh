#!/usr/bin/env bash
# Builds the local Kubernetes control plane the e2e tests start on loopback: kube-apiserver and
# kube-controller-manager from k8s.io/kubernetes (test/e2e/tools/go.mod) and etcd from
# go.etcd.io/etcd/server/v3 (test/e2e/tools/etcd/go.mod), at the versions pinned there.
# Binaries are cached under ~/.cache/zkts/control-plane/<versions>/; a cached set is reused.
# Prints the binary directory as its last line. ZKTS_CONTROL_PLANE_DIR overrides the cache root.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=test/e2e/tools
k8s_version=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$tools/go.mod")
etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2 }' "$tools/etcd/go.mod")
if [ -z "$k8s_version" ] || [ -z "$etcd_version" ]; then
  echo "control-plane-build: cannot read pinned versions from $tools" >&2
  exit 1
fi

root=${ZKTS_CONTROL_PLANE_DIR:-$HOME/.cache/zkts/control-plane}
out="$root/kubernetes-$k8s_version-etcd-$etcd_version"
binaries=(kube-apiserver kube-controller-manager etcd)

complete=1
for b in "${binaries[@]}"; do [ -x "$out/$b" ] || complete=0; done
if [ "$complete" = 1 ]; then
  echo "control-plane-build: cached kubernetes $k8s_version, etcd $etcd_version" >&2
  echo "$out"
  exit 0
fi

command -v go >/dev/null || PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "control-plane-build: go is not installed" >&2; exit 1; }

# Built into a scratch dir and moved in whole, so an interrupted build never looks cached.
mkdir -p "$root"
tmp=$(mktemp -d "$root/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# -p 2 and nice keep a 2-core machine usable while this runs; -trimpath and -s -w make the
# binaries smaller and independent of where the module cache sits.
export GOFLAGS="-trimpath -modcacherw -mod=readonly"
# The build and module caches (about 3.7 GB) are only needed to make these binaries once:
# they live in the scratch dir and go with it, unless the caller's own are to be kept.
if [ "${ZKTS_CONTROL_PLANE_KEEP_GO_CACHES:-}" != 1 ]; then
  export GOCACHE="$tmp/go-build" GOMODCACHE="$tmp/go-mod"
fi
build_flags=(-p 2)
# What kubernetes' own build stamps in (hack/lib/version.sh), so /version names the release.
minor=$(echo "$k8s_version" | cut -d. -f2)
k8s_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
done
start=$(date +%s)
echo "control-plane-build: building kubernetes $k8s_version and etcd $etcd_version into $out" >&2
(cd "$tools" && nice -n 10 go build "${build_flags[@]}" -ldflags="$k8s_ldflags" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
(cd "$tools/etcd" && nice -n 10 go build "${build_flags[@]}" -ldflags="-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3)

rm -rf "$out" "$tmp/go-build" "$tmp/go-mod"
mkdir "$out"
mv "$tmp/kube-apiserver" "$tmp/kube-controller-manager" "$tmp/etcd" "$out/"
echo "control-plane-build: built in $(($(date +%s) - start)) s" >&2
echo "$out"
