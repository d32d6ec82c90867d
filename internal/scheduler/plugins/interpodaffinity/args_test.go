package interpodaffinity

import "testing"

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		args    Args
		wantErr string
	}{
		{name: "defaults", args: DefaultArgs()},
		{name: "zero: existing pods' required affinity does not score", args: Args{}},
		{name: "highest weight", args: Args{HardPodAffinityWeight: 100, IgnorePreferredTermsOfExistingPods: true}},
		{name: "weight above 100", args: Args{HardPodAffinityWeight: 101},
			wantErr: "InterPodAffinity args: hardPodAffinityWeight: must be between 0 and 100, got 101"},
		{name: "negative weight", args: Args{HardPodAffinityWeight: -1},
			wantErr: "InterPodAffinity args: hardPodAffinityWeight: must be between 0 and 100, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl, err := New(tt.args)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("New(%+v) error = %q, want %q", tt.args, got, tt.wantErr)
			}
			if err == nil && pl.Name() != "InterPodAffinity" {
				t.Errorf("Name() = %q", pl.Name())
			}
		})
	}
	if got := DefaultArgs().HardPodAffinityWeight; got != 1 {
		t.Errorf("default HardPodAffinityWeight = %d, want Kubernetes' 1", got)
	}
}
