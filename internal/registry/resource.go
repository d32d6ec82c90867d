// Package registry describes every resource Marina serves and builds its
// storage: a k8s.io/apiserver generic store driven by one strategy type
// whose behaviour comes from the Resource description (defaults come from
// the scheme, validation from package validation, tables from package
// printers). Subresources (status, scale, pods/binding, pods/eviction,
// namespaces/finalize) are small REST types over the same store.
//
//	Resource ──► strategy (prepare, validate, attrs) ──┐
//	          └► printers.ForResource (tables)         ├─► genericregistry.Store ─► storage.Interface
//	                                                    │       ├─ /status  (statusREST)
//	                                                    │       └─ /scale   (scaleREST)
package registry

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Resource describes one served resource. Objects are always the hub Go
// type of its group (see package api).
type Resource struct {
	Group    string
	Resource string // plural, lower case
	Kind     string
	// Versions the resource is served in, preferred first.
	Versions   []string
	Namespaced bool
	ShortNames []string
	Categories []string

	New     func() runtime.Object
	NewList func() runtime.Object

	// StorageResource, when set, stores the objects with another resource
	// (events.k8s.io Events live with core Events).
	StorageResource *schema.GroupResource

	// PrepareForCreate clears what a client may not set and fills in what
	// the server decides (status, generated fields). Optional.
	PrepareForCreate func(obj runtime.Object)
	// PrepareForUpdate carries over from old what an update may not change.
	// Optional; spec/status separation is handled generically.
	PrepareForUpdate func(obj, old runtime.Object)
	Validate         func(obj runtime.Object) field.ErrorList
	ValidateUpdate   func(obj, old runtime.Object) field.ErrorList
	// AllowCreateOnUpdate lets PUT create the object, as Kubernetes allows
	// for endpoints, leases and events.
	AllowCreateOnUpdate bool
	// Fields adds the kind's selectable fields (api.SelectableFields) to
	// metadata.name and metadata.namespace.
	Fields func(obj runtime.Object) fields.Set
	// TTL, when set, makes objects expire (events do after an hour).
	TTL func(obj runtime.Object, existing uint64, update bool) (uint64, error)
	// GracefulDelete decides the grace period of a delete (pods).
	GracefulDelete func(obj runtime.Object, options *metav1.DeleteOptions) bool

	// Status serves a status subresource that updates only the status.
	Status bool
	// ValidateStatusUpdate replaces ValidateUpdate for status updates.
	// Optional.
	ValidateStatusUpdate func(obj, old runtime.Object) field.ErrorList
	// Scale serves a scale subresource.
	Scale *Scale
	// Subresources adds further subresources built over the main store.
	Subresources func(s *Store, deps Deps) map[string]rest.Storage
	// WrapStore replaces the main REST (namespaces delete differently).
	WrapStore func(s *Store) rest.Storage
	// Hooks installs hooks on the main store (services allocate their
	// addresses and ports while they are written). Optional.
	Hooks func(s *genericregistry.Store, deps Deps)
}

// GroupResource is the resource's API group and plural name.
func (r *Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Resource}
}

// GroupVersionKind of the resource in one of its versions.
func (r *Resource) GroupVersionKind(version string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: version, Kind: r.Kind}
}

// Scale describes where a resource keeps its replica counts.
type Scale struct {
	// Get returns spec replicas, status replicas and the label selector
	// of the pods, in its string form.
	Get func(obj runtime.Object) (spec, status int32, selector string)
	// Set changes spec replicas.
	Set func(obj runtime.Object, replicas int32)
}
