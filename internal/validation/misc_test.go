package validation

import (
	"testing"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateLease(t *testing.T) {
	cases := []struct {
		name string
		spec coordinationv1.LeaseSpec
		want []want
	}{
		{name: "valid", spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("node-1"), LeaseDurationSeconds: ptr(int32(40)), LeaseTransitions: ptr(int32(3))}},
		{name: "empty lease", spec: coordinationv1.LeaseSpec{}},
		{name: "coordinated election", spec: coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.OldestEmulationVersion), PreferredHolder: ptr("node-2")}},
		{name: "custom strategy", spec: coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("example.com/newest"))}},
		{name: "zero duration", spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: ptr(int32(0))},
			want: []want{errInvalid("spec.leaseDurationSeconds")}},
		{name: "negative transitions", spec: coordinationv1.LeaseSpec{LeaseTransitions: ptr(int32(-1))},
			want: []want{errInvalid("spec.leaseTransitions")}},
		{name: "preferred holder without strategy", spec: coordinationv1.LeaseSpec{PreferredHolder: ptr("node-2")},
			want: []want{errForbidden("spec.preferredHolder")}},
		{name: "unknown strategy", spec: coordinationv1.LeaseSpec{Strategy: ptr(coordinationv1.CoordinatedLeaseStrategy("Newest"))},
			want: []want{errNotSupported("spec.strategy")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &coordinationv1.Lease{ObjectMeta: meta("kube-scheduler"), Spec: tc.spec}
			expectErrors(t, ValidateLease(l), tc.want...)
		})
	}
}

func TestValidateLeaseUpdate(t *testing.T) {
	old := &coordinationv1.Lease{ObjectMeta: meta("node-1"), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("a")}}
	l := old.DeepCopy()
	l.ObjectMeta = withRV(l.ObjectMeta)
	l.Spec.HolderIdentity = ptr("b")
	l.Spec.LeaseTransitions = ptr(int32(1))
	expectErrors(t, ValidateLeaseUpdate(l, old))

	l.Spec.LeaseDurationSeconds = ptr(int32(-5))
	expectErrors(t, ValidateLeaseUpdate(l, old), errInvalid("spec.leaseDurationSeconds"))
}

func validEndpointSlice() *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  meta("web-abc12"),
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses:  []string{"10.244.1.5"},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr(true)},
			NodeName:   ptr("node-1"),
			Zone:       ptr("zone-a"),
			Hostname:   ptr("web-0"),
			Hints:      &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "zone-a"}}},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(8080)), Protocol: ptr(corev1.ProtocolTCP)}, {Name: ptr("")}},
	}
}

func TestValidateEndpointSlice(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*discoveryv1.EndpointSlice)
		want   []want
	}{
		{name: "valid", mutate: func(*discoveryv1.EndpointSlice) {}},
		{name: "FQDN slice", mutate: func(e *discoveryv1.EndpointSlice) {
			e.AddressType = discoveryv1.AddressTypeFQDN
			e.Endpoints[0].Addresses = []string{"db.example.com"}
		}},
		{name: "address type required", mutate: func(e *discoveryv1.EndpointSlice) { e.AddressType = "" },
			want: []want{errRequired("addressType")}},
		{name: "unsupported address type", mutate: func(e *discoveryv1.EndpointSlice) { e.AddressType = "IPX" },
			want: []want{errNotSupported("addressType")}},
		{name: "endpoint without addresses", mutate: func(e *discoveryv1.EndpointSlice) { e.Endpoints[0].Addresses = nil },
			want: []want{errRequired("endpoints[0].addresses")}},
		{name: "IPv6 address in an IPv4 slice", mutate: func(e *discoveryv1.EndpointSlice) { e.Endpoints[0].Addresses = []string{"fd00::1"} },
			want: []want{errInvalid("endpoints[0].addresses[0]")}},
		{name: "duplicate port names and bad protocol", mutate: func(e *discoveryv1.EndpointSlice) {
			e.Ports = append(e.Ports, discoveryv1.EndpointPort{Name: ptr("http"), Protocol: ptr(corev1.Protocol("HTTP"))})
		}, want: []want{errDuplicate("ports[2].name"), errNotSupported("ports[2].protocol")}},
		{name: "bad node name and hostname", mutate: func(e *discoveryv1.EndpointSlice) {
			e.Endpoints[0].NodeName = ptr("Node_1")
			e.Endpoints[0].Hostname = ptr("web.0")
		}, want: []want{errInvalid("endpoints[0].nodeName"), errInvalid("endpoints[0].hostname")}},
		{name: "too many endpoints", mutate: func(e *discoveryv1.EndpointSlice) {
			ep := e.Endpoints[0]
			e.Endpoints = nil
			for i := 0; i <= maxSliceEndpoints; i++ {
				e.Endpoints = append(e.Endpoints, ep)
			}
		}, want: []want{errTooMany("endpoints")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := validEndpointSlice()
			tc.mutate(e)
			expectErrors(t, ValidateEndpointSlice(e), tc.want...)
		})
	}
}

func TestValidateEndpointSliceUpdate(t *testing.T) {
	old, e := validEndpointSlice(), validEndpointSlice()
	e.ObjectMeta = withRV(e.ObjectMeta)
	e.Endpoints[0].Addresses = []string{"10.244.2.7"}
	expectErrors(t, ValidateEndpointSliceUpdate(e, old))

	e.AddressType = discoveryv1.AddressTypeIPv6
	e.Endpoints[0].Addresses = []string{"fd00::7"}
	expectErrors(t, ValidateEndpointSliceUpdate(e, old), errInvalid("addressType"))
}

