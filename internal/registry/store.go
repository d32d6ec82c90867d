package registry

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/marina-orchestrator/marina/internal/printers"
)

// Deps are what subresources need beyond their resource's store.
type Deps struct {
	// Agents reaches the node agents, for pods' log, exec, attach and
	// port-forward. Nil: those answer 503.
	Agents AgentConnector
	// Services allocates services' cluster IPs and node ports. Nil: none
	// are allocated (tests of other resources).
	Services *ServiceAllocator
}

// Store is a resource's main storage: the generic store plus the resource
// description, for subresources built over it.
type Store struct {
	*genericregistry.Store
	Resource *Resource
	strategy strategy
}

// NewStorage builds the REST storage of a resource and its subresources,
// keyed by the path the API server installs them at ("pods",
// "pods/status", ...).
//
// hub is the group version whose Go types the resource's objects are; its
// <Kind>List is the list type. deps are what subresources reach outside
// the store.
func NewStorage(r *Resource, scheme *runtime.Scheme, hub schema.GroupVersion, opts generic.RESTOptionsGetter, deps Deps) (map[string]rest.Storage, error) {
	if r.NewList == nil {
		listKind := hub.WithKind(r.Kind + "List")
		if !scheme.Recognizes(listKind) {
			return nil, fmt.Errorf("storage of %s: no list type %s", r.GroupResource(), listKind)
		}
		r.NewList = func() runtime.Object {
			obj, _ := scheme.New(listKind)
			return obj
		}
	}
	st := newStrategy(scheme, r)
	gr := r.GroupResource()
	store := &genericregistry.Store{
		NewFunc:                   r.New,
		NewListFunc:               r.NewList,
		DefaultQualifiedResource:  gr,
		SingularQualifiedResource: schema.GroupResource{Group: r.Group, Resource: strings.ToLower(r.Kind)},
		CreateStrategy:            st,
		UpdateStrategy:            st,
		DeleteStrategy:            st,
		ResetFieldsStrategy:       st,
		TableConvertor:            printers.ForResource(gr),
	}
	if r.GracefulDelete != nil {
		store.DeleteStrategy = gracefulStrategy{st}
	}
	if r.TTL != nil {
		store.TTLFunc = r.TTL
	}
	if r.StorageResource != nil {
		opts = aliasGetter{RESTOptionsGetter: opts, gr: *r.StorageResource}
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: opts, AttrFunc: r.attrs}); err != nil {
		return nil, fmt.Errorf("storage of %s: %w", gr, err)
	}
	s := &Store{Store: store, Resource: r, strategy: st}
	out := map[string]rest.Storage{r.Resource: s}
	if r.WrapStore != nil {
		out[r.Resource] = r.WrapStore(s)
	}
	if r.Status {
		out[r.Resource+"/status"] = newStatusREST(s)
	}
	if r.Scale != nil {
		out[r.Resource+"/scale"] = &scaleREST{store: s}
	}
	if r.Subresources != nil {
		for name, sub := range r.Subresources(s, deps) {
			out[r.Resource+"/"+name] = sub
		}
	}
	if r.Hooks != nil {
		// After the subresources: they copy the store, and the hooks
		// belong to writes of the main resource only.
		r.Hooks(store, deps)
	}
	return out, nil
}

// aliasGetter stores a resource under another resource's keys.
type aliasGetter struct {
	generic.RESTOptionsGetter
	gr schema.GroupResource
}

func (a aliasGetter) GetRESTOptions(_ schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	return a.RESTOptionsGetter.GetRESTOptions(a.gr, example)
}

var (
	_ rest.ShortNamesProvider = (*Store)(nil)
	_ rest.CategoriesProvider = (*Store)(nil)
)

// ShortNames are the abbreviations kubectl accepts (discovery serves them).
func (s *Store) ShortNames() []string { return s.Resource.ShortNames }

// Categories are the groups kubectl expands, e.g. "all".
func (s *Store) Categories() []string { return s.Resource.Categories }
