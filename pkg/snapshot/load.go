package snapshot

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/diagnose"
	"github.com/hpametrics/kubectl-hpametrics/pkg/gather"
)

// Options select what Load reads.
type Options struct {
	// Name is the HPA to explain. It may be empty when the input holds one
	// HPA, or one marked as a snapshot's subject.
	Name string
	// Namespace, when set, limits the choice of HPA to this namespace.
	Namespace string
	// Source names the input in messages, such as the file name.
	Source string
	// MaxBytes caps the input size; zero means DefaultMaxBytes.
	MaxBytes int64
}

// Loaded is the state read from a file, ready for explain.Build.
type Loaded struct {
	State *gather.State
	// CapturedAt is the capture time a snapshot records; zero for other
	// input.
	CapturedAt time.Time
	// Newest is the newest timestamp in the state's objects, zero if none.
	Newest time.Time
	// Complete is true for a whole snapshot of the chosen HPA: a part it
	// lacks was empty in the cluster, not left out of the file.
	Complete bool
	// Notes are findings about the file itself, such as objects that were
	// not used.
	Notes []v1alpha1.Finding
}

// MultipleHPAsError reports an input with several HPAs and no name to
// choose one.
type MultipleHPAsError struct {
	Source string
	// Names are "namespace/name" of each HPA, sorted.
	Names []string
}

func (e *MultipleHPAsError) Error() string {
	return fmt.Sprintf("%s contains %d HPAs: name the one to explain, one of: %s", e.Source, len(e.Names), strings.Join(e.Names, ", "))
}

// Load reads a snapshot, or kubectl output, from r and assembles the state
// of one HPA. It returns an error for input that cannot be read, has no HPA,
// or is ambiguous. A part that the input lacks becomes a SourceError with
// reason diagnose.ReasonNotCaptured, which the diagnosis reports.
func Load(r io.Reader, opts Options) (*Loaded, error) {
	source := opts.Source
	if source == "" {
		source = "the input"
	}
	data, err := readInput(r, source, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	objects, err := parseObjects(data, source)
	if err != nil {
		return nil, err
	}
	set, err := decodeObjects(objects)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if err := set.dedupeAll(); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}

	subject, err := chooseHPA(set, opts, source)
	if err != nil {
		return nil, err
	}
	l := &loader{set: set, subject: subject, source: source, namespace: subject.obj.Namespace}
	if l.namespace == "" {
		l.namespace = opts.Namespace
	}
	if l.namespace == "" {
		l.namespace = "default"
	}
	subject.obj.Namespace = l.namespace

	loaded := &Loaded{}
	if err := l.readCaptureMarks(loaded); err != nil {
		return nil, err
	}
	l.complete = loaded.Complete
	l.dropOtherNamespaces()
	if err := l.indexStatuses(); err != nil {
		return nil, err
	}

	state, err := l.buildState(loaded.CapturedAt)
	if err != nil {
		return nil, err
	}
	loaded.State = state
	loaded.Newest = newestTime(state)
	loaded.Notes = append(loaded.Notes, l.notes()...)
	return loaded, nil
}

