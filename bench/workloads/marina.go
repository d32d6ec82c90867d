package main

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/marina-orchestrator/marina/bench/internal/benchutil"
)

// times are one orchestrator's figures.
type times struct {
	name     string
	create   time.Duration
	update   time.Duration // maxSurge 25%, nothing unavailable
	updateD  time.Duration // Swarm's default update (one at a time); 0 for Marina
	replaced []time.Duration
}

const app = "bench-web"

// deployment is the benchmark's Deployment for runtime rt.
func (b *bench) deployment(rt string) *appsv1.Deployment {
	c := corev1.Container{Name: "web", Env: []corev1.EnvVar{{Name: "VERSION", Value: "v1"}}}
	if rt == "process" {
		c.Image = "local"
		c.Command = []string{b.server}
		c.Env = append(c.Env,
			corev1.EnvVar{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			corev1.EnvVar{Name: "LISTEN", Value: "$(POD_IP):8080"})
	} else {
		c.Image = b.image + ":v1"
		c.ImagePullPolicy = corev1.PullNever
	}
	surge, unavailable := intstr.FromString("25%"), intstr.FromInt32(0)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(b.replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}},
				Spec: corev1.PodSpec{RuntimeClassName: ptr.To(rt), TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{c}},
			},
		},
	}
}

// marina runs the three measurements on a fresh `marina up` offering
// runtime rt.
func (b *bench) marina(bin, rt string) (times, error) {
	t := times{name: "Marina, " + rt + " runtime"}
	// One node holds the old pods and the surge: above the kubelet's
	// default of 110 pods, as Swarm has no such limit.
	m, err := benchutil.Up(bin, "--runtimes", rt, "--agent-port", "0", "--max-pods", fmt.Sprint(2*b.replicas+50))
	if err != nil {
		return t, err
	}
	defer m.Remove()
	client := kubernetes.NewForConfigOrDie(m.Config)
	ctx := context.Background()
	if err := benchutil.Poll(ctx, 100*time.Millisecond, b.timeout, func() (bool, error) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil && len(nodes.Items) == 1 && nodeReady(&nodes.Items[0]), nil
	}); err != nil {
		return t, fmt.Errorf("node not ready: %w", err)
	}
	ds := client.AppsV1().Deployments("default")
	defer b.deleteDeployment(ctx, client)

	t0 := time.Now()
	if _, err := ds.Create(ctx, b.deployment(rt), metav1.CreateOptions{}); err != nil {
		return t, err
	}
	if err := b.rolledOut(ctx, client); err != nil {
		return t, fmt.Errorf("create: %w", err)
	}
	t.create = time.Since(t0)

	t0 = time.Now()
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"VERSION","value":"v2"}]}]}}}}`
	if _, err := ds.Patch(ctx, app, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		return t, err
	}
	if err := b.rolledOut(ctx, client); err != nil {
		return t, fmt.Errorf("update: %w", err)
	}
	t.update = time.Since(t0)

	for range b.deletions {
		d, err := b.replace(ctx, client)
		if err != nil {
			return t, fmt.Errorf("replace: %w", err)
		}
		t.replaced = append(t.replaced, d)
	}
	return t, nil
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// rolledOut waits until the deployment has all replicas updated and
// available, and no others.
func (b *bench) rolledOut(ctx context.Context, client kubernetes.Interface) error {
	return benchutil.Poll(ctx, 10*time.Millisecond, b.timeout, func() (bool, error) {
		d, err := client.AppsV1().Deployments("default").Get(ctx, app, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		n := int32(b.replicas)
		st := d.Status
		return st.ObservedGeneration >= d.Generation && st.UpdatedReplicas == n && st.AvailableReplicas == n && st.Replicas == n, nil
	})
}

// replace deletes one ready pod and times until a new pod is ready in its
// place (all replicas ready again, none of them the deleted one).
func (b *bench) replace(ctx context.Context, client kubernetes.Interface) (time.Duration, error) {
	pods := client.CoreV1().Pods("default")
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil || len(list.Items) == 0 {
		return 0, fmt.Errorf("list pods: %v (%d)", err, len(list.Items))
	}
	victim := list.Items[0]
	t0 := time.Now()
	if err := pods.Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		return 0, err
	}
	err = benchutil.Poll(ctx, 10*time.Millisecond, b.timeout, func() (bool, error) {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err
		}
		ready := 0
		for _, p := range list.Items {
			if p.UID != victim.UID && p.DeletionTimestamp == nil && podReady(&p) {
				ready++
			}
		}
		return ready == b.replicas, nil
	})
	d := time.Since(t0)
	// Let the deleted pod finish going before the next one.
	_ = benchutil.Poll(ctx, 50*time.Millisecond, b.timeout, func() (bool, error) {
		_, err := pods.Get(ctx, victim.Name, metav1.GetOptions{})
		return err != nil, nil
	})
	return d, err
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deleteDeployment deletes the deployment and waits for its pods to go,
// so no process or container outlives the run.
func (b *bench) deleteDeployment(ctx context.Context, client kubernetes.Interface) {
	fg := metav1.DeletePropagationForeground
	_ = client.AppsV1().Deployments("default").Delete(ctx, app, metav1.DeleteOptions{PropagationPolicy: &fg})
	_ = benchutil.Poll(ctx, 200*time.Millisecond, b.timeout, func() (bool, error) {
		list, err := client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		return err == nil && len(list.Items) == 0, nil
	})
}
