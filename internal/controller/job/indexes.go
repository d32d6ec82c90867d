package job

import (
	"slices"
	"strconv"
	"strings"
)

// indexSet is a set of completion indexes, written as Kubernetes writes
// status.completedIndexes: sorted ranges, "1,3-5,7".
type indexSet map[int]bool

// parseIndexes reads a completedIndexes string; what it cannot read it
// skips (the API server validated it).
func parseIndexes(s string) indexSet {
	out := indexSet{}
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out[i] = true
		}
	}
	return out
}

// String writes the set as sorted ranges.
func (s indexSet) String() string {
	ix := make([]int, 0, len(s))
	for i := range s {
		ix = append(ix, i)
	}
	slices.Sort(ix)
	var b strings.Builder
	for i := 0; i < len(ix); {
		j := i
		for j+1 < len(ix) && ix[j+1] == ix[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ix[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(ix[j]))
		}
		i = j + 1
	}
	return b.String()
}
