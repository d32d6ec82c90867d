// Package noderuntime is the filter that sends a pod only to nodes that
// offer the runtime it runs in. A Marina agent labels its node
// runtime.marina.io/<runtime>=true for each runtime it offers (docker
// only while the Docker daemon answers); a pod picks one with
// spec.runtimeClassName, or, naming none, runs in docker or process,
// whichever the node has.
//
// Its reason names the runtime, `node(s) did not offer runtime "docker"`,
// and Hint turns that reason into what the user can do about it, so the
// scheduler can add it to the FailedScheduling message.
package noderuntime

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// Name is the plugin's name in configuration and statuses.
const Name = "NodeRuntime"

// LabelPrefix + runtime name = "true" marks a runtime a node offers. It is
// the agent's label (agent.RuntimeLabelPrefix).
const LabelPrefix = "runtime.marina.io/"

// The runtimes Marina's agent offers.
const (
	Docker  = "docker"
	Process = "process"
)

// defaultReason is the rejection of a pod naming no runtime.
var defaultReason = Reason(Docker, Process)

// reasonPrefix starts every reason of this plugin.
const reasonPrefix = "node(s) did not offer runtime "

// NodeRuntime is the filter.
type NodeRuntime struct{}

var _ framework.FilterPlugin = (*NodeRuntime)(nil)

// New returns the plugin; it has no configuration.
func New() *NodeRuntime { return &NodeRuntime{} }

// Name implements framework.Plugin.
func (*NodeRuntime) Name() string { return Name }

// Filter rejects a node that does not offer the pod's runtime, as
// UnschedulableAndUnresolvable: no preemption gives a node a runtime. A
// pod naming no runtime (or "") may run in docker or process, as the
// agent picks.
func (*NodeRuntime) Filter(_ context.Context, _ *framework.CycleState, pod *corev1.Pod, node *framework.NodeInfo) *framework.Status {
	if node.Node == nil {
		return framework.AsStatus(fmt.Errorf("node not found"))
	}
	if rc := pod.Spec.RuntimeClassName; rc != nil && *rc != "" {
		if Offers(node.Node, *rc) {
			return nil
		}
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, Reason(*rc))
	}
	if l := node.Node.Labels; l[dockerLabel] == "true" || l[processLabel] == "true" {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, defaultReason)
}

// The labels of the two built-in runtimes, so the filter builds no string
// per node.
const (
	dockerLabel  = LabelPrefix + Docker
	processLabel = LabelPrefix + Process
)

// Offers reports whether node carries the label of runtime.
func Offers(node *corev1.Node, runtime string) bool {
	return node.Labels[LabelPrefix+runtime] == "true"
}

// Reason is the rejection for a pod that may run in any of runtimes:
// `node(s) did not offer runtime "docker"`, or, for a pod naming no
// runtime, `node(s) did not offer runtime "docker" or "process"`.
func Reason(runtimes ...string) string {
	quoted := make([]string, len(runtimes))
	for i, rt := range runtimes {
		quoted[i] = strconv.Quote(rt)
	}
	return reasonPrefix + strings.Join(quoted, " or ")
}

// HowToGet says how a user gets a node with runtime, or avoids needing
// one: for docker, "start Docker on a node, or use runtimeClassName:
// process".
func HowToGet(runtime string) string {
	switch runtime {
	case Docker:
		return "start Docker on a node, or use runtimeClassName: process"
	case Process:
		return "start a node whose agent offers the process runtime (--runtimes process), or use runtimeClassName: docker"
	}
	return fmt.Sprintf("no Marina node offers runtime %q; use runtimeClassName: docker or process", runtime)
}

// Hint returns what to do about a reason this plugin gave, and false for
// any other reason. The scheduler adds it to the failure summary.
func Hint(reason string) (string, bool) {
	rest, ok := strings.CutPrefix(reason, reasonPrefix)
	if !ok {
		return "", false
	}
	var runtimes []string
	for _, q := range strings.Split(rest, " or ") {
		rt, err := strconv.Unquote(q)
		if err != nil {
			return "", false
		}
		runtimes = append(runtimes, rt)
	}
	if len(runtimes) > 1 {
		return "start a node with Docker running or with the process runtime", true
	}
	return HowToGet(runtimes[0]), true
}
