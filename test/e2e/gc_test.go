package e2e

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// TestGarbageCollection deletes an owner with each propagation policy and
// checks what happens to its dependents, as Kubernetes' collector does.
func TestGarbageCollection(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	cms := s.Client.CoreV1().ConfigMaps("default")
	tests := []struct {
		policy metav1.DeletionPropagation
		// dependentsRemain: after the owner is gone, do the dependents stay?
		dependentsRemain bool
	}{
		{metav1.DeletePropagationBackground, false},
		{metav1.DeletePropagationForeground, false},
		{metav1.DeletePropagationOrphan, true},
	}
	for _, tc := range tests {
		t.Run(string(tc.policy), func(t *testing.T) {
			prefix := strings.ToLower(string(tc.policy))
			owner, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-owner"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			block := true
			ref := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: &block}
			var deps []string
			for i := 0; i < 3; i++ {
				d, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
					Name: fmt.Sprintf("%s-dep-%d", prefix, i), OwnerReferences: []metav1.OwnerReference{ref},
				}}, metav1.CreateOptions{})
				if err != nil {
					t.Fatal(err)
				}
				deps = append(deps, d.Name)
			}
			policy := tc.policy
			if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
				t.Fatal(err)
			}
			eventually(t, 20*time.Second, func() error {
				if _, err := cms.Get(ctx, owner.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
					return fmt.Errorf("owner still there (err %v)", err)
				}
				for _, name := range deps {
					d, err := cms.Get(ctx, name, metav1.GetOptions{})
					switch {
					case tc.dependentsRemain && err != nil:
						return fmt.Errorf("orphaned dependent %s: %v", name, err)
					case tc.dependentsRemain && len(d.OwnerReferences) != 0:
						return fmt.Errorf("orphaned dependent %s still names its owner", name)
					case !tc.dependentsRemain && !apierrors.IsNotFound(err):
						return fmt.Errorf("dependent %s still there (err %v)", name, err)
					}
				}
				return nil
			})
		})
	}

	t.Run("foreground waits for dependents", func(t *testing.T) {
		owner, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "fg-owner"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		block := true
		// A dependent held by a finalizer keeps the owner in deletion.
		_, err = cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name:            "fg-held",
			Finalizers:      []string{"example.com/hold"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: &block}},
		}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fg := metav1.DeletePropagationForeground
		if err := cms.Delete(ctx, owner.Name, metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		o, err := cms.Get(ctx, owner.Name, metav1.GetOptions{})
		if err != nil || o.DeletionTimestamp == nil {
			t.Fatalf("owner should be waiting in deletion for its blocking dependent: %v %v", o, err)
		}
		held, err := cms.Get(ctx, "fg-held", metav1.GetOptions{})
		if err != nil || held.DeletionTimestamp == nil {
			t.Fatalf("the dependent should be in deletion: %v %v", held, err)
		}
		held.Finalizers = nil
		if _, err := cms.Update(ctx, held, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, func() error {
			if _, err := cms.Get(ctx, owner.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return fmt.Errorf("owner still there after its dependent left (err %v)", err)
			}
			return nil
		})
	})
}

// TestServerSurface checks the parts of the API that are not resources:
// field selectors, the errors of pod subresources whose agent cannot be
// reached, and the metrics.
func TestServerSurface(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	for _, p := range []struct{ name, node string }{{"on-a", "node-a"}, {"on-b", "node-b"}, {"nowhere", ""}} {
		_, err := pods.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: p.name},
			Spec:       corev1.PodSpec{NodeName: p.node, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}

	t.Run("field selectors", func(t *testing.T) {
		tests := []struct {
			selector string
			want     []string
		}{
			{"spec.nodeName=node-a", []string{"on-a"}},
			{"spec.nodeName=", []string{"nowhere"}},
			{"status.phase=Pending,spec.nodeName!=node-a", []string{"nowhere", "on-b"}},
			{"metadata.name=on-b", []string{"on-b"}},
		}
		for _, tc := range tests {
			list, err := pods.List(ctx, metav1.ListOptions{FieldSelector: tc.selector})
			if err != nil {
				t.Errorf("%s: %v", tc.selector, err)
				continue
			}
			var got []string
			for _, p := range list.Items {
				got = append(got, p.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("fieldSelector %s: got %v, want %v", tc.selector, got, tc.want)
			}
		}
		if _, err := pods.List(ctx, metav1.ListOptions{FieldSelector: "spec.color=blue"}); !apierrors.IsBadRequest(err) {
			t.Errorf("an unsupported field selector: %v, want 400 Bad Request", err)
		}
	})

	t.Run("pod subresources need the agent", func(t *testing.T) {
		// node-a has no Node; node-b has one, but no agent publishes an
		// endpoint on it; "nowhere" is not bound.
		if _, err := s.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-b"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err := pods.GetLogs("on-a", &corev1.PodLogOptions{}).Do(ctx).Error()
		if !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), `nodes "node-a" not found`) {
			t.Errorf("pods/log on a missing node: %v, want 404 nodes \"node-a\" not found", err)
		}
		err = pods.GetLogs("on-b", &corev1.PodLogOptions{}).Do(ctx).Error()
		if !apierrors.IsServiceUnavailable(err) || !strings.Contains(err.Error(), "node node-b publishes no agent endpoint") {
			t.Errorf("pods/log on a node without an agent: %v, want 503 naming the node", err)
		}
		err = pods.GetLogs("nowhere", &corev1.PodLogOptions{}).Do(ctx).Error()
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "pod nowhere does not have a host assigned") {
			t.Errorf("pods/log of an unbound pod: %v, want 400", err)
		}
		err = pods.GetLogs("on-b", &corev1.PodLogOptions{Container: "nope"}).Do(ctx).Error()
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "container nope is not valid for pod on-b") {
			t.Errorf("pods/log of a container the pod lacks: %v, want 400", err)
		}
		_, errOut, err := s.Kubectl("exec", "on-b", "--", "true")
		if err == nil || !strings.Contains(errOut, "publishes no agent endpoint") {
			t.Errorf("kubectl exec: %v %s, want an error saying the node has no agent endpoint", err, errOut)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		body, err := s.Client.CoreV1().RESTClient().Get().AbsPath("/metrics").Do(ctx).Raw()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`apiserver_request_total{`,                        // requests by verb, resource, code
			`apiserver_request_duration_seconds_bucket{`,      // and their latency
			`marina_storage_request_duration_seconds_bucket{`, // storage latency
			`apiserver_longrunning_requests{`,                 // open watches
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics has no %s", want)
			}
		}
	})

	t.Run("metrics need credentials", func(t *testing.T) {
		cfg := rest.AnonymousClientConfig(s.Config)
		cfg.Insecure, cfg.CAData = true, nil
		client, err := rest.HTTPClientFor(cfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Get(s.Config.Host + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("anonymous /metrics: %d, want 401", resp.StatusCode)
		}
	})
}
