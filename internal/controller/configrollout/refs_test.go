package configrollout

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSources(t *testing.T) {
	spec := &corev1.PodSpec{
		Volumes: []corev1.Volume{
			{Name: "a", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}},
			{Name: "b", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "tls"}}},
			{Name: "c", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "extra"}}}}}}},
			{Name: "d", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
		InitContainers: []corev1.Container{{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}}}}}},
		Containers: []corev1.Container{{
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}},
			Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "api-key"}, Key: "k"}}}, {Name: "Y", Value: "plain"}},
		}},
	}
	var got []string
	for _, s := range sources(spec) {
		got = append(got, s.String())
	}
	want := []string{"configmap/extra", "configmap/web-config", "secret/api-key", "secret/db", "secret/tls"}
	if !slices.Equal(got, want) {
		t.Errorf("sources %v, want %v", got, want)
	}
}

func TestVersions(t *testing.T) {
	a := contentHash(map[string]string{"GREETING": "hello"}, nil)
	if a != contentHash(map[string]string{"GREETING": "hello"}, nil) || a == contentHash(map[string]string{"GREETING": "bye"}, nil) {
		t.Error("the digest does not follow the data")
	}
	if contentHash(map[string]string{"a": "b"}, nil) == contentHash(nil, map[string][]byte{"a": []byte("b")}) {
		t.Error("data and binary data digest the same")
	}
	old := versions{"configmap/web-config": a, "secret/db": "x1"}
	if got := parseVersions(old.String()); fmt.Sprint(got) != fmt.Sprint(old) {
		t.Errorf("round trip %v, want %v", got, old)
	}
	now := versions{"configmap/web-config": "changed", "secret/db": "x1", "configmap/new": "y"}
	if got := changed(old, now); !slices.Equal(got, []string{"configmap/web-config"}) {
		t.Errorf("changed %v, want only the edited source (a new one is the user's own edit)", got)
	}
}
