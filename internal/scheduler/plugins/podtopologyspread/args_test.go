package podtopologyspread

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	pt "github.com/marina-orchestrator/marina/internal/scheduler/plugins/plugintest"
)

func TestArgs(t *testing.T) {
	list := func(cs ...corev1.TopologySpreadConstraint) Args {
		return Args{DefaultingType: ListDefaulting, DefaultConstraints: cs}
	}
	ok := corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: zone, WhenUnsatisfiable: corev1.DoNotSchedule}
	edit := func(f func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint { return with(ok, f) }
	tests := []struct {
		name string
		args Args
		want []string // the start of every error line; none when valid
	}{
		{name: "zero value is System defaulting", args: Args{}},
		{name: "System", args: Args{DefaultingType: SystemDefaulting}},
		{name: "List without constraints", args: list()},
		{name: "List with valid constraints", args: list(ok,
			edit(func(c *corev1.TopologySpreadConstraint) {
				c.WhenUnsatisfiable, c.TopologyKey = corev1.ScheduleAnyway, hostname
				c.NodeAffinityPolicy, c.NodeTaintsPolicy = ptr.To(corev1.NodeInclusionPolicyIgnore), ptr.To(corev1.NodeInclusionPolicyHonor)
			}),
			edit(func(c *corev1.TopologySpreadConstraint) { c.TopologyKey, c.MinDomains = "rack", ptr.To[int32](3) }))},
		{name: "unknown defaulting type", args: Args{DefaultingType: "Cluster"},
			want: []string{`defaultingType: unsupported value "Cluster": supported values: "System", "List"`}},
		{name: "System with constraints", args: Args{DefaultConstraints: []corev1.TopologySpreadConstraint{ok}},
			want: []string{`defaultConstraints: must be empty when defaultingType is "System"`}},
		{name: "maxSkew zero", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.MaxSkew = 0 })),
			want: []string{"defaultConstraints[0].maxSkew: must be greater than zero"}},
		{name: "no topologyKey", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.TopologyKey = "" })),
			want: []string{"defaultConstraints[0].topologyKey: required"}},
		{name: "invalid topologyKey", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.TopologyKey = "rack name" })),
			want: []string{`defaultConstraints[0].topologyKey: invalid label key "rack name": name part must consist of alphanumeric characters`}},
		{name: "no whenUnsatisfiable", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.WhenUnsatisfiable = "" })),
			want: []string{"defaultConstraints[0].whenUnsatisfiable: required"}},
		{name: "unknown whenUnsatisfiable", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.WhenUnsatisfiable = "Maybe" })),
			want: []string{`defaultConstraints[0].whenUnsatisfiable: unsupported value "Maybe": supported values: "DoNotSchedule", "ScheduleAnyway"`}},
		{name: "labelSelector set", args: list(edit(func(c *corev1.TopologySpreadConstraint) {
			c.LabelSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
		})),
			want: []string{"defaultConstraints[0].labelSelector: must not be set: default constraints count the pods of the incoming pod's owner"}},
		{name: "matchLabelKeys set", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"rev"} })),
			want: []string{"defaultConstraints[0].matchLabelKeys: must not be set: default constraints count the pods of the incoming pod's owner"}},
		{name: "minDomains zero", args: list(edit(func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptr.To[int32](0) })),
			want: []string{"defaultConstraints[0].minDomains: must be greater than zero"}},
		{name: "minDomains with ScheduleAnyway", args: list(edit(func(c *corev1.TopologySpreadConstraint) {
			c.MinDomains, c.WhenUnsatisfiable = ptr.To[int32](2), corev1.ScheduleAnyway
		})),
			want: []string{`defaultConstraints[0].minDomains: may only be set with whenUnsatisfiable "DoNotSchedule"`}},
		{name: "unknown inclusion policies", args: list(edit(func(c *corev1.TopologySpreadConstraint) {
			c.NodeAffinityPolicy, c.NodeTaintsPolicy = ptr.To[corev1.NodeInclusionPolicy]("Always"), ptr.To[corev1.NodeInclusionPolicy]("")
		})),
			want: []string{
				`defaultConstraints[0].nodeAffinityPolicy: unsupported value "Always": supported values: "Honor", "Ignore"`,
				`defaultConstraints[0].nodeTaintsPolicy: unsupported value "": supported values: "Honor", "Ignore"`}},
		{name: "duplicate key and action", args: list(ok, edit(func(c *corev1.TopologySpreadConstraint) { c.MaxSkew = 2 })),
			want: []string{"defaultConstraints[1]: duplicate topologyKey and whenUnsatisfiable {topology.kubernetes.io/zone, DoNotSchedule}"}},
		{name: "every problem is reported", args: list(ok, corev1.TopologySpreadConstraint{}),
			want: []string{
				"defaultConstraints[1].maxSkew: must be greater than zero",
				"defaultConstraints[1].topologyKey: required",
				"defaultConstraints[1].whenUnsatisfiable: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.args.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			match := len(got) == len(tt.want)
			for i := 0; match && i < len(got); i++ {
				match = strings.HasPrefix(got[i], tt.want[i])
			}
			if !match {
				t.Fatalf("Validate() =\n%s\nwant lines starting\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			pl, err := New(tt.args)
			switch {
			case len(tt.want) > 0 && (err == nil || !strings.HasPrefix(err.Error(), "PodTopologySpread args: ")):
				t.Errorf("New() error = %v, want one prefixed with the plugin's name", err)
			case len(tt.want) == 0 && err != nil:
				t.Errorf("New() error = %v", err)
			case len(tt.want) == 0 && pl.systemDefaulted != (tt.args.DefaultingType != ListDefaulting):
				t.Errorf("systemDefaulted = %v for defaultingType %q", pl.systemDefaulted, tt.args.DefaultingType)
			}
		})
	}
}

func TestSystemDefaults(t *testing.T) {
	pl := pt.MustNew(t, New, Args{})
	if len(pl.defaults) != 2 {
		t.Fatalf("%d default constraints, want 2", len(pl.defaults))
	}
	for i, want := range []struct {
		key     string
		maxSkew int32
	}{{hostname, 3}, {zone, 5}} {
		c := pl.defaults[i]
		if c.topologyKey != want.key || c.maxSkew != want.maxSkew || pl.defaultActions[i] != corev1.ScheduleAnyway {
			t.Errorf("default %d = %s maxSkew %d %s, want %s maxSkew %d ScheduleAnyway",
				i, c.topologyKey, c.maxSkew, pl.defaultActions[i], want.key, want.maxSkew)
		}
	}
}
