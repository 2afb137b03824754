// Package explain joins the parts of "kubectl hpametrics explain": it turns
// gathered state into the controller's inputs, recomputes the decision,
// runs the diagnosis and assembles the Explanation document.
package explain

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
	"github.com/hpametrics/kubectl-hpametrics/pkg/replicas"
)

// Options tune the recomputation and the diagnosis.
type Options struct {
	// Config holds the controller settings to recompute with.
	Config replicas.Config
	// Now is the evaluation time; zero means the gathering time.
	Now time.Time
	// StaleAfter is the sample age reported as stale; zero means
	// diagnose.DefaultStaleAfter.
	StaleAfter time.Duration
	// History, when set, replaces the history inferred from events, for
	// callers that observed the controller over time.
	History *replicas.History
	// KubectlFlags are the connection flags the user ran the plugin with
	// (--context, --as, ...). They are added to the kubectl commands that
	// findings suggest, so a check runs as the same user on the same cluster.
	KubectlFlags []string
	// Unapplied is set when state.HPA is a manifest that is not applied:
	// the verdict then marks the decision as a dry run, and the checks of
	// the HPA's status are skipped.
	Unapplied bool
}

// Build explains the HPA in state. state.HPA must be set.
func Build(state *gather.State, opts Options) *v1alpha1.Explanation {
	now := opts.Now
	if now.IsZero() {
		now = state.GatheredAt
	}

	history := InferHistory(state.HPA, state.Events, now)
	if opts.History != nil {
		history = *opts.History
	}

	input, ok := ComputationInput(state, opts.Config, now, history)
	var result *replicas.Result
	if ok {
		r := replicas.Compute(*input)
		if opts.History == nil {
			if fitted, fittedResult, found := fitFirstRescale(state, *input, r); found {
				input, r = &fitted, fittedResult
			}
		}
		result = &r
	} else {
		input = nil
	}

	findings := diagnose.Diagnose(diagnose.Input{
		State:       state,
		Computation: input,
		Result:      result,
		Now:         now,
		StaleAfter:  opts.StaleAfter,
		Unapplied:   opts.Unapplied,
	})
	if findings == nil {
		findings = []v1alpha1.Finding{}
	}
	withKubectlFlags(findings, opts.KubectlFlags)

	e := &v1alpha1.Explanation{
		TypeMeta:    metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.Kind},
		EvaluatedAt: metav1.NewTime(now.UTC().Truncate(time.Second)),
		HPA:         v1alpha1.ObjectRef{Namespace: state.HPA.Namespace, Name: state.HPA.Name},
		Target:      targetOf(state),
		Replicas:    replicasOf(state, refused(findings, result)),
		Metrics:     metricsOf(state, result),
		Pods:        podsOf(state),
		Steps:       stepsOf(result),
		Findings:    findings,
		Events:      eventsOf(state.Events),
		APIRequests: state.Requests,
	}
	if opts.Unapplied && result != nil {
		// A dry run starts from a fresh controller: there is no history to
		// infer, so nothing in it is inferred from events.
		result.Inferred = false
		e.Replicas.Inferred = false
	}
	e.Verdict = Verdict(state, result, findings)
	if opts.Unapplied {
		e.Verdict = "Dry run of an unapplied HPA: " + e.Verdict
	}
	return e
}

func targetOf(state *gather.State) v1alpha1.Target {
	ref := state.HPA.Spec.ScaleTargetRef
	t := v1alpha1.Target{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name}
	if scale := state.Target.Scale; scale != nil {
		t.Found = true
		t.Selector = scale.Status.Selector
	}
	return t
}

