package agent

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func host() Host {
	return Host{
		Hostname: "h1", CPUs: 4, MemoryBytes: 8 << 30, MemAvailable: 4 << 30,
		DiskBytes: 100 << 30, DiskFree: 50 << 30, PIDsMax: 1000, PIDsInUse: 100, InternalIP: "10.0.0.5",
	}
}

func cond(st corev1.NodeStatus, t corev1.NodeConditionType) corev1.NodeCondition {
	for _, c := range st.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NodeCondition{}
}

func TestNodeStatus(t *testing.T) {
	now := metav1.NewTime(time.Unix(1000, 0))
	tests := []struct {
		name  string
		host  func(*Host)
		check func(t *testing.T, st corev1.NodeStatus)
	}{
		{"capacity and allocatable", nil, func(t *testing.T, st corev1.NodeStatus) {
			if st.Capacity.Cpu().Value() != 4 || st.Capacity.Pods().Value() != MaxPods {
				t.Errorf("capacity %v", st.Capacity)
			}
			want := int64(8<<30) - memoryReserve.Value()
			if got := st.Allocatable.Memory().Value(); got != want {
				t.Errorf("allocatable memory %d, want %d (capacity minus the eviction reserve)", got, want)
			}
			if _, ok := st.Capacity[GPUResource]; ok {
				t.Error("GPU capacity without GPUs")
			}
		}},
		{"GPUs", func(h *Host) { h.GPUs = 2 }, func(t *testing.T, st corev1.NodeStatus) {
			if q := st.Capacity[GPUResource]; q.Value() != 2 {
				t.Errorf("nvidia.com/gpu %v, want 2", q)
			}
		}},
		{"healthy node", nil, func(t *testing.T, st corev1.NodeStatus) {
			for typ, want := range map[corev1.NodeConditionType]corev1.ConditionStatus{
				corev1.NodeReady: corev1.ConditionTrue, corev1.NodeMemoryPressure: corev1.ConditionFalse,
				corev1.NodeDiskPressure: corev1.ConditionFalse, corev1.NodePIDPressure: corev1.ConditionFalse,
			} {
				if got := cond(st, typ).Status; got != want {
					t.Errorf("%s = %s, want %s", typ, got, want)
				}
			}
		}},
		{"memory pressure", func(h *Host) { h.MemAvailable = 50 << 20 }, func(t *testing.T, st corev1.NodeStatus) {
			if c := cond(st, corev1.NodeMemoryPressure); c.Status != corev1.ConditionTrue || c.Reason != "KubeletHasInsufficientMemory" {
				t.Errorf("MemoryPressure %+v", c)
			}
		}},
		{"disk pressure", func(h *Host) { h.DiskFree = 5 << 30 }, func(t *testing.T, st corev1.NodeStatus) {
			if c := cond(st, corev1.NodeDiskPressure); c.Status != corev1.ConditionTrue || c.Reason != "KubeletHasDiskPressure" {
				t.Errorf("DiskPressure %+v", c)
			}
		}},
		{"PID pressure", func(h *Host) { h.PIDsInUse = 990 }, func(t *testing.T, st corev1.NodeStatus) {
			if c := cond(st, corev1.NodePIDPressure); c.Status != corev1.ConditionTrue {
				t.Errorf("PIDPressure %+v", c)
			}
		}},
		{"addresses", nil, func(t *testing.T, st corev1.NodeStatus) {
			if len(st.Addresses) != 2 || st.Addresses[0] != (corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.5"}) {
				t.Errorf("addresses %v", st.Addresses)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := host()
			if tc.host != nil {
				tc.host(&h)
			}
			tc.check(t, NodeStatus(h, nil, MaxPods, 0, nil, now))
		})
	}
}

// A condition keeps its transition time while its status stays, and gets
// a new one when it flips.
func TestNodeStatusTransitionTimes(t *testing.T) {
	t0, t1 := metav1.NewTime(time.Unix(1000, 0)), metav1.NewTime(time.Unix(2000, 0))
	first := NodeStatus(host(), nil, MaxPods, 0, nil, t0)
	second := NodeStatus(host(), nil, MaxPods, 0, &first, t1)
	if c := cond(second, corev1.NodeReady); !c.LastTransitionTime.Equal(&t0) || !c.LastHeartbeatTime.Equal(&t1) {
		t.Errorf("unchanged Ready: transition %v heartbeat %v, want %v and %v", c.LastTransitionTime, c.LastHeartbeatTime, t0, t1)
	}
	h := host()
	h.MemAvailable = 1
	third := NodeStatus(h, nil, MaxPods, 0, &second, t1)
	if c := cond(third, corev1.NodeMemoryPressure); !c.LastTransitionTime.Equal(&t1) {
		t.Errorf("flipped MemoryPressure kept transition time %v", c.LastTransitionTime)
	}
	if !sameStatus(first, second) {
		t.Error("statuses differing only in heartbeat times compare different")
	}
	if sameStatus(second, third) {
		t.Error("a pressure change compares the same")
	}
}

func TestNodeLabels(t *testing.T) {
	l := NodeLabels("n1", []string{"process"})
	if l[corev1.LabelHostname] != "n1" || l[corev1.LabelOSStable] == "" || l[corev1.LabelArchStable] == "" || l[RuntimeLabelPrefix+"process"] != "true" {
		t.Errorf("labels %v", l)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{ServerURL: "https://127.0.0.1:6443", TokenFile: "/t", DataDir: "/d", NodeName: "n1"}
	bad := []struct {
		name string
		mod  func(*Config)
	}{
		{"http server", func(c *Config) { c.ServerURL = "http://x" }},
		{"no token", func(c *Config) { c.TokenFile = "" }},
		{"no data dir", func(c *Config) { c.DataDir = "" }},
		{"bad node name", func(c *Config) { c.NodeName = "Bad_Name" }},
		{"bad ingress port", func(c *Config) { c.IngressHTTPSPort = 70000 }},
		{"bad cluster domain", func(c *Config) { c.ClusterDomain = "Cluster_Local" }},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tc := range bad {
		c := ok
		tc.mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