// chooseHPA picks the HPA to explain: the one named, else the only one,
// else the one a snapshot was captured for.
func chooseHPA(set *objectSet, opts Options, source string) (entry[*autoscalingv2.HorizontalPodAutoscaler], error) {
	var none entry[*autoscalingv2.HorizontalPodAutoscaler]
	candidates := set.hpas
	if opts.Namespace != "" {
		candidates = nil
		for _, e := range set.hpas {
			if e.obj.Namespace == opts.Namespace || e.obj.Namespace == "" {
				candidates = append(candidates, e)
			}
		}
	}
	if len(set.hpas) == 0 {
		for _, o := range set.ignored {
			if strings.HasPrefix(o.what, gkHPA.Kind+" ") {
				return none, fmt.Errorf("%s contains no HorizontalPodAutoscaler that explain reads: %s: %s", source, o.what, o.reason)
			}
		}
		return none, fmt.Errorf("%s contains no HorizontalPodAutoscaler: add the output of kubectl get hpa NAME -n NAMESPACE -o yaml", source)
	}

	if opts.Name != "" {
		var named []entry[*autoscalingv2.HorizontalPodAutoscaler]
		for _, e := range candidates {
			if e.obj.Name == opts.Name {
				named = append(named, e)
			}
		}
		switch len(named) {
		case 0:
			return none, fmt.Errorf("%s contains no HPA named %q%s; it contains: %s", source, opts.Name, inNamespace(opts.Namespace), strings.Join(set.hpaNames(), ", "))
		case 1:
			return named[0], nil
		}
		var namespaces []string
		for _, e := range named {
			namespaces = append(namespaces, e.obj.Namespace)
		}
		return none, fmt.Errorf("%s contains an HPA named %q in namespaces %s: choose one with --namespace", source, opts.Name, strings.Join(namespaces, ", "))
	}

	var marked []entry[*autoscalingv2.HorizontalPodAutoscaler]
	for _, e := range candidates {
		if e.obj.Annotations[AnnotationCapturedAt] != "" {
			marked = append(marked, e)
		}
	}
	switch {
	case len(marked) == 1:
		return marked[0], nil
	case len(candidates) == 1:
		return candidates[0], nil
	case len(candidates) == 0:
		return none, fmt.Errorf("%s contains no HPA%s; it contains: %s", source, inNamespace(opts.Namespace), strings.Join(set.hpaNames(), ", "))
	}
	names := make([]string, 0, len(candidates))
	for _, e := range candidates {
		names = append(names, e.obj.Namespace+"/"+e.obj.Name)
	}
	return none, &MultipleHPAsError{Source: source, Names: sortedCopy(names)}
}

func inNamespace(namespace string) string {
	if namespace == "" {
		return ""
	}
	return " in namespace " + namespace
}

// loader assembles the state of the chosen HPA from an objectSet.
type loader struct {
	set       *objectSet
	subject   entry[*autoscalingv2.HorizontalPodAutoscaler]
	source    string
	namespace string
	complete  bool

	// statuses maps a part ("pods", "metric/0", "apiservice/NAME") to
	// the Status recorded for it.
	statuses map[string]entry[*statusObject]
	// ignored collects objects left out while assembling the state.
	ignored   []ignoredObject
	truncated string
}

// readCaptureMarks reads the capture time and the item count of a
// snapshot. A snapshot with fewer items than it recorded is not complete.
func (l *loader) readCaptureMarks(loaded *Loaded) error {
	hpa := l.subject.obj
	captured := hpa.Annotations[AnnotationCapturedAt]
	if captured == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, captured)
	if err != nil {
		return fmt.Errorf("%s: HPA %s has an invalid %s annotation %q: use RFC 3339, such as 2026-12-04T12:00:00Z", l.source, hpa.Name, AnnotationCapturedAt, captured)
	}
	loaded.CapturedAt = t
	loaded.Complete = true

	recorded, err := strconv.Atoi(hpa.Annotations[AnnotationItems])
	if err != nil {
		return nil
	}
	if held := l.set.listSizes[l.subject.src.list]; held < recorded {
		l.truncated = fmt.Sprintf("the snapshot records %d items but %s contains %d", recorded, l.source, held)
		loaded.Complete = false
	}
	return nil
}

// dropOtherNamespaces leaves out namespaced objects of other namespaces
// than the HPA's. Metric responses stay: values for pods in other
// namespaces are themselves a finding.
func (l *loader) dropOtherNamespaces() {
	s := l.set
	s.hpas = keepNamespace(l, s.hpas)
	s.scales = keepNamespace(l, s.scales)
	s.workloads = keepNamespace(l, s.workloads)
	s.pods = keepNamespace(l, s.pods)
	s.replicaSets = keepNamespace(l, s.replicaSets)
	s.events = keepNamespace(l, s.events)
}

func keepNamespace[T any](l *loader, entries []entry[T]) []entry[T] {
	out := entries[:0:0]
	for _, e := range entries {
		if ns := e.src.meta.Namespace; ns != "" && ns != l.namespace {
			l.ignored = append(l.ignored, ignoredObject{
				what:   fmt.Sprintf("%s (%s)", describeObject(e.src), e.src.where),
				reason: "in another namespace than the HPA's namespace " + l.namespace,
			})
			continue
		}
		out = append(out, e)
	}
	return out
}

