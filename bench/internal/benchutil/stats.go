package benchutil

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Percentile is the p-th percentile (nearest rank) of d; 0 for none. d is
// not modified.
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

// MiB formats a byte count in whole mebibytes.
func MiB(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Ms formats a duration in milliseconds with one decimal.
func Ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// ForEach calls do(w, i) for every i in [0, n) from c goroutines (w is the
// calling goroutine's index, 0..c-1), each taking the next i, and returns
// once all are done. A goroutine whose call returns false stops.
func ForEach(n, c int, do func(w, i int) bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || !do(w, i) {
					return
				}
			}
		}()
	}
	wg.Wait()
}
