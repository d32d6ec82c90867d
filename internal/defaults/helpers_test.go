package defaults

import (
	"fmt"
	"reflect"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// newScheme returns a scheme with this package's defaulters, the way the
// server uses them.
func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatalf("AddToScheme: %v", err)
	}
	return s
}

// defaultingCase is one object to default through the scheme and the
// assertions to make on the result.
type defaultingCase struct {
	name  string
	in    runtime.Object
	check func(t *testing.T, got runtime.Object)
}

// runDefaultingCases defaults a copy of each case's object with
// scheme.Default and runs its check. It also checks that defaulting is
// idempotent: a second pass must not change anything, or objects read back
// from storage would differ from what was written.
func runDefaultingCases(t *testing.T, cases []defaultingCase) {
	t.Helper()
	s := newScheme(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.DeepCopyObject()
			s.Default(got)
			tc.check(t, got)

			again := got.DeepCopyObject()
			s.Default(again)
			if !apiequality.Semantic.DeepEqual(got, again) {
				t.Errorf("defaulting is not idempotent:\nonce:  %#v\ntwice: %#v", got, again)
			}
		})
	}
}

// on adapts a typed check to defaultingCase.check.
func on[T runtime.Object](fn func(t *testing.T, obj T)) func(*testing.T, runtime.Object) {
	return func(t *testing.T, obj runtime.Object) {
		t.Helper()
		fn(t, obj.(T))
	}
}

// eq reports a mismatch between got and want under the given field name.
// Pointers compare by the values they point to.
func eq(t *testing.T, field string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) && !apiequality.Semantic.DeepEqual(got, want) {
		t.Errorf("%s = %s, want %s", field, show(got), show(want))
	}
}

// show prints pointers by their targets so failures are readable.
func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return "&" + show(rv.Elem().Interface())
	}
	return fmt.Sprintf("%#v", v)
}
