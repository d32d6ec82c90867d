package validation

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// want is one expected error: its type and its field path.
type want struct {
	typ  field.ErrorType
	path string
}

func errInvalid(path string) want      { return want{field.ErrorTypeInvalid, path} }
func errRequired(path string) want     { return want{field.ErrorTypeRequired, path} }
func errForbidden(path string) want    { return want{field.ErrorTypeForbidden, path} }
func errNotSupported(path string) want { return want{field.ErrorTypeNotSupported, path} }
func errDuplicate(path string) want    { return want{field.ErrorTypeDuplicate, path} }
func errNotFound(path string) want     { return want{field.ErrorTypeNotFound, path} }
func errTooLong(path string) want      { return want{field.ErrorTypeTooLong, path} }
func errTooMany(path string) want      { return want{field.ErrorTypeTooMany, path} }

// expectErrors fails the test unless got holds exactly the wanted errors (as
// a multiset of type and path; order does not matter). Detail strings are
// checked separately where a test cares about them.
func expectErrors(t *testing.T, got field.ErrorList, wants ...want) {
	t.Helper()
	key := func(typ field.ErrorType, path string) string { return fmt.Sprintf("%s %s", typ, path) }
	var gotKeys, wantKeys []string
	for _, e := range got {
		gotKeys = append(gotKeys, key(e.Type, e.Field))
	}
	for _, w := range wants {
		wantKeys = append(wantKeys, key(w.typ, w.path))
	}
	sort.Strings(gotKeys)
	sort.Strings(wantKeys)
	if strings.Join(gotKeys, "\n") != strings.Join(wantKeys, "\n") {
		var detail []string
		for _, e := range got {
			detail = append(detail, "  "+e.Error())
		}
		t.Errorf("errors mismatch\nwant:\n  %s\ngot:\n  %s\nfull errors:\n%s",
			strings.Join(wantKeys, "\n  "), strings.Join(gotKeys, "\n  "), strings.Join(detail, "\n"))
	}
}

// expectDetail fails the test unless some error at path has a detail
// containing substr.
func expectDetail(t *testing.T, got field.ErrorList, path, substr string) {
	t.Helper()
	for _, e := range got {
		if e.Field == path && strings.Contains(e.Detail, substr) {
			return
		}
	}
	t.Errorf("no error at %s with detail containing %q in %v", path, substr, got)
}

func ptr[T any](v T) *T { return &v }

func q(s string) resource.Quantity { return resource.MustParse(s) }

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default"}
}

func clusterMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name}
}

// withRV returns metadata suitable for the new object of an update: same
// identity, with the resourceVersion every update must carry.
func withRV(m metav1.ObjectMeta) metav1.ObjectMeta {
	m.ResourceVersion = "1"
	return m
}

func validContainer(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "registry.example.com/app:1.0"}
}

func validPodSpec() corev1.PodSpec {
	return corev1.PodSpec{
		Containers:    []corev1.Container{validContainer("app")},
		RestartPolicy: corev1.RestartPolicyAlways,
		DNSPolicy:     corev1.DNSClusterFirst,
	}
}

func validTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       validPodSpec(),
	}
}

var appLabels = map[string]string{"app": "web"}

func appSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}
