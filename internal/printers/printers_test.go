package printers

import (
	"context"
	"os"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// testNow is the fixed clock every AGE-style cell is measured against.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	now = func() time.Time { return testNow }
	os.Exit(m.Run())
}

// ago is a timestamp d before testNow.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(testNow.Add(-d)) }

func agoPtr(d time.Duration) *metav1.Time { t := ago(d); return &t }

func ptr[T any](v T) *T { return &v }

func objMeta(name string, created time.Duration) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(created)}
}

var (
	podsGR = schema.GroupResource{Resource: "pods"}
)

// convert runs gr's convertor with headers on and fails the test on error.
func convert(t *testing.T, gr schema.GroupResource, obj runtime.Object) *metav1.Table {
	t.Helper()
	table, err := ForResource(gr).ConvertToTable(context.Background(), obj, &metav1.TableOptions{})
	if err != nil {
		t.Fatalf("ConvertToTable(%s): %v", gr, err)
	}
	return table
}

// rowCells converts a single object and returns its only row's cells,
// checking the row lines up with the column definitions.
func rowCells(t *testing.T, gr schema.GroupResource, obj runtime.Object) []interface{} {
	t.Helper()
	table := convert(t, gr, obj)
	if len(table.Rows) != 1 {
		t.Fatalf("%s: got %d rows, want 1", gr, len(table.Rows))
	}
	row := table.Rows[0]
	if len(row.Cells) != len(table.ColumnDefinitions) {
		t.Fatalf("%s: %d cells for %d columns: %#v", gr, len(row.Cells), len(table.ColumnDefinitions), row.Cells)
	}
	if row.Object.Object != obj {
		t.Errorf("%s: row object is %p, want the converted object %p", gr, row.Object.Object, obj)
	}
	return row.Cells
}

// checkCells compares cells exactly, including their Go types, since kubectl
// renders int64 and string cells differently in JSON.
func checkCells(t *testing.T, gr schema.GroupResource, obj runtime.Object, want []interface{}) {
	t.Helper()
	got := rowCells(t, gr, obj)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cells mismatch\n got: %#v\nwant: %#v", got, want)
	}
}

