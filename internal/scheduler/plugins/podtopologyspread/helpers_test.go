package podtopologyspread

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

// The tests' shorthand, on top of plugintest: existing pods, named
// uniquely, nodes in a zone, and hard and soft constraints.

const (
	hostname = corev1.LabelHostname
	zone     = corev1.LabelTopologyZone
)

var podSeq int

// existing starts a pod in namespace default with the label pairs, named
// existing-<n> for an n no other call returns; its Replicas stay unique
// too.
func existing(labelPairs ...string) *pt.PodWrapper {
	podSeq++
	w := pt.MakePod(fmt.Sprintf("existing-%d", podSeq))
	for i := 0; i+1 < len(labelPairs); i += 2 {
		w.Label(labelPairs[i], labelPairs[i+1])
	}
	return w
}

// pods returns n existing pods with the label pairs.
func pods(n int, labelPairs ...string) []*corev1.Pod {
	return existing(labelPairs...).Replicas(n)
}

func hard(maxSkew int32, key string, matchLabels ...string) corev1.TopologySpreadConstraint {
	return pt.SpreadConstraint(maxSkew, key, corev1.DoNotSchedule, matchLabels...)
}

func soft(maxSkew int32, key string, matchLabels ...string) corev1.TopologySpreadConstraint {
	return pt.SpreadConstraint(maxSkew, key, corev1.ScheduleAnyway, matchLabels...)
}

// with modifies a constraint in place and returns it.
func with(c corev1.TopologySpreadConstraint, f func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint {
	f(&c)
	return c
}

// zoned starts a node in zone z ("" for none).
func zoned(name, z string) *pt.NodeWrapper {
	w := pt.MakeNode(name)
	if z != "" {
		w.Label(zone, z)
	}
	return w
}

// node is a node in zone z ("" for none) holding pods.
func node(name, z string, ps ...[]*corev1.Pod) *framework.NodeInfo {
	return zoned(name, z).NodeInfo(slices.Concat(ps...)...)
}
