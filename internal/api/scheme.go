// Package api holds Marina's runtime.Scheme: every API group it serves, as
// the k8s.io/api types.
//
// Marina has no internal types. The API machinery converts each request to
// its group's "__internal" version before handing it to storage; Marina
// registers one served version's Go types (the hub) under that internal
// version too, so the conversion is a copy. Where a resource is served in
// two versions with different Go types (autoscaling/v1 and v2
// HorizontalPodAutoscalers, core and events.k8s.io Events), the hub is the
// storage version and package conversion converts the other one.
package api

import (
	"fmt"
	"reflect"

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
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/marina-orchestrator/marina/internal/conversion"
	"github.com/marina-orchestrator/marina/internal/defaults"
)

var (
	// Scheme knows every served type.
	Scheme = runtime.NewScheme()
	// Codecs serialises the served types.
	Codecs = serializer.NewCodecFactory(Scheme)
	// ParameterCodec decodes query parameters into option structs.
	ParameterCodec = runtime.NewParameterCodec(Scheme)
)

// Group is one served API group: its versions in order of preference and
// the version whose Go types are the hub (internal and storage) types.
type Group struct {
	Name     string
	Versions []string
	Hub      schema.GroupVersion
}

// Groups are the served groups, in discovery order.
var Groups = []Group{
	{Name: "", Versions: []string{"v1"}, Hub: corev1.SchemeGroupVersion},
	{Name: "apps", Versions: []string{"v1"}, Hub: appsv1.SchemeGroupVersion},
	{Name: "batch", Versions: []string{"v1"}, Hub: batchv1.SchemeGroupVersion},
	{Name: "autoscaling", Versions: []string{"v2", "v1"}, Hub: autoscalingv2.SchemeGroupVersion},
	{Name: "networking.k8s.io", Versions: []string{"v1"}, Hub: networkingv1.SchemeGroupVersion},
	{Name: "coordination.k8s.io", Versions: []string{"v1"}, Hub: coordinationv1.SchemeGroupVersion},
	{Name: "discovery.k8s.io", Versions: []string{"v1"}, Hub: discoveryv1.SchemeGroupVersion},
	{Name: "node.k8s.io", Versions: []string{"v1"}, Hub: nodev1.SchemeGroupVersion},
	{Name: "scheduling.k8s.io", Versions: []string{"v1"}, Hub: schedulingv1.SchemeGroupVersion},
	{Name: "storage.k8s.io", Versions: []string{"v1"}, Hub: storagev1.SchemeGroupVersion},
	// events.k8s.io Events are core Events in another shape.
	{Name: "events.k8s.io", Versions: []string{"v1"}, Hub: corev1.SchemeGroupVersion},
	// policy/v1 is registered for pods/eviction; it serves no resource.
	{Name: "policy", Versions: []string{"v1"}, Hub: policyv1.SchemeGroupVersion},
}

// InternalVersion is the internal version of a group.
func InternalVersion(group string) schema.GroupVersion {
	return schema.GroupVersion{Group: group, Version: runtime.APIVersionInternal}
}

func init() {
	utilruntime.Must(addToScheme(Scheme))
}

func addToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme,
		autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, networkingv1.AddToScheme,
		coordinationv1.AddToScheme, discoveryv1.AddToScheme, nodev1.AddToScheme,
		schedulingv1.AddToScheme, storagev1.AddToScheme, eventsv1.AddToScheme, policyv1.AddToScheme,
		defaults.AddToScheme, conversion.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	// Options, Status and discovery documents, as every API server has them.
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	s.AddUnversionedTypes(schema.GroupVersion{Version: "v1"},
		&metav1.Status{}, &metav1.APIVersions{}, &metav1.APIGroupList{},
		&metav1.APIGroup{}, &metav1.APIResourceList{})

	for _, g := range Groups {
		if err := registerHub(s, g); err != nil {
			return err
		}
	}
	return addFieldLabelConversions(s)
}

// registerHub registers the hub version's API types under the group's
// internal version.
func registerHub(s *runtime.Scheme, g Group) error {
	internal := InternalVersion(g.Name)
	for kind, t := range s.KnownTypes(g.Hub) {
		if t.PkgPath() == reflect.TypeOf(metav1.Status{}).PkgPath() {
			continue // options and watch events stay versioned
		}
		obj, ok := reflect.New(t).Interface().(runtime.Object)
		if !ok {
			return fmt.Errorf("%s %s is not a runtime.Object", g.Hub, kind)
		}
		s.AddKnownTypeWithName(internal.WithKind(kind), obj)
	}
	return nil
}

// StorageVersions is how a resource is kept: stored in its group's hub
// version, in memory as the group's internal version.
func StorageVersions(gr schema.GroupResource) (storage, memory schema.GroupVersion, err error) {
	for _, g := range Groups {
		if g.Name == gr.Group {
			return g.Hub, InternalVersion(gr.Group), nil
		}
	}
	return schema.GroupVersion{}, schema.GroupVersion{}, fmt.Errorf("resource %s is in no served group", gr)
}

// HubOf returns the hub version of a served group.
func HubOf(group string) (schema.GroupVersion, bool) {
	for _, g := range Groups {
		if g.Name == group {
			return g.Hub, true
		}
	}
	return schema.GroupVersion{}, false
}
