package endpoints

import (
	"cmp"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// ManagedBy is the value of the endpointslice.kubernetes.io/managed-by
	// label on the EndpointSlices this controller writes. Slices with any
	// other value (written by users or other controllers) are left alone.
	ManagedBy = "endpointslice-controller.marina.io"
	// MaxEndpointsPerSlice is how many endpoints one EndpointSlice holds
	// at most (kube-controller-manager's default).
	MaxEndpointsPerSlice = 100
)

// slicePlan is what one sync writes: new slices (GenerateName set, no
// name), changed copies of existing slices, and slices to delete.
// A slice that does not change is in none of them.
type slicePlan struct {
	create, update, delete []*discoveryv1.EndpointSlice
}

// empty reports whether the plan writes nothing.
func (p slicePlan) empty() bool { return len(p.create)+len(p.update)+len(p.delete) == 0 }

// planSlices compares a service's existing EndpointSlices (those labelled
// as its and managed by ManagedBy) with the desired groups and returns
// the writes that make them match, as Kubernetes' reconciler does:
//
//   - slices of another owner (an earlier service of the same name) or
//     another address type are deleted;
//   - within each group of equal ports, an existing slice keeps the
//     endpoints still desired, updated where they changed, and loses the
//     rest; one left empty is deleted;
//   - new endpoints fill the changed slices first (the fullest first),
//     then the unchanged slice they fit best, then new slices of at most
//     max endpoints;
//   - groups of ports no longer desired lose their slices;
//   - a service with no endpoints at all keeps one empty placeholder
//     slice;
//   - a slice to create reuses, by an update, a slice about to be deleted.
//
// Slices being deleted are ignored. planSlices does no I/O and does not
// modify its arguments.
func planSlices(svc *corev1.Service, existing []*discoveryv1.EndpointSlice, groups []group, max int) slicePlan {
	var p slicePlan
	live := 0
	// By name, so that equal inputs make equal plans.
	existing = slices.SortedFunc(slices.Values(existing), func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	byPorts := map[string][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		if s.DeletionTimestamp != nil {
			continue
		}
		live++
		if !ownedBy(s, svc) || s.AddressType != discoveryv1.AddressTypeIPv4 {
			p.delete = append(p.delete, s)
			continue
		}
		k := portsKey(s.Ports)
		byPorts[k] = append(byPorts[k], s)
	}
	labels := sliceLabels(svc)
	wanted := map[string]bool{}
	for _, g := range groups {
		k := portsKey(g.Ports)
		wanted[k] = true
		create, update, del := planGroup(svc, labels, byPorts[k], g, max)
		p.create = append(p.create, create...)
		p.update = append(p.update, update...)
		p.delete = append(p.delete, del...)
	}
	for _, k := range slices.Sorted(maps.Keys(byPorts)) {
		if !wanted[k] {
			p.delete = append(p.delete, byPorts[k]...)
		}
	}

	if len(p.create) == 0 && len(p.delete) == live {
		if len(p.delete) == 1 && isPlaceholder(p.delete[0], svc, labels) {
			p.delete = nil
		} else {
			p.create = append(p.create, newSlice(svc, labels, []discoveryv1.EndpointPort{}))
		}
	}

	// Turn creations into updates of slices that would be deleted: one
	// write instead of two, and no moment without the endpoints.
	for i := 0; i < len(p.delete) && len(p.create) > 0; {
		old := p.delete[i]
		if old.AddressType != discoveryv1.AddressTypeIPv4 || !ownedBy(old, svc) {
			i++
			continue
		}
		fresh := p.create[len(p.create)-1]
		reuse := old.DeepCopy()
		reuse.Labels, reuse.Ports, reuse.Endpoints = fresh.Labels, fresh.Ports, fresh.Endpoints
		p.create = p.create[:len(p.create)-1]
		p.update = append(p.update, reuse)
		p.delete = slices.Delete(p.delete, i, i+1)
	}
	return p
}

// planGroup reconciles the slices of one group of ports (Kubernetes'
// reconcileByPortMapping).
func planGroup(svc *corev1.Service, labels map[string]string, existing []*discoveryv1.EndpointSlice, g group, max int) (create, update, del []*discoveryv1.EndpointSlice) {
	want := map[string]*discoveryv1.Endpoint{}
	order := make([]string, 0, len(g.Endpoints))
	for i := range g.Endpoints {
		k := endpointKey(&g.Endpoints[i])
		if _, dup := want[k]; !dup {
			order = append(order, k)
		}
		want[k] = &g.Endpoints[i]
	}

	var unchanged []*discoveryv1.EndpointSlice
	for _, s := range existing {
		keep := []discoveryv1.Endpoint{}
		changed := false
		for i := range s.Endpoints {
			k := endpointKey(&s.Endpoints[i])
			d, ok := want[k]
			if !ok {
				continue
			}
			keep = append(keep, *d)
			if !equality.Semantic.DeepEqual(*d, s.Endpoints[i]) {
				changed = true
			}
			// Found in a slice: it needs no other place.
			delete(want, k)
		}
		switch {
		case changed || len(keep) != len(s.Endpoints):
			if len(keep) == 0 {
				del = append(del, s)
				continue
			}
			c := s.DeepCopy()
			c.Endpoints, c.Labels = keep, maps.Clone(labels)
			update = append(update, c)
		case !equality.Semantic.DeepEqual(s.Labels, labels):
			c := s.DeepCopy()
			c.Labels = maps.Clone(labels)
			update = append(update, c)
		default:
			unchanged = append(unchanged, s)
		}
	}

	var rest []*discoveryv1.Endpoint
	for _, k := range order {
		if d, ok := want[k]; ok {
			rest = append(rest, d)
		}
	}
	fill := func(s *discoveryv1.EndpointSlice) {
		for len(rest) > 0 && len(s.Endpoints) < max {
			s.Endpoints = append(s.Endpoints, *rest[0])
			rest = rest[1:]
		}
	}
	// Slices being written anyway take new endpoints first, the fullest
	// first, so that slices stay few and full.
	slices.SortStableFunc(update, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(len(b.Endpoints), len(a.Endpoints)) })
	for _, s := range update {
		fill(s)
	}
	for len(rest) > 0 {
		var s *discoveryv1.EndpointSlice
		if len(rest) < max {
			if i := bestFit(unchanged, len(rest), max); i >= 0 {
				s = unchanged[i].DeepCopy()
				unchanged = slices.Delete(unchanged, i, i+1)
				update = append(update, s)
			}
		}
		if s == nil {
			s = newSlice(svc, labels, g.Ports)
			create = append(create, s)
		}
		fill(s)
	}
	return create, update, del
}

