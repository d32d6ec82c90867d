// Package scheduler places pods on nodes. The core is pure: an Algorithm
// takes a pod and a snapshot of the cluster and returns a node, or a
// FitError saying, per reason, how many nodes turned the pod down. The
// pipeline, in the spirit of Nomad's stack and kube-scheduler's framework:
//
//	pod ─► PreFilter plugins (once) ─► Filter plugins (each node, from a
//	      rotating start, until enough feasible nodes are found)
//	    ─► PreScore ─► Score plugins (each feasible node) ─► normalize
//	    ─► weighted sum ─► highest, ties broken at random
package scheduler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// WeightedScore is a Score plugin and its weight in the sum.
type WeightedScore struct {
	Plugin framework.ScorePlugin
	Weight int64
}

// Profile is one assembled pipeline.
type Profile struct {
	PreFilters []framework.PreFilterPlugin
	Filters    []framework.FilterPlugin
	PreScores  []framework.PreScorePlugin
	Scores     []WeightedScore
	// PercentageOfNodesToScore bounds how many feasible nodes are looked
	// for on large clusters: 0 is Kubernetes' adaptive default (50% less
	// 1% per 125 nodes, at least 5%), 100 looks at every node. At least
	// 100 feasible nodes are always looked for.
	PercentageOfNodesToScore int32
}

// minFeasibleNodesToFind is the least number of feasible nodes a cycle
// looks for before it stops filtering, as in Kubernetes.
const minFeasibleNodesToFind = 100

// numFeasibleNodesToFind is how many feasible nodes to look for among n.
func (p *Profile) numFeasibleNodesToFind(n int) int {
	if n < minFeasibleNodesToFind {
		return n
	}
	pct := int(p.PercentageOfNodesToScore)
	if pct <= 0 {
		pct = max(50-n/125, 5)
	}
	if pct >= 100 {
		return n
	}
	return max(n*pct/100, minFeasibleNodesToFind)
}

// Algorithm runs a profile. It keeps where the last cycle stopped
// filtering, so successive pods start at different nodes (as Kubernetes
// does) and large clusters are searched evenly. It is not safe for
// concurrent use: one scheduling loop owns it.
type Algorithm struct {
	Profile *Profile
	// Rand breaks ties between equally scored nodes.
	Rand      *rand.Rand
	nextStart int
}

// Result is where a pod goes and how much of the cluster was looked at.
type Result struct {
	Node string
	// Evaluated nodes were filtered; Feasible of them passed.
	Evaluated, Feasible int
}

// Schedule picks a node for pod in snap, or returns a *FitError when no
// node fits (or another error when a plugin failed).
func (a *Algorithm) Schedule(ctx context.Context, pod *corev1.Pod, snap *framework.Snapshot) (Result, error) {
	n := len(snap.Nodes)
	if n == 0 {
		return Result{}, &FitError{Pod: pod, NumAllNodes: 0}
	}
	state := framework.NewCycleState()
	skip := map[string]bool{}
	for _, pf := range a.Profile.PreFilters {
		st := pf.PreFilter(ctx, state, pod, snap)
		switch framework.CodeOf(st) {
		case framework.Success:
		case framework.Skip:
			skip[pf.Name()] = true
		case framework.Error:
			return Result{}, fmt.Errorf("prefilter %s: %s", pf.Name(), st.Message())
		default:
			return Result{}, &FitError{Pod: pod, NumAllNodes: n, PreFilterMsg: st.Message()}
		}
	}
	want := a.Profile.numFeasibleNodesToFind(n)
	var feasible []*framework.NodeInfo
	rejected := map[string]*framework.Status{}
	evaluated := 0
	for i := 0; i < n && len(feasible) < want; i++ {
		node := snap.Nodes[(a.nextStart+i)%n]
		evaluated++
		st := a.filter(ctx, state, pod, node, skip)
		switch {
		case st.IsSuccess():
			feasible = append(feasible, node)
		case framework.CodeOf(st) == framework.Error:
			return Result{}, fmt.Errorf("filter %s on node %s: %s", st.Plugin, node.Name(), st.Message())
		default:
			rejected[node.Name()] = st
		}
	}
	a.nextStart = (a.nextStart + evaluated) % n
	if len(feasible) == 0 {
		return Result{}, &FitError{Pod: pod, NumAllNodes: n, NodeStatus: rejected}
	}
	res := Result{Evaluated: evaluated, Feasible: len(feasible)}
	if len(feasible) == 1 {
		res.Node = feasible[0].Name()
		return res, nil
	}
	totals, err := a.score(ctx, state, pod, feasible)
	if err != nil {
		return Result{}, err
	}
	res.Node = feasible[a.pick(totals)].Name()
	return res, nil
}

