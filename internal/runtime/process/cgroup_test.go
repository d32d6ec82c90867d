package process

import (
	"reflect"
	"testing"

	"github.com/marina-orchestrator/marina/internal/runtime"
)

func TestCgroupFiles(t *testing.T) {
	tests := []struct {
		name    string
		version int
		r       runtime.Resources
		want    map[string]string
	}{
		{"v1, no resources", 1, runtime.Resources{}, map[string]string{"cpu/cpu.shares": "2"}},
		{"v1, request and limits", 1, runtime.Resources{CPURequestMilli: 250, CPULimitMilli: 500, MemoryLimitBytes: 64 << 20}, map[string]string{
			"cpu/cpu.shares": "256", "cpu/cpu.cfs_period_us": "100000", "cpu/cpu.cfs_quota_us": "50000",
			"memory/memory.limit_in_bytes": "67108864",
		}},
		{"v1, tiny CPU limit gets the least quota", 1, runtime.Resources{CPULimitMilli: 1}, map[string]string{
			"cpu/cpu.shares": "2", "cpu/cpu.cfs_period_us": "100000", "cpu/cpu.cfs_quota_us": "1000",
		}},
		{"v2, no resources", 2, runtime.Resources{}, map[string]string{"cpu.weight": "1"}},
		{"v2, request and limits", 2, runtime.Resources{CPURequestMilli: 1000, CPULimitMilli: 2000, MemoryLimitBytes: 1 << 30}, map[string]string{
			"cpu.weight": "39", "cpu.max": "200000 100000", "memory.max": "1073741824", "memory.swap.max": "0",
		}},
		{"no cgroups", 0, runtime.Resources{MemoryLimitBytes: 1}, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cgroupFiles(tc.version, tc.r); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("cgroupFiles = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCounter(t *testing.T) {
	stats := "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"
	if got := counter(stats, "oom_kill"); got != 2 {
		t.Errorf("oom_kill = %d, want 2", got)
	}
	if got := counter(stats, "missing"); got != 0 {
		t.Errorf("missing = %d", got)
	}
}
