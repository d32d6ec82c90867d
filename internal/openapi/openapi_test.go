package openapi

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const refPrefix = "#/definitions/"

// refCallback mirrors what the OpenAPI builders do: turn a definition name
// into a JSON reference. The test walks the schemas and strips the prefix
// again to learn which definitions each schema points at.
func refCallback(name string) spec.Ref {
	return spec.MustCreateRef(refPrefix + name)
}

func TestGetOpenAPIDefinitionsContainsKeyTypes(t *testing.T) {
	defs := GetOpenAPIDefinitions(refCallback)

	tests := []struct {
		goType    string   // the Go type, for humans
		modelName string   // the key in the map / name in the served spec
		wantProps []string // properties the schema must have
	}{
		{"k8s.io/api/core/v1.Pod", "io.k8s.api.core.v1.Pod", []string{"apiVersion", "kind", "metadata", "spec", "status"}},
		{"k8s.io/api/core/v1.Service", "io.k8s.api.core.v1.Service", []string{"metadata", "spec", "status"}},
		{"k8s.io/api/core/v1.Container", "io.k8s.api.core.v1.Container", []string{"name", "image", "resources"}},
		{"k8s.io/api/apps/v1.Deployment", "io.k8s.api.apps.v1.Deployment", []string{"metadata", "spec", "status"}},
		{"k8s.io/api/batch/v1.CronJob", "io.k8s.api.batch.v1.CronJob", []string{"metadata", "spec", "status"}},
		{"k8s.io/api/autoscaling/v1.HorizontalPodAutoscaler", "io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler", []string{"metadata", "spec"}},
		{"k8s.io/api/autoscaling/v2.HorizontalPodAutoscaler", "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler", []string{"metadata", "spec", "status"}},
		{"k8s.io/api/networking/v1.Ingress", "io.k8s.api.networking.v1.Ingress", []string{"metadata", "spec"}},
		{"k8s.io/api/coordination/v1.Lease", "io.k8s.api.coordination.v1.Lease", []string{"metadata", "spec"}},
		{"k8s.io/api/discovery/v1.EndpointSlice", "io.k8s.api.discovery.v1.EndpointSlice", []string{"addressType", "endpoints"}},
		{"k8s.io/api/node/v1.RuntimeClass", "io.k8s.api.node.v1.RuntimeClass", []string{"handler"}},
		{"k8s.io/api/scheduling/v1.PriorityClass", "io.k8s.api.scheduling.v1.PriorityClass", []string{"value"}},
		{"k8s.io/api/events/v1.Event", "io.k8s.api.events.v1.Event", []string{"eventTime", "reason"}},
		{"k8s.io/api/policy/v1.PodDisruptionBudget", "io.k8s.api.policy.v1.PodDisruptionBudget", []string{"spec"}},
		{"k8s.io/api/authentication/v1.TokenRequest", "io.k8s.api.authentication.v1.TokenRequest", []string{"spec"}},
		{"k8s.io/apimachinery/pkg/apis/meta/v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", []string{"name", "namespace", "labels"}},
		{"k8s.io/apimachinery/pkg/apis/meta/v1.Status", "io.k8s.apimachinery.pkg.apis.meta.v1.Status", []string{"status", "message", "reason"}},
		{"k8s.io/apimachinery/pkg/runtime.RawExtension", "io.k8s.apimachinery.pkg.runtime.RawExtension", nil},
		{"k8s.io/apimachinery/pkg/util/intstr.IntOrString", "io.k8s.apimachinery.pkg.util.intstr.IntOrString", nil},
		{"k8s.io/apimachinery/pkg/api/resource.Quantity", "io.k8s.apimachinery.pkg.api.resource.Quantity", nil},
		{"k8s.io/apimachinery/pkg/version.Info", "io.k8s.apimachinery.pkg.version.Info", []string{"major", "minor", "gitVersion"}},
	}
	for _, tc := range tests {
		t.Run(tc.goType, func(t *testing.T) {
			def, ok := defs[tc.modelName]
			if !ok {
				t.Fatalf("no definition %q for %s", tc.modelName, tc.goType)
			}
			for _, p := range tc.wantProps {
				if _, ok := def.Schema.Properties[p]; !ok {
					t.Errorf("definition %q has no property %q", tc.modelName, p)
				}
			}
		})
	}
}