// bestFit returns the index of the slice that n more endpoints would
// bring closest to max without passing it, or -1.
func bestFit(candidates []*discoveryv1.EndpointSlice, n, max int) int {
	best, bestRoom := -1, max
	for i, s := range candidates {
		if room := max - (n + len(s.Endpoints)); room >= 0 && room < bestRoom {
			best, bestRoom = i, room
		}
	}
	return best
}

// newSlice returns an empty slice of svc with ports, to be created.
func newSlice(svc *corev1.Service, labels map[string]string, ports []discoveryv1.EndpointPort) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    svc.Name + "-",
			Namespace:       svc.Namespace,
			Labels:          maps.Clone(labels),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
		Endpoints:   []discoveryv1.Endpoint{},
	}
}

// isPlaceholder reports whether s is the empty slice a service without
// endpoints keeps.
func isPlaceholder(s *discoveryv1.EndpointSlice, svc *corev1.Service, labels map[string]string) bool {
	return len(s.Endpoints) == 0 && len(s.Ports) == 0 && s.AddressType == discoveryv1.AddressTypeIPv4 &&
		ownedBy(s, svc) && equality.Semantic.DeepEqual(s.Labels, labels)
}

// ownedBy reports whether svc (this incarnation of it, by UID) owns s.
func ownedBy(s *discoveryv1.EndpointSlice, svc *corev1.Service) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == svc.UID && o.Kind == "Service" && o.APIVersion == "v1" {
			return true
		}
	}
	return false
}

// sliceLabels are the labels of svc's slices: the service's own, except
// the reserved ones, which the controller sets.
func sliceLabels(svc *corev1.Service) map[string]string {
	out := map[string]string{}
	for k, v := range svc.Labels {
		switch k {
		case discoveryv1.LabelServiceName, discoveryv1.LabelManagedBy, corev1.IsHeadlessService:
		default:
			out[k] = v
		}
	}
	if headless(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	out[discoveryv1.LabelServiceName] = svc.Name
	out[discoveryv1.LabelManagedBy] = ManagedBy
	return out
}

// endpointsLabels are the labels of svc's Endpoints object: the
// service's own, and the headless mark.
func endpointsLabels(svc *corev1.Service) map[string]string {
	out := maps.Clone(svc.Labels)
	if out == nil {
		out = map[string]string{}
	}
	delete(out, corev1.IsHeadlessService)
	if headless(svc) {
		out[corev1.IsHeadlessService] = ""
	}
	return out
}

// headless reports whether svc has no cluster IP.
func headless(svc *corev1.Service) bool {
	return svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone
}
