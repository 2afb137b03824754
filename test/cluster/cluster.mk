# Targets for the local control plane (etcd, kube-apiserver,
# kube-controller-manager and the fixture metrics adapter, all on
# 127.0.0.1), the demo and the end-to-end tests. Included by the top
# Makefile; recipes run from the repository root.

CLUSTER_DIR := test/cluster
# E2E_TIMEOUT covers a cold build of the control plane (about 7 minutes on
# two cores) plus the tests.
E2E_TIMEOUT ?= 30m

.PHONY: cluster-bins demo demo-down e2e bench

cluster-bins: ## Build the local control plane's programs where missing or stale.
	cd $(CLUSTER_DIR) && go run ./cmd/cluster-bins

demo: build cluster-bins ## Start a demo cluster in the background and explain its HPAs.
	cd $(CLUSTER_DIR) && go build -o .cache/bin/demo ./cmd/demo
	$(CLUSTER_DIR)/demo.sh up

demo-down: ## Stop the demo cluster and check that no process or port is left.
	$(CLUSTER_DIR)/demo.sh down

e2e: ## Run the end-to-end tests against a local control plane.
	cd $(CLUSTER_DIR) && go test -count=1 -timeout $(E2E_TIMEOUT) ./...

# BENCH_RUNS is how many times bench runs each command; KUBECTL is the
# kubectl it compares with.
BENCH_RUNS ?= 20
KUBECTL    ?= kubectl

bench: build cluster-bins ## Time explain next to kubectl describe hpa on a local control plane.
	cd $(CLUSTER_DIR) && go run ./cmd/bench -plugin ../../bin/$(BINARY) -runs $(BENCH_RUNS) -kubectl $(KUBECTL)
