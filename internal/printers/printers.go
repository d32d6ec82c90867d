// Package printers renders Marina's built-in resources as server-side tables
// (as=Table), so that kubectl get shows the same columns against Marina as it
// does against kube-apiserver.
//
// Column names and cell formats follow kube-apiserver's printers. kubectl
// upper-cases the column names itself. Every row carries all cells,
// including those of priority-1 ("wide") columns: kubectl, not the server,
// decides whether -o wide shows them.
package printers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/rest"
)

// ForResource returns the table convertor for gr, or the generic NAME /
// CREATED AT convertor for resources without kind-specific columns.
func ForResource(gr schema.GroupResource) rest.TableConvertor {
	if c, ok := convertors[gr]; ok {
		return c
	}
	return rest.NewDefaultTableConvertor(gr)
}

var convertors = map[schema.GroupResource]rest.TableConvertor{
	{Group: "", Resource: "pods"}:                   podTable,
	{Group: "", Resource: "namespaces"}:             namespaceTable,
	{Group: "", Resource: "nodes"}:                  nodeTable,
	{Group: "", Resource: "services"}:               serviceTable,
	{Group: "", Resource: "endpoints"}:              endpointsTable,
	{Group: "", Resource: "configmaps"}:             configMapTable,
	{Group: "", Resource: "secrets"}:                secretTable,
	{Group: "", Resource: "events"}:                 eventTable,
	{Group: "", Resource: "replicationcontrollers"}: replicationControllerTable,
	{Group: "", Resource: "resourcequotas"}:         resourceQuotaTable,
	{Group: "", Resource: "limitranges"}:            limitRangeTable,
	{Group: "", Resource: "serviceaccounts"}:        serviceAccountTable,
	{Group: "", Resource: "persistentvolumes"}:      persistentVolumeTable,
	{Group: "", Resource: "persistentvolumeclaims"}: persistentVolumeClaimTable,

	{Group: "apps", Resource: "deployments"}:         deploymentTable,
	{Group: "apps", Resource: "replicasets"}:         replicaSetTable,
	{Group: "apps", Resource: "statefulsets"}:        statefulSetTable,
	{Group: "apps", Resource: "daemonsets"}:          daemonSetTable,
	{Group: "apps", Resource: "controllerrevisions"}: controllerRevisionTable,

	{Group: "batch", Resource: "jobs"}:     jobTable,
	{Group: "batch", Resource: "cronjobs"}: cronJobTable,

	{Group: "autoscaling", Resource: "horizontalpodautoscalers"}: hpaTable,

	{Group: "networking.k8s.io", Resource: "ingresses"}:      ingressTable,
	{Group: "networking.k8s.io", Resource: "ingressclasses"}: ingressClassTable,

	{Group: "coordination.k8s.io", Resource: "leases"}:        leaseTable,
	{Group: "discovery.k8s.io", Resource: "endpointslices"}:   endpointSliceTable,
	{Group: "node.k8s.io", Resource: "runtimeclasses"}:        runtimeClassTable,
	{Group: "storage.k8s.io", Resource: "storageclasses"}:     storageClassTable,
	{Group: "scheduling.k8s.io", Resource: "priorityclasses"}: priorityClassTable,
	// Marina serves events.k8s.io events from the same core/v1 objects.
	{Group: "events.k8s.io", Resource: "events"}: eventTable,
}

// table is a TableConvertor for objects of type T (a pointer to a k8s.io/api
// type) and for lists of them, so each resource only has to describe its
// columns and how one object fills them.
type table[T runtime.Object] struct {
	columns []metav1.TableColumnDefinition
	cells   func(T) []interface{}
	// conditions is optional; kubectl uses row conditions to tell finished
	// objects (such as completed pods) apart.
	conditions func(T) []metav1.TableRowCondition
}

func newTable[T runtime.Object](columns []metav1.TableColumnDefinition, cells func(T) []interface{}) *table[T] {
	return &table[T]{columns: columns, cells: cells}
}

// ConvertToTable implements rest.TableConvertor.
func (t *table[T]) ConvertToTable(_ context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	noHeaders, err := noHeaders(tableOptions)
	if err != nil {
		return nil, err
	}

	out := &metav1.Table{}
	if meta.IsListType(object) {
		items, err := meta.ExtractList(object)
		if err != nil {
			return nil, err
		}
		out.Rows = make([]metav1.TableRow, 0, len(items))
		for _, item := range items {
			row, err := t.row(item)
			if err != nil {
				return nil, err
			}
			out.Rows = append(out.Rows, row)
		}
		if list, err := meta.ListAccessor(object); err == nil {
			out.ResourceVersion = list.GetResourceVersion()
			out.SelfLink = list.GetSelfLink()
			out.Continue = list.GetContinue()
			out.RemainingItemCount = list.GetRemainingItemCount()
		}
	} else {
		row, err := t.row(object)
		if err != nil {
			return nil, err
		}
		out.Rows = []metav1.TableRow{row}
		if m, err := meta.Accessor(object); err == nil {
			out.ResourceVersion = m.GetResourceVersion()
			out.SelfLink = m.GetSelfLink()
		}
	}

	if !noHeaders {
		// Copy so a caller editing the table cannot corrupt the shared definitions.
		out.ColumnDefinitions = append([]metav1.TableColumnDefinition(nil), t.columns...)
	}
	return out, nil
}

func (t *table[T]) row(obj runtime.Object) (metav1.TableRow, error) {
	typed, ok := obj.(T)
	if !ok {
		var want T
		return metav1.TableRow{}, fmt.Errorf("printers: cannot print %T as a table of %T", obj, want)
	}
	row := metav1.TableRow{
		Cells:  t.cells(typed),
		Object: runtime.RawExtension{Object: obj},
	}
	if t.conditions != nil {
		row.Conditions = t.conditions(typed)
	}
	return row, nil
}

// noHeaders rejects unknown option types, as kube-apiserver does, rather than
// silently ignoring options the caller expected to take effect.
func noHeaders(tableOptions runtime.Object) (bool, error) {
	switch opts := tableOptions.(type) {
	case nil:
		return false, nil
	case *metav1.TableOptions:
		return opts != nil && opts.NoHeaders, nil
	default:
		return false, fmt.Errorf("printers: unrecognized table options type %T", tableOptions)
	}
}

var objectMetaDocs = metav1.ObjectMeta{}.SwaggerDoc()

// nameColumn is marked Format "name" so kubectl knows which cell identifies
// the object (e.g. for -o name and --show-kind).
func nameColumn() metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDocs["name"]}
}

func ageColumn() metav1.TableColumnDefinition {
	return column("Age", "string", objectMetaDocs["creationTimestamp"])
}

func column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wideColumn is a column kubectl only shows with -o wide.
func wideColumn(name, typ, description string) metav1.TableColumnDefinition {
	return wide(column(name, typ, description))
}

func wide(c metav1.TableColumnDefinition) metav1.TableColumnDefinition {
	c.Priority = 1
	return c
}

// Pod-template columns shared by the workload controllers.
func containersColumn() metav1.TableColumnDefinition {
	return wideColumn("Containers", "string", "Names of each container in the template.")
}

func imagesColumn() metav1.TableColumnDefinition {
	return wideColumn("Images", "string", "Images referenced by each container in the template.")
}
