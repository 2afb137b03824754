package snapshot

import (
	"sort"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/explain"
)

// Explain explains the loaded state at opts.Now, which must be set. The
// first step names where that time came from, and the notes about the file
// join the findings.
func (l *Loaded) Explain(opts explain.Options, source TimeSource) *v1alpha1.Explanation {
	if l.State.GatheredAt.IsZero() {
		l.State.GatheredAt = opts.Now
	}
	e := explain.Build(l.State, opts)
	e.Steps = append([]v1alpha1.Step{{Text: source.Describe(opts.Now)}}, e.Steps...)

	e.Findings = append(e.Findings, l.Notes...)
	rank := map[v1alpha1.Severity]int{v1alpha1.SeverityError: 0, v1alpha1.SeverityWarning: 1, v1alpha1.SeverityInfo: 2}
	sort.SliceStable(e.Findings, func(i, j int) bool {
		return rank[e.Findings[i].Severity] < rank[e.Findings[j].Severity]
	})
	return e
}
