package endpoints

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// endpointsOf returns n ready endpoints of pods p000, p001, ...
func endpointsOf(n int) []discoveryv1.Endpoint {
	out := make([]discoveryv1.Endpoint, n)
	for i := range out {
		out[i] = ep(fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), fmt.Sprintf("p%03d", i), true, true, false)
	}
	return out
}

func httpGroup(port int32, eps []discoveryv1.Endpoint) []group {
	return []group{{Ports: []discoveryv1.EndpointPort{sport("http", port)}, Endpoints: eps}}
}

// apply returns existing after plan, naming created slices web-<n> as
// the API server would from their GenerateName.
func apply(existing []*discoveryv1.EndpointSlice, p slicePlan) []*discoveryv1.EndpointSlice {
	byName := map[string]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		byName[s.Name] = s
	}
	for _, s := range p.delete {
		delete(byName, s.Name)
	}
	for _, s := range p.update {
		byName[s.Name] = s.DeepCopy()
	}
	for _, s := range p.create {
		c := s.DeepCopy()
		for n := 0; c.Name == ""; n++ {
			if name := fmt.Sprintf("%s%d", s.GenerateName, n); byName[name] == nil {
				c.Name = name
			}
		}
		byName[c.Name] = c
	}
	out := make([]*discoveryv1.EndpointSlice, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	return out
}

