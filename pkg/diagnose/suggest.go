package diagnose

import (
	"sort"
	"strings"
)

// closestNames returns up to limit candidates closest to name by edit
// distance, keeping only those close enough to be a plausible typo or
// renaming (distance at most half the name's length, or a shared prefix or
// substring).
func closestNames(name string, candidates []string, limit int) []string {
	type scored struct {
		name     string
		distance int
	}
	var matches []scored
	lower := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		dist := editDistance(lower, lc)
		related := strings.Contains(lc, lower) || strings.Contains(lower, lc) || dist <= max(2, len(lower)/3)
		if related && c != name {
			matches = append(matches, scored{c, dist})
		}
	}
	sort.SliceStable(matches, func(i, j int) bool {
		if matches[i].distance != matches[j].distance {
			return matches[i].distance < matches[j].distance
		}
		return matches[i].name < matches[j].name
	})
	var names []string
	for i := 0; i < len(matches) && i < limit; i++ {
		names = append(names, matches[i].name)
	}
	return names
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	curr := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		curr[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			curr[j] = min(prev[j]+1, curr[j-1]+1, prev[j-1]+cost)
		}
		prev, curr = curr, prev
	}
	return prev[len(b)]
}
