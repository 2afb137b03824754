# kubectl-hpametrics build, test and demo targets. "make help" lists them.

BINARY   := kubectl-hpametrics
PKG      := github.com/hpametrics/kubectl-hpametrics
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w \
	-X $(PKG)/pkg/version.Version=$(VERSION) \
	-X $(PKG)/pkg/version.Commit=$(COMMIT) \
	-X $(PKG)/pkg/version.BuildDate=$(DATE)

export GOFLAGS := -buildvcs=false

.PHONY: help build test unit lint fmt clean differential fuzz

help: ## List the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## Build bin/kubectl-hpametrics.
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o bin/$(BINARY) ./cmd/kubectl-hpametrics

unit: ## Run the unit tests (no cluster).
	go test ./...

test: lint unit differential fuzz e2e krew-test ## Run every test: lint, unit, differential, fuzz, end-to-end and packaging.

differential: ## Compare pkg/replicas with the upstream controller on random inputs.
	cd test/differential && go test -count=1 -timeout 20m ./...

# FUZZTIME bounds each fuzz target so CI time stays predictable.
FUZZTIME ?= 30s

fuzz: ## Fuzz the snapshot loader and the terminal sanitizer for FUZZTIME each.
	go test ./pkg/snapshot -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 50x
	go test ./pkg/termtext -run '^$$' -fuzz '^FuzzSanitize$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 50x

lint: ## Run go vet and check gofmt.
	go vet ./...
	@unformatted="$$(gofmt -l cmd pkg)"; if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

fmt: ## Format the Go sources.
	gofmt -w cmd pkg

clean: ## Remove build output.
	rm -rf bin dist

# Targets for the local control plane, the demo and the end-to-end tests.
-include test/cluster/cluster.mk
# Targets for release archives and the krew manifest.
-include dist.mk
