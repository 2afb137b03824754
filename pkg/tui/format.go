package tui

import (
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
	"github.com/hpametrics/kubectl-hpametrics/pkg/termtext"
)

// clean makes a cluster-supplied string inert for the terminal.
func clean(s string) string {
	return termtext.Sanitize(s)
}

// errorText prints err for the status line, sanitized. client-go's
// errors put the request URL, query included, before the cause, as in
// Get "https://host/apis/...?timeout=10s": dial tcp .... The status line
// already names the operation, so the URL is left out and the cause fits.
func errorText(err error) string {
	msg := err.Error()
	var urlErr *url.Error
	if errors.As(err, &urlErr) && urlErr.Err != nil {
		msg = strings.Replace(msg, urlErr.Error(), urlErr.Err.Error(), 1)
	}
	return clean(msg)
}

// formatNumber prints v with at most three decimals and no trailing zeros.
// Values of a million and more take a decimal suffix (k is left out so that
// request rates stay exact), and magnitudes a fixed notation cannot show use
// an exponent.
func formatNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}

	magnitude := math.Abs(v)
	switch {
	case magnitude >= 1e15 || (magnitude != 0 && magnitude < 0.001):
		return strconv.FormatFloat(v, 'g', 3, 64)
	case magnitude >= 1e12:
		return trimDecimals(v/1e12, 2) + "T"
	case magnitude >= 1e9:
		return trimDecimals(v/1e9, 2) + "G"
	case magnitude >= 1e6:
		return trimDecimals(v/1e6, 2) + "M"
	}
	return trimDecimals(v, 3)
}

// trimDecimals prints v with at most the given decimals.
func trimDecimals(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// isBytes reports whether a Resource or ContainerResource metric counts
// bytes.
func isBytes(m *v1alpha1.Metric) bool {
	if m.Type != "Resource" && m.Type != "ContainerResource" {
		return false
	}
	switch {
	case m.Name == "memory", m.Name == "ephemeral-storage", m.Name == "storage":
		return true
	case strings.HasPrefix(m.Name, "hugepages-"):
		return true
	}
	return false
}

// isCPU reports whether a metric counts cpu cores.
func isCPU(m *v1alpha1.Metric) bool {
	return (m.Type == "Resource" || m.Type == "ContainerResource") && m.Name == "cpu"
}

// formatQuantity prints a value of m in its unit, compactly: cpu in
// millicores ("412m") as kubectl top prints it, bytes with a binary suffix
// ("412Mi"), anything else as a number.
func formatQuantity(m *v1alpha1.Metric, v float64) string {
	switch {
	case isCPU(m) && !math.IsNaN(v) && !math.IsInf(v, 0):
		milli := v * 1000
		if math.Abs(milli) < 10000 {
			return trimDecimals(milli, 1) + "m"
		}
		return formatNumber(v)
	case isBytes(m):
		return formatBytes(v)
	}
	return formatNumber(v)
}

var binaryUnits = []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// formatBytes prints a byte count with the largest binary suffix that keeps
// the number at 1 or more.
func formatBytes(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return formatNumber(v)
	}
	suffix := ""
	scaled := v
	for i, name := range binaryUnits {
		size := math.Pow(1024, float64(i+1))
		if math.Abs(v) < size {
			break
		}
		suffix = name
		scaled = v / size
	}
	return trimDecimals(scaled, 1) + suffix
}

// formatValue prints a current or target value: utilization in percent of
// the request, anything else in the metric's unit. An average of an Object
// or External metric carries "(avg)", as kubectl get hpa prints it.
func formatValue(m *v1alpha1.Metric, v *v1alpha1.MetricValue) string {
	if v == nil {
		return "<unknown>"
	}
	if v.Type == "Utilization" {
		return formatNumber(v.Value) + "%"
	}
	s := formatQuantity(m, v.Value)
	if v.Type == "AverageValue" && (m.Type == "Object" || m.Type == "External") {
		s += " (avg)"
	}
	return s
}

// formatPodValue prints one pod's sample, followed by its share of the
// request when the target is a utilization.
func formatPodValue(m *v1alpha1.Metric, pm *v1alpha1.PodMetric) string {
	if pm == nil || pm.Value == nil {
		return "<none>"
	}
	s := formatQuantity(m, *pm.Value)
	if m.Target.Type == "Utilization" && pm.Request != nil && *pm.Request > 0 {
		s += " " + formatNumber(math.Round(*pm.Value / *pm.Request * 100)) + "%"
	}
	return s
}

// metricLabel names a metric in one short phrase.
func metricLabel(m *v1alpha1.Metric) string {
	name := clean(m.Name)
	if name == "" {
		name = "<" + clean(m.Type) + ">"
	}
	switch {
	case m.Container != "":
		return name + "[" + clean(m.Container) + "]"
	case m.Object != "":
		return name + " on " + clean(m.Object)
	case m.Type == "External":
		return name + " (external)"
	}
	return name
}

// formatAge prints the time from t to now as kubectl prints ages.
func formatAge(t time.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return formatDuration(now.Sub(t))
}

// formatDuration prints d as kubectl prints ages; a negative d prints "0s".
func formatDuration(d time.Duration) string {
	return duration.HumanDuration(max(d, 0))
}

// formatClock prints the time of day of t, in t's location.
func formatClock(t time.Time) string {
	if t.IsZero() {
		return "--:--:--"
	}
	return t.Format("15:04:05")
}

// formatWindow prints a window length compactly: "5m", "90s", "0s".
func formatWindow(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.Round(time.Second).String()
}

func nan() float64 { return math.NaN() }
