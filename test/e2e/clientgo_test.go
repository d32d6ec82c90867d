package e2e

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// typedClient is the part of every client-go typed resource client
// (CoreV1().ConfigMaps(ns), AppsV1().Deployments(ns), ...) that the CRUD
// table drives.
type typedClient[T any, L any] interface {
	Create(context.Context, *T, metav1.CreateOptions) (*T, error)
	Get(context.Context, string, metav1.GetOptions) (*T, error)
	List(context.Context, metav1.ListOptions) (*L, error)
	Update(context.Context, *T, metav1.UpdateOptions) (*T, error)
	Patch(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (*T, error)
	Watch(context.Context, metav1.ListOptions) (watch.Interface, error)
	Delete(context.Context, string, metav1.DeleteOptions) error
}

// object is what the CRUD helper needs of a pointer to a typed object.
type object[T any] interface {
	*T
	metav1.Object
	runtime.Object
}

// resourceCase is one row of the CRUD table.
type resourceCase struct {
	name string
	run  func(t *testing.T)
}

// crudOptions tune the CRUD run for kinds that behave specially.
type crudOptions struct {
	// asyncDelete: delete only marks the object (namespaces go Terminating
	// and a controller removes them), so NotFound comes eventually.
	asyncDelete bool
}

// crud returns the case that creates obj through c and then gets, lists,
// updates, patches (JSON, merge, strategic merge), watches, conflicts and
// deletes it, checking the API conventions at each step.
func crud[T any, L any, PT object[T]](name string, c typedClient[T, L], obj PT, opts crudOptions) resourceCase {
	return resourceCase{name: name, run: func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()

		// Create.
		created, err := c.Create(ctx, (*T)(obj), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		cr := PT(created)
		objName := cr.GetName()
		if cr.GetUID() == "" {
			t.Errorf("create: metadata.uid is empty")
		}
		createRV := parseRV(t, "create", cr.GetResourceVersion())
		if ts := cr.GetCreationTimestamp(); ts.IsZero() {
			t.Errorf("create: metadata.creationTimestamp is not set")
		}
		if hasSpec(cr) && cr.GetGeneration() != 1 {
			t.Errorf("create: metadata.generation = %d, want 1 for a kind with a spec", cr.GetGeneration())
		}

		// Get.
		got, err := c.Get(ctx, objName, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if g := PT(got); g.GetUID() != cr.GetUID() || g.GetResourceVersion() != cr.GetResourceVersion() {
			t.Errorf("get: uid/resourceVersion = %s/%s, want %s/%s (as created)",
				g.GetUID(), g.GetResourceVersion(), cr.GetUID(), cr.GetResourceVersion())
		}

		// List.
		list, err := c.List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if !listContains(t, list, cr.GetUID()) {
			t.Errorf("list: %s (uid %s) is not in the list", objName, cr.GetUID())
		}

		// Update a label: resourceVersion grows, generation does not.
		toUpdate := PT(got).DeepCopyObject().(PT)
		toUpdate.SetLabels(withLabel(toUpdate.GetLabels(), "e2e-update", "yes"))
		updated, err := c.Update(ctx, (*T)(toUpdate), metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		up := PT(updated)
		if up.GetLabels()["e2e-update"] != "yes" {
			t.Errorf("update: labels = %v, want e2e-update=yes", up.GetLabels())
		}
		updateRV := parseRV(t, "update", up.GetResourceVersion())
		if updateRV <= createRV {
			t.Errorf("update: resourceVersion %d is not greater than the create's %d", updateRV, createRV)
		}
		if up.GetGeneration() != cr.GetGeneration() {
			t.Errorf("update of a label changed metadata.generation from %d to %d", cr.GetGeneration(), up.GetGeneration())
		}

		// Patch with each patch type, each adding its own label.
		wantRVs := []uint64{updateRV}
		lastRV := updateRV
		wantLabels := []string{"e2e-update"}
		for _, p := range []struct {
			typ   types.PatchType
			label string
			body  string
		}{
			{types.JSONPatchType, "e2e-json", `[{"op":"add","path":"/metadata/labels/e2e-json","value":"yes"}]`},
			{types.MergePatchType, "e2e-merge", `{"metadata":{"labels":{"e2e-merge":"yes"}}}`},
			{types.StrategicMergePatchType, "e2e-strategic", `{"metadata":{"labels":{"e2e-strategic":"yes"}}}`},
		} {
			patched, err := c.Patch(ctx, objName, p.typ, []byte(p.body), metav1.PatchOptions{})
			if err != nil {
				t.Fatalf("patch %s: %v", p.typ, err)
			}
			rv := parseRV(t, "patch "+string(p.typ), PT(patched).GetResourceVersion())
			if rv <= lastRV {
				t.Errorf("patch %s: resourceVersion %d is not greater than the previous %d", p.typ, rv, lastRV)
			}
			lastRV = rv
			wantRVs = append(wantRVs, rv)
			wantLabels = append(wantLabels, p.label)
			got, err := c.Get(ctx, objName, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get after patch %s: %v", p.typ, err)
			}
			for _, l := range wantLabels {
				if PT(got).GetLabels()[l] != "yes" {
					t.Errorf("get after patch %s: labels = %v, want %s=yes", p.typ, PT(got).GetLabels(), l)
				}
			}
			if PT(got).GetGeneration() != cr.GetGeneration() {
				t.Errorf("patch %s of a label changed metadata.generation from %d to %d", p.typ, cr.GetGeneration(), PT(got).GetGeneration())
			}
		}

		// A watch from the create's resourceVersion replays every change
		// since, in order.
		w, err := c.Watch(ctx, metav1.ListOptions{
			ResourceVersion: strconv.FormatUint(createRV, 10),
			FieldSelector:   "metadata.name=" + objName,
		})
		if err != nil {
			t.Fatalf("watch from %d: %v", createRV, err)
		}
		defer w.Stop()
		var seen []uint64
		for len(seen) < len(wantRVs) {
			ev, ok := nextEvent(t, w, 20*time.Second)
			if !ok {
				break
			}
			if ev.Type != watch.Modified {
				t.Errorf("watch from %d: got %s event (%s), want only MODIFIED before the delete", createRV, ev.Type, describeEvent(ev))
				continue
			}
			seen = append(seen, parseRV(t, "watch event", eventRV(t, ev)))
		}
		if !slices.Equal(seen, wantRVs) {
			t.Errorf("watch from %d: MODIFIED events at resourceVersions %v, want %v (update, json, merge, strategic patches)", createRV, seen, wantRVs)
		}

		// An update based on a stale object is refused.
		stale := PT(updated).DeepCopyObject().(PT)
		stale.SetLabels(withLabel(stale.GetLabels(), "e2e-stale", "yes"))
		if _, err := c.Update(ctx, (*T)(stale), metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
			t.Errorf("update with stale resourceVersion %s: err = %v, want 409 Conflict", stale.GetResourceVersion(), err)
		}

		// Delete: the watch sees DELETED, a get then answers NotFound.
		if err := c.Delete(ctx, objName, metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete: %v", err)
		}
		for {
			ev, ok := nextEvent(t, w, 30*time.Second)
			if !ok {
				t.Errorf("watch: no DELETED event after the delete")
				break
			}
			if ev.Type == watch.Deleted {
				break
			}
			// Marking the object for deletion (deletionTimestamp) may come
			// first: pods are deleted gracefully with a zero grace period,
			// namespaces go Terminating.
			if m, err := meta.Accessor(ev.Object); ev.Type != watch.Modified || err != nil || m.GetDeletionTimestamp() == nil {
				t.Errorf("watch after delete: got %s event (%s), want DELETED or MODIFIED with a deletionTimestamp", ev.Type, describeEvent(ev))
				break
			}
		}
		notFound := func() error {
			_, err := c.Get(ctx, objName, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("get after delete: err = %v, want NotFound", err)
		}
		if opts.asyncDelete {
			eventually(t, 60*time.Second, notFound)
		} else if err := notFound(); err != nil {
			t.Error(err)
		}
	}}
}

// nextEvent returns the watch's next event, or false when it closes or
// nothing comes within timeout (both reported as errors).
func nextEvent(t *testing.T, w watch.Interface, timeout time.Duration) (watch.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Errorf("watch closed early")
		}
		return ev, ok
	case <-time.After(timeout):
		t.Errorf("no watch event within %s", timeout)
		return watch.Event{}, false
	}
}

func describeEvent(ev watch.Event) string {
	if st, ok := ev.Object.(*metav1.Status); ok {
		return fmt.Sprintf("status %d %s: %s", st.Code, st.Reason, st.Message)
	}
	if m, err := meta.Accessor(ev.Object); err == nil {
		return fmt.Sprintf("%s at resourceVersion %s", m.GetName(), m.GetResourceVersion())
	}
	return fmt.Sprintf("%T", ev.Object)
}

func eventRV(t *testing.T, ev watch.Event) string {
	t.Helper()
	m, err := meta.Accessor(ev.Object)
	if err != nil {
		t.Fatalf("watch event %s: object %T has no metadata: %v", ev.Type, ev.Object, err)
	}
	return m.GetResourceVersion()
}

func parseRV(t *testing.T, what, rv string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		t.Fatalf("%s: resourceVersion %q is not a number: %v", what, rv, err)
	}
	return n
}

// hasSpec tells whether the object's kind has a spec (and so a generation).
func hasSpec(obj runtime.Object) bool {
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct && v.Elem().FieldByName("Spec").IsValid()
}

func listContains(t *testing.T, list any, uid types.UID) bool {
	t.Helper()
	obj, ok := list.(runtime.Object)
	if !ok {
		t.Fatalf("list type %T is not a runtime.Object", list)
	}
	found := false
	if err := meta.EachListItem(obj, func(item runtime.Object) error {
		if m, err := meta.Accessor(item); err == nil && m.GetUID() == uid {
			found = true
		}
		return nil
	}); err != nil {
		t.Fatalf("list items: %v", err)
	}
	return found
}

func withLabel(labels map[string]string, k, v string) map[string]string {
	out := map[string]string{}
	for key, val := range labels {
		out[key] = val
	}
	out[k] = v
	return out
}

// createNamespace creates a namespace for one test.
func createNamespace(t *testing.T, cs kubernetes.Interface, name string) string {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

// podTemplate is a valid pod template with the given labels.
func podTemplate(labels map[string]string, restart corev1.RestartPolicy) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy: restart,
			Containers:    []corev1.Container{{Name: "app", Image: "busybox:1.36", Command: []string{"sleep", "3600"}}},
		},
	}
}

