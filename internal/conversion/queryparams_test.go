package conversion

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestDecodeQuery(t *testing.T) {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	ten := int64(10)
	tests := []struct {
		name    string
		query   string
		into    runtime.Object
		want    runtime.Object
		wantErr string
	}{
		{"exec", "command=sh&command=-c&command=date&container=web&stdin=true&tty", &corev1.PodExecOptions{},
			&corev1.PodExecOptions{Command: []string{"sh", "-c", "date"}, Container: "web", Stdin: true, TTY: true}, ""},
		{"logs", "container=web&follow=true&tailLines=10&timestamps=false", &corev1.PodLogOptions{},
			&corev1.PodLogOptions{Container: "web", Follow: true, TailLines: &ten}, ""},
		{"port-forward", "ports=8080&ports=9090", &corev1.PodPortForwardOptions{},
			&corev1.PodPortForwardOptions{Ports: []int32{8080, 9090}}, ""},
		{"bad number", "tailLines=ten", &corev1.PodLogOptions{}, nil, "tailLines"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Convert(&q, tc.into, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.into, tc.want) {
				t.Errorf("got %+v, want %+v", tc.into, tc.want)
			}
		})
	}
}
