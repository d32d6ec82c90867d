// Package localpath provisions node-local PersistentVolumes for claims
// of the local-path StorageClass, as k3s's local-path provisioner does.
// A claim waits until the scheduler has put its first pod on a node;
// the controller then makes a volume that is a directory under the
// storage directory that node's agent announces, pins the volume to the
// node by node affinity (so the pod's later incarnations come back to
// its data), and binds the claim to it. Deleting the claim deletes the
// volume object; the directory stays on the node.
//
//	claim Pending ── its pod bound to node N ──► PV pvc-<uid>
//	  (hostPath <N's storage dir>/pvc-<uid>_<ns>_<claim>, affinity N)
//	  ──► claim.spec.volumeName, claim Bound, volume Bound
package localpath

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/controller/loop"
)

// Annotations Kubernetes' volume controllers write.
const (
	provisionedBy = "pv.kubernetes.io/provisioned-by"
	selectedNode  = "volume.kubernetes.io/selected-node"
	bindCompleted = "pv.kubernetes.io/bind-completed"
	// volumeKeyPrefix marks queue keys of volumes (claims are ns/name).
	volumeKeyPrefix = "pv:"
)

// Controller provisions local-path volumes.
type Controller struct {
	*loop.Loop
	client   kubernetes.Interface
	pods     corelisters.PodLister
	pvcs     corelisters.PersistentVolumeClaimLister
	pvs      corelisters.PersistentVolumeLister
	nodes    corelisters.NodeLister
	classes  storagelisters.StorageClassLister
	recorder record.EventRecorder
}

