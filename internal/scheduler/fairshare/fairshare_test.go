package fairshare

import (
	"testing"

	"github.com/marina-orchestrator/marina/internal/scheduler/framework"
)

const gi = int64(1) << 30

func TestDominant(t *testing.T) {
	s := New(framework.Resource{MilliCPU: 9000, Memory: 18 * gi})
	s.Add("A", framework.Resource{MilliCPU: 3000, Memory: 12 * gi})
	if got := s.Dominant("A"); got != 12.0/18 {
		t.Errorf("dominant share of A = %v, want 2/3 (memory)", got)
	}
	s.SetWeight("A", 2)
	if got := s.Dominant("A"); got != 1.0/3 {
		t.Errorf("weighted dominant share of A = %v, want 1/3", got)
	}
	s.Remove("A", framework.Resource{MilliCPU: 3000, Memory: 12 * gi})
	if got := s.Dominant("A"); got != 0 {
		t.Errorf("after removing everything: %v", got)
	}
}
