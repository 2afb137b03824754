// Package diagnose turns gathered cluster state and the recomputed decision
// into findings: what is wrong or noteworthy, the evidence, and a fix with a
// command that checks it. Finding codes are stable; docs/findings.md lists
// them.
package diagnose

import (
	"sort"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// DefaultStaleAfter is the sample age past which a metric is reported
// as stale. Adapters usually return samples from the last scrape, within a
// minute or two.
const DefaultStaleAfter = 3 * time.Minute

// Input is the diagnosis input. Computation and Result are nil when the
// decision could not be recomputed (for example, the scale target is missing).
type Input struct {
	State       *gather.State
	Computation *replicas.Input
	Result      *replicas.Result
	// Now is the evaluation time.
	Now time.Time
	// StaleAfter is the age past which a metric sample is stale; zero means
	// DefaultStaleAfter.
	StaleAfter time.Duration
	// Unapplied is set for an HPA manifest that is not applied: it has no
	// status, so the checks of what the controller wrote are skipped.
	Unapplied bool
}

// Diagnose returns the findings for one HPA, most severe first.
func Diagnose(in Input) []v1alpha1.Finding {
	if in.StaleAfter == 0 {
		in.StaleAfter = DefaultStaleAfter
	}
	d := &diagnosis{in: in, state: in.State}

	d.checkSnapshot()
	d.checkController()
	d.checkTarget()
	d.checkOwnership()
	d.checkEvents()
	d.checkAPIServices()
	for i := range in.State.Metrics {
		d.checkMetric(i)
	}
	d.checkRequests()
	d.checkPodTreatment()
	d.checkStaleness()
	d.checkDecision()
	d.checkStatus()

	sortFindings(d.findings)
	return d.findings
}

// diagnosis collects findings while the checks run.
type diagnosis struct {
	in       Input
	state    *gather.State
	findings []v1alpha1.Finding

	resourceErrorReported bool
}

func (d *diagnosis) add(f v1alpha1.Finding) {
	d.findings = append(d.findings, f)
}

// has reports whether a finding with the code was already added.
func (d *diagnosis) has(code string) bool {
	for _, f := range d.findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

var severityRank = map[v1alpha1.Severity]int{
	v1alpha1.SeverityError:   0,
	v1alpha1.SeverityWarning: 1,
	v1alpha1.SeverityInfo:    2,
}

// sortFindings orders findings by severity and keeps the check order within
// one severity, which follows the path a metric value takes to the decision.
func sortFindings(findings []v1alpha1.Finding) {
	sort.SliceStable(findings, func(i, j int) bool {
		return severityRank[findings[i].Severity] < severityRank[findings[j].Severity]
	})
}
