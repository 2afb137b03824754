// Package version holds the build's version information, set at link time:
//
//	go build -ldflags "-X github.com/hpametrics/kubectl-hpametrics/pkg/version.Version=v0.1.0 ..."
package version

var (
	// Version is the release tag, such as v0.1.0.
	Version = "dev"
	// Commit is the git commit the binary was built from.
	Commit = "unknown"
	// BuildDate is the build time in RFC 3339 form.
	BuildDate = "unknown"
)
