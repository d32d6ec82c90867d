package deployment

import (
	"fmt"
	"math"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The reasons of the Progressing and Available conditions, as Kubernetes
// writes them (kubectl rollout status reads ProgressDeadlineExceeded).
const (
	ReasonNewRSCreated       = "NewReplicaSetCreated"
	ReasonFoundNewRS         = "FoundNewReplicaSet"
	ReasonRSUpdated          = "ReplicaSetUpdated"
	ReasonNewRSAvailable     = "NewReplicaSetAvailable"
	ReasonTimedOut           = "ProgressDeadlineExceeded"
	ReasonPaused             = "DeploymentPaused"
	ReasonResumed            = "DeploymentResumed"
	ReasonMinimumAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumUnavailable = "MinimumReplicasUnavailable"
)

// counts sums what the sets report into a deployment status, keeping the
// conditions and collision count it had, and sets Available.
func counts(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, unavailable int32, now time.Time) appsv1.DeploymentStatus {
	st := appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		CollisionCount:     d.Status.CollisionCount,
		Conditions:         slices.Clone(d.Status.Conditions),
	}
	for _, rs := range all {
		if rs == nil {
			continue
		}
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(0, specTotal(all)-st.AvailableReplicas)
	if st.AvailableReplicas >= desired(d)-unavailable {
		setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionFalse, ReasonMinimumUnavailable, "Deployment does not have minimum availability.", now))
	}
	return st
}

// complete reports whether the rollout is done: every replica updated,
// available, and no old ones left.
func complete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	n := desired(d)
	return st.UpdatedReplicas == n && st.Replicas == n && st.AvailableReplicas == n && st.ObservedGeneration >= d.Generation
}

// progressed reports whether st is a step forward from the deployment's
// last status: more pods updated, ready or available, or fewer old ones.
func progressed(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	was := d.Status
	return st.UpdatedReplicas > was.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < was.Replicas-was.UpdatedReplicas ||
		st.ReadyReplicas > was.ReadyReplicas ||
		st.AvailableReplicas > was.AvailableReplicas
}

// hasDeadline reports whether progressDeadlineSeconds is set (MaxInt32
// means none, as in Kubernetes).
func hasDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != math.MaxInt32
}

// timedOut reports whether the rollout has made no progress within the
// deadline since the Progressing condition last changed.
func timedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	c := getCondition(st, appsv1.DeploymentProgressing)
	if !hasDeadline(d) || c == nil || c.Reason == ReasonNewRSAvailable {
		return false
	}
	if c.Reason == ReasonTimedOut {
		return true
	}
	return c.LastUpdateTime.Add(deadline(d)).Before(now)
}

func deadline(d *appsv1.Deployment) time.Duration {
	return time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
}

// rolloutStatus is the status after a rollout step: the counts, and the
// Progressing condition updated for progress, completion or a stall. It
// also returns when to look again for a stall (0: no need).
func rolloutStatus(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, unavailable int32, now time.Time) (appsv1.DeploymentStatus, time.Duration) {
	st := counts(d, all, newRS, unavailable, now)
	if !hasDeadline(d) {
		removeCondition(&st, appsv1.DeploymentProgressing)
		return st, 0
	}
	cur := getCondition(&st, appsv1.DeploymentProgressing)
	done := cur != nil && cur.Reason == ReasonNewRSAvailable && st.Replicas == st.UpdatedReplicas
	name := ""
	if newRS != nil {
		name = newRS.Name
	}
	if !done {
		switch {
		case complete(d, &st):
			setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSAvailable,
				fmt.Sprintf("ReplicaSet %q has successfully progressed.", name), now))
		case progressed(d, &st):
			// Progress moves the deadline: the update time changes even
			// when the reason does not.
			c := condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonRSUpdated,
				fmt.Sprintf("ReplicaSet %q is progressing.", name), now)
			if cur != nil && cur.Status == corev1.ConditionTrue {
				c.LastTransitionTime = cur.LastTransitionTime
			}
			removeCondition(&st, appsv1.DeploymentProgressing)
			setCondition(&st, c)
		case timedOut(d, &st, now):
			setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonTimedOut,
				fmt.Sprintf("ReplicaSet %q has timed out progressing.", name), now))
		}
	}
	// A rollout still under way is looked at again when its deadline
	// passes, even if nothing else happens.
	var recheck time.Duration
	if c := getCondition(&st, appsv1.DeploymentProgressing); c != nil && !complete(d, &st) &&
		c.Reason != ReasonTimedOut && c.Reason != ReasonNewRSAvailable {
		recheck = max(time.Second, c.LastUpdateTime.Add(deadline(d)).Sub(now)+time.Second)
	}
	return st, recheck
}

func condition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg, LastUpdateTime: ts, LastTransitionTime: ts}
}

func getCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition puts c in st, unless a condition of its type has the same
// status and reason already; the transition time stays when the status
// does.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(st, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	st.Conditions = slices.DeleteFunc(st.Conditions, func(c appsv1.DeploymentCondition) bool { return c.Type == t })
}