// statusKey is the key of a Status in loader.statuses.
func statusKey(e entry[*statusObject]) (string, bool) {
	part := e.annotation(AnnotationPart)
	switch part {
	case partNamespaceHPAs, partScale, partPods, partReplicaSets, partEvents, partDiscovery, partCustomDiscovery, partResourceMetrics:
		return part, true
	case partMetric, partUnselected:
		index, err := strconv.Atoi(e.annotation(AnnotationMetricIndex))
		if err != nil || index < 0 {
			return "", false
		}
		return part + "/" + strconv.Itoa(index), true
	case partAPIService:
		if e.obj.Details == nil || e.obj.Details.Name == "" {
			return "", false
		}
		return part + "/" + e.obj.Details.Name, true
	}
	return "", false
}

// indexStatuses files each Status under its part. Statuses of a snapshot
// captured for another HPA, and Statuses without a part, are left out.
func (l *loader) indexStatuses() error {
	l.statuses = map[string]entry[*statusObject]{}
	ownSnapshot := l.subject.obj.Annotations[AnnotationCapturedAt] != ""
	for _, e := range l.set.statuses {
		key, ok := statusKey(e)
		switch {
		case !ok:
			l.ignore(e.src, "Status without a valid "+AnnotationPart+" annotation")
			continue
		case !ownSnapshot && strings.HasPrefix(key, partMetric):
			l.ignore(e.src, "Status of another HPA's metric")
			continue
		}
		if first, seen := l.statuses[key]; seen {
			return fmt.Errorf("%s: %s and %s both record a failure of %s: keep one of them", l.source, first.src.where, e.src.where, key)
		}
		l.statuses[key] = e
	}
	return nil
}

func (l *loader) ignore(obj rawObject, reason string) {
	l.ignored = append(l.ignored, ignoredObject{what: fmt.Sprintf("%s (%s)", describeObject(obj), obj.where), reason: reason})
}

// status returns the SourceError recorded for a part, or nil.
func (l *loader) status(key string) *gather.SourceError {
	e, ok := l.statuses[key]
	if !ok {
		return nil
	}
	return &gather.SourceError{
		Source:   e.annotation(AnnotationRequest),
		Code:     int(e.obj.Code),
		Reason:   e.obj.Reason,
		Message:  e.obj.Message,
		TimedOut: e.annotation(AnnotationTimedOut) == "true",
	}
}

// notCaptured records that the input lacks a part of the state.
func (l *loader) notCaptured(format string, args ...any) *gather.SourceError {
	return &gather.SourceError{Source: l.source, Reason: diagnose.ReasonNotCaptured, Message: fmt.Sprintf(format, args...)}
}

// notes returns the findings about the input itself.
func (l *loader) notes() []v1alpha1.Finding {
	var notes []v1alpha1.Finding
	if l.truncated != "" {
		notes = append(notes, v1alpha1.Finding{
			Code:     diagnose.CodeSnapshotTruncated,
			Severity: v1alpha1.SeverityWarning,
			Message:  "The snapshot contains fewer objects than it recorded, so it was cut short or edited. Parts it lacks are reported as missing.",
			Evidence: []string{l.truncated},
			Fix:      "Capture the snapshot again and copy the whole file.",
			Check:    fmt.Sprintf("kubectl hpametrics snapshot %s -n %s > snapshot.yaml", l.subject.obj.Name, l.namespace),
		})
	}
	ignored := append(append([]ignoredObject{}, l.set.ignored...), l.ignored...)
	if len(ignored) > 0 {
		notes = append(notes, v1alpha1.Finding{
			Code:     diagnose.CodeSnapshotIgnoredObjects,
			Severity: v1alpha1.SeverityInfo,
			Message:  fmt.Sprintf("%d object(s) in %s were not used for HPA %s.", len(ignored), l.source, l.subject.obj.Name),
			Evidence: summarizeIgnored(ignored),
			Fix:      "Nothing to fix unless one of them is a part you meant to supply; its reason says why it was left out.",
		})
	}
	return notes
}