func validRuntimeClass() *nodev1.RuntimeClass {
	return &nodev1.RuntimeClass{
		ObjectMeta: clusterMeta("gvisor"),
		Handler:    "runsc",
		Overhead:   &nodev1.Overhead{PodFixed: corev1.ResourceList{corev1.ResourceCPU: q("250m"), corev1.ResourceMemory: q("64Mi")}},
		Scheduling: &nodev1.Scheduling{
			NodeSelector: map[string]string{"runtime": "gvisor"},
			Tolerations:  []corev1.Toleration{{Key: "runtime", Operator: corev1.TolerationOpEqual, Value: "gvisor", Effect: corev1.TaintEffectNoSchedule}},
		},
	}
}

func TestValidateRuntimeClass(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*nodev1.RuntimeClass)
		want   []want
	}{
		{name: "valid", mutate: func(*nodev1.RuntimeClass) {}},
		{name: "handler required", mutate: func(r *nodev1.RuntimeClass) { r.Handler = "" },
			want: []want{errRequired("handler")}},
		{name: "handler must be a DNS label", mutate: func(r *nodev1.RuntimeClass) { r.Handler = "run.sc" },
			want: []want{errInvalid("handler")}},
		{name: "negative overhead", mutate: func(r *nodev1.RuntimeClass) { r.Overhead.PodFixed[corev1.ResourceCPU] = q("-1") },
			want: []want{errInvalid("overhead.podFixed.limits[cpu]")}},
		{name: "duplicate toleration", mutate: func(r *nodev1.RuntimeClass) {
			r.Scheduling.Tolerations = append(r.Scheduling.Tolerations, r.Scheduling.Tolerations[0])
		}, want: []want{errDuplicate("scheduling.tolerations[1]")}},
		{name: "invalid node selector", mutate: func(r *nodev1.RuntimeClass) { r.Scheduling.NodeSelector = map[string]string{"runtime": "g v"} },
			want: []want{errInvalid("scheduling.nodeSelector")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := validRuntimeClass()
			tc.mutate(r)
			expectErrors(t, ValidateRuntimeClass(r), tc.want...)
		})
	}
}

func TestValidateRuntimeClassUpdate(t *testing.T) {
	old, r := validRuntimeClass(), validRuntimeClass()
	r.ObjectMeta = withRV(r.ObjectMeta)
	r.Scheduling = nil
	expectErrors(t, ValidateRuntimeClassUpdate(r, old))

	r.Handler = "kata"
	expectErrors(t, ValidateRuntimeClassUpdate(r, old), errInvalid("handler"))
}

func TestValidatePriorityClass(t *testing.T) {
	cases := []struct {
		name string
		pc   schedulingv1.PriorityClass
		want []want
	}{
		{name: "valid", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("high"), Value: 1000000, PreemptionPolicy: ptr(corev1.PreemptNever)}},
		{name: "highest user value", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("max"), Value: 1000000000}},
		{name: "system class", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("system-node-critical"), Value: 2000001000}},
		{name: "user value above the limit", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("huge"), Value: 1000000001},
			want: []want{errForbidden("value")}},
		{name: "reserved prefix", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("system-mine"), Value: 10},
			want: []want{errForbidden("metadata.name")}},
		{name: "system class with the wrong value", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("system-cluster-critical"), Value: 10},
			want: []want{errForbidden("metadata.name")}},
		{name: "unknown preemption policy", pc: schedulingv1.PriorityClass{ObjectMeta: clusterMeta("low"), PreemptionPolicy: ptr(corev1.PreemptionPolicy("Always"))},
			want: []want{errNotSupported("preemptionPolicy")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidatePriorityClass(&tc.pc), tc.want...)
		})
	}
}

func TestValidatePriorityClassUpdate(t *testing.T) {
	old := &schedulingv1.PriorityClass{ObjectMeta: clusterMeta("high"), Value: 1000}
	pc := old.DeepCopy()
	pc.ObjectMeta = withRV(pc.ObjectMeta)
	pc.Description = "for important work"
	pc.GlobalDefault = true
	expectErrors(t, ValidatePriorityClassUpdate(pc, old))

	pc.Value = 2000
	pc.PreemptionPolicy = ptr(corev1.PreemptNever)
	expectErrors(t, ValidatePriorityClassUpdate(pc, old), errForbidden("value"), errInvalid("preemptionPolicy"))
}

func TestValidateEviction(t *testing.T) {
	cases := []struct {
		name string
		ev   policyv1.Eviction
		want []want
	}{
		{name: "valid", ev: policyv1.Eviction{ObjectMeta: meta("web-0")}},
		{name: "with delete options", ev: policyv1.Eviction{ObjectMeta: meta("web-0"), DeleteOptions: &metav1.DeleteOptions{
			GracePeriodSeconds: ptr(int64(30)), PropagationPolicy: ptr(metav1.DeletePropagationBackground)}}},
		{name: "pod name required", ev: policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: "default"}},
			want: []want{errRequired("metadata.name")}},
		{name: "namespace required", ev: policyv1.Eviction{ObjectMeta: clusterMeta("web-0")},
			want: []want{errRequired("metadata.namespace")}},
		{name: "bad delete options", ev: policyv1.Eviction{ObjectMeta: meta("web-0"), DeleteOptions: &metav1.DeleteOptions{
			GracePeriodSeconds: ptr(int64(-1)), PropagationPolicy: ptr(metav1.DeletionPropagation("Eventually"))}},
			want: []want{errNotSupported("deleteOptions.propagationPolicy"), errInvalid("deleteOptions.gracePeriodSeconds")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateEviction(&tc.ev), tc.want...)
		})
	}
}
