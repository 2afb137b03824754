package tui

import (
	"math"
	"strings"
)

// sparkBlocks are the eight block heights of a sparkline, lowest first.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last width samples as block characters. The scale
// runs from 0 (or the lowest sample, when negative) to the highest of the
// samples and ceiling, so a value at the target always draws at the same
// height while the target stays the highest value seen. A NaN sample, a
// refresh without a value, draws as a space.
func sparkline(samples []float64, ceiling float64, width int) string {
	if width <= 0 || len(samples) == 0 {
		return ""
	}
	if len(samples) > width {
		samples = samples[len(samples)-width:]
	}

	low, high := 0.0, ceiling
	if math.IsNaN(high) || math.IsInf(high, 0) {
		high = 0
	}
	for _, v := range samples {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		low = min(low, v)
		high = max(high, v)
	}

	var b strings.Builder
	for _, v := range samples {
		switch {
		case math.IsNaN(v):
			b.WriteRune(' ')
		case math.IsInf(v, 1):
			b.WriteRune(sparkBlocks[len(sparkBlocks)-1])
		case math.IsInf(v, -1) || high <= low:
			b.WriteRune(sparkBlocks[0])
		default:
			level := int(math.Round((v - low) / (high - low) * float64(len(sparkBlocks)-1)))
			b.WriteRune(sparkBlocks[max(min(level, len(sparkBlocks)-1), 0)])
		}
	}
	return b.String()
}
