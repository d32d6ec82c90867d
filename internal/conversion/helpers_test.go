package conversion

import (
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// newScheme returns a scheme with the served types and this package's
// conversions registered, like the server's.
func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, eventsv1.AddToScheme, autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatalf("building scheme: %v", err)
		}
	}
	return s
}

// convert converts in to a new Out through the scheme.
func convert[Out any](t *testing.T, s *runtime.Scheme, in runtime.Object) *Out {
	t.Helper()
	out := new(Out)
	before := in.DeepCopyObject()
	if err := s.Convert(in, out, nil); err != nil {
		t.Fatalf("converting %T to %T: %v", in, out, err)
	}
	if !apiequality.Semantic.DeepEqual(before, in) {
		t.Fatalf("converting %T modified its input", in)
	}
	return out
}

// expectEqual fails with both values when got and want differ.
func expectEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(got, want) {
		t.Errorf("%s differs:\ngot:  %#v\nwant: %#v", what, got, want)
	}
}