func TestForResourceColumns(t *testing.T) {
	tests := []struct {
		name    string
		gr      schema.GroupResource
		columns []string
		wide    []string
	}{
		{"pods", podsGR, []string{"Name", "Ready", "Status", "Restarts", "Age"}, []string{"IP", "Node", "Nominated Node", "Readiness Gates"}},
		{"namespaces", schema.GroupResource{Resource: "namespaces"}, []string{"Name", "Status", "Age"}, nil},
		{"nodes", schema.GroupResource{Resource: "nodes"}, []string{"Name", "Status", "Roles", "Age", "Version"}, []string{"Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"}},
		{"services", schema.GroupResource{Resource: "services"}, []string{"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"}, []string{"Selector"}},
		{"endpoints", schema.GroupResource{Resource: "endpoints"}, []string{"Name", "Endpoints", "Age"}, nil},
		{"configmaps", schema.GroupResource{Resource: "configmaps"}, []string{"Name", "Data", "Age"}, nil},
		{"secrets", schema.GroupResource{Resource: "secrets"}, []string{"Name", "Type", "Data", "Age"}, nil},
		{"events", schema.GroupResource{Resource: "events"}, []string{"Last Seen", "Type", "Reason", "Object", "Message"}, []string{"Subobject", "Source", "First Seen", "Count", "Name"}},
		{"events.k8s.io events", schema.GroupResource{Group: "events.k8s.io", Resource: "events"}, []string{"Last Seen", "Type", "Reason", "Object", "Message"}, []string{"Subobject", "Source", "First Seen", "Count", "Name"}},
		{"replicationcontrollers", schema.GroupResource{Resource: "replicationcontrollers"}, []string{"Name", "Desired", "Current", "Ready", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"resourcequotas", schema.GroupResource{Resource: "resourcequotas"}, []string{"Name", "Request", "Limit", "Age"}, nil},
		{"limitranges", schema.GroupResource{Resource: "limitranges"}, []string{"Name", "Created At"}, nil},
		{"serviceaccounts", schema.GroupResource{Resource: "serviceaccounts"}, []string{"Name", "Secrets", "Age"}, nil},
		{"persistentvolumes", schema.GroupResource{Resource: "persistentvolumes"}, []string{"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age"}, []string{"VolumeMode"}},
		{"persistentvolumeclaims", schema.GroupResource{Resource: "persistentvolumeclaims"}, []string{"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age"}, []string{"VolumeMode"}},
		{"deployments", schema.GroupResource{Group: "apps", Resource: "deployments"}, []string{"Name", "Ready", "Up-to-date", "Available", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"replicasets", schema.GroupResource{Group: "apps", Resource: "replicasets"}, []string{"Name", "Desired", "Current", "Ready", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"statefulsets", schema.GroupResource{Group: "apps", Resource: "statefulsets"}, []string{"Name", "Ready", "Age"}, []string{"Containers", "Images"}},
		{"daemonsets", schema.GroupResource{Group: "apps", Resource: "daemonsets"}, []string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"controllerrevisions", schema.GroupResource{Group: "apps", Resource: "controllerrevisions"}, []string{"Name", "Controller", "Revision", "Age"}, nil},
		{"jobs", schema.GroupResource{Group: "batch", Resource: "jobs"}, []string{"Name", "Status", "Completions", "Duration", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"cronjobs", schema.GroupResource{Group: "batch", Resource: "cronjobs"}, []string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"}, []string{"Containers", "Images", "Selector"}},
		{"horizontalpodautoscalers", schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}, []string{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"}, nil},
		{"ingresses", schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, []string{"Name", "Class", "Hosts", "Address", "Ports", "Age"}, nil},
		{"ingressclasses", schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}, []string{"Name", "Controller", "Parameters", "Age"}, nil},
		{"leases", schema.GroupResource{Group: "coordination.k8s.io", Resource: "leases"}, []string{"Name", "Holder", "Age"}, nil},
		{"endpointslices", schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}, []string{"Name", "AddressType", "Ports", "Endpoints", "Age"}, nil},
		{"runtimeclasses", schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"}, []string{"Name", "Handler", "Age"}, nil},
		{"priorityclasses", schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}, []string{"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ForResource(tt.gr).ConvertToTable(context.Background(), &metav1.List{}, nil)
			if err != nil {
				t.Fatalf("ConvertToTable: %v", err)
			}
			var columns, wide []string
			for _, c := range table.ColumnDefinitions {
				switch c.Priority {
				case 0:
					columns = append(columns, c.Name)
				case 1:
					wide = append(wide, c.Name)
				default:
					t.Errorf("column %q has priority %d", c.Name, c.Priority)
				}
				if c.Type == "" || c.Description == "" {
					t.Errorf("column %q lacks a type or description: %+v", c.Name, c)
				}
				if (c.Format == "name") != (c.Name == "Name") {
					t.Errorf("column %q has format %q", c.Name, c.Format)
				}
			}
			if !reflect.DeepEqual(columns, tt.columns) {
				t.Errorf("columns = %q, want %q", columns, tt.columns)
			}
			if !reflect.DeepEqual(wide, tt.wide) {
				t.Errorf("wide columns = %q, want %q", wide, tt.wide)
			}
		})
	}
}

func TestForResourceUnknownUsesDefault(t *testing.T) {
	gr := schema.GroupResource{Group: "example.marina.dev", Resource: "widgets"}
	obj := &corev1.ConfigMap{ObjectMeta: objMeta("w", time.Hour)}
	table, err := ForResource(gr).ConvertToTable(context.Background(), obj, nil)
	if err != nil {
		t.Fatalf("ConvertToTable: %v", err)
	}
	var names []string
	for _, c := range table.ColumnDefinitions {
		names = append(names, c.Name)
	}
	if want := []string{"Name", "Created At"}; !reflect.DeepEqual(names, want) {
		t.Errorf("columns = %q, want the default %q", names, want)
	}
}

func TestListHandling(t *testing.T) {
	tests := []struct {
		name  string
		list  *corev1.PodList
		names []string
	}{
		{
			name: "two pods with paging metadata",
			list: &corev1.PodList{
				ListMeta: metav1.ListMeta{ResourceVersion: "42", Continue: "next-page", RemainingItemCount: ptr(int64(7))},
				Items: []corev1.Pod{
					{ObjectMeta: objMeta("a", time.Minute), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
					{ObjectMeta: objMeta("b", time.Hour), Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}},
				},
			},
			names: []string{"a", "b"},
		},
		{
			name:  "empty list",
			list:  &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "9"}},
			names: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := convert(t, podsGR, tt.list)
			if table.ResourceVersion != tt.list.ResourceVersion || table.Continue != tt.list.Continue ||
				!reflect.DeepEqual(table.RemainingItemCount, tt.list.RemainingItemCount) {
				t.Errorf("list meta = %+v, want %+v", table.ListMeta, tt.list.ListMeta)
			}
			if table.Rows == nil {
				t.Errorf("rows are nil; an empty list should give an empty, non-nil slice")
			}
			names := []string{}
			for i, row := range table.Rows {
				names = append(names, row.Cells[0].(string))
				if row.Object.Object != &tt.list.Items[i] {
					t.Errorf("row %d does not carry list item %d", i, i)
				}
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("row names = %q, want %q", names, tt.names)
			}
		})
	}
}

func TestSingleObjectMeta(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: objMeta("a", time.Minute)}
	pod.ResourceVersion = "17"
	pod.SelfLink = "/api/v1/namespaces/default/pods/a"
	table := convert(t, podsGR, pod)
	if table.ResourceVersion != "17" || table.SelfLink != pod.SelfLink {
		t.Errorf("list meta = %+v, want resourceVersion 17 and the pod's selfLink", table.ListMeta)
	}
	if table.Continue != "" || table.RemainingItemCount != nil {
		t.Errorf("single object table has paging metadata: %+v", table.ListMeta)
	}
}

