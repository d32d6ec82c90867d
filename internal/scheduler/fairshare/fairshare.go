// Package fairshare is Mesos' weighted Dominant Resource Fairness between
// tenants, which in Marina are namespaces. A namespace's dominant share is
// the largest, over CPU and memory, of what its bound pods request divided
// by what the cluster can allocate; divided by the namespace's weight
// (annotation marina.io/fair-share-weight, default 1). When pods of several
// namespaces wait, the scheduler takes the next one from the namespace
// with the lowest weighted dominant share.
package fairshare

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

// WeightAnnotation on a Namespace sets its weight (a positive number).
const WeightAnnotation = "marina.io/fair-share-weight"

// Weight reads a namespace's weight: its annotation when it is a
// positive number, else 1.
func Weight(ns *corev1.Namespace) float64 {
	if ns == nil {
		return 1
	}
	if w, err := strconv.ParseFloat(ns.Annotations[WeightAnnotation], 64); err == nil && w > 0 {
		return w
	}
	return 1
}

// Shares tracks what each namespace's bound pods request, against the
// cluster's allocatable. It is not safe for concurrent use.
type Shares struct {
	// Total is the cluster's allocatable, summed over nodes.
	Total   framework.Resource
	used    map[string]framework.Resource
	weights map[string]float64
}

// New returns empty shares of a cluster with total allocatable.
func New(total framework.Resource) *Shares {
	return &Shares{Total: total, used: map[string]framework.Resource{}, weights: map[string]float64{}}
}

// SetWeight sets a namespace's weight (values ≤ 0 mean 1).
func (s *Shares) SetWeight(namespace string, w float64) {
	if w <= 0 {
		w = 1
	}
	s.weights[namespace] = w
}

// Add accounts for a pod of namespace bound with requests r.
func (s *Shares) Add(namespace string, r framework.Resource) {
	u := s.used[namespace]
	u.Add(r)
	s.used[namespace] = u
}

// Remove takes back a pod's requests.
func (s *Shares) Remove(namespace string, r framework.Resource) {
	u := s.used[namespace]
	u.Sub(r)
	s.used[namespace] = u
}

// Dominant is the namespace's weighted dominant share.
func (s *Shares) Dominant(namespace string) float64 {
	u := s.used[namespace]
	share := 0.0
	if s.Total.MilliCPU > 0 {
		share = max(share, float64(u.MilliCPU)/float64(s.Total.MilliCPU))
	}
	if s.Total.Memory > 0 {
		share = max(share, float64(u.Memory)/float64(s.Total.Memory))
	}
	w := s.weights[namespace]
	if w <= 0 {
		w = 1
	}
	return share / w
}
