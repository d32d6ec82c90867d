// Package configrollout rolls a workload out again when a ConfigMap or
// Secret its pods read changes, if the workload (Deployment, StatefulSet
// or DaemonSet) is annotated marina.io/rollout-on-config-change: "true".
// Kubernetes leaves this to add-ons; Marina has it built in.
//
// The workload's metadata records a digest of each source its template
// reads (marina.io/config-versions). When a recorded digest changes, the
// controller writes the new record into the pod template too, which is a
// new template and so a new revision, and names the changed sources in
// the workload's kubernetes.io/change-cause, which `kubectl rollout
// history` shows for the revision. The first record, and sources added
// or removed by the user's own template edits, roll nothing out.
package configrollout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/controller/loop"
)

const (
	// Annotation turns the behaviour on for a workload.
	Annotation = "marina.io/rollout-on-config-change"
	// VersionsAnnotation records the sources' digests, on the workload
	// and on its pod template.
	VersionsAnnotation = "marina.io/config-versions"
	// changeCause is what `kubectl rollout history` shows.
	changeCause = "kubernetes.io/change-cause"
)

// workload is a Deployment, StatefulSet or DaemonSet seen through what
// they share.
type workload struct {
	kind     string
	obj      runtime.Object // for events
	meta     metav1.Object
	template *corev1.PodTemplateSpec
	// patch applies a strategic merge patch to the workload.
	patch func(ctx context.Context, body []byte) error
}

// Controller rolls annotated workloads out on config changes.
type Controller struct {
	*loop.Loop
	client       kubernetes.Interface
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	daemonSets   appslisters.DaemonSetLister
	configMaps   corelisters.ConfigMapLister
	secrets      corelisters.SecretLister
	recorder     record.EventRecorder
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	ds, ss, dms := factory.Apps().V1().Deployments(), factory.Apps().V1().StatefulSets(), factory.Apps().V1().DaemonSets()
	cms, secrets := factory.Core().V1().ConfigMaps(), factory.Core().V1().Secrets()
	c := &Controller{
		client:       client,
		deployments:  ds.Lister(),
		statefulSets: ss.Lister(),
		daemonSets:   dms.Lister(),
		configMaps:   cms.Lister(),
		secrets:      secrets.Lister(),
		recorder:     loop.Recorder(client, "configrollout-controller"),
	}
	c.Loop = loop.New("configrollout", log.With("controller", "configrollout"), c.sync)
	workloadHandler := func(kind string) cache.ResourceEventHandlerFuncs {
		add := func(obj any) {
			if m, ok := obj.(metav1.Object); ok && m.GetAnnotations()[Annotation] == "true" {
				c.Queue.Add(kind + "/" + m.GetNamespace() + "/" + m.GetName())
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, obj any) { add(obj) }}
	}
	sourceHandler := func(kind string) cache.ResourceEventHandlerFuncs {
		changed := func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if m, ok := obj.(metav1.Object); ok {
				c.readers(source{kind, m.GetName()}, m.GetNamespace())
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: changed, UpdateFunc: func(_, obj any) { changed(obj) }, DeleteFunc: changed}
	}
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{ds.Informer(), workloadHandler("Deployment")},
		{ss.Informer(), workloadHandler("StatefulSet")},
		{dms.Informer(), workloadHandler("DaemonSet")},
		{cms.Informer(), sourceHandler("ConfigMap")},
		{secrets.Informer(), sourceHandler("Secret")},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// readers enqueues the annotated workloads of namespace ns whose
// templates read src.
func (c *Controller) readers(src source, ns string) {
	check := func(kind string, m metav1.Object, t *corev1.PodTemplateSpec) {
		if m.GetAnnotations()[Annotation] != "true" {
			return
		}
		for _, s := range sources(&t.Spec) {
			if s == src {
				c.Queue.Add(kind + "/" + ns + "/" + m.GetName())
				return
			}
		}
	}
	if list, err := c.deployments.Deployments(ns).List(labels.Everything()); err == nil {
		for _, d := range list {
			check("Deployment", d, &d.Spec.Template)
		}
	}
	if list, err := c.statefulSets.StatefulSets(ns).List(labels.Everything()); err == nil {
		for _, s := range list {
			check("StatefulSet", s, &s.Spec.Template)
		}
	}
	if list, err := c.daemonSets.DaemonSets(ns).List(labels.Everything()); err == nil {
		for _, d := range list {
			check("DaemonSet", d, &d.Spec.Template)
		}
	}
}

// get returns the workload behind a key; nil when it is gone.
func (c *Controller) get(k string) (*workload, error) {
	parts := strings.SplitN(k, "/", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("bad key %q", k)
	}
	kind, ns, name := parts[0], parts[1], parts[2]
	smp := func(p func(ctx context.Context, body []byte) (runtime.Object, error)) func(ctx context.Context, body []byte) error {
		return func(ctx context.Context, body []byte) error { _, err := p(ctx, body); return err }
	}
	var w *workload
	var err error
	switch kind {
	case "Deployment":
		var d *appsv1.Deployment
		if d, err = c.deployments.Deployments(ns).Get(name); err == nil {
			w = &workload{kind: kind, obj: d, meta: d, template: &d.Spec.Template, patch: smp(func(ctx context.Context, b []byte) (runtime.Object, error) {
				return c.client.AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, b, metav1.PatchOptions{})
			})}
		}
	case "StatefulSet":
		var s *appsv1.StatefulSet
		if s, err = c.statefulSets.StatefulSets(ns).Get(name); err == nil {
			w = &workload{kind: kind, obj: s, meta: s, template: &s.Spec.Template, patch: smp(func(ctx context.Context, b []byte) (runtime.Object, error) {
				return c.client.AppsV1().StatefulSets(ns).Patch(ctx, name, types.StrategicMergePatchType, b, metav1.PatchOptions{})
			})}
		}
	case "DaemonSet":
		var d *appsv1.DaemonSet
		if d, err = c.daemonSets.DaemonSets(ns).Get(name); err == nil {
			w = &workload{kind: kind, obj: d, meta: d, template: &d.Spec.Template, patch: smp(func(ctx context.Context, b []byte) (runtime.Object, error) {
				return c.client.AppsV1().DaemonSets(ns).Patch(ctx, name, types.StrategicMergePatchType, b, metav1.PatchOptions{})
			})}
		}
	default:
		return nil, fmt.Errorf("bad key %q", k)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return w, err
}

// current reads the digests of the sources a template reads now.
func (c *Controller) current(ns string, t *corev1.PodTemplateSpec) (versions, error) {
	out := versions{}
	for _, s := range sources(&t.Spec) {
		v := absent
		switch s.kind {
		case "ConfigMap":
			cm, err := c.configMaps.ConfigMaps(ns).Get(s.name)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
			if err == nil {
				v = contentHash(cm.Data, cm.BinaryData)
			}
		case "Secret":
			sec, err := c.secrets.Secrets(ns).Get(s.name)
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, err
			}
			if err == nil {
				v = contentHash(sec.StringData, sec.Data)
			}
		}
		out[s.String()] = v
	}
	return out, nil
}

