package deployment

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The annotations Kubernetes' deployment controller writes and kubectl
// reads (`rollout history`, `rollout undo`, `describe`).
const (
	// RevisionAnnotation numbers a deployment's replica sets in the order
	// their templates were rolled out.
	RevisionAnnotation = "deployment.kubernetes.io/revision"
	// RevisionHistoryAnnotation lists the earlier revisions a replica set
	// had, when a rollback made it current again.
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	// DesiredReplicasAnnotation is the deployment's replicas when the
	// replica set was last scaled; a change means the deployment was
	// scaled.
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	// MaxReplicasAnnotation is replicas + maxSurge at that time, the base
	// of proportional scaling.
	MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
	// ChangeCauseAnnotation is what `kubectl rollout history` shows.
	ChangeCauseAnnotation = "kubernetes.io/change-cause"
	// lastApplied is kubectl apply's record, never copied to replica sets.
	lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
)

// equalIgnoreHash reports whether two pod templates are the same but for
// the pod-template-hash label.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	delete(b.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	if len(a.Labels) == 0 {
		a.Labels = nil
	}
	if len(b.Labels) == 0 {
		b.Labels = nil
	}
	return apiequality.Semantic.DeepEqual(a, b)
}

// revision is an object's revision annotation; 0 when it has none.
func revision(m metav1.Object) int64 {
	v, err := strconv.ParseInt(m.GetAnnotations()[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// maxRevision is the highest revision among rss.
func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revision(rs))
	}
	return m
}

// copiedAnnotation reports whether a deployment's annotation is copied to
// its replica sets: the user's are (the change cause among them), the
// controller's own and kubectl apply's record are not.
func copiedAnnotation(k string) bool {
	switch k {
	case lastApplied, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation:
		return false
	}
	return true
}

// rsAnnotations returns the annotations the replica set should have as
// the deployment's new replica set at revision rev: the deployment's
// annotations, the revision (the earlier one pushed onto the history
// when a rollback makes an old set current again), and, for a set being
// created, the replica counts (an existing set's are the record of its
// last scaling, which proportional scaling reads; only scaling changes
// them). changed is false when rs has them already.
func rsAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, rev int64, surge int32, creating bool) (out map[string]string, changed bool) {
	out = maps.Clone(rs.Annotations)
	if out == nil {
		out = map[string]string{}
	}
	for k, v := range d.Annotations {
		if copiedAnnotation(k) {
			out[k] = v
		}
	}
	if old := revision(rs); old < rev {
		if old > 0 {
			hist := slices.DeleteFunc(strings.Split(out[RevisionHistoryAnnotation], ","), func(s string) bool { return s == "" })
			out[RevisionHistoryAnnotation] = strings.Join(append(hist, strconv.FormatInt(old, 10)), ",")
		}
		out[RevisionAnnotation] = strconv.FormatInt(rev, 10)
	}
	if creating {
		replicaAnnotations(out, d, surge)
	}
	return out, !maps.Equal(out, rs.Annotations)
}

// replicaAnnotations records the deployment's replicas and its maximum
// with surge.
func replicaAnnotations(a map[string]string, d *appsv1.Deployment, surge int32) {
	a[DesiredReplicasAnnotation] = strconv.FormatInt(int64(desired(d)), 10)
	a[MaxReplicasAnnotation] = strconv.FormatInt(int64(desired(d)+surge), 10)
}

// annotatedInt reads an int32 annotation.
func annotatedInt(m metav1.Object, k string) (int32, bool) {
	v, err := strconv.ParseInt(m.GetAnnotations()[k], 10, 32)
	return int32(v), err == nil
}
