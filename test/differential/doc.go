// Package differential holds a test that runs pkg/replicas and the
// replica calculator of kube-controller-manager v1.37.2 on the same random
// inputs and fails on the first input where their per-metric results differ.
// Run it with `go test ./...` in this directory. differential_test.go
// lists the flags.
package differential
