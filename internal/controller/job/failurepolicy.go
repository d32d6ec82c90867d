package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// failureAction is what the job's podFailurePolicy says about a failed
// pod: the action of the first rule that matches ("" when none does, or
// there is no policy: the failure counts), and why, for the job's
// condition message.
func failureAction(job *batchv1.Job, p *corev1.Pod) (batchv1.PodFailurePolicyAction, string) {
	pfp := job.Spec.PodFailurePolicy
	if pfp == nil {
		return "", ""
	}
	for i, rule := range pfp.Rules {
		if r := rule.OnExitCodes; r != nil {
			if c, code, ok := matchExitCodes(r, p); ok {
				return rule.Action, fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
					c, p.Namespace, p.Name, code, rule.Action, i)
			}
			continue
		}
		for _, pattern := range rule.OnPodConditions {
			for _, c := range p.Status.Conditions {
				if c.Type == pattern.Type && c.Status == pattern.Status {
					return rule.Action, fmt.Sprintf("Pod %s/%s has condition %s matching %s rule at index %d",
						p.Namespace, p.Name, c.Type, rule.Action, i)
				}
			}
		}
	}
	return "", ""
}

// matchExitCodes finds a container (the named one, or any) that ended
// with a code the requirement matches. As in Kubernetes, NotIn never
// matches a clean exit (0).
func matchExitCodes(r *batchv1.PodFailurePolicyOnExitCodesRequirement, p *corev1.Pod) (string, int32, bool) {
	statuses := append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if r.ContainerName != nil && *r.ContainerName != cs.Name {
			continue
		}
		t := cs.State.Terminated
		if t == nil {
			t = cs.LastTerminationState.Terminated
		}
		if t == nil {
			continue
		}
		in := slices.Contains(r.Values, t.ExitCode)
		switch r.Operator {
		case batchv1.PodFailurePolicyOnExitCodesOpIn:
			if in {
				return cs.Name, t.ExitCode, true
			}
		case batchv1.PodFailurePolicyOnExitCodesOpNotIn:
			if !in && t.ExitCode != 0 {
				return cs.Name, t.ExitCode, true
			}
		}
	}
	return "", 0, false
}
