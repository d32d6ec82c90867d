package loadbalancer

import (
	"github.com/marina-orchestrator/marina/internal/api"

	"context"
	"io"
	"log/slog"
	"maps"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

func lbService(name string, opts ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, ClusterIP: "10.96.0.20",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, NodePort: 30080}}}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func newController(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, factory, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	c.recorder = record.NewFakeRecorder(100)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return c, client
}

// statusWrites returns the status updates the client received since the
// last call.
func statusWrites(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource+"/"+a.GetSubresource())
		}
	}
	client.ClearActions()
	return out
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	stale := lbService("was-lb", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeClusterIP
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.168.1.2"}}
	})
	foreign := lbService("metallb", func(s *corev1.Service) {
		s.Spec.LoadBalancerClass = ptr.To("metallb.io/metallb")
		s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}
	})
	c, client := newController(t,
		node("n1", corev1.ConditionTrue, "InternalIP", "192.168.1.10"),
		node("n2", corev1.ConditionTrue, "InternalIP", "192.168.1.2", "ExternalIP", "203.0.113.2"),
		node("n3", corev1.ConditionFalse, "InternalIP", "192.168.1.3"),
		lbService("web"), stale, foreign,
		ingressClass("marina", api.IngressController, true),
		ingress("named", ptr.To("marina"), nil), ingress("default", nil, nil), ingress("nginx", ptr.To("nginx"), nil),
	)
	keys := []string{"Service/shop/web", "Service/shop/was-lb", "Service/shop/metallb", "Ingress/shop/named", "Ingress/shop/default", "Ingress/shop/nginx"}
	syncAll := func() {
		t.Helper()
		for _, k := range keys {
			if err := c.sync(ctx, k); err != nil {
				t.Fatalf("sync %s: %v", k, err)
			}
		}
	}
	statusWrites(client)
	syncAll()
	same(t, "writes", []string{"update services/status", "update services/status", "update ingresses/status", "update ingresses/status"}, statusWrites(client))

	vip := func(ip string) corev1.LoadBalancerIngress {
		return corev1.LoadBalancerIngress{IP: ip, IPMode: ptr.To(corev1.LoadBalancerIPModeVIP), Ports: []corev1.PortStatus{{Port: 80, Protocol: corev1.ProtocolTCP}}}
	}
	svcStatus := func(name string) []corev1.LoadBalancerIngress {
		s, err := client.CoreV1().Services("shop").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Status.LoadBalancer.Ingress
	}
	ingStatus := func(name string) []networkingv1.IngressLoadBalancerIngress {
		i, err := client.NetworkingV1().Ingresses("shop").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return i.Status.LoadBalancer.Ingress
	}
	same(t, "web", []corev1.LoadBalancerIngress{vip("192.168.1.2"), vip("192.168.1.10")}, svcStatus("web"))
	same(t, "was-lb", []corev1.LoadBalancerIngress(nil), svcStatus("was-lb"))
	same(t, "metallb", []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}, svcStatus("metallb"))
	nodesIngress := []networkingv1.IngressLoadBalancerIngress{{IP: "192.168.1.2"}, {IP: "192.168.1.10"}}
	same(t, "named", nodesIngress, ingStatus("named"))
	same(t, "default", nodesIngress, ingStatus("default"))
	same(t, "nginx", []networkingv1.IngressLoadBalancerIngress(nil), ingStatus("nginx"))

	// Once the informers show the writes, a second sync writes nothing.
	caughtUp := func() bool {
		for _, name := range []string{"web", "was-lb", "metallb"} {
			s, err := c.services.Services("shop").Get(name)
			if err != nil || !equality.Semantic.DeepEqual(s.Status, mustService(client, name).Status) {
				return false
			}
		}
		for _, name := range []string{"named", "default", "nginx"} {
			i, err := c.ingresses.Ingresses("shop").Get(name)
			if err != nil || !equality.Semantic.DeepEqual(i.Status, mustIngress(client, name).Status) {
				return false
			}
		}
		return true
	}
	waitFor(t, caughtUp)
	syncAll()
	same(t, "writes of the second sync", []string(nil), statusWrites(client))

	// n3 becomes ready: every LoadBalancer service and Ingress is queued
	// again and gets its address.
	drain(c)
	n3, _ := client.CoreV1().Nodes().Get(ctx, "n3", metav1.GetOptions{})
	n3.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n3, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	queued := map[string]bool{}
	waitFor(t, func() bool {
		maps.Copy(queued, drain(c))
		for _, k := range []string{"Service/shop/web", "Service/shop/metallb", "Ingress/shop/named", "Ingress/shop/default", "Ingress/shop/nginx"} {
			if !queued[k] {
				return false
			}
		}
		return true
	})
	waitFor(t, func() bool {
		n, err := c.nodes.Get("n3")
		return err == nil && nodeReady(n)
	})
	statusWrites(client)
	syncAll()
	same(t, "web after n3", []corev1.LoadBalancerIngress{vip("192.168.1.2"), vip("192.168.1.3"), vip("192.168.1.10")}, svcStatus("web"))
	same(t, "writes after n3", []string{"update services/status", "update ingresses/status", "update ingresses/status"}, statusWrites(client))

	// An Ingress moved to another class has the status it was given taken
	// back, once.
	waitFor(t, caughtUp)
	named, _ := client.NetworkingV1().Ingresses("shop").Get(ctx, "named", metav1.GetOptions{})
	named.Spec.IngressClassName = ptr.To("nginx")
	if _, err := client.NetworkingV1().Ingresses("shop").Update(ctx, named, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		i, err := c.ingresses.Ingresses("shop").Get("named")
		return err == nil && *i.Spec.IngressClassName == "nginx"
	})
	statusWrites(client)
	if err := c.sync(ctx, "Ingress/shop/named"); err != nil {
		t.Fatal(err)
	}
	same(t, "named after leaving", []networkingv1.IngressLoadBalancerIngress(nil), ingStatus("named"))
	same(t, "writes after leaving", []string{"update ingresses/status"}, statusWrites(client))
}

func mustService(client *fake.Clientset, name string) *corev1.Service {
	s, err := client.CoreV1().Services("shop").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		panic(err)
	}
	return s
}

func mustIngress(client *fake.Clientset, name string) *networkingv1.Ingress {
	i, err := client.NetworkingV1().Ingresses("shop").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		panic(err)
	}
	return i
}

// drain empties the controller's queue and returns what it held.
func drain(c *Controller) map[string]bool {
	out := map[string]bool{}
	for c.Queue.Len() > 0 {
		k, _ := c.Queue.Get()
		out[k] = true
		c.Queue.Done(k)
	}
	return out
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 5*time.Second, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		t.Fatal("condition not met")
	}
}