// filter runs every Filter plugin on one node, stopping at the first that
// rejects it; the status names that plugin.
func (a *Algorithm) filter(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo, skip map[string]bool) *framework.Status {
	for _, f := range a.Profile.Filters {
		if skip[f.Name()] {
			continue
		}
		if st := f.Filter(ctx, state, pod, node); !st.IsSuccess() {
			st.Plugin = f.Name()
			return st
		}
	}
	return nil
}

// score sums the weighted, normalized scores of each feasible node.
func (a *Algorithm) score(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) ([]int64, error) {
	skip := map[string]bool{}
	for _, ps := range a.Profile.PreScores {
		st := ps.PreScore(ctx, state, pod, nodes)
		switch framework.CodeOf(st) {
		case framework.Success:
		case framework.Skip:
			skip[ps.Name()] = true
		default:
			return nil, fmt.Errorf("prescore %s: %s", ps.Name(), st.Message())
		}
	}
	totals := make([]int64, len(nodes))
	scores := make([]int64, len(nodes))
	for _, ws := range a.Profile.Scores {
		if skip[ws.Plugin.Name()] {
			continue
		}
		for i, node := range nodes {
			s, st := ws.Plugin.Score(ctx, state, pod, node)
			if !st.IsSuccess() {
				return nil, fmt.Errorf("score %s on node %s: %s", ws.Plugin.Name(), node.Name(), st.Message())
			}
			scores[i] = s
		}
		if norm, ok := ws.Plugin.(framework.ScoreNormalizer); ok {
			if st := norm.NormalizeScore(ctx, state, pod, scores); !st.IsSuccess() {
				return nil, fmt.Errorf("normalize %s: %s", ws.Plugin.Name(), st.Message())
			}
		}
		for i, s := range scores {
			totals[i] += s * ws.Weight
		}
	}
	return totals, nil
}

// pick returns the index of the highest total, choosing uniformly among
// ties (reservoir sampling, so one pass).
func (a *Algorithm) pick(totals []int64) int {
	best, ties := 0, 1
	for i := 1; i < len(totals); i++ {
		switch {
		case totals[i] > totals[best]:
			best, ties = i, 1
		case totals[i] == totals[best]:
			ties++
			if a.Rand != nil && a.Rand.IntN(ties) == 0 {
				best = i
			}
		}
	}
	return best
}

// FitError says why no node could take a pod.
type FitError struct {
	Pod         *corev1.Pod
	NumAllNodes int
	// PreFilterMsg is set when a PreFilter plugin turned the pod down
	// before any node was looked at.
	PreFilterMsg string
	// NodeStatus is why each rejected node rejected it.
	NodeStatus map[string]*framework.Status
}

// Error is Kubernetes' summary: how many nodes gave each reason, the
// commonest first: "0/3 nodes are available: 2 Insufficient cpu, 1
// node(s) had untolerated taint {dedicated: gpu}."
func (e *FitError) Error() string {
	msg := fmt.Sprintf("0/%d nodes are available:", e.NumAllNodes)
	if e.PreFilterMsg != "" {
		return msg + " " + e.PreFilterMsg + "."
	}
	counts := map[string]int{}
	for _, st := range e.NodeStatus {
		for _, r := range st.Reasons {
			counts[r]++
		}
	}
	if len(counts) == 0 {
		if e.NumAllNodes == 0 {
			return "no nodes available to schedule pods"
		}
		return strings.TrimSuffix(msg, ":") + "."
	}
	reasons := make([]string, 0, len(counts))
	for r := range counts {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if counts[reasons[i]] != counts[reasons[j]] {
			return counts[reasons[i]] > counts[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d %s", counts[r], r)
	}
	return msg + " " + strings.Join(parts, ", ") + "."
}