// sync records a workload's source digests and rolls it out when one it
// had recorded changed.
func (c *Controller) sync(ctx context.Context, k string) error {
	w, err := c.get(k)
	if err != nil || w == nil || w.meta.GetAnnotations()[Annotation] != "true" || w.meta.GetDeletionTimestamp() != nil {
		return err
	}
	now, err := c.current(w.meta.GetNamespace(), w.template)
	if err != nil {
		return err
	}
	recordedText, hadRecord := w.meta.GetAnnotations()[VersionsAnnotation]
	if hadRecord && recordedText == now.String() {
		return nil
	}
	meta := map[string]any{"annotations": map[string]string{VersionsAnnotation: now.String()}, "uid": w.meta.GetUID()}
	patch := map[string]any{"metadata": meta}
	var cause string
	if diff := changed(parseVersions(recordedText), now); hadRecord && len(diff) > 0 {
		cause = strings.Join(diff, ", ") + " changed (" + Annotation + ")"
		meta["annotations"].(map[string]string)[changeCause] = cause
		patch["spec"] = map[string]any{"template": map[string]any{"metadata": map[string]any{
			"annotations": map[string]string{VersionsAnnotation: now.String()}}}}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	if err := w.patch(ctx, body); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("record config versions on %s: %w", k, err)
	}
	if cause != "" {
		c.recorder.Eventf(w.obj, corev1.EventTypeNormal, "ConfigChanged", "Rolling out: %s", cause)
	}
	return nil
}
