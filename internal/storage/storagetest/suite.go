// Package storagetest is the conformance suite every storage backend must
// pass. It runs k8s.io/apiserver's own storage tests (the ones Kubernetes
// runs against etcd) through a small harness, so both of Marina's backends
// are held to exactly the semantics the API server expects: revisions,
// preconditions, list pagination and resourceVersion rules, compaction and
// watch.
package storagetest

import (
	"context"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
)

var scheme = runtime.NewScheme()

// Codec encodes the suite's example objects.
var Codec runtime.Codec

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
	Codec = apitesting.TestCodec(serializer.NewCodecFactory(scheme), examplev1.SchemeGroupVersion)
}

// NewPod and NewPodList create the suite's example objects.
func NewPod() runtime.Object     { return &example.Pod{} }
func NewPodList() runtime.Object { return &example.PodList{} }

// Config is what a backend's New receives: build a store for the example
// Pod type under ResourcePrefix with these settings.
type Config struct {
	Codec          runtime.Codec
	Transformer    value.Transformer
	Prefix         string
	ResourcePrefix string
	NewFunc        func() runtime.Object
	NewListFunc    func() runtime.Object
}

// Instance is one fresh backend under test.
type Instance struct {
	Store storage.Interface
	// Compact removes history up to a resourceVersion.
	Compact storagetesting.Compaction
	// IncreaseRV writes a key outside every resource and returns its revision.
	IncreaseRV storagetesting.IncreaseRVFunc
}

// Backend builds fresh instances of one storage backend.
type Backend struct {
	Name string
	New  func(t *testing.T, cfg Config) Instance
}

// Swappable is a transformer whose implementation tests can replace, which
// the suite's transformer-failure tests need.
type Swappable struct {
	mu sync.RWMutex
	t  value.Transformer
}

func (s *Swappable) get() value.Transformer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.t
}

func (s *Swappable) TransformFromStorage(ctx context.Context, data []byte, dc value.Context) ([]byte, bool, error) {
	return s.get().TransformFromStorage(ctx, data, dc)
}

func (s *Swappable) TransformToStorage(ctx context.Context, data []byte, dc value.Context) ([]byte, error) {
	return s.get().TransformToStorage(ctx, data, dc)
}

// withTransformer gives a store the hooks the suite uses to swap its
// transformer.
type withTransformer struct {
	storage.Interface
	swap *Swappable
}

func (w *withTransformer) UpdatePrefixTransformer(modifier storagetesting.PrefixTransformerModifier) func() {
	w.swap.mu.Lock()
	defer w.swap.mu.Unlock()
	orig := w.swap.t
	cp := *orig.(*storagetesting.PrefixTransformer)
	w.swap.t = modifier(&cp)
	return func() {
		w.swap.mu.Lock()
		w.swap.t = orig
		w.swap.mu.Unlock()
	}
}

func (w *withTransformer) UpdateTransformer(modifier storagetesting.TransformerModifier) func() {
	w.swap.mu.Lock()
	defer w.swap.mu.Unlock()
	orig := w.swap.t
	w.swap.t = modifier(orig)
	return func() {
		w.swap.mu.Lock()
		w.swap.t = orig
		w.swap.mu.Unlock()
	}
}

func setup(t *testing.T, b Backend, prefix string) (context.Context, *withTransformer, Instance) {
	swap := &Swappable{t: storagetesting.NewPrefixTransformer([]byte("test!"), false)}
	inst := b.New(t, Config{
		Codec:          Codec,
		Transformer:    swap,
		Prefix:         prefix,
		ResourcePrefix: "/pods/",
		NewFunc:        NewPod,
		NewListFunc:    NewPodList,
	})
	return context.Background(), &withTransformer{Interface: inst.Store, swap: swap}, inst
}

