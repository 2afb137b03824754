package tui

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// podSort is the order of the pods table.
type podSort int

const (
	// sortByValue puts the highest value of the selected metric first and
	// pods without a value last.
	sortByValue podSort = iota
	sortByName
	// sortByAge puts the youngest pod first: new pods are the ones the
	// controller most often leaves out or counts specially.
	sortByAge
	podSortCount
)

func (s podSort) String() string {
	switch s {
	case sortByValue:
		return "value ↓"
	case sortByName:
		return "name"
	case sortByAge:
		return "age (newest first)"
	}
	return "?"
}

// podRow joins a pod with its sample of each metric.
type podRow struct {
	pod *v1alpha1.Pod
	// samples has one entry per metric of the explanation; nil where the
	// metric has no per-pod sample for the pod.
	samples []*v1alpha1.PodMetric
}

// podRows joins the explanation's pods with their samples. A sample for a
// pod the selector did not list (the controller still counts some of them)
// gets a row of its own.
func podRows(e *v1alpha1.Explanation) []podRow {
	rows := make([]podRow, 0, len(e.Pods))
	index := make(map[string]int, len(e.Pods))
	for i := range e.Pods {
		index[e.Pods[i].Name] = len(rows)
		rows = append(rows, podRow{pod: &e.Pods[i], samples: make([]*v1alpha1.PodMetric, len(e.Metrics))})
	}
	for mi := range e.Metrics {
		for pi := range e.Metrics[mi].Pods {
			pm := &e.Metrics[mi].Pods[pi]
			i, ok := index[pm.Name]
			if !ok {
				i = len(rows)
				index[pm.Name] = i
				rows = append(rows, podRow{pod: &v1alpha1.Pod{Name: pm.Name}, samples: make([]*v1alpha1.PodMetric, len(e.Metrics))})
			}
			rows[i].samples[mi] = pm
		}
	}
	return rows
}

// filterPods keeps the rows whose pod name contains filter, ignoring case.
func filterPods(rows []podRow, filter string) []podRow {
	if filter == "" {
		return rows
	}
	needle := strings.ToLower(filter)
	out := make([]podRow, 0, len(rows))
	for _, r := range rows {
		if strings.Contains(strings.ToLower(r.pod.Name), needle) {
			out = append(out, r)
		}
	}
	return out
}

// sortPods orders rows in place; ties keep name order, so the table does
// not shuffle between refreshes.
func sortPods(rows []podRow, by podSort, metric int) {
	slices.SortStableFunc(rows, func(a, b podRow) int {
		switch by {
		case sortByValue:
			va, oka := sampleValue(a, metric)
			vb, okb := sampleValue(b, metric)
			switch {
			case oka != okb && oka:
				return -1
			case oka != okb:
				return 1
			case oka && va != vb:
				return cmp.Compare(vb, va)
			}
		case sortByAge:
			if c := createdAt(b).Compare(createdAt(a)); c != 0 {
				return c
			}
		}
		return strings.Compare(a.pod.Name, b.pod.Name)
	})
}

func sampleValue(r podRow, metric int) (float64, bool) {
	if metric < 0 || metric >= len(r.samples) {
		return 0, false
	}
	s := r.samples[metric]
	if s == nil || s.Value == nil || math.IsNaN(*s.Value) {
		return 0, false
	}
	return *s.Value, true
}

func createdAt(r podRow) time.Time {
	if r.pod.Created == nil {
		return time.Time{}
	}
	return r.pod.Created.Time
}

// treatment describes how the controller treats the pod for one metric:
// its state, the reason when it is not Ready, and how the usage ratio
// counts it.
func treatment(pm *v1alpha1.PodMetric) string {
	if pm == nil {
		return "-"
	}
	s := clean(pm.State)
	if pm.Reason != "" && pm.State != "Ready" {
		s += " (" + clean(pm.Reason) + ")"
	}
	if pm.CountedAs != "" {
		s += ": " + clean(pm.CountedAs)
	}
	return s
}