func meta0(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name} }

// crudCases is the table: one valid object of every served resource.
func crudCases(cs kubernetes.Interface, ns string) []resourceCase {
	app := map[string]string{"app": "web"}
	selector := &metav1.LabelSelector{MatchLabels: app}
	gi := resource.MustParse("1Gi")
	now := metav1.Now()
	return []resourceCase{
		// core/v1
		crud[corev1.Namespace, corev1.NamespaceList]("core/v1 namespaces", cs.CoreV1().Namespaces(),
			&corev1.Namespace{ObjectMeta: meta0("e2e-crud-namespace")}, crudOptions{asyncDelete: true}),
		crud[corev1.Node, corev1.NodeList]("core/v1 nodes", cs.CoreV1().Nodes(),
			&corev1.Node{ObjectMeta: meta0("e2e-node")}, crudOptions{}),
		crud[corev1.Pod, corev1.PodList]("core/v1 pods", cs.CoreV1().Pods(ns),
			// A scheduler of its own, so Marina's does not write the pod's
			// status between the test's get and update.
			&corev1.Pod{ObjectMeta: meta0("e2e-pod"), Spec: withScheduler(podTemplate(app, corev1.RestartPolicyAlways).Spec, "e2e-none")}, crudOptions{}),
		crud[corev1.Service, corev1.ServiceList]("core/v1 services", cs.CoreV1().Services(ns),
			&corev1.Service{ObjectMeta: meta0("e2e-service"), Spec: corev1.ServiceSpec{
				Selector: app,
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)}},
			}}, crudOptions{}),
		crud[corev1.Endpoints, corev1.EndpointsList]("core/v1 endpoints", cs.CoreV1().Endpoints(ns),
			&corev1.Endpoints{ObjectMeta: meta0("e2e-endpoints"), Subsets: []corev1.EndpointSubset{{
				Addresses: []corev1.EndpointAddress{{IP: "10.1.2.3"}},
				Ports:     []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}},
			}}}, crudOptions{}),
		crud[corev1.ConfigMap, corev1.ConfigMapList]("core/v1 configmaps", cs.CoreV1().ConfigMaps(ns),
			&corev1.ConfigMap{ObjectMeta: meta0("e2e-configmap"), Data: map[string]string{"key": "value"}}, crudOptions{}),
		crud[corev1.Secret, corev1.SecretList]("core/v1 secrets", cs.CoreV1().Secrets(ns),
			&corev1.Secret{ObjectMeta: meta0("e2e-secret"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("s3cret")}}, crudOptions{}),
		crud[corev1.Event, corev1.EventList]("core/v1 events", cs.CoreV1().Events(ns),
			&corev1.Event{
				ObjectMeta:     meta0("e2e-core-event"),
				InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "e2e-pod", APIVersion: "v1"},
				Reason:         "Testing", Message: "an e2e event", Type: corev1.EventTypeNormal,
				Source:         corev1.EventSource{Component: "e2e"},
				FirstTimestamp: now, LastTimestamp: now, Count: 1,
			}, crudOptions{}),
		crud[corev1.ReplicationController, corev1.ReplicationControllerList]("core/v1 replicationcontrollers", cs.CoreV1().ReplicationControllers(ns),
			&corev1.ReplicationController{ObjectMeta: meta0("e2e-rc"), Spec: corev1.ReplicationControllerSpec{
				Replicas: ptr.To[int32](1), Selector: app, Template: ptr.To(podTemplate(app, corev1.RestartPolicyAlways)),
			}}, crudOptions{}),
		crud[corev1.ResourceQuota, corev1.ResourceQuotaList]("core/v1 resourcequotas", cs.CoreV1().ResourceQuotas(ns),
			&corev1.ResourceQuota{ObjectMeta: meta0("e2e-quota"), Spec: corev1.ResourceQuotaSpec{
				Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")},
			}}, crudOptions{}),
		crud[corev1.LimitRange, corev1.LimitRangeList]("core/v1 limitranges", cs.CoreV1().LimitRanges(ns),
			&corev1.LimitRange{ObjectMeta: meta0("e2e-limits"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:           corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")},
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
			}}}}, crudOptions{}),
		crud[corev1.ServiceAccount, corev1.ServiceAccountList]("core/v1 serviceaccounts", cs.CoreV1().ServiceAccounts(ns),
			&corev1.ServiceAccount{ObjectMeta: meta0("e2e-sa")}, crudOptions{}),
		crud[corev1.PersistentVolume, corev1.PersistentVolumeList]("core/v1 persistentvolumes", cs.CoreV1().PersistentVolumes(),
			&corev1.PersistentVolume{ObjectMeta: meta0("e2e-pv"), Spec: corev1.PersistentVolumeSpec{
				Capacity:               corev1.ResourceList{corev1.ResourceStorage: gi},
				AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/e2e-pv"}},
			}}, crudOptions{}),
		crud[corev1.PersistentVolumeClaim, corev1.PersistentVolumeClaimList]("core/v1 persistentvolumeclaims", cs.CoreV1().PersistentVolumeClaims(ns),
			&corev1.PersistentVolumeClaim{ObjectMeta: meta0("e2e-pvc"), Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: gi}},
			}}, crudOptions{}),

		// apps/v1
		crud[appsv1.Deployment, appsv1.DeploymentList]("apps/v1 deployments", cs.AppsV1().Deployments(ns),
			&appsv1.Deployment{ObjectMeta: meta0("e2e-deployment"), Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1), Selector: selector, Template: podTemplate(app, corev1.RestartPolicyAlways),
			}}, crudOptions{}),
		crud[appsv1.ReplicaSet, appsv1.ReplicaSetList]("apps/v1 replicasets", cs.AppsV1().ReplicaSets(ns),
			&appsv1.ReplicaSet{ObjectMeta: meta0("e2e-replicaset"), Spec: appsv1.ReplicaSetSpec{
				Replicas: ptr.To[int32](1), Selector: selector, Template: podTemplate(app, corev1.RestartPolicyAlways),
			}}, crudOptions{}),
		crud[appsv1.StatefulSet, appsv1.StatefulSetList]("apps/v1 statefulsets", cs.AppsV1().StatefulSets(ns),
			&appsv1.StatefulSet{ObjectMeta: meta0("e2e-statefulset"), Spec: appsv1.StatefulSetSpec{
				Replicas: ptr.To[int32](1), ServiceName: "web", Selector: selector, Template: podTemplate(app, corev1.RestartPolicyAlways),
			}}, crudOptions{}),
		crud[appsv1.DaemonSet, appsv1.DaemonSetList]("apps/v1 daemonsets", cs.AppsV1().DaemonSets(ns),
			&appsv1.DaemonSet{ObjectMeta: meta0("e2e-daemonset"), Spec: appsv1.DaemonSetSpec{
				Selector: selector, Template: podTemplate(app, corev1.RestartPolicyAlways),
			}}, crudOptions{}),
		crud[appsv1.ControllerRevision, appsv1.ControllerRevisionList]("apps/v1 controllerrevisions", cs.AppsV1().ControllerRevisions(ns),
			&appsv1.ControllerRevision{ObjectMeta: meta0("e2e-revision"), Revision: 1,
				Data: runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"metadata":{"labels":{"app":"web"}}}}}`)},
			}, crudOptions{}),

		// batch/v1
		crud[batchv1.Job, batchv1.JobList]("batch/v1 jobs", cs.BatchV1().Jobs(ns),
			&batchv1.Job{ObjectMeta: meta0("e2e-job"), Spec: batchv1.JobSpec{
				Template: podTemplate(map[string]string{"job": "e2e"}, corev1.RestartPolicyNever),
			}}, crudOptions{}),
		crud[batchv1.CronJob, batchv1.CronJobList]("batch/v1 cronjobs", cs.BatchV1().CronJobs(ns),
			&batchv1.CronJob{ObjectMeta: meta0("e2e-cronjob"), Spec: batchv1.CronJobSpec{
				Schedule: "*/5 * * * *",
				JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
					Template: podTemplate(map[string]string{"cron": "e2e"}, corev1.RestartPolicyOnFailure),
				}},
			}}, crudOptions{}),

		// autoscaling/v1 and autoscaling/v2: one resource, two versions.
		crud[autoscalingv1.HorizontalPodAutoscaler, autoscalingv1.HorizontalPodAutoscalerList]("autoscaling/v1 horizontalpodautoscalers",
			cs.AutoscalingV1().HorizontalPodAutoscalers(ns),
			&autoscalingv1.HorizontalPodAutoscaler{ObjectMeta: meta0("e2e-hpa-v1"), Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
				ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:                    ptr.To[int32](1),
				MaxReplicas:                    3,
				TargetCPUUtilizationPercentage: ptr.To[int32](80),
			}}, crudOptions{}),
		crud[autoscalingv2.HorizontalPodAutoscaler, autoscalingv2.HorizontalPodAutoscalerList]("autoscaling/v2 horizontalpodautoscalers",
			cs.AutoscalingV2().HorizontalPodAutoscalers(ns),
			&autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: meta0("e2e-hpa-v2"), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr.To[int32](1),
				MaxReplicas:    5,
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{
						Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](70),
					}},
				}},
			}}, crudOptions{}),

		// networking.k8s.io/v1
		crud[networkingv1.Ingress, networkingv1.IngressList]("networking.k8s.io/v1 ingresses", cs.NetworkingV1().Ingresses(ns),
			&networkingv1.Ingress{ObjectMeta: meta0("e2e-ingress"), Spec: networkingv1.IngressSpec{
				DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
					Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80},
				}},
			}}, crudOptions{}),
		crud[networkingv1.IngressClass, networkingv1.IngressClassList]("networking.k8s.io/v1 ingressclasses", cs.NetworkingV1().IngressClasses(),
			&networkingv1.IngressClass{ObjectMeta: meta0("e2e-ingressclass"), Spec: networkingv1.IngressClassSpec{Controller: "example.com/e2e"}}, crudOptions{}),

		// coordination, discovery, node, scheduling
		crud[coordinationv1.Lease, coordinationv1.LeaseList]("coordination.k8s.io/v1 leases", cs.CoordinationV1().Leases(ns),
			&coordinationv1.Lease{ObjectMeta: meta0("e2e-lease")}, crudOptions{}),
		crud[discoveryv1.EndpointSlice, discoveryv1.EndpointSliceList]("discovery.k8s.io/v1 endpointslices", cs.DiscoveryV1().EndpointSlices(ns),
			&discoveryv1.EndpointSlice{ObjectMeta: meta0("e2e-slice"), AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"10.1.2.4"}}},
				Ports:     []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](8080), Protocol: ptr.To(corev1.ProtocolTCP)}},
			}, crudOptions{}),
		crud[nodev1.RuntimeClass, nodev1.RuntimeClassList]("node.k8s.io/v1 runtimeclasses", cs.NodeV1().RuntimeClasses(),
			&nodev1.RuntimeClass{ObjectMeta: meta0("e2e-runtimeclass"), Handler: "e2e"}, crudOptions{}),
		crud[schedulingv1.PriorityClass, schedulingv1.PriorityClassList]("scheduling.k8s.io/v1 priorityclasses", cs.SchedulingV1().PriorityClasses(),
			&schedulingv1.PriorityClass{ObjectMeta: meta0("e2e-priority"), Value: 1000, Description: "e2e"}, crudOptions{}),

		// events.k8s.io/v1
		crud[eventsv1.Event, eventsv1.EventList]("events.k8s.io/v1 events", cs.EventsV1().Events(ns),
			&eventsv1.Event{
				ObjectMeta:          meta0("e2e-event"),
				EventTime:           metav1.NowMicro(),
				ReportingController: "example.com/e2e",
				ReportingInstance:   "e2e-1",
				Action:              "Testing",
				Reason:              "Test",
				Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: "e2e-pod", APIVersion: "v1"},
				Note:                "an e2e event",
				Type:                corev1.EventTypeNormal,
			}, crudOptions{}),
	}
}

// TestClientGoCRUD drives every served resource through a typed clientset:
// create, get, list, update, the three patch types, watch, a conflicting
// update and delete, on each backend.
func TestClientGoCRUD(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := start(t, &Server{Backend: backend, Mode: "server", Extra: apiOnly})
			// core/v1 Endpoints answer with a deprecation warning on every
			// request, as in Kubernetes; keep them out of the test log.
			cfg := rest.CopyConfig(s.Config)
			cfg.WarningHandler = rest.NoWarnings{}
			cs := kubernetes.NewForConfigOrDie(cfg)
			ns := createNamespace(t, cs, "e2e-crud")
			for _, tc := range crudCases(cs, ns) {
				t.Run(tc.name, tc.run)
			}
		})
	}
}

// TestClientGoGenerationAndStatus checks the spec/status split: a spec
// change bumps metadata.generation and a label change does not;
// UpdateStatus changes only the status; a status sent through Update is
// ignored.
func TestClientGoGenerationAndStatus(t *testing.T) {
	s := start(t, &Server{Backend: "bolt", Mode: "server", Extra: apiOnly})
	ctx := context.Background()
	ns := createNamespace(t, s.Client, "e2e-status")
	deploys := s.Client.AppsV1().Deployments(ns)
	app := map[string]string{"app": "gen"}
	d, err := deploys.Create(ctx, &appsv1.Deployment{ObjectMeta: meta0("gen"), Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1), Selector: &metav1.LabelSelector{MatchLabels: app}, Template: podTemplate(app, corev1.RestartPolicyAlways),
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}

	steps := []struct {
		name    string
		change  func(d *appsv1.Deployment)
		wantGen int64
	}{
		{"label change keeps generation", func(d *appsv1.Deployment) { d.Labels = withLabel(d.Labels, "tier", "web") }, 1},
		{"annotation change keeps generation", func(d *appsv1.Deployment) { d.Annotations = map[string]string{"note": "x"} }, 1},
		{"replicas change bumps generation", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](2) }, 2},
		{"template change bumps generation", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "busybox:1.37" }, 3},
		{"label change after spec changes keeps generation", func(d *appsv1.Deployment) { d.Labels = withLabel(d.Labels, "tier", "api") }, 3},
	}
	for _, st := range steps {
		st.change(d)
		d, err = deploys.Update(ctx, d, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("%s: update: %v", st.name, err)
		}
		if d.Generation != st.wantGen {
			t.Errorf("%s: metadata.generation = %d, want %d", st.name, d.Generation, st.wantGen)
		}
	}

	// UpdateStatus: the status changes, the label and spec sent with it do not.
	before := d.DeepCopy()
	d.Status.Replicas = 3
	d.Status.ObservedGeneration = d.Generation
	d.Labels = withLabel(d.Labels, "via-status", "yes")
	d.Spec.Replicas = ptr.To[int32](9)
	d, err = deploys.UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	got, err := deploys.Get(ctx, "gen", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get after update status: %v", err)
	}
	for _, o := range []struct {
		what string
		d    *appsv1.Deployment
	}{{"UpdateStatus response", d}, {"get after UpdateStatus", got}} {
		if o.d.Status.Replicas != 3 || o.d.Status.ObservedGeneration != before.Generation {
			t.Errorf("%s: status.replicas/observedGeneration = %d/%d, want 3/%d", o.what, o.d.Status.Replicas, o.d.Status.ObservedGeneration, before.Generation)
		}
		if _, ok := o.d.Labels["via-status"]; ok {
			t.Errorf("%s: the label sent through /status was stored: %v", o.what, o.d.Labels)
		}
		if *o.d.Spec.Replicas != *before.Spec.Replicas {
			t.Errorf("%s: spec.replicas = %d, want %d (a spec change through /status must be ignored)", o.what, *o.d.Spec.Replicas, *before.Spec.Replicas)
		}
		if o.d.Generation != before.Generation {
			t.Errorf("%s: metadata.generation = %d, want %d", o.what, o.d.Generation, before.Generation)
		}
	}

	// Update: a status change is ignored, the rest applies.
	got.Status.Replicas = 7
	got.Labels = withLabel(got.Labels, "via-update", "yes")
	upd, err := deploys.Update(ctx, got, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update with a status change: %v", err)
	}
	if upd.Status.Replicas != 3 {
		t.Errorf("update: status.replicas = %d, want 3 (status changes through the main resource must be ignored)", upd.Status.Replicas)
	}
	if upd.Labels["via-update"] != "yes" {
		t.Errorf("update: labels = %v, want via-update=yes", upd.Labels)
	}
	if again, err := deploys.Get(ctx, "gen", metav1.GetOptions{}); err != nil {
		t.Errorf("get: %v", err)
	} else if again.Status.Replicas != 3 {
		t.Errorf("get after update: status.replicas = %d, want 3", again.Status.Replicas)
	}
}

// scaleClient is the scale subresource of a typed client.
type scaleClient interface {
	GetScale(context.Context, string, metav1.GetOptions) (*autoscalingv1.Scale, error)
	UpdateScale(context.Context, string, *autoscalingv1.Scale, metav1.UpdateOptions) (*autoscalingv1.Scale, error)
}

// TestClientGoScale reads and changes replicas through /scale of every
// kind that has one, and checks the change lands in spec.replicas.
func TestClientGoScale(t *testing.T) {
	s := start(t, &Server{Backend: "bolt", Mode: "server", Extra: apiOnly})
	ctx := context.Background()
	ns := createNamespace(t, s.Client, "e2e-scale")
	cs := s.Client
	app := map[string]string{"app": "scale"}
	sel := &metav1.LabelSelector{MatchLabels: app}
	tmpl := podTemplate(app, corev1.RestartPolicyAlways)
	cases := []struct {
		name   string
		create func() error
		client scaleClient
		// replicas reads spec.replicas and metadata.generation.
		replicas func() (int32, int64, error)
	}{
		{
			name: "deployments",
			create: func() error {
				_, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta0("scaled"),
					Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](1), Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
				return err
			},
			client: cs.AppsV1().Deployments(ns),
			replicas: func() (int32, int64, error) {
				o, err := cs.AppsV1().Deployments(ns).Get(ctx, "scaled", metav1.GetOptions{})
				if err != nil {
					return 0, 0, err
				}
				return *o.Spec.Replicas, o.Generation, nil
			},
		},
		{
			name: "replicasets",
			create: func() error {
				_, err := cs.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: meta0("scaled"),
					Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1), Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
				return err
			},
			client: cs.AppsV1().ReplicaSets(ns),
			replicas: func() (int32, int64, error) {
				o, err := cs.AppsV1().ReplicaSets(ns).Get(ctx, "scaled", metav1.GetOptions{})
				if err != nil {
					return 0, 0, err
				}
				return *o.Spec.Replicas, o.Generation, nil
			},
		},
		{
			name: "statefulsets",
			create: func() error {
				_, err := cs.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta0("scaled"),
					Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), ServiceName: "scaled", Selector: sel, Template: tmpl}}, metav1.CreateOptions{})
				return err
			},
			client: cs.AppsV1().StatefulSets(ns),
			replicas: func() (int32, int64, error) {
				o, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "scaled", metav1.GetOptions{})
				if err != nil {
					return 0, 0, err
				}
				return *o.Spec.Replicas, o.Generation, nil
			},
		},
		{
			name: "replicationcontrollers",
			create: func() error {
				_, err := cs.CoreV1().ReplicationControllers(ns).Create(ctx, &corev1.ReplicationController{ObjectMeta: meta0("scaled"),
					Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](1), Selector: app, Template: &tmpl}}, metav1.CreateOptions{})
				return err
			},
			client: cs.CoreV1().ReplicationControllers(ns),
			replicas: func() (int32, int64, error) {
				o, err := cs.CoreV1().ReplicationControllers(ns).Get(ctx, "scaled", metav1.GetOptions{})
				if err != nil {
					return 0, 0, err
				}
				return *o.Spec.Replicas, o.Generation, nil
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.create(); err != nil {
				t.Fatalf("create: %v", err)
			}
			sc, err := tc.client.GetScale(ctx, "scaled", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("get scale: %v", err)
			}
			if sc.Spec.Replicas != 1 {
				t.Errorf("get scale: spec.replicas = %d, want 1", sc.Spec.Replicas)
			}
			if sc.Status.Selector != "app=scale" {
				t.Errorf("get scale: status.selector = %q, want %q", sc.Status.Selector, "app=scale")
			}
			if sc.Name != "scaled" || sc.Namespace != ns || sc.ResourceVersion == "" {
				t.Errorf("get scale: metadata = %s/%s rv %q, want %s/scaled with a resourceVersion", sc.Namespace, sc.Name, sc.ResourceVersion, ns)
			}
			stale := sc.DeepCopy()

			sc.Spec.Replicas = 4
			out, err := tc.client.UpdateScale(ctx, "scaled", sc, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("update scale: %v", err)
			}
			if out.Spec.Replicas != 4 {
				t.Errorf("update scale: response spec.replicas = %d, want 4", out.Spec.Replicas)
			}
			replicas, gen, err := tc.replicas()
			if err != nil {
				t.Fatalf("get object: %v", err)
			}
			if replicas != 4 || gen != 2 {
				t.Errorf("after update scale: spec.replicas/generation = %d/%d, want 4/2", replicas, gen)
			}
			if again, err := tc.client.GetScale(ctx, "scaled", metav1.GetOptions{}); err != nil || again.Spec.Replicas != 4 {
				t.Errorf("get scale after update: %v, %v; want spec.replicas 4", again, err)
			}

			// The scale's resourceVersion is a precondition.
			stale.Spec.Replicas = 2
			if _, err := tc.client.UpdateScale(ctx, "scaled", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
				t.Errorf("update scale with stale resourceVersion: err = %v, want 409 Conflict", err)
			}
			if replicas, _, _ := tc.replicas(); replicas != 4 {
				t.Errorf("after the conflicting scale update: spec.replicas = %d, want 4", replicas)
			}
		})
	}
}

// informerLog records what an informer's handlers were called with, per
// object name, e.g. "add@12", "update@15", "delete".
type informerLog struct {
	mu     sync.Mutex
	events map[string][]string
}

func (l *informerLog) record(name, what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events[name] = append(l.events[name], what)
}

func (l *informerLog) snapshot() map[string][]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string][]string{}
	for k, v := range l.events {
		out[k] = slices.Clone(v)
	}
	return out
}

func (l *informerLog) handler() cache.ResourceEventHandler {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			cm := obj.(*corev1.ConfigMap)
			l.record(cm.Name, "add@"+cm.ResourceVersion)
		},
		UpdateFunc: func(oldObj, newObj any) {
			old, cm := oldObj.(*corev1.ConfigMap), newObj.(*corev1.ConfigMap)
			if old.ResourceVersion == cm.ResourceVersion {
				return // a resync or relist of an unchanged object, not a change
			}
			l.record(cm.Name, "update@"+cm.ResourceVersion)
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			l.record(obj.(*corev1.ConfigMap).Name, "delete")
		},
	}
}

// TestClientGoInformerAcrossRestart checks that a shared informer sees
// every change exactly once, in order, although the server restarts under
// it and its watch breaks.
func TestClientGoInformerAcrossRestart(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := StartServer(t, backend)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ns := createNamespace(t, s.Client, "e2e-informer")
			cms := s.Client.CoreV1().ConfigMaps(ns)
			want := map[string][]string{}
			create := func(name string) {
				t.Helper()
				cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0(name), Data: map[string]string{"v": "0"}}, metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create %s: %v", name, err)
				}
				want[name] = append(want[name], "add@"+cm.ResourceVersion)
			}
			update := func(name, v string) {
				t.Helper()
				cm, err := cms.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("get %s: %v", name, err)
				}
				cm.Data["v"] = v
				cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
				if err != nil {
					t.Fatalf("update %s: %v", name, err)
				}
				want[name] = append(want[name], "update@"+cm.ResourceVersion)
			}
			del := func(name string) {
				t.Helper()
				if err := cms.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
					t.Fatalf("delete %s: %v", name, err)
				}
				want[name] = append(want[name], "delete")
			}

			const n = 10
			for i := range n {
				create(fmt.Sprintf("before-%d", i))
			}

			// The informer keeps its own client: the harness replaces
			// s.Client on restart, the informer must survive with the old one.
			client := kubernetes.NewForConfigOrDie(s.Config)
			factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
			informer := factory.Core().V1().ConfigMaps().Informer()
			log := &informerLog{events: map[string][]string{}}
			if _, err := informer.AddEventHandler(log.handler()); err != nil {
				t.Fatalf("add handler: %v", err)
			}
			factory.Start(ctx.Done())
			defer func() {
				cancel() // Shutdown waits for the informers, which stop with ctx
				factory.Shutdown()
			}()
			if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
				t.Fatal("informer did not sync")
			}

			// Changes while the first watch is open.
			update("before-0", "1")
			update("before-1", "1")
			del("before-2")
			create("during-0")
			waitInformer(t, log, want)

			// Restart: the watch breaks and the informer reconnects.
			restart := time.Now()
			s.Stop()
			s.Start()
			cms = s.Client.CoreV1().ConfigMaps(ns)
			// Changes while the informer is still reconnecting: it resumes
			// its watch from the last resourceVersion it saw, so it must get
			// each of them, not a re-list that merges them.
			create("gap-0")
			update("gap-0", "1")
			update("before-5", "1")
			del("before-6")
			// A marker tells when the informer is back.
			create("marker")
			waitInformer(t, log, want)
			t.Logf("server restarted and informer back after %s", time.Since(restart))

			for i := range n {
				create(fmt.Sprintf("after-%d", i))
			}
			update("before-0", "2")
			update("before-3", "1")
			update("after-0", "1")
			update("after-0", "2")
			del("before-1")
			del("before-4")
			del("after-1")
			del("during-0")
			update("after-2", "1")
			del("after-2")
			waitInformer(t, log, want)

			// Let anything extra (duplicates) arrive, then compare exactly.
			time.Sleep(time.Second)
			got := log.snapshot()
			for name, events := range want {
				if !slices.Equal(got[name], events) {
					t.Errorf("informer events of %s = %v, want %v", name, got[name], events)
				}
			}
			for name, events := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("informer events of unknown object %s: %v", name, events)
				}
			}
			// The cache ends equal to the server's state.
			list, err := cms.List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var serverNames, cacheNames []string
			for _, cm := range list.Items {
				serverNames = append(serverNames, cm.Name)
			}
			for _, key := range informer.GetStore().ListKeys() {
				cacheNames = append(cacheNames, strings.TrimPrefix(key, ns+"/"))
			}
			slices.Sort(serverNames)
			slices.Sort(cacheNames)
			if !slices.Equal(serverNames, cacheNames) {
				t.Errorf("informer cache holds %v, server holds %v", cacheNames, serverNames)
			}
		})
	}
}

// waitInformer waits until the informer has delivered every wanted event
// (at least as many as wanted for each object).
func waitInformer(t *testing.T, log *informerLog, want map[string][]string) {
	t.Helper()
	eventually(t, 60*time.Second, func() error {
		got := log.snapshot()
		for name, events := range want {
			if len(got[name]) < len(events) {
				return fmt.Errorf("informer events of %s = %v, want %v", name, got[name], events)
			}
		}
		return nil
	})
}

// TestClientGoPagination lists 100 configmaps one at a time with continue
// tokens.
func TestClientGoPagination(t *testing.T) {
	s := StartServer(t, "bolt")
	ctx := context.Background()
	ns := createNamespace(t, s.Client, "e2e-pages")
	cms := s.Client.CoreV1().ConfigMaps(ns)
	const total = 100
	for i := range total {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0(fmt.Sprintf("page-%03d", i))}, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}

	seen := map[string]bool{}
	opts := metav1.ListOptions{Limit: 1}
	listRV := ""
	for page := 1; ; page++ {
		if page > total+1 {
			t.Fatalf("more than %d pages", total+1)
		}
		list, err := cms.List(ctx, opts)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		if len(list.Items) != 1 {
			t.Errorf("page %d: %d items, want 1", page, len(list.Items))
		}
		for _, cm := range list.Items {
			if seen[cm.Name] {
				t.Errorf("page %d: %s listed twice", page, cm.Name)
			}
			seen[cm.Name] = true
		}
		if listRV == "" {
			listRV = list.ResourceVersion
		} else if list.ResourceVersion != listRV {
			t.Errorf("page %d: list resourceVersion %s, want %s (all pages are one snapshot)", page, list.ResourceVersion, listRV)
		}
		if list.Continue == "" {
			if page != total {
				t.Errorf("the last page is page %d, want %d", page, total)
			}
			if list.RemainingItemCount != nil && *list.RemainingItemCount != 0 {
				t.Errorf("last page: remainingItemCount = %d, want none", *list.RemainingItemCount)
			}
			break
		}
		if list.RemainingItemCount == nil {
			t.Errorf("page %d: has a continue token but no remainingItemCount", page)
		} else if want := int64(total - page); *list.RemainingItemCount != want {
			t.Errorf("page %d: remainingItemCount = %d, want %d", page, *list.RemainingItemCount, want)
		}
		opts.Continue = list.Continue
	}
	if len(seen) != total {
		t.Errorf("paged through %d unique configmaps, want %d", len(seen), total)
	}
}

// TestClientGoWatchSemantics checks watches from a resourceVersion (in
// order, bookmarks allowed), reads at a resourceVersion from the future
// (504 "Too large resource version") and a watch resuming across a server
// restart, on each backend.
func TestClientGoWatchSemantics(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			s := StartServer(t, backend)
			ctx := context.Background()
			ns := createNamespace(t, s.Client, "e2e-watch")
			cms := s.Client.CoreV1().ConfigMaps(ns)

			first, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0("first"), Data: map[string]string{"v": "0"}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			startRV := first.ResourceVersion

			t.Run("from a resourceVersion in order", func(t *testing.T) {
				type change struct {
					typ  watch.EventType
					name string
					rv   string
				}
				var want []change
				cm := first
				for i := 1; i <= 5; i++ {
					cm.Data["v"] = strconv.Itoa(i)
					if cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
						t.Fatalf("update %d: %v", i, err)
					}
					want = append(want, change{watch.Modified, "first", cm.ResourceVersion})
				}
				for _, name := range []string{"second", "third"} {
					c, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0(name)}, metav1.CreateOptions{})
					if err != nil {
						t.Fatalf("create %s: %v", name, err)
					}
					want = append(want, change{watch.Added, name, c.ResourceVersion})
				}
				if err := cms.Delete(ctx, "second", metav1.DeleteOptions{}); err != nil {
					t.Fatalf("delete: %v", err)
				}
				want = append(want, change{watch.Deleted, "second", ""})

				w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: startRV, AllowWatchBookmarks: true})
				if err != nil {
					t.Fatalf("watch from %s: %v", startRV, err)
				}
				defer w.Stop()
				var got []change
				last := parseRV(t, "start", startRV)
				for len(got) < len(want) {
					ev, ok := nextEvent(t, w, 20*time.Second)
					if !ok {
						break
					}
					rv := parseRV(t, "event", eventRV(t, ev))
					if rv < last {
						t.Errorf("%s event at resourceVersion %d after %d: out of order", ev.Type, rv, last)
					}
					last = rv
					if ev.Type == watch.Bookmark {
						continue
					}
					c := change{ev.Type, ev.Object.(*corev1.ConfigMap).Name, strconv.FormatUint(rv, 10)}
					if ev.Type == watch.Deleted {
						c.rv = ""
					}
					got = append(got, c)
				}
				if !slices.Equal(got, want) {
					t.Errorf("watch from %s:\n got  %v\n want %v", startRV, got, want)
				}
			})

			t.Run("too large resourceVersion", func(t *testing.T) {
				list, err := cms.List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatalf("list: %v", err)
				}
				future := strconv.FormatUint(parseRV(t, "list", list.ResourceVersion)+1_000_000, 10)
				// The raw REST client, without retries: client-go would
				// otherwise retry the 504 (it carries Retry-After) ten times.
				rc := s.Client.CoreV1().RESTClient()
				reads := []struct {
					name string
					req  *rest.Request
				}{
					{"get", rc.Get().Namespace(ns).Resource("configmaps").Name("first").
						Param("resourceVersion", future)},
					{"list NotOlderThan", rc.Get().Namespace(ns).Resource("configmaps").
						Param("resourceVersion", future).Param("resourceVersionMatch", string(metav1.ResourceVersionMatchNotOlderThan))},
				}
				for _, r := range reads {
					err := r.req.MaxRetries(0).Do(ctx).Error()
					var status apierrors.APIStatus
					if !errors.As(err, &status) {
						t.Errorf("%s at resourceVersion %s: err = %v, want a 504 Timeout status", r.name, future, err)
						continue
					}
					st := status.Status()
					if st.Code != 504 || st.Reason != metav1.StatusReasonTimeout || !strings.Contains(st.Message, "Too large resource version") {
						t.Errorf("%s at resourceVersion %s: status %d %s %q, want 504 Timeout \"Too large resource version\"", r.name, future, st.Code, st.Reason, st.Message)
					}
					if !apierrors.HasStatusCause(err, metav1.CauseTypeResourceVersionTooLarge) {
						t.Errorf("%s at resourceVersion %s: no %s cause in %v", r.name, future, metav1.CauseTypeResourceVersionTooLarge, err)
					}
				}
			})

			// An expired resourceVersion (410 Gone) needs the backend's
			// history compacted past it: bolt compacts after 5 minutes or
			// 100,000 revisions, the etcd backend every 5 minutes, too slow
			// for a test. What a test can check is the other side of the
			// promise: a watch resuming from before a restart, older than
			// the restarted server's watch cache, still gets every event it
			// missed from the backend's history, in order.
			t.Run("resume across a restart", func(t *testing.T) {
				old, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0("old")}, metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				type change struct {
					typ  watch.EventType
					name string
					rv   string
				}
				newer, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: meta0("newer"), Data: map[string]string{"v": "0"}}, metav1.CreateOptions{})
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				want := []change{{watch.Added, "newer", newer.ResourceVersion}}
				newer.Data["v"] = "1"
				if newer, err = cms.Update(ctx, newer, metav1.UpdateOptions{}); err != nil {
					t.Fatalf("update: %v", err)
				}
				want = append(want, change{watch.Modified, "newer", newer.ResourceVersion})
				if err := cms.Delete(ctx, "old", metav1.DeleteOptions{}); err != nil {
					t.Fatalf("delete: %v", err)
				}
				want = append(want, change{watch.Deleted, "old", ""})

				s.Stop()
				s.Start()
				cms := s.Client.CoreV1().ConfigMaps(ns)
				var w watch.Interface
				eventually(t, 30*time.Second, func() error {
					// A watch cache that is still filling answers 429.
					w, err = cms.Watch(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion})
					if apierrors.IsTooManyRequests(err) {
						return err
					}
					return nil
				})
				if err != nil {
					t.Fatalf("watch from %s after a restart: %v", old.ResourceVersion, err)
				}
				defer w.Stop()
				var got []change
				for len(got) < len(want) {
					ev, ok := nextEvent(t, w, 20*time.Second)
					if !ok {
						break
					}
					if ev.Type == watch.Error {
						t.Fatalf("watch from %s after a restart: %s", old.ResourceVersion, describeEvent(ev))
					}
					c := change{ev.Type, ev.Object.(*corev1.ConfigMap).Name, eventRV(t, ev)}
					if ev.Type == watch.Deleted {
						c.rv = ""
					}
					got = append(got, c)
				}
				if !slices.Equal(got, want) {
					t.Errorf("watch from %s after a restart:\n got  %v\n want %v", old.ResourceVersion, got, want)
				}
				select {
				case ev := <-w.ResultChan():
					t.Errorf("watch from %s after a restart: unexpected extra %s event (%s)", old.ResourceVersion, ev.Type, describeEvent(ev))
				case <-time.After(time.Second):
				}
			})
		})
	}
}

func withScheduler(spec corev1.PodSpec, name string) corev1.PodSpec {
	spec.SchedulerName = name
	return spec
}
