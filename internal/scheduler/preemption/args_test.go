package preemption

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    Args
		nodes   int
		want    int
		wantErr string
	}{
		{name: "zero is the default, small cluster", nodes: 40, want: 40},
		{name: "zero is the default, at least 100", nodes: 700, want: 100},
		{name: "zero is the default, 10%", nodes: 5000, want: 500},
		{name: "no nodes", nodes: 0, want: 0},
		{name: "absolute only", args: Args{MinCandidateNodesAbsolute: 7}, nodes: 5000, want: 7},
		{name: "percentage only", args: Args{MinCandidateNodesPercentage: 1}, nodes: 5000, want: 50},
		{name: "all", args: Args{MinCandidateNodesPercentage: 100, MinCandidateNodesAbsolute: 1}, nodes: 5000, want: 5000},
		{name: "every problem", args: Args{MinCandidateNodesPercentage: -1, MinCandidateNodesAbsolute: -2},
			wantErr: "minCandidateNodesPercentage: invalid value -1: must be between 0 and 100\n" +
				"minCandidateNodesAbsolute: invalid value -2: must be at least 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.args.Validate()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Validate = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := tt.args.numCandidates(tt.nodes); got != tt.want {
				t.Errorf("numCandidates(%d) = %d, want %d", tt.nodes, got, tt.want)
			}
		})
	}
}

func TestEligible(t *testing.T) {
	lower, never := corev1.PreemptLowerPriority, corev1.PreemptNever
	tests := []struct {
		name   string
		policy *corev1.PreemptionPolicy
		want   bool
		why    string
	}{
		{name: "unset", want: true},
		{name: "PreemptLowerPriority", policy: &lower, want: true},
		{name: "Never", policy: &never, why: "preemptionPolicy is Never"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pod("p", 10, "1")
			p.Spec.PreemptionPolicy = tt.policy
			if ok, why := Eligible(p); ok != tt.want || why != tt.why {
				t.Errorf("Eligible = %v, %q; want %v, %q", ok, why, tt.want, tt.why)
			}
		})
	}
}