func replicasOf(state *gather.State, result *replicas.Result) v1alpha1.Replicas {
	hpa := state.HPA
	r := v1alpha1.Replicas{
		Current:       hpa.Status.CurrentReplicas,
		StatusDesired: hpa.Status.DesiredReplicas,
		Min:           1,
		Max:           hpa.Spec.MaxReplicas,
	}
	if hpa.Spec.MinReplicas != nil {
		r.Min = *hpa.Spec.MinReplicas
	}
	if scale := state.Target.Scale; scale != nil {
		r.Current = scale.Spec.Replicas
	}
	if result == nil || blocked(result) {
		return r
	}
	desired := result.DesiredReplicas
	r.Recommended = &desired
	// The reconstructed history matters only where it could change the
	// outcome: a stabilization window or policy that shaped it, or a
	// scale-down that unseen higher recommendations would hold.
	r.Inferred = result.Inferred && (restsOnHistory(result) || desired < result.CurrentReplicas)
	r.LimitReason = result.LimitReason
	r.StabilizationReason = result.StabilizationReason
	return r
}

// refused returns nil when the controller refuses to compute at all because
// two HPAs select the same pods (AmbiguousSelector), else result.
func refused(findings []v1alpha1.Finding, result *replicas.Result) *replicas.Result {
	for _, f := range findings {
		if f.Code == diagnose.CodeAmbiguousSelector || f.Code == diagnose.CodeSharedScaleTarget {
			return nil
		}
	}
	return result
}

// blocked reports whether the controller stops before deciding because its
// metrics are invalid or the scale's selector is missing or invalid.
func blocked(result *replicas.Result) bool {
	// A valid metric can propose a negative count (negative values), so
	// only an error makes the controller stop. A selector error comes
	// before any metric is read, so it leaves InvalidMetrics at 0.
	stopped := result.InvalidMetrics > 0 || result.MetricsError != ""
	return result.ComputedMetrics && stopped && result.MetricProposal < 0
}

func podsOf(state *gather.State) []v1alpha1.Pod {
	pods := make([]v1alpha1.Pod, 0, len(state.Pods))
	var targetUID types.UID
	if state.Target.Scale != nil {
		targetUID = state.Target.Scale.UID
	}
	// Without the ReplicaSets (RBAC, say) ownership cannot be followed, and
	// a pod is not reported as foreign on no evidence.
	ownershipUnknown := targetUID == "" || state.ReplicaSets == nil || state.ReplicaSetsError != nil
	for i := range state.Pods {
		pod := &state.Pods[i]
		p := v1alpha1.Pod{
			Name:          pod.Name,
			Ready:         podReady(pod),
			Phase:         string(pod.Status.Phase),
			OwnedByTarget: ownershipUnknown || diagnose.OwnedBy(pod, targetUID, state.ReplicaSets),
			Deleting:      pod.DeletionTimestamp != nil,
		}
		if !pod.CreationTimestamp.IsZero() {
			created := pod.CreationTimestamp
			p.Created = &created
		}
		if owner := metav1.GetControllerOf(pod); owner != nil {
			p.Owner = owner.Kind + "/" + owner.Name
		}
		pods = append(pods, p)
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func stepsOf(result *replicas.Result) []v1alpha1.Step {
	steps := []v1alpha1.Step{}
	if result == nil {
		return steps
	}
	for _, m := range result.Metrics {
		for _, text := range m.Steps {
			steps = append(steps, v1alpha1.Step{Text: m.Name + ": " + text})
		}
	}
	for _, s := range result.Steps {
		steps = append(steps, v1alpha1.Step{Text: s.Text, Inferred: s.Inferred})
	}
	return steps
}

func eventsOf(events []corev1.Event) []v1alpha1.Event {
	out := make([]v1alpha1.Event, 0, len(events))
	for _, e := range events {
		last := metav1.NewTime(eventTime(e))
		out = append(out, v1alpha1.Event{
			Type:    e.Type,
			Reason:  e.Reason,
			Message: e.Message,
			Count:   e.Count,
			Last:    &last,
		})
	}
	// Newest first: the recent events explain the current state.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Last.After(out[j].Last.Time) })
	return out
}

// withKubectlFlags adds flags after the first "kubectl" of each check
// command.
func withKubectlFlags(findings []v1alpha1.Finding, flags []string) {
	if len(flags) == 0 {
		return
	}
	inserted := "kubectl " + strings.Join(flags, " ") + " "
	for i := range findings {
		if strings.HasPrefix(findings[i].Check, "kubectl ") {
			findings[i].Check = inserted + strings.TrimPrefix(findings[i].Check, "kubectl ")
		}
	}
}
