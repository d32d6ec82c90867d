package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/marina-orchestrator/marina/internal/admission/priority"
	"github.com/marina-orchestrator/marina/internal/api"
)

// SystemNamespaces exist from the start, as in Kubernetes.
var SystemNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// RuntimeClasses exist from the start: a pod picks how it runs with
// spec.runtimeClassName.
var RuntimeClasses = []string{"docker", "process"}

// bootstrap creates the objects every cluster has. /readyz waits for it.
func bootstrap(ctx context.Context, client kubernetes.Interface, net network, log *slog.Logger) error {
	create := func(what string, fn func(context.Context) error) error {
		return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			err := fn(ctx)
			if err == nil || apierrors.IsAlreadyExists(err) {
				return true, nil
			}
			log.Debug("bootstrap object not created yet", "object", what, "err", err)
			return false, nil
		})
	}
	for _, name := range SystemNamespaces {
		err := create("namespace "+name, func(ctx context.Context) error {
			_, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	for _, name := range RuntimeClasses {
		err := create("runtimeclass "+name, func(ctx context.Context) error {
			_, err := client.NodeV1().RuntimeClasses().Create(ctx, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Handler: name}, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("create runtimeclass %s: %w", name, err)
		}
	}
	err := create("storageclass "+api.LocalPathStorageClass, func(ctx context.Context) error {
		_, err := client.StorageV1().StorageClasses().Create(ctx, localPathClass(), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("create storageclass %s: %w", api.LocalPathStorageClass, err)
	}
	for i, fn := range networkObjects(net) {
		if err := create(fmt.Sprintf("network object %d", i), func(ctx context.Context) error { return fn(ctx, client) }); err != nil {
			return fmt.Errorf("create the cluster's services: %w", err)
		}
	}
	for _, pc := range priority.SystemClasses() {
		err := create("priorityclass "+pc.Name, func(ctx context.Context) error {
			_, err := client.SchedulingV1().PriorityClasses().Create(ctx, pc, metav1.CreateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("create priorityclass %s: %w", pc.Name, err)
		}
	}
	return nil
}

// localPathClass is the default StorageClass: a directory on the node
// where the claim's first pod runs, as k3s's local-path provisioner
// does. Binding waits for that pod, and the directory goes with the
// claim.
func localPathClass() *storagev1.StorageClass {
	wait := storagev1.VolumeBindingWaitForFirstConsumer
	reclaim := corev1.PersistentVolumeReclaimDelete
	return &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        api.LocalPathStorageClass,
			Annotations: map[string]string{api.DefaultStorageClassAnnotation: "true"},
		},
		Provisioner:       api.LocalPathProvisioner,
		VolumeBindingMode: &wait,
		ReclaimPolicy:     &reclaim,
	}
}
