package endpoints

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

// harness is the controller on a fake clientset, its informers running.
type harness struct {
	c      *Controller
	client *fake.Clientset
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	// The fake does not name objects from GenerateName; the API server
	// does.
	var n atomic.Int64
	client.PrependReactor("create", "*", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if m, ok := a.(clienttesting.CreateAction).GetObject().(metav1.Object); ok && m.GetName() == "" && m.GetGenerateName() != "" {
			m.SetName(fmt.Sprintf("%s%d", m.GetGenerateName(), n.Add(1)))
		}
		return false, nil, nil
	})
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
	return &harness{c: c, client: client}
}

// settle waits until the informers show the state the client holds.
func (h *harness) settle(t *testing.T, ns string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		eps, err := h.client.CoreV1().Endpoints(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ess, err := h.client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		cachedEps, _ := h.c.endpoints.Endpoints(ns).List(labels.Everything())
		cachedEss, _ := h.c.slices.EndpointSlices(ns).List(labels.Everything())
		names := func(ss []*discoveryv1.EndpointSlice) []string {
			var out []string
			for _, s := range ss {
				out = append(out, s.Name)
			}
			slices.Sort(out)
			return out
		}
		var want []string
		for _, s := range ess.Items {
			want = append(want, s.Name)
		}
		slices.Sort(want)
		// The handlers run after the cache changes: the expectations are
		// met last.
		return len(cachedEps) == len(eps.Items) && slices.Equal(names(cachedEss), want) &&
			h.c.expect.Satisfied(ns+"/web", time.Now()), nil
	})
	if err != nil {
		t.Fatalf("informers did not catch up: %v", err)
	}
}

// writes returns the writes the client received since the last call.
func (h *harness) writes() []string {
	var out []string
	for _, a := range h.client.Actions() {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	h.client.ClearActions()
	return out
}

func TestSync(t *testing.T) {
	ctx := context.Background()
	other := pod("other", "10.0.0.9")
	other.Labels = map[string]string{"app": "db"}
	staleOwner := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "web-stale", Namespace: "shop", UID: "stale-uid",
			Labels:          map[string]string{discoveryv1.LabelServiceName: "web", discoveryv1.LabelManagedBy: ManagedBy},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: "web", UID: "old-svc-uid", Controller: ptr.To(true)}}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	someoneElses := staleOwner.DeepCopy()
	someoneElses.Name, someoneElses.Labels[discoveryv1.LabelManagedBy] = "web-manual", "someone-else"
	h := newHarness(t, service(),
		pod("a", "10.0.0.1"), pod("b", "10.0.0.2", notReady), pod("c", "10.0.0.3", httpPort(9090)), other,
		staleOwner, someoneElses)

	if err := h.c.sync(ctx, "shop/web"); err != nil {
		t.Fatalf("sync: %v", err)
	}
	writes := h.writes()
	slices.Sort(writes)
	same(t, "first sync's writes", []string{"create endpoints", "create endpointslices", "create endpointslices", "delete endpointslices"}, writes)

	ep, err := h.client.CoreV1().Endpoints("shop").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "subsets", []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.1", "a")}, NotReadyAddresses: []corev1.EndpointAddress{addr("10.0.0.2", "b")},
			Ports: []corev1.EndpointPort{eport("http", 8080)}},
		{Addresses: []corev1.EndpointAddress{addr("10.0.0.3", "c")}, Ports: []corev1.EndpointPort{eport("http", 9090)}},
	}, ep.Subsets)
	same(t, "endpoints labels", map[string]string{"tier": "front"}, ep.Labels)

	list, err := h.client.DiscoveryV1().EndpointSlices("shop").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelManagedBy + "=" + ManagedBy})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range list.Items {
		if !ownedBy(&s, service()) || s.GenerateName != "web-" {
			t.Errorf("slice %s: owners %v, generateName %q", s.Name, s.OwnerReferences, s.GenerateName)
		}
		for _, e := range s.Endpoints {
			got = append(got, fmt.Sprintf("%s:%d %s ready=%v", e.Addresses[0], *s.Ports[0].Port, e.TargetRef.Name, *e.Conditions.Ready))
		}
	}
	slices.Sort(got)
	same(t, "slice endpoints", []string{"10.0.0.1:8080 a ready=true", "10.0.0.2:8080 b ready=false", "10.0.0.3:9090 c ready=true"}, got)
	if _, err := h.client.DiscoveryV1().EndpointSlices("shop").Get(ctx, "web-manual", metav1.GetOptions{}); err != nil {
		t.Errorf("a slice managed by someone else was touched: %v", err)
	}

	h.settle(t, "shop")
	if err := h.c.sync(ctx, "shop/web"); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	if w := h.writes(); len(w) != 0 {
		t.Errorf("second sync wrote %v", w)
	}

	// b becomes ready: one Endpoints update, one slice update.
	b, _ := h.client.CoreV1().Pods("shop").Get(ctx, "b", metav1.GetOptions{})
	b.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := h.client.CoreV1().Pods("shop").UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		p, err := h.c.pods.Pods("shop").Get("b")
		return err == nil && podReady(p), nil
	}); err != nil {
		t.Fatal("pod update not seen")
	}
	h.writes()
	if err := h.c.sync(ctx, "shop/web"); err != nil {
		t.Fatalf("sync after readiness: %v", err)
	}
	writes = h.writes()
	slices.Sort(writes)
	same(t, "writes after readiness", []string{"update endpoints", "update endpointslices"}, writes)

	// The service goes: its Endpoints and slices go with it.
	h.settle(t, "shop")
	if err := h.client.CoreV1().Services("shop").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		_, err := h.c.services.Services("shop").Get("web")
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatal("service deletion not seen")
	}
	h.writes()
	if err := h.c.sync(ctx, "shop/web"); err != nil {
		t.Fatalf("sync of deleted service: %v", err)
	}
	if _, err := h.client.CoreV1().Endpoints("shop").Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("endpoints of deleted service: %v", err)
	}
	list, _ = h.client.DiscoveryV1().EndpointSlices("shop").List(ctx, metav1.ListOptions{})
	var left []string
	for _, s := range list.Items {
		left = append(left, s.Name)
	}
	same(t, "slices left", []string{"web-manual"}, left)
}

// TestSyncWithoutSelector: a service without a selector keeps the
// Endpoints its user wrote.
func TestSyncWithoutSelector(t *testing.T) {
	svc := service(func(s *corev1.Service) { s.Spec.Selector = nil })
	manual := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.168.1.5"}}, Ports: []corev1.EndpointPort{eport("http", 80)}}}}
	h := newHarness(t, svc, manual, pod("a", "10.0.0.1"))
	if err := h.c.sync(context.Background(), "shop/web"); err != nil {
		t.Fatal(err)
	}
	if w := h.writes(); len(w) != 0 {
		t.Errorf("sync of a service without selector wrote %v", w)
	}
}
