package printers

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestConfigCells(t *testing.T) {
	tests := []struct {
		name string
		gr   schema.GroupResource
		obj  runtime.Object
		want []interface{}
	}{
		{
			name: "config map counts text and binary keys",
			gr:   schema.GroupResource{Resource: "configmaps"},
			obj: &corev1.ConfigMap{
				ObjectMeta: objMeta("settings", 5*time.Minute),
				Data:       map[string]string{"a": "1", "b": "2"},
				BinaryData: map[string][]byte{"logo.png": {0x89}},
			},
			want: []interface{}{"settings", int64(3), "5m"},
		},
		{
			name: "empty config map",
			gr:   schema.GroupResource{Resource: "configmaps"},
			obj:  &corev1.ConfigMap{ObjectMeta: objMeta("empty", 5*time.Minute)},
			want: []interface{}{"empty", int64(0), "5m"},
		},
		{
			name: "secret",
			gr:   schema.GroupResource{Resource: "secrets"},
			obj: &corev1.Secret{
				ObjectMeta: objMeta("tls", 30*24*time.Hour),
				Type:       corev1.SecretTypeTLS,
				Data:       map[string][]byte{"tls.crt": nil, "tls.key": nil},
			},
			want: []interface{}{"tls", "kubernetes.io/tls", int64(2), "30d"},
		},
		{
			name: "service account",
			gr:   schema.GroupResource{Resource: "serviceaccounts"},
			obj: &corev1.ServiceAccount{
				ObjectMeta: objMeta("default", 400*24*time.Hour),
				Secrets:    []corev1.ObjectReference{{Name: "default-token"}},
			},
			want: []interface{}{"default", int64(1), "400d"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, tt.gr, tt.obj, tt.want)
		})
	}
}
