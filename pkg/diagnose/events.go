package diagnose

import (
	"fmt"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// checkEvents reports HPA events that could not be read. explain rebuilds
// the controller's recent rescales from them, so without them the
// stabilization windows and scaling policies are judged from the status
// alone.
func (d *diagnosis) checkEvents() {
	err := d.state.EventsError
	if err == nil || NotCaptured(err) {
		return // checkSnapshot reports a file without events
	}
	ns := d.state.HPA.Namespace
	d.add(v1alpha1.Finding{
		Code:     CodeEventsUnreadable,
		Severity: v1alpha1.SeverityWarning,
		Message:  "The HPA's events could not be read, so the controller's recent rescales are unknown and the stabilization windows and scaling policies are judged from the HPA's status alone.",
		Evidence: []string{err.Error()},
		Fix:      "Ask for list access to events in this namespace.",
		Check:    fmt.Sprintf("kubectl auth can-i list events -n %s", ns),
	})
}
