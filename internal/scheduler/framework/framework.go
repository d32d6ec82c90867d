// Package framework is the scheduler's plugin model, after
// kube-scheduler's: a scheduling cycle takes one pod and a snapshot of the
// cluster, runs every PreFilter plugin once, every Filter plugin on each
// node, and every Score plugin on the nodes that pass, and picks the node
// with the highest weighted score. Plugins are pure: they read the pod,
// the snapshot and their own cycle state, and do no I/O.
//
// A Filter's Status separates "this node does not fit" (Unschedulable:
// preempting pods there may help) from "this node can never fit this pod"
// (UnschedulableAndUnresolvable: preemption will not help) and from an
// internal Error. Its reasons are the short phrases that the Kubernetes
// summary counts across nodes: "0/3 nodes are available: 2 Insufficient
// cpu, 1 node(s) had untolerated taint {dedicated: gpu}."
package framework

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// MaxNodeScore is the highest score a Score plugin gives (after
// normalizing); MinNodeScore the lowest.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
)

// Code is the outcome of a plugin.
type Code int

const (
	// Success: the pod may go on (a nil *Status means Success too).
	Success Code = iota
	// Unschedulable: the pod does not fit this node as things are;
	// removing pods from it (preemption) may change that.
	Unschedulable
	// UnschedulableAndUnresolvable: the pod does not fit this node, and
	// no preemption will change that (a node selector, a taint).
	UnschedulableAndUnresolvable
	// Error: the plugin failed; the cycle fails.
	Error
	// Skip: from PreFilter or PreScore, the plugin has nothing to do for
	// this pod, and its Filter or Score is not called.
	Skip
)

func (c Code) String() string {
	switch c {
	case Success:
		return "Success"
	case Unschedulable:
		return "Unschedulable"
	case UnschedulableAndUnresolvable:
		return "UnschedulableAndUnresolvable"
	case Error:
		return "Error"
	case Skip:
		return "Skip"
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Status is a plugin's result. A nil Status is Success.
type Status struct {
	Code Code
	// Reasons say why, in the words the summary counts ("Insufficient
	// cpu", "node(s) didn't match Pod's node affinity/selector").
	Reasons []string
	// Plugin is the plugin that returned it; the framework fills it in.
	Plugin string
	// Err is set for Code Error.
	Err error
}

// NewStatus returns a Status with code and reasons.
func NewStatus(code Code, reasons ...string) *Status {
	return &Status{Code: code, Reasons: reasons}
}

// AsStatus wraps an internal error.
func AsStatus(err error) *Status {
	if err == nil {
		return nil
	}
	return &Status{Code: Error, Reasons: []string{err.Error()}, Err: err}
}

// CodeOf returns a status's code; Success for nil.
func CodeOf(s *Status) Code {
	if s == nil {
		return Success
	}
	return s.Code
}

// IsSuccess reports whether s is nil or Success.
func (s *Status) IsSuccess() bool { return s == nil || s.Code == Success }

// IsRejected reports whether the pod does not fit (either kind of
// Unschedulable).
func (s *Status) IsRejected() bool {
	return s != nil && (s.Code == Unschedulable || s.Code == UnschedulableAndUnresolvable)
}

// Message joins the reasons.
func (s *Status) Message() string {
	if s == nil {
		return ""
	}
	return strings.Join(s.Reasons, ", ")
}

func (s *Status) String() string {
	if s == nil {
		return "Success"
	}
	return fmt.Sprintf("%s: %s", s.Code, s.Message())
}

// CycleState is scratch space for one scheduling cycle: a PreFilter
// plugin computes something once per pod (say, how many matching pods
// each topology domain has) and its Filter and Score read it for each
// node. Plugins key it by their name. It is not safe for concurrent
// writes; filters run in parallel only read it.
type CycleState struct {
	data map[string]any
}

// NewCycleState returns an empty cycle state.
func NewCycleState() *CycleState { return &CycleState{data: map[string]any{}} }

// Write stores v under key.
func (c *CycleState) Write(key string, v any) { c.data[key] = v }

// Read returns what is stored under key.
func (c *CycleState) Read(key string) (any, bool) {
	v, ok := c.data[key]
	return v, ok
}

// Plugin is anything the framework runs; its name is used in
// configuration, status and cycle state keys.
type Plugin interface {
	Name() string
}

// PreFilterPlugin runs once per cycle before any Filter. It may reject the
// pod outright (no node can take it) or return Skip when its Filter has
// nothing to check for this pod.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *corev1.Pod, snap *Snapshot) *Status
}

// FilterPlugin decides whether the pod fits one node. It is called for
// many nodes, possibly in parallel, and must only read state.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *corev1.Pod, node *NodeInfo) *Status
}

// PreScorePlugin runs once per cycle, with the nodes that passed the
// filters, before any Score. It may return Skip.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) *Status
}

// ScorePlugin ranks a node that passed the filters. Scores are between
// MinNodeScore and MaxNodeScore once normalized.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *corev1.Pod, node *NodeInfo) (int64, *Status)
}

// ScoreNormalizer is implemented by Score plugins whose raw scores need
// scaling into [MinNodeScore, MaxNodeScore] across the nodes of a cycle
// (scores in the same order as the nodes).
type ScoreNormalizer interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *corev1.Pod, scores []int64) *Status
}

// DefaultNormalizeScore scales scores so the highest is maxPriority (or,
// reversed, so the highest becomes the lowest); all zeros stay zero, or
// become maxPriority when reversed.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores []int64) {
	var highest int64
	for _, s := range scores {
		highest = max(highest, s)
	}
	for i, s := range scores {
		switch {
		case highest == 0 && reverse:
			scores[i] = maxPriority
		case highest == 0:
			scores[i] = 0
		case reverse:
			scores[i] = maxPriority - s*maxPriority/highest
		default:
			scores[i] = s * maxPriority / highest
		}
	}
}