func TestTableOptions(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: objMeta("a", time.Minute)}
	tests := []struct {
		name        string
		options     runtime.Object
		wantHeaders bool
		wantErr     bool
	}{
		{name: "nil options", options: nil, wantHeaders: true},
		{name: "typed nil options", options: (*metav1.TableOptions)(nil), wantHeaders: true},
		{name: "headers", options: &metav1.TableOptions{}, wantHeaders: true},
		{name: "no headers", options: &metav1.TableOptions{NoHeaders: true}, wantHeaders: false},
		{name: "unrecognized options", options: &metav1.ListOptions{}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ForResource(podsGR).ConvertToTable(context.Background(), pod, tt.options)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ConvertToTable: %v", err)
			}
			if got := table.ColumnDefinitions != nil; got != tt.wantHeaders {
				t.Errorf("has column definitions = %v, want %v", got, tt.wantHeaders)
			}
			if len(table.Rows) != 1 || len(table.Rows[0].Cells) != len(podTable.columns) {
				t.Errorf("rows must be complete with or without headers: %+v", table.Rows)
			}
		})
	}
}

func TestWrongObjectType(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: objMeta("s", time.Minute)}
	if _, err := ForResource(podsGR).ConvertToTable(context.Background(), svc, nil); err == nil {
		t.Fatal("converting a service with the pod convertor should fail")
	}
}

func TestColumnDefinitionsAreCopied(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: objMeta("a", time.Minute)}
	table := convert(t, podsGR, pod)
	table.ColumnDefinitions[0].Name = "mangled"
	if again := convert(t, podsGR, pod); again.ColumnDefinitions[0].Name != "Name" {
		t.Fatalf("editing one table changed the next: %q", again.ColumnDefinitions[0].Name)
	}
}

func TestAge(t *testing.T) {
	tests := []struct {
		name    string
		created metav1.Time
		want    string
	}{
		{"unset", metav1.Time{}, "<unknown>"},
		{"seconds", ago(5 * time.Second), "5s"},
		{"minutes", ago(3 * time.Minute), "3m"},
		{"minutes and seconds", ago(3*time.Minute + 20*time.Second), "3m20s"},
		{"hours", ago(5 * time.Hour), "5h"},
		{"days", ago(48 * time.Hour), "2d"},
		{"slightly in the future", metav1.NewTime(testNow.Add(time.Second)), "0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := age(tt.created); got != tt.want {
				t.Errorf("age = %q, want %q", got, tt.want)
			}
		})
	}
}