// covers fails t unless the slices hold each desired endpoint exactly
// once, in a slice with its group's ports and at most max endpoints, and
// all carry the service's labels and owner.
func covers(t *testing.T, svc *corev1.Service, got []*discoveryv1.EndpointSlice, groups []group, max int) {
	t.Helper()
	want := map[string]discoveryv1.Endpoint{}
	for _, g := range groups {
		for _, e := range g.Endpoints {
			want[portsKey(g.Ports)+"#"+endpointKey(&e)] = e
		}
	}
	seen := map[string]bool{}
	for _, s := range got {
		if len(s.Endpoints) > max {
			t.Errorf("slice %s has %d endpoints, more than %d", s.Name, len(s.Endpoints), max)
		}
		if !ownedBy(s, svc) || !equality.Semantic.DeepEqual(s.Labels, sliceLabels(svc)) || s.AddressType != discoveryv1.AddressTypeIPv4 {
			t.Errorf("slice %s: labels %v, owners %v, address type %s", s.Name, s.Labels, s.OwnerReferences, s.AddressType)
		}
		for _, e := range s.Endpoints {
			k := portsKey(s.Ports) + "#" + endpointKey(&e)
			w, ok := want[k]
			switch {
			case !ok:
				t.Errorf("slice %s: endpoint %s not desired", s.Name, k)
			case seen[k]:
				t.Errorf("endpoint %s twice", k)
			case !equality.Semantic.DeepEqual(w, e):
				t.Errorf("slice %s: endpoint %s is %+v, want %+v", s.Name, k, e, w)
			}
			seen[k] = true
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d of %d desired endpoints in slices", len(seen), len(want))
	}
}

func TestPlanSlices(t *testing.T) {
	svc := service()
	settled := apply(nil, planSlices(svc, nil, httpGroup(8080, endpointsOf(250)), MaxEndpointsPerSlice))
	changed := func(mut func([]discoveryv1.Endpoint) []discoveryv1.Endpoint) []group {
		return httpGroup(8080, mut(endpointsOf(250)))
	}
	placeholder := apply(nil, planSlices(svc, nil, nil, MaxEndpointsPerSlice))
	oldOwner := apply(nil, planSlices(service(func(s *corev1.Service) { s.UID = "old-uid" }), nil, httpGroup(8080, endpointsOf(2)), MaxEndpointsPerSlice))
	oldOwner[0].Name = "web-old"
	// The slice holding p150.
	holder := func(name string) string {
		for _, s := range settled {
			for _, e := range s.Endpoints {
				if e.TargetRef.Name == name {
					return s.Name
				}
			}
		}
		return ""
	}
	sizes := func(ss []*discoveryv1.EndpointSlice) map[string]int {
		out := map[string]int{}
		for _, s := range ss {
			out[s.Name] = len(s.Endpoints)
		}
		return out
	}

	tests := []struct {
		name       string
		svc        *corev1.Service
		existing   []*discoveryv1.EndpointSlice
		groups     []group
		wantCreate []int    // endpoints in each created slice
		wantUpdate []string // names
		wantDelete []string // names
	}{
		{name: "new service: slices of at most 100", existing: nil, groups: httpGroup(8080, endpointsOf(250)), wantCreate: []int{100, 100, 50}},
		{name: "nothing changed: nothing written", existing: settled, groups: httpGroup(8080, endpointsOf(250))},
		{name: "an endpoint turned not ready: its slice updated in place", existing: settled,
			groups: changed(func(e []discoveryv1.Endpoint) []discoveryv1.Endpoint {
				e[150].Conditions.Ready = ptr.To(false)
				return e
			}), wantUpdate: []string{holder("p150")}},
		{name: "an endpoint gone: its slice updated", existing: settled,
			groups:     changed(func(e []discoveryv1.Endpoint) []discoveryv1.Endpoint { return slices.Delete(e, 10, 11) }),
			wantUpdate: []string{holder("p010")}},
		{name: "an endpoint added: into the slice with room", existing: settled,
			groups: httpGroup(8080, endpointsOf(251)), wantUpdate: []string{func() string {
				for n, size := range sizes(settled) {
					if size == 50 {
						return n
					}
				}
				return ""
			}()}},
		{name: "more endpoints than room: a new slice", existing: settled, groups: httpGroup(8080, endpointsOf(360)),
			wantCreate: []int{100}, wantUpdate: []string{func() string {
				for n, size := range sizes(settled) {
					if size == 50 {
						return n
					}
				}
				return ""
			}()}},
		{name: "a slice emptied: deleted", existing: settled,
			groups:     changed(func(e []discoveryv1.Endpoint) []discoveryv1.Endpoint { return e[:200] }),
			wantDelete: []string{holder("p249")}},
		{name: "ports changed: the slices are rewritten, not replaced", existing: settled, groups: httpGroup(9090, endpointsOf(250)),
			wantUpdate: []string{"web-0", "web-1", "web-2"}},
		{name: "service labels changed: slices relabelled", svc: service(func(s *corev1.Service) { s.Labels = map[string]string{"tier": "back"} }),
			existing: settled, groups: httpGroup(8080, endpointsOf(250)), wantUpdate: []string{"web-0", "web-1", "web-2"}},
		{name: "no endpoints: a placeholder", existing: nil, groups: nil, wantCreate: []int{0}},
		{name: "placeholder kept", existing: placeholder, groups: nil},
		{name: "all endpoints gone: one slice becomes the placeholder", existing: settled, groups: nil,
			wantUpdate: []string{"web-0"}, wantDelete: []string{"web-1", "web-2"}},
		{name: "a slice of an earlier service of the same name is deleted", existing: oldOwner, groups: httpGroup(8080, endpointsOf(2)),
			wantCreate: []int{2}, wantDelete: []string{"web-old"}},
		{name: "a slice being deleted is ignored", existing: func() []*discoveryv1.EndpointSlice {
			s := settled[0].DeepCopy()
			s.Name, s.DeletionTimestamp = "web-going", ptr.To(metav1.NewTime(time.Unix(1, 0)))
			return append(slices.Clone(settled), s)
		}(), groups: httpGroup(8080, endpointsOf(250))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := svc
			if tt.svc != nil {
				s = tt.svc
			}
			p := planSlices(s, tt.existing, tt.groups, MaxEndpointsPerSlice)
			var created []int
			for _, c := range p.create {
				if c.Name != "" || c.GenerateName != "web-" {
					t.Errorf("created slice named %q, generateName %q", c.Name, c.GenerateName)
				}
				created = append(created, len(c.Endpoints))
			}
			names := func(ss []*discoveryv1.EndpointSlice) []string {
				var out []string
				for _, s := range ss {
					out = append(out, s.Name)
				}
				slices.Sort(out)
				return out
			}
			same(t, "created", tt.wantCreate, created)
			same(t, "updated", tt.wantUpdate, names(p.update))
			same(t, "deleted", tt.wantDelete, names(p.delete))

			after := apply(tt.existing, p)
			var live []*discoveryv1.EndpointSlice
			for _, s := range after {
				if s.DeletionTimestamp == nil {
					live = append(live, s)
				}
			}
			covers(t, s, live, tt.groups, MaxEndpointsPerSlice)
			if again := planSlices(s, after, tt.groups, MaxEndpointsPerSlice); !again.empty() {
				t.Errorf("second plan writes %d, %d, %d slices", len(again.create), len(again.update), len(again.delete))
			}
		})
	}
}

func TestSliceLabels(t *testing.T) {
	svc := service(func(s *corev1.Service) {
		s.Spec.ClusterIP = corev1.ClusterIPNone
		s.Labels = map[string]string{"tier": "front", discoveryv1.LabelManagedBy: "someone", discoveryv1.LabelServiceName: "other"}
	})
	want := map[string]string{"tier": "front", corev1.IsHeadlessService: "", discoveryv1.LabelManagedBy: ManagedBy, discoveryv1.LabelServiceName: "web"}
	same(t, "slice labels", want, sliceLabels(svc))
	same(t, "endpoints labels", map[string]string{"tier": "front", discoveryv1.LabelManagedBy: "someone",
		discoveryv1.LabelServiceName: "other", corev1.IsHeadlessService: ""}, endpointsLabels(svc))
}