func TestGetOpenAPIDefinitionsReferencesResolve(t *testing.T) {
	defs := GetOpenAPIDefinitions(refCallback)
	if len(defs) == 0 {
		t.Fatal("GetOpenAPIDefinitions returned no definitions")
	}
	for _, problem := range referenceProblems(defs) {
		t.Error(problem)
	}
}

func TestGetOpenAPIDefinitionsMarshal(t *testing.T) {
	for name, def := range GetOpenAPIDefinitions(refCallback) {
		if _, err := json.Marshal(def.Schema); err != nil {
			t.Errorf("definition %q does not marshal to JSON: %v", name, err)
		}
	}
}

// TestReferenceProblemsDetectsDangling makes sure the checker used above
// actually reports broken references, so a passing
// TestGetOpenAPIDefinitionsReferencesResolve means something.
func TestReferenceProblemsDetectsDangling(t *testing.T) {
	tests := []struct {
		name string
		defs map[string]common.OpenAPIDefinition
		want int // number of problems
	}{
		{
			name: "consistent",
			defs: map[string]common.OpenAPIDefinition{
				"a": {Schema: objectWithRef("b"), Dependencies: []string{"b"}},
				"b": {},
			},
			want: 0,
		},
		{
			name: "dependency without definition",
			defs: map[string]common.OpenAPIDefinition{
				"a": {Schema: objectWithRef("b"), Dependencies: []string{"b"}},
			},
			want: 2, // listed dependency and schema $ref both dangle
		},
		{
			name: "schema ref not listed in dependencies",
			defs: map[string]common.OpenAPIDefinition{
				"a": {Schema: objectWithRef("b")},
				"b": {},
			},
			want: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referenceProblems(tc.defs); len(got) != tc.want {
				t.Errorf("referenceProblems() = %q, want %d problem(s)", got, tc.want)
			}
		})
	}
}

func objectWithRef(target string) spec.Schema {
	return spec.Schema{SchemaProps: spec.SchemaProps{
		Type: []string{"object"},
		Properties: map[string]spec.Schema{
			"field": {SchemaProps: spec.SchemaProps{Ref: refCallback(target)}},
		},
	}}
}

// referenceProblems returns one message per broken reference: a name in a
// definition's Dependencies that is not a key of defs, or a $ref inside a
// schema that is either not a key of defs or not declared in Dependencies
// (the builders only pull in definitions listed there).
func referenceProblems(defs map[string]common.OpenAPIDefinition) []string {
	names := make([]string, 0, len(defs))
	for name := range defs {
		names = append(names, name)
	}
	sort.Strings(names)

	var problems []string
	for _, name := range names {
		def := defs[name]
		deps := make(map[string]bool, len(def.Dependencies))
		for _, dep := range def.Dependencies {
			deps[dep] = true
			if _, ok := defs[dep]; !ok {
				problems = append(problems, name+": dependency "+dep+" has no definition")
			}
		}
		for _, ref := range schemaRefs(&def.Schema) {
			if _, ok := defs[ref]; !ok {
				problems = append(problems, name+": $ref "+ref+" has no definition")
			}
			if !deps[ref] {
				problems = append(problems, name+": $ref "+ref+" missing from Dependencies")
			}
		}
	}
	return problems
}

// schemaRefs returns the definition names referenced anywhere in s.
func schemaRefs(s *spec.Schema) []string {
	var refs []string
	var walk func(*spec.Schema)
	walk = func(s *spec.Schema) {
		if s == nil {
			return
		}
		if r := s.Ref.String(); r != "" {
			refs = append(refs, strings.TrimPrefix(r, refPrefix))
		}
		for k := range s.Properties {
			p := s.Properties[k]
			walk(&p)
		}
		for k := range s.PatternProperties {
			p := s.PatternProperties[k]
			walk(&p)
		}
		for k := range s.Definitions {
			d := s.Definitions[k]
			walk(&d)
		}
		if s.Items != nil {
			walk(s.Items.Schema)
			for i := range s.Items.Schemas {
				walk(&s.Items.Schemas[i])
			}
		}
		if s.AdditionalProperties != nil {
			walk(s.AdditionalProperties.Schema)
		}
		if s.AdditionalItems != nil {
			walk(s.AdditionalItems.Schema)
		}
		for _, list := range [][]spec.Schema{s.AllOf, s.AnyOf, s.OneOf} {
			for i := range list {
				walk(&list[i])
			}
		}
		walk(s.Not)
	}
	walk(s)
	return refs
}
