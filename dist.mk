# Release archives and the krew plugin manifest, included from the Makefile.
#
#   make dist VERSION=v0.2.0   build every platform into dist/, package and
#                              checksum the archives, render plugins/hpametrics.yaml
#   make krew-test             validate the manifest with krew v0.4.3 and install,
#                              upgrade and uninstall the plugin with a real krew
#
# The test overrides DIST_DIR, DIST_PLATFORMS, KREW_MANIFEST and
# KREW_RELEASE_URL to build into temporary directories.

DIST_DIR         ?= dist
DIST_PLATFORMS   ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64
KREW_TEMPLATE    ?= krew-manifest.yaml
KREW_MANIFEST    ?= plugins/hpametrics.yaml
KREW_RELEASE_URL ?= https://github.com/hpametrics/kubectl-hpametrics/releases/download
# Archive entry times and the embedded build date come from the last commit,
# not the clock, so building one commit twice gives identical archives.
# Outside a git checkout they fall back to the current time.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
DIST_DATE ?= $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r $(SOURCE_DATE_EPOCH) +%Y-%m-%dT%H:%M:%SZ)
DIST_LDFLAGS = -s -w \
	-X $(PKG)/pkg/version.Version=$(VERSION) \
	-X $(PKG)/pkg/version.Commit=$(COMMIT) \
	-X $(PKG)/pkg/version.BuildDate=$(DIST_DATE)

RELEASE_TOOL  = $(DIST_DIR)/tools/release-tool
RELEASE_FLAGS = -dist $(DIST_DIR) -binary $(BINARY) -version $(VERSION) \
	-platforms "$(DIST_PLATFORMS)" -release-url $(KREW_RELEASE_URL)
KREW_TEST_TIMEOUT ?= 45m

.PHONY: dist krew-manifest krew-test release-tool

release-tool:
	cd tools/krew && go build -o $(abspath $(RELEASE_TOOL)) .

dist: release-tool ## Build, package and checksum release archives (VERSION=vX.Y.Z).
	$(RELEASE_TOOL) check-version -version "$(VERSION)"
	rm -rf $(DIST_DIR)/build $(DIST_DIR)/$(BINARY)_*.tar.gz $(DIST_DIR)/$(BINARY)_*.zip
	set -e; for platform in $(DIST_PLATFORMS); do \
		os=$${platform%/*}; arch=$${platform#*/}; ext=; \
		if [ "$$os" = windows ]; then ext=.exe; fi; \
		echo "go build $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch go build -trimpath -ldflags "$(DIST_LDFLAGS)" \
			-o $(DIST_DIR)/build/$${os}_$$arch/$(BINARY)$$ext ./cmd/kubectl-hpametrics; \
	done
	$(RELEASE_TOOL) package $(RELEASE_FLAGS) -license LICENSE -mtime $(SOURCE_DATE_EPOCH)
	$(RELEASE_TOOL) render $(RELEASE_FLAGS) -template $(KREW_TEMPLATE) -o $(KREW_MANIFEST)

krew-manifest: release-tool ## Render the krew manifest again from DIST_DIR/SHA256SUMS.
	$(RELEASE_TOOL) render $(RELEASE_FLAGS) -template $(KREW_TEMPLATE) -o $(KREW_MANIFEST)

krew-test: ## Validate the krew manifest and install, upgrade, uninstall with krew.
	cd tools/krew && go test -count=1 -timeout $(KREW_TEST_TIMEOUT) -v ./...
