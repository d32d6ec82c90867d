package registry

import (
	"context"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// strategy is the create, update and delete strategy of every resource;
// what differs between kinds comes from the Resource.
type strategy struct {
	runtime.ObjectTyper
	names.NameGenerator
	res *Resource
}

var (
	_ rest.RESTCreateStrategy  = strategy{}
	_ rest.RESTUpdateStrategy  = strategy{}
	_ rest.RESTDeleteStrategy  = strategy{}
	_ rest.ResetFieldsStrategy = strategy{}
)

func newStrategy(typer runtime.ObjectTyper, res *Resource) strategy {
	return strategy{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, res: res}
}

func (s strategy) NamespaceScoped() bool { return s.res.Namespaced }

// PrepareForCreate starts objects with status cleared (for kinds whose
// status is written through /status) and generation 1.
func (s strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	if s.res.Status {
		resetField(obj, "Status")
	}
	if m, err := meta.Accessor(obj); err == nil && hasField(obj, "Spec") {
		m.SetGeneration(1)
	}
	if s.res.PrepareForCreate != nil {
		s.res.PrepareForCreate(obj)
	}
}

// PrepareForUpdate keeps the status (only /status changes it) and bumps the
// generation when the spec changed, as Kubernetes does.
func (s strategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	if s.res.Status {
		copyField(obj, old, "Status")
	}
	if hasField(obj, "Spec") {
		newMeta, err1 := meta.Accessor(obj)
		oldMeta, err2 := meta.Accessor(old)
		if err1 == nil && err2 == nil {
			newMeta.SetGeneration(oldMeta.GetGeneration())
			if !equality.Semantic.DeepEqual(field0(obj, "Spec"), field0(old, "Spec")) {
				newMeta.SetGeneration(oldMeta.GetGeneration() + 1)
			}
		}
	}
	if s.res.PrepareForUpdate != nil {
		s.res.PrepareForUpdate(obj, old)
	}
}

func (s strategy) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	if s.res.Validate == nil {
		return nil
	}
	return s.res.Validate(obj)
}

func (s strategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.res.ValidateUpdate == nil {
		return nil
	}
	return s.res.ValidateUpdate(obj, old)
}

func (strategy) WarningsOnCreate(context.Context, runtime.Object) []string { return nil }
func (strategy) WarningsOnUpdate(context.Context, runtime.Object, runtime.Object) []string {
	return nil
}
func (strategy) Canonicalize(runtime.Object)                   {}
func (s strategy) AllowCreateOnUpdate(context.Context) bool    { return s.res.AllowCreateOnUpdate }
func (strategy) AllowUnconditionalUpdate(context.Context) bool { return true }

// GetResetFields tells server-side apply that the main resource does not
// own the status.
func (s strategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	if !s.res.Status {
		return nil
	}
	return s.resetFields(fieldpath.NewSet(fieldpath.MakePathOrDie("status")))
}

func (s strategy) resetFields(set *fieldpath.Set) map[fieldpath.APIVersion]*fieldpath.Set {
	out := map[fieldpath.APIVersion]*fieldpath.Set{}
	for _, v := range s.res.Versions {
		out[fieldpath.APIVersion(s.res.GroupVersionKind(v).GroupVersion().String())] = set
	}
	return out
}

// gracefulStrategy adds the pod-style graceful delete decision.
type gracefulStrategy struct{ strategy }

func (s gracefulStrategy) CheckGracefulDelete(ctx context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	return s.res.GracefulDelete(obj, options)
}

// statusStrategy updates only the status: everything else is carried over
// from the stored object.
type statusStrategy struct{ strategy }

func (s statusStrategy) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	// The request's resourceVersion (its precondition) and field ownership
	// stay; everything but the status comes from the stored object.
	rv, managed := m.GetResourceVersion(), m.GetManagedFields()
	status := field0(obj, "Status")
	reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(old.DeepCopyObject()).Elem())
	if status != nil {
		reflect.ValueOf(obj).Elem().FieldByName("Status").Set(reflect.ValueOf(status))
	}
	if m, err = meta.Accessor(obj); err == nil {
		m.SetResourceVersion(rv)
		m.SetManagedFields(managed)
	}
}

func (s statusStrategy) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	if s.res.ValidateStatusUpdate != nil {
		return s.res.ValidateStatusUpdate(obj, old)
	}
	// Metadata rules still apply; the spec cannot have changed.
	return s.strategy.ValidateUpdate(ctx, obj, old)
}

// GetResetFields tells server-side apply that /status owns only the status.
func (s statusStrategy) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return s.resetFields(fieldpath.NewSet(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("metadata")))
}

// attrs returns the labels and selectable fields of an object.
func (r *Resource) attrs(obj runtime.Object) (labels.Set, fields.Set, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil, err
	}
	set := fields.Set{"metadata.name": m.GetName()}
	if r.Namespaced {
		set["metadata.namespace"] = m.GetNamespace()
	}
	if r.Fields != nil {
		for k, v := range r.Fields(obj) {
			set[k] = v
		}
	}
	return m.GetLabels(), set, nil
}

func structValue(obj runtime.Object) (reflect.Value, bool) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	return v.Elem(), true
}

func hasField(obj runtime.Object, name string) bool {
	v, ok := structValue(obj)
	return ok && v.FieldByName(name).IsValid()
}

// field0 returns the value of a top-level field, or nil.
func field0(obj runtime.Object, name string) any {
	v, ok := structValue(obj)
	if !ok {
		return nil
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return nil
	}
	return f.Interface()
}

func resetField(obj runtime.Object, name string) {
	if v, ok := structValue(obj); ok {
		if f := v.FieldByName(name); f.IsValid() && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
}

// copyField sets dst's top-level field to a deep copy of src's.
func copyField(dst, src runtime.Object, name string) {
	dv, ok1 := structValue(dst)
	sv, ok2 := structValue(src.DeepCopyObject())
	if !ok1 || !ok2 {
		return
	}
	if f := dv.FieldByName(name); f.IsValid() && f.CanSet() {
		f.Set(sv.FieldByName(name))
	}
}
