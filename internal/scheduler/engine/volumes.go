package engine

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"

	"github.com/marina-orchestrator/marina/internal/api"
	"github.com/marina-orchestrator/marina/internal/scheduler/plugins/volumebinding"
)

// claims serves the VolumeBinding plugin from the shared informers.
type claims struct {
	pvcs    corelisters.PersistentVolumeClaimLister
	pvs     corelisters.PersistentVolumeLister
	classes storagelisters.StorageClassLister
}

var _ volumebinding.Claims = (*claims)(nil)

func newClaims(factory informers.SharedInformerFactory) *claims {
	return &claims{
		pvcs:    factory.Core().V1().PersistentVolumeClaims().Lister(),
		pvs:     factory.Core().V1().PersistentVolumes().Lister(),
		classes: factory.Storage().V1().StorageClasses().Lister(),
	}
}

func (c *claims) Claim(namespace, name string) (*corev1.PersistentVolumeClaim, error) {
	return c.pvcs.PersistentVolumeClaims(namespace).Get(name)
}

func (c *claims) Volume(name string) (*corev1.PersistentVolume, error) { return c.pvs.Get(name) }

func (c *claims) Class(name string) (*storagev1.StorageClass, error) { return c.classes.Get(name) }

func (c *claims) DefaultClass() *storagev1.StorageClass {
	list, err := c.classes.List(labels.Everything())
	if err != nil {
		return nil
	}
	return api.DefaultStorageClass(list)
}

// volumesChanged retries the waiting pods.
func (e *Engine) volumesChanged(any) { e.queue.MoveAll() }