// Run runs the whole suite against a backend.
func Run(t *testing.T, b Backend) {
	noKeyCheck := func(context.Context, *testing.T, string) {}
	noCallsCheck := func(*testing.T, uint64, uint64) {}
	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"Create", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestCreate(ctx, t, s, noKeyCheck)
		}},
		{"CreateWithTTL", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestCreateWithTTL(ctx, t, s)
		}},
		{"CreateWithKeyExist", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestCreateWithKeyExist(ctx, t, s)
		}},
		{"Get", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGet(ctx, t, s)
		}},
		{"UnconditionalDelete", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestUnconditionalDelete(ctx, t, s)
		}},
		{"ConditionalDelete", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestConditionalDelete(ctx, t, s)
		}},
		{"DeleteWithSuggestion", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDeleteWithSuggestion(ctx, t, s)
		}},
		{"DeleteWithSuggestionAndConflict", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, s)
		}},
		{"DeleteWithConflict", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDeleteWithConflict(ctx, t, s)
		}},
		{"DeleteWithSuggestionOfDeletedObject", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, s)
		}},
		{"ValidateDeletionWithSuggestion", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, s)
		}},
		{"ValidateDeletionWithOnlySuggestionValid", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, s)
		}},
		{"PreconditionalDeleteWithSuggestion", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, s)
		}},
		{"PreconditionalDeleteWithOnlySuggestionPass", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, s)
		}},
		{"GetListNonRecursive", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunTestGetListNonRecursive(ctx, t, inst.IncreaseRV, s)
		}},
		{"GetListRecursivePrefix", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGetListRecursivePrefix(ctx, t, s)
		}},
		{"ListContinuation", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestListContinuation(ctx, t, s, noCallsCheck)
		}},
		{"ListPaginationRareObject", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestListPaginationRareObject(ctx, t, s, noCallsCheck)
		}},
		{"ListContinuationWithFilter", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestListContinuationWithFilter(ctx, t, s, noCallsCheck)
		}},
		{"ListInconsistentContinuation", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunTestListInconsistentContinuation(ctx, t, s, inst.Compact)
		}},
		{"ListResourceVersionMatch", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestListResourceVersionMatch(ctx, t, s)
		}},
		{"ListPaging", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestListPaging(ctx, t, s)
		}},
		{"NamespaceScopedList", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestNamespaceScopedList(ctx, t, s)
		}},
		{"List", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunTestList(ctx, t, s, inst.Compact, false, nil)
		}},
		{"ConsistentList", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunTestConsistentList(ctx, t, s, inst.IncreaseRV, false, true, false)
		}},
		{"GuaranteedUpdate", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGuaranteedUpdate(ctx, t, s, noKeyCheck)
		}},
		{"GuaranteedUpdateWithTTL", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, s)
		}},
		{"GuaranteedUpdateChecksStoredData", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, s)
		}},
		{"GuaranteedUpdateWithConflict", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, s)
		}},
		{"GuaranteedUpdateWithSuggestionAndConflict", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, s)
		}},
		{"TransformationFailure", func(t *testing.T) {
			// The suite expects the classic internal error; with this gate
			// the etcd3 store reports a corrupt object instead.
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, false)
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestTransformationFailure(ctx, t, s)
		}},
		{"Watch", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestWatch(ctx, t, s)
		}},
		{"WatchFromZero", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunTestWatchFromZero(ctx, t, s, inst.Compact)
		}},
		{"DeleteTriggerWatch", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDeleteTriggerWatch(ctx, t, s)
		}},
		{"WatchFromNonZero", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestWatchFromNonZero(ctx, t, s)
		}},
		{"DelayedWatchDelivery", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestDelayedWatchDelivery(ctx, t, s)
		}},
		{"WatchError", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestWatchError(ctx, t, s)
		}},
		{"WatchContextCancel", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestWatchContextCancel(ctx, t, s)
		}},
		{"WatchDeleteEventObjectHaveLatestRV", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, s)
		}},
		{"ProgressNotify", func(t *testing.T) {
			ctx, s, inst := setup(t, b, "")
			storagetesting.RunOptionalTestProgressNotify(ctx, t, s, inst.IncreaseRV)
		}},
		{"ClusterScopedWatch", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestClusterScopedWatch(ctx, t, s)
		}},
		{"NamespaceScopedWatch", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunTestNamespaceScopedWatch(ctx, t, s)
		}},
		{"WatchSemantics", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunWatchSemantics(ctx, t, s)
		}},
		{"WatchSemanticInitialEventsExtended", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, s)
		}},
		{"WatchListMatchSingle", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunWatchListMatchSingle(ctx, t, s)
		}},
		{"SendInitialEventsBackwardCompatibility", func(t *testing.T) {
			ctx, s, _ := setup(t, b, "")
			storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, s)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}