// New builds the controller on factory's informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, log *slog.Logger) (*Controller, error) {
	pods, pvcs, pvs := factory.Core().V1().Pods(), factory.Core().V1().PersistentVolumeClaims(), factory.Core().V1().PersistentVolumes()
	nodes, classes := factory.Core().V1().Nodes(), factory.Storage().V1().StorageClasses()
	c := &Controller{
		client: client, pods: pods.Lister(), pvcs: pvcs.Lister(), pvs: pvs.Lister(), nodes: nodes.Lister(), classes: classes.Lister(),
		recorder: loop.Recorder(client, "local-path-provisioner"),
	}
	c.Loop = loop.New("localpath", log.With("controller", "localpath"), c.syncKey)
	claimChanged := func(obj any) {
		obj = loop.Unwrap(obj)
		if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			c.Queue.Add(pvc.Namespace + "/" + pvc.Name)
			if pvc.Spec.VolumeName != "" {
				c.Queue.Add(volumeKeyPrefix + pvc.Spec.VolumeName)
			}
		}
	}
	podChanged := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
			for _, v := range pod.Spec.Volumes {
				if v.PersistentVolumeClaim != nil {
					c.Queue.Add(pod.Namespace + "/" + v.PersistentVolumeClaim.ClaimName)
				}
			}
		}
	}
	volumeChanged := func(obj any) {
		if pv, ok := obj.(*corev1.PersistentVolume); ok {
			c.Queue.Add(volumeKeyPrefix + pv.Name)
		}
	}
	for _, reg := range []struct {
		inf cache.SharedIndexInformer
		h   cache.ResourceEventHandler
	}{
		{pvcs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: claimChanged, UpdateFunc: func(_, obj any) { claimChanged(obj) }, DeleteFunc: claimChanged}},
		{pods.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: podChanged, UpdateFunc: func(_, obj any) { podChanged(obj) }}},
		{pvs.Informer(), cache.ResourceEventHandlerFuncs{AddFunc: volumeChanged, UpdateFunc: func(_, obj any) { volumeChanged(obj) }}},
	} {
		if err := c.Watch(reg.inf, reg.h); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// syncKey syncs a claim (namespace/name) or a volume (pv:name).
func (c *Controller) syncKey(ctx context.Context, k string) error {
	if name, ok := strings.CutPrefix(k, volumeKeyPrefix); ok {
		return c.syncVolume(ctx, name)
	}
	return c.syncClaim(ctx, k)
}

// class returns the claim's StorageClass: the one it names, the default
// when it names none, nil for "" (static binding only) or a missing one.
func (c *Controller) class(pvc *corev1.PersistentVolumeClaim) *storagev1.StorageClass {
	if name := pvc.Spec.StorageClassName; name != nil {
		if *name == "" {
			return nil
		}
		sc, _ := c.classes.Get(*name)
		return sc
	}
	list, err := c.classes.List(labels.Everything())
	if err != nil {
		return nil
	}
	return api.DefaultStorageClass(list)
}

// consumerNode is the node of a scheduled pod that uses the claim.
func (c *Controller) consumerNode(pvc *corev1.PersistentVolumeClaim) string {
	pods, err := c.pods.Pods(pvc.Namespace).List(labels.Everything())
	if err != nil {
		return ""
	}
	for _, p := range pods {
		if p.Spec.NodeName == "" || p.DeletionTimestamp != nil {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == pvc.Name {
				return p.Spec.NodeName
			}
		}
	}
	return ""
}

// syncClaim provisions and binds a local-path claim whose pod has been
// placed, and marks a bound claim Bound.
func (c *Controller) syncClaim(ctx context.Context, k string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(k)
	if err != nil {
		return err
	}
	cached, err := c.pvcs.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || cached.DeletionTimestamp != nil {
		return err
	}
	sc := c.class(cached)
	if sc == nil || sc.Provisioner != api.LocalPathProvisioner {
		return nil // not ours
	}
	pvc := cached.DeepCopy()
	if pvc.Spec.VolumeName != "" {
		return c.markBound(ctx, pvc)
	}
	nodeName := c.consumerNode(pvc)
	if nodeName == "" {
		return nil // WaitForFirstConsumer: a pod placement brings it back
	}
	node, err := c.nodes.Get(nodeName)
	if err != nil {
		return fmt.Errorf("node %s of the claim's pod: %w", nodeName, err)
	}
	dir := node.Annotations[api.StorageDirAnnotation]
	if dir == "" {
		c.recorder.Eventf(pvc, corev1.EventTypeWarning, "ProvisioningFailed",
			"node %s announces no storage directory (%s): it cannot hold local volumes", nodeName, api.StorageDirAnnotation)
		return nil
	}
	pv := newVolume(pvc, sc, nodeName, dir)
	if _, err := c.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		c.recorder.Eventf(pvc, corev1.EventTypeWarning, "ProvisioningFailed", "create volume %s: %v", pv.Name, err)
		return fmt.Errorf("create volume %s: %w", pv.Name, err)
	}
	c.recorder.Eventf(pvc, corev1.EventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume %s on node %s", pv.Name, nodeName)
	pvc.Spec.VolumeName = pv.Name
	if pvc.Annotations == nil {
		pvc.Annotations = map[string]string{}
	}
	pvc.Annotations[selectedNode] = nodeName
	pvc.Annotations[bindCompleted] = "yes"
	updated, err := c.client.CoreV1().PersistentVolumeClaims(ns).Update(ctx, pvc, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("bind claim to %s: %w", pv.Name, err)
	}
	return c.markBound(ctx, updated)
}

// markBound sets the Bound phase on a claim and its volume.
//
// Claims are synced on every change of their pods, so a claim and volume
// already Bound cost no API call.
func (c *Controller) markBound(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	pv, err := c.pvs.Get(pvc.Spec.VolumeName)
	if apierrors.IsNotFound(err) {
		// Just created: the cache has not shown it yet.
		pv, err = c.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	}
	if err != nil {
		return fmt.Errorf("volume %s of claim %s/%s: %w", pvc.Spec.VolumeName, pvc.Namespace, pvc.Name, err)
	}
	var errs []error
	if pv.Status.Phase != corev1.VolumeBound {
		pv = pv.DeepCopy()
		pv.Status.Phase = corev1.VolumeBound
		_, err := c.client.CoreV1().PersistentVolumes().UpdateStatus(ctx, pv, metav1.UpdateOptions{})
		errs = append(errs, err)
	}
	if pvc.Status.Phase != corev1.ClaimBound {
		pvc.Status.Phase = corev1.ClaimBound
		pvc.Status.AccessModes = pv.Spec.AccessModes
		pvc.Status.Capacity = pv.Spec.Capacity
		_, err := c.client.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, pvc, metav1.UpdateOptions{})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// syncVolume deletes a provisioned volume whose claim is gone, as its
// Delete reclaim policy says.
func (c *Controller) syncVolume(ctx context.Context, name string) error {
	pv, err := c.pvs.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || pv.Annotations[provisionedBy] != api.LocalPathProvisioner || pv.DeletionTimestamp != nil {
		return err
	}
	ref := pv.Spec.ClaimRef
	if ref == nil || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
		return nil
	}
	if pvc, err := c.pvcs.PersistentVolumeClaims(ref.Namespace).Get(ref.Name); err == nil && pvc.UID == ref.UID {
		return nil // still claimed
	}
	// Gone from the cache: make sure in the API before deleting.
	pvc, err := c.client.CoreV1().PersistentVolumeClaims(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	if err == nil && pvc.UID == ref.UID {
		return nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if err := c.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete released volume %s: %w", name, err)
	}
	c.Log.Info("deleted released volume", "volume", name, "claim", ref.Namespace+"/"+ref.Name)
	return nil
}

// newVolume is the volume for a claim on a node: a directory under the
// node's storage dir, named after the claim so an operator can tell
// whose data it is.
func newVolume(pvc *corev1.PersistentVolumeClaim, sc *storagev1.StorageClass, node, dir string) *corev1.PersistentVolume {
	name := "pvc-" + string(pvc.UID)
	reclaim := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		reclaim = *sc.ReclaimPolicy
	}
	create := corev1.HostPathDirectoryOrCreate
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{provisionedBy: api.LocalPathProvisioner}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes: pvc.Spec.AccessModes,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: fmt.Sprintf("%s/%s_%s_%s", dir, name, pvc.Namespace, pvc.Name), Type: &create}},
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace,
				Name: pvc.Name, UID: pvc.UID},
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              sc.Name,
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
			}}}},
		},
	}
}
