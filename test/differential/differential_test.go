package differential

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/kubernetes/pkg/features"
)

// defaultSeed is the seed of a plain `go test` run, so that every run
// checks the same inputs unless asked otherwise.
const defaultSeed = 20260301

var (
	seedFlag  = flag.Uint64("seed", 0, "random seed of the generated inputs (default: $DIFF_SEED, else 20260301)")
	casesFlag = flag.Int("cases", 0, "number of generated inputs (default: $DIFF_CASES, else 100000, or 10000 with -short)")
	caseFlag  = flag.Int("case", -1, "run only the input with this index, as a failure report names it")
)

// settings resolves the flags and environment variables.
func settings(t *testing.T) (seed uint64, cases int) {
	seed = defaultSeed
	if env := os.Getenv("DIFF_SEED"); env != "" {
		v, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("DIFF_SEED=%q is not an unsigned integer: %v", env, err)
		}
		seed = v
	}
	if *seedFlag != 0 {
		seed = *seedFlag
	}

	cases = 100_000
	if testing.Short() {
		cases = 10_000
	}
	if env := os.Getenv("DIFF_CASES"); env != "" {
		v, err := strconv.Atoi(env)
		if err != nil || v < 0 {
			t.Fatalf("DIFF_CASES=%q is not a count of inputs", env)
		}
		cases = v
	}
	if *casesFlag != 0 {
		cases = *casesFlag
	}
	return seed, cases
}

// TestDifferential runs pkg/replicas and the upstream replica calculator on
// random inputs and fails on the first disagreement, which it shrinks and
// prints.
func TestDifferential(t *testing.T) {
	seed, cases := settings(t)
	first, last := 0, cases-1
	if *caseFlag >= 0 {
		first, last = *caseFlag, *caseFlag
	}
	t.Logf("seed %d, inputs %d to %d (change with -seed or DIFF_SEED, -cases or DIFF_CASES)", seed, first, last)

	podLevel := utilfeature.DefaultFeatureGate.Enabled(features.PodLevelResources)
	t.Cleanup(func() {
		if err := setPodLevelResources(podLevel); err != nil {
			t.Errorf("restore the PodLevelResources feature gate: %v", err)
		}
	})

	start := time.Now()
	counts := map[string]int{}
	retries, skipped := 0, 0
	for i := first; i <= last; i++ {
		c := generate(seed, i)
		out, err := runCase(c)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		retries += out.clockRetries
		if out.skipped {
			skipped++
			continue
		}
		counts[caseKind(c, out)]++
		if len(out.differences) == 0 {
			continue
		}

		t.Errorf("case %d: pkg/replicas disagrees with the upstream replica calculator:\n%s", i, report(c, out))
		small, smallOut := shrink(c, out)
		t.Fatalf("smallest disagreeing input found:\n%s", report(small, smallOut))
	}

	t.Logf("%d inputs agree in %v; %d reruns because the clock crossed the end of a CPU initialization period during the upstream call, %d inputs skipped after %d such reruns",
		last-first+1-skipped, time.Since(start).Round(time.Millisecond), retries, skipped, maxClockRetries)
	for _, kind := range slices.Sorted(maps.Keys(counts)) {
		t.Logf("  %6d %s", counts[kind], kind)
	}
}

// caseKind names the case's source, target and outcome, to show the mix
// of inputs a run covered.
func caseKind(c *diffCase, out outcome) string {
	target := ""
	switch c.Spec.Type {
	case autoscalingv2.ResourceMetricSourceType:
		target = targetKind(c.Spec.Resource.Target)
	case autoscalingv2.ContainerResourceMetricSourceType:
		target = targetKind(c.Spec.ContainerResource.Target)
	case autoscalingv2.PodsMetricSourceType:
		target = targetKind(c.Spec.Pods.Target)
	case autoscalingv2.ObjectMetricSourceType:
		target = targetKind(c.Spec.Object.Target)
	case autoscalingv2.ExternalMetricSourceType:
		target = targetKind(c.Spec.External.Target)
	}
	result := "proposal"
	if out.upstream.err != nil {
		result = "error"
	}
	if target == "" {
		return fmt.Sprintf("%s: %s", c.Spec.Type, result)
	}
	return fmt.Sprintf("%s %s: %s", c.Spec.Type, target, result)
}

func targetKind(t autoscalingv2.MetricTarget) string {
	switch {
	case t.AverageValue != nil && (t.Value != nil || t.AverageUtilization != nil):
		return string(t.Type) + " with more than one value set"
	case t.AverageValue == nil && t.Value == nil && t.AverageUtilization == nil:
		return string(t.Type) + " with no value set"
	}
	return string(t.Type)
}
