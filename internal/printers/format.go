package printers

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// now is a variable so tests can pin the clock that AGE-style cells are
// measured against.
var now = time.Now

// age renders the time since ts the way kubectl does ("5s", "3m", "2d").
func age(ts metav1.Time) string {
	return since(ts.Time)
}

func since(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now().Sub(t))
}

// containerCells lays out a pod template's containers on one line each for
// the CONTAINERS and IMAGES columns.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for idx, c := range containers {
		n[idx] = c.Name
		i[idx] = c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

func boolPtr(b *bool) string {
	if b == nil {
		return "<unset>"
	}
	if *b {
		return "True"
	}
	return "False"
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// firstN joins at most max entries so a cell stays readable however many
// items the object holds, noting how many of total were left out.
func firstN(list []string, total, max int) string {
	if len(list) > max {
		list = list[:max]
	}
	s := strings.Join(list, ",")
	if total > max {
		return fmt.Sprintf("%s + %d more...", s, total-max)
	}
	return s
}

// replicas reads an optional replica count; the API defaults an unset count
// to 1, and objects read back from storage might predate defaulting.
func replicas(n *int32) int64 {
	if n == nil {
		return 1
	}
	return int64(*n)
}
