package deployment

import (
	"cmp"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// desired is the deployment's replicas (defaulted to 1 by the server).
func desired(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

// size is a replica set's spec.replicas.
func size(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

// specTotal is the replicas the sets are asked for.
func specTotal(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += size(rs)
	}
	return n
}

// availableTotal is the sets' available pods, as their status reports.
func availableTotal(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		if rs != nil {
			n += rs.Status.AvailableReplicas
		}
	}
	return n
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against the replicas. Both 0 would let nothing move, so then one
// pod may be unavailable. Recreate has neither.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32, err error) {
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil {
		return 0, 0, nil
	}
	n := int(desired(d))
	zero := intstr.FromInt32(0)
	s, err := intstr.GetScaledValueFromIntOrPercent(cmp.Or(ru.MaxSurge, &zero), n, true)
	if err != nil {
		return 0, 0, fmt.Errorf("spec.strategy.rollingUpdate.maxSurge: %w", err)
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(cmp.Or(ru.MaxUnavailable, &zero), n, false)
	if err != nil {
		return 0, 0, fmt.Errorf("spec.strategy.rollingUpdate.maxUnavailable: %w", err)
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(min(u, n)), nil
}

// newSetSize is the size the new replica set may grow to now. A rolling
// update grows it while all sets together stay within replicas + surge;
// Recreate makes it whole at once (the old pods are gone by then).
func newSetSize(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, surge int32) int32 {
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return desired(d)
	}
	cur := size(newRS)
	room := desired(d) + surge - specTotal(all)
	if room <= 0 {
		return cur
	}
	return cur + max(0, min(room, desired(d)-cur))
}

// oldScaleDown plans how far the old sets (oldest first) shrink in one
// step of a rolling update, keeping replicas - unavailable pods
// available. First pods that are not available go, as far as the budget
// allows (they serve nothing); then available ones, down to the minimum.
// It returns the new sizes of the sets that change.
func oldScaleDown(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, unavailable int32) map[*appsv1.ReplicaSet]int32 {
	all := append(slices.Clone(old), newRS)
	if specTotal(old) == 0 {
		return nil
	}
	minAvailable := desired(d) - unavailable
	newUnavailable := size(newRS) - newRS.Status.AvailableReplicas
	budget := specTotal(all) - minAvailable - newUnavailable
	if budget <= 0 {
		return nil
	}
	old = slices.Clone(old)
	slices.SortStableFunc(old, byCreation)
	sizes := map[*appsv1.ReplicaSet]int32{}
	cur := func(rs *appsv1.ReplicaSet) int32 {
		if n, ok := sizes[rs]; ok {
			return n
		}
		return size(rs)
	}
	var cleaned int32
	for _, rs := range old {
		if cleaned >= budget {
			break
		}
		unhealthy := size(rs) - rs.Status.AvailableReplicas
		if size(rs) == 0 || unhealthy <= 0 {
			continue
		}
		n := min(budget-cleaned, unhealthy)
		sizes[rs] = size(rs) - n
		cleaned += n
	}
	// The available pods beyond the minimum may go. Cleaning took only
	// unavailable pods, so the count stands.
	spare := availableTotal(all) - minAvailable
	for _, rs := range old {
		if spare <= 0 {
			break
		}
		if cur(rs) == 0 {
			continue
		}
		n := min(cur(rs), spare)
		sizes[rs] = cur(rs) - n
		spare -= n
	}
	return sizes
}

// byCreation orders replica sets oldest first, by name on a tie.
func byCreation(a, b *appsv1.ReplicaSet) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// scalingEvent reports whether the deployment was scaled since its active
// sets were last sized: their desired-replicas annotation differs.
func scalingEvent(d *appsv1.Deployment, all []*appsv1.ReplicaSet) bool {
	for _, rs := range all {
		if size(rs) == 0 {
			continue
		}
		if n, ok := annotatedInt(rs, DesiredReplicasAnnotation); ok && n != desired(d) {
			return true
		}
	}
	return false
}

// proportion splits a change of the deployment's replicas over its sets
// in the middle of a rollout, as Kubernetes does: each set grows or
// shrinks in proportion to its share of the old maximum (replicas +
// surge); what rounding leaves over goes to the largest set. With one set
// active (or none), that set alone is resized. It returns the new sizes
// of the sets to write.
func proportion(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet, surge int32) map[*appsv1.ReplicaSet]int32 {
	all := slices.DeleteFunc(append(slices.Clone(old), newRS), func(rs *appsv1.ReplicaSet) bool { return rs == nil })
	var active []*appsv1.ReplicaSet
	for _, rs := range all {
		if size(rs) > 0 {
			active = append(active, rs)
		}
	}
	switch {
	case len(active) == 1:
		return map[*appsv1.ReplicaSet]int32{active[0]: desired(d)}
	case len(active) == 0:
		// The newest set takes them all.
		if newRS != nil {
			return map[*appsv1.ReplicaSet]int32{newRS: desired(d)}
		}
		if len(all) == 0 {
			return nil
		}
		latest := slices.MaxFunc(all, byCreation)
		return map[*appsv1.ReplicaSet]int32{latest: desired(d)}
	}
	if newRS != nil && size(newRS) == desired(d) && newRS.Status.AvailableReplicas == desired(d) {
		// The rollout is done: the old sets go.
		out := map[*appsv1.ReplicaSet]int32{}
		for _, rs := range old {
			out[rs] = 0
		}
		return out
	}
	allowed := int32(0)
	if desired(d) > 0 {
		allowed = desired(d) + surge
	}
	toAdd := allowed - specTotal(all)
	// Every active set is listed, changed or not: each is rewritten with
	// the deployment's new replica count, which ends the scaling event.
	out := map[*appsv1.ReplicaSet]int32{}
	for _, rs := range active {
		out[rs] = size(rs)
	}
	if toAdd == 0 {
		return out
	}
	// Growing favours the newest sets, shrinking the oldest; larger sets
	// first in both.
	slices.SortStableFunc(active, func(a, b *appsv1.ReplicaSet) int {
		if size(a) != size(b) {
			return int(size(b) - size(a))
		}
		if toAdd > 0 {
			return byCreation(b, a)
		}
		return byCreation(a, b)
	})
	var added int32
	for _, rs := range active {
		p := share(rs, d, surge, toAdd-added)
		out[rs] = size(rs) + p
		added += p
	}
	// Rounding leftovers go to the largest set, never below zero.
	if left := toAdd - added; left != 0 {
		first := active[0]
		out[first] = max(0, out[first]+left)
	}
	return out
}

// share is how much of the change (at most remaining, same sign) set rs
// takes: its size scaled by the new maximum over the old one.
func share(rs *appsv1.ReplicaSet, d *appsv1.Deployment, surge, remaining int32) int32 {
	if remaining == 0 {
		return 0
	}
	var frac int32
	if desired(d) == 0 {
		frac = -size(rs)
	} else {
		oldMax, ok := annotatedInt(rs, MaxReplicasAnnotation)
		if !ok || oldMax == 0 {
			oldMax = d.Status.Replicas
		}
		if oldMax == 0 {
			return 0
		}
		newSize := (float64(size(rs)) * float64(desired(d)+surge)) / float64(oldMax)
		frac = int32(newSize+0.5) - size(rs)
	}
	if remaining > 0 {
		return max(0, min(frac, remaining))
	}
	return min(0, max(frac, remaining))
}
