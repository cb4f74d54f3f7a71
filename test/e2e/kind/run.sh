#!/usr/bin/env bash
# The operator scenario of test/e2e/ensemble.e2e.test.ts on a kind cluster, for hosts with Docker,
# kind, kubectl and helm. Not run in this repository's CI (its machines have no Docker).
#   test/e2e/kind/run.sh          build the image, create the cluster, run the scenario
#   KEEP_CLUSTER=1 test/e2e/kind/run.sh   leave the cluster up afterwards
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=test/e2e/kind
cluster=zkts-e2e
ns=zk-e2e
image=zkts:e2e

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

step() { echo "=== $*"; }
zk() { # zk <pod> <cli args...>: the zkts CLI inside a member pod, talking to that member
  local pod=$1
  shift
  kubectl -n "$ns" exec "$pod" -- zkts cli -server localhost:2181 "$@"
}
wait_ready() { # wait_ready <replicas>: the ensemble's Ready condition with that many ready members
  local want=$1
  for _ in $(seq 1 180); do
    local ready leader
    ready=$(kubectl -n "$ns" get zke zk -o jsonpath='{.status.readyReplicas}/{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
    leader=$(kubectl -n "$ns" get zke zk -o jsonpath='{.status.leader}' 2>/dev/null || true)
    if [ "$ready" = "$want/True" ] && [ -n "$leader" ]; then
      echo "ready: $want members, leader $leader"
      return 0
    fi
    sleep 2
  done
  kubectl -n "$ns" get zke,sts,pods,pvc -o wide >&2
  echo "run.sh: ensemble not Ready with $want members" >&2
  return 1
}

cleanup() {
  if [ "${KEEP_CLUSTER:-}" != 1 ]; then kind delete cluster --name "$cluster" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

step "build $image and create the cluster"
docker build -t "$image" .
kind create cluster --config "$here/kind-config.yaml" --wait 120s
kind load docker-image "$image" --name "$cluster"

step "install the CRD and the operator"
kubectl apply --server-side -f crds/
kubectl wait --for=condition=Established crd/zookeeperensembles.zkts.dev --timeout=60s
helm install zkts helm/zkts --namespace zkts-system --create-namespace \
  --set image.repository=zkts --set image.tag=e2e --set image.pullPolicy=Never --wait

step "a 3-member ensemble forms a quorum and names its leader"
kubectl create namespace "$ns"
kubectl apply -f "$here/ensemble.yaml"
wait_ready 3

step "writes through every member"
zk zk-0 create /e2e root
for i in 0 1 2; do zk "zk-$i" create "/e2e/via-$i" "written-through-zk-$i"; done
for i in 0 1 2; do for j in 0 1 2; do zk "zk-$i" get "/e2e/via-$j" | grep -q "written-through-zk-$j"; done; done

step "a deleted pod is recreated, rejoins, and the data is intact"
kubectl -n "$ns" delete pod zk-1 --wait=true
kubectl -n "$ns" wait --for=condition=Ready pod/zk-1 --timeout=180s
wait_ready 3
for j in 0 1 2; do zk zk-1 get "/e2e/via-$j" | grep -q "written-through-zk-$j"; done

step "scale 3 -> 5 with the operator restarted mid-way, then 5 -> 3, no acknowledged write lost"
acked=()
kubectl -n "$ns" scale zke zk --replicas=5
kubectl -n zkts-system rollout restart deployment -l app.kubernetes.io/name=zkts
for n in $(seq 1 20); do
  if zk zk-0 create "/e2e/w-$n" "w$n" >/dev/null 2>&1; then acked+=("$n"); fi
  sleep 1
done
wait_ready 5
kubectl -n "$ns" scale zke zk --replicas=3
for n in $(seq 21 40); do
  if zk zk-0 create "/e2e/w-$n" "w$n" >/dev/null 2>&1; then acked+=("$n"); fi
  sleep 1
done
wait_ready 3
for i in 0 1 2; do for n in "${acked[@]}"; do zk "zk-$i" get "/e2e/w-$n" | grep -q "w$n"; done; done
echo "${#acked[@]} acknowledged writes read back through every member"

step "deleting the ensemble garbage-collects its children and deletes the PVCs (reclaimPolicy Delete)"
kubectl -n "$ns" delete zke zk --wait=true
for _ in $(seq 1 60); do
  left=$(kubectl -n "$ns" get sts,svc,pods,pvc -o name 2>/dev/null | wc -l)
  [ "$left" = 0 ] && break
  sleep 2
done
[ "$left" = 0 ] || { kubectl -n "$ns" get all,pvc >&2; echo "run.sh: children left behind" >&2; exit 1; }

echo "=== kind scenario passed"
