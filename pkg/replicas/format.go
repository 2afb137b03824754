package replicas

import (
	"math"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// formatRatio prints a usage ratio with up to four decimals, or in full when
// four decimals would hide which side of a tolerance edge it is on.
func formatRatio(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	short := strconv.FormatFloat(r, 'f', 4, 64)
	if parsed, _ := strconv.ParseFloat(short, 64); parsed != r {
		full := strconv.FormatFloat(r, 'f', -1, 64)
		if len(full) <= 12 {
			return full
		}
		return trimZeros(strconv.FormatFloat(r, 'f', 6, 64))
	}
	return trimZeros(short)
}

func trimZeros(s string) string {
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// formatMilli prints a milli-value as a plain decimal number, 1617 as 1.617.
func formatMilli(v int64) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u/1000, 10)
	if frac := u % 1000; frac != 0 {
		f := strconv.FormatUint(frac+1000, 10)[1:]
		s += "." + trimZeros(f)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// formatValue prints a milli-value for a metric: cpu in millicores,
// other resources as Kubernetes quantities such as "100Mi", and custom
// metrics as plain decimal numbers.
func formatValue(name corev1.ResourceName, v int64) string {
	switch name {
	case "":
		return formatMilli(v)
	case corev1.ResourceCPU:
		return strconv.FormatInt(v, 10) + "m"
	}
	return resource.NewMilliQuantity(v, quantityFormat(name)).String()
}

// plural prints a count with a noun, adding "s" unless the count is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// verb conjugates a regular verb for a subject of n things.
func verb(n int, v string) string {
	if n == 1 {
		return v + "s"
	}
	return v
}

// possessive prints "1 pod's" or "3 pods'".
func possessive(n int) string {
	if n == 1 {
		return "1 pod's"
	}
	return strconv.Itoa(n) + " pods'"
}

// formatDuration prints a duration without trailing zero units, 5m0s as 5m.
func formatDuration(d time.Duration) string {
	s := d.String()
	if len(s) > 3 && s[len(s)-3:] == "m0s" {
		s = s[:len(s)-2]
	}
	if len(s) > 3 && s[len(s)-3:] == "h0m" {
		s = s[:len(s)-2]
	}
	return s
}
