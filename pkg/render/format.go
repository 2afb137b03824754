package render

import (
	"math"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/hpametrics/kubectl-hpametrics/pkg/apis/v1alpha1"
)

// unit is the unit a metric's values are printed in.
type unit int

const (
	unitPlain unit = iota
	unitCores
	unitBytes
)

// metricUnit picks the unit from the resource name. Only Resource and
// ContainerResource metrics name a resource; custom and external metric
// values are printed as they are, whatever their name.
func metricUnit(m *v1alpha1.Metric) unit {
	if m.Type != "Resource" && m.Type != "ContainerResource" {
		return unitPlain
	}

	switch {
	case m.Name == "cpu":
		return unitCores
	case m.Name == "memory", m.Name == "ephemeral-storage", m.Name == "storage":
		return unitBytes
	case strings.HasPrefix(m.Name, "hugepages-"):
		return unitBytes
	}
	return unitPlain
}

// formatNumber prints v with at most three decimals and without trailing
// zeros: 0.539, 12345, 1.5. Magnitudes where a fixed notation misleads or
// grows unreadable (non-zero values below 0.001, values of 10^15 and more)
// use an exponent.
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
	if magnitude >= 1e15 || (magnitude != 0 && magnitude < 0.001) {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}

	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// formatCores prints a CPU quantity in cores: "0.25 cores", "1 core".
func formatCores(v float64) string {
	if v == 1 {
		return "1 core"
	}
	return formatNumber(v) + " cores"
}

// binaryUnits are the Kubernetes binary suffixes in increasing size.
var binaryUnits = []string{"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// formatBytes prints a byte count with the largest binary suffix that keeps
// the number at 1 or more: "512Mi", "1.5Gi". Counts below 1Ki have no suffix,
// as in Kubernetes quantities.
func formatBytes(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return formatNumber(v)
	}

	magnitude := math.Abs(v)
	suffix := ""
	scaled := v
	for i, name := range binaryUnits {
		size := math.Pow(1024, float64(i+1))
		if magnitude < size {
			break
		}
		suffix = name
		scaled = v / size
	}
	return formatNumber(scaled) + suffix
}

// formatPercent prints a utilization: "75%".
func formatPercent(v float64) string {
	return formatNumber(v) + "%"
}

// formatQuantity prints a value of a metric in the metric's unit.
func formatQuantity(m *v1alpha1.Metric, v float64) string {
	switch metricUnit(m) {
	case unitCores:
		return formatCores(v)
	case unitBytes:
		return formatBytes(v)
	}
	return formatNumber(v)
}

// formatMetricValue prints a target or current value. Utilization is a
// percentage of the request. Object and External metrics may compare either
// the value or the value divided by the pod count, so an average carries
// "(avg)" there, as kubectl get hpa prints it. Pods metrics are always
// averages and Resource averages are per pod by definition, so they carry no
// mark.
func formatMetricValue(m *v1alpha1.Metric, v *v1alpha1.MetricValue) string {
	if v.Type == "Utilization" {
		return formatPercent(v.Value)
	}

	s := formatQuantity(m, v.Value)
	if v.Type == "AverageValue" && (m.Type == "Object" || m.Type == "External") {
		s += " (avg)"
	}
	return s
}

// formatPodValue prints one pod's sample. For a utilization target the
// pod's share of its request follows, since that is the number the target
// is compared with.
func formatPodValue(m *v1alpha1.Metric, pm *v1alpha1.PodMetric) string {
	if pm.Value == nil {
		return "<none>"
	}

	s := formatQuantity(m, *pm.Value)
	if m.Target.Type == "Utilization" && pm.Request != nil && *pm.Request > 0 {
		s += " (" + formatPercent(math.Round(*pm.Value / *pm.Request * 100)) + ")"
	}
	return s
}

// formatRatio prints a usage ratio with three decimals, the precision at
// which the controller's default tolerance of 0.1 can be judged.
func formatRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return formatNumber(r)
	}
	return strconv.FormatFloat(r, 'f', 3, 64)
}

// formatAge prints the time since t as kubectl get prints ages: "5s",
// "3m20s", "2h", "4d". A missing time prints "<unknown>".
func formatAge(t *time.Time, now time.Time) string {
	if t == nil || t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(*t))
}

// formatTimestamp prints t in RFC 3339 in UTC.
func formatTimestamp(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339)
}

// plural returns "1 pod", "3 pods".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
