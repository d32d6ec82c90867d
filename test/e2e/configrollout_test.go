package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// configApps are two Deployments reading one ConfigMap, one of them
// annotated to roll out when it changes.
const configApps = `apiVersion: v1
kind: ConfigMap
metadata: {name: app-config}
data: {GREETING: v1}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: watched
  annotations: {marina.io/rollout-on-config-change: "true"}
spec:
  replicas: 2
  selector: {matchLabels: {app: watched}}
  template:
    metadata: {labels: {app: watched}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: local
          command: ["sh", "-c", "echo greeting=$GREETING; exec sleep 3600"]
          envFrom: [{configMapRef: {name: app-config}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: unwatched}
spec:
  replicas: 2
  selector: {matchLabels: {app: unwatched}}
  template:
    metadata: {labels: {app: unwatched}}
    spec:
      runtimeClassName: process
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: local
          command: ["sh", "-c", "echo greeting=$GREETING; exec sleep 3600"]
          envFrom: [{configMapRef: {name: app-config}}]
`

// greetings returns what each live pod of app printed.
func greetings(t *testing.T, s *Server, app string) []string {
	t.Helper()
	var out []string
	for _, p := range runningOf(t, s, app) {
		log, _, err := s.Kubectl("logs", p)
		if err != nil {
			out = append(out, "?")
			continue
		}
		out = append(out, strings.TrimSpace(log))
	}
	return out
}

// runningOf names the Running pods of app not being deleted.
func runningOf(t *testing.T, s *Server, app string) []string {
	t.Helper()
	pods, err := runningPods(t, s, app)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	return names
}

// TestRolloutOnConfigChange: editing a ConfigMap rolls out the Deployment
// annotated marina.io/rollout-on-config-change, whose new pods see the
// new value and whose new revision names the change; the Deployment
// without the annotation does not roll.
func TestRolloutOnConfigChange(t *testing.T) {
	s := StartUp(t)
	path := filepath.Join(t.TempDir(), "apps.yaml")
	if err := writeFile(path, configApps); err != nil {
		t.Fatal(err)
	}
	s.MustKubectl("apply", "-f", path)
	ctx := context.Background()
	for _, app := range []string{"watched", "unwatched"} {
		rolloutStatus(t, s, app)
	}
	// The first record of what the template reads rolls nothing out.
	eventually(t, 30*time.Second, func() error {
		d, err := s.Client.AppsV1().Deployments("default").Get(ctx, "watched", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !strings.HasPrefix(d.Annotations["marina.io/config-versions"], "configmap/app-config=") {
			return fmt.Errorf("annotations %v", d.Annotations)
		}
		return nil
	})
	eventually(t, 30*time.Second, func() error {
		for _, app := range []string{"watched", "unwatched"} {
			if got := greetings(t, s, app); fmt.Sprint(got) != "[greeting=v1 greeting=v1]" {
				return fmt.Errorf("%s pods printed %v", app, got)
			}
		}
		return nil
	})
	unwatched, err := s.Client.AppsV1().Deployments("default").Get(ctx, "unwatched", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	s.MustKubectl("patch", "configmap", "app-config", "-p", `{"data":{"GREETING":"v2"}}`)
	eventually(t, 30*time.Second, func() error {
		if got := historyRevisions(t, s, "watched"); len(got) != 2 {
			return fmt.Errorf("watched has revisions %v, want 2", got)
		}
		return nil
	})
	rolloutStatus(t, s, "watched")
	eventually(t, 60*time.Second, func() error {
		if got := greetings(t, s, "watched"); fmt.Sprint(got) != "[greeting=v2 greeting=v2]" {
			return fmt.Errorf("watched pods printed %v", got)
		}
		return nil
	})
	if out := s.MustKubectl("rollout", "history", "deployment/watched"); !strings.Contains(out, "configmap/app-config changed (marina.io/rollout-on-config-change)") {
		t.Errorf("rollout history does not name the change:\n%s", out)
	}

	// Meanwhile the Deployment without the annotation stayed as it was.
	after, err := s.Client.AppsV1().Deployments("default").Get(ctx, "unwatched", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Generation != unwatched.Generation || len(historyRevisions(t, s, "unwatched")) != 1 {
		t.Errorf("unwatched rolled: generation %d → %d, revisions %v", unwatched.Generation, after.Generation, historyRevisions(t, s, "unwatched"))
	}
	if got := greetings(t, s, "unwatched"); fmt.Sprint(got) != "[greeting=v1 greeting=v1]" {
		t.Errorf("unwatched pods printed %v, want the old value (no rollout)", got)
	}
}
