# Targets for the local control plane (etcd, kube-apiserver,
# kube-controller-manager and the fixture metrics adapter, all on
# 127.0.0.1), the demo and the end-to-end tests. Included by the top
# Makefile; recipes run from the repository root.

CLUSTER_DIR := test/cluster

.PHONY: cluster-bins

cluster-bins: ## Build the local control plane's programs where missing or stale.
	cd $(CLUSTER_DIR) && go run ./cmd/cluster-bins
